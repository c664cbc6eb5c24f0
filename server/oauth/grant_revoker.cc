#include "server/oauth/grant_revoker.h"

#include <string>
#include <vector>

namespace identity::server {

absl::Status GrantRevoker::RevokeGrant(absl::string_view grant_id) const {
  if (auto revoked = grants_->RevokeRefreshFamily(grant_id); !revoked.ok()) {
    return revoked.status();
  }
  // Tokens that expire within the leeway still verify: ask from now minus it.
  auto issued =
      grants_->GrantAccessTokens(grant_id, clock_->Now() - kReplicaClockLeeway);
  if (!issued.ok()) return issued.status();
  for (const storage::IssuedAccessToken& token : *issued) {
    if (absl::Status s = access_tokens_->Revoke(token.jti, token.expires_at);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status GrantRevoker::RevokeUserGrants(absl::string_view user_id) const {
  auto grants =
      grants_->UserGrants(user_id, clock_->Now() - kReplicaClockLeeway);
  if (!grants.ok()) return grants.status();
  for (const std::string& grant_id : *grants) {
    if (absl::Status s = RevokeGrant(grant_id); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status GrantRevoker::RevokeUserClientGrants(
    absl::string_view user_id, absl::string_view client_id) const {
  auto grants = grants_->UserClientGrants(user_id, client_id,
                                          clock_->Now() - kReplicaClockLeeway);
  if (!grants.ok()) return grants.status();
  for (const std::string& grant_id : *grants) {
    if (absl::Status s = RevokeGrant(grant_id); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace identity::server
