#include "server/oauth/consents.h"

#include <algorithm>

#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<bool> Consents::Needed(const storage::ClientRecord& client,
                                      absl::string_view user_id,
                                      const std::vector<std::string>& scopes,
                                      bool prompt_consent) const {
  if (!client.third_party) return false;
  if (prompt_consent) return true;
  auto covered = Covers(user_id, client.client_id, scopes);
  if (!covered.ok()) return covered.status();
  return !*covered;
}

absl::StatusOr<bool> Consents::Covers(
    absl::string_view user_id, absl::string_view client_id,
    const std::vector<std::string>& scopes) const {
  auto consent = store_->GetConsent(user_id, client_id);
  if (consent.status().code() == absl::StatusCode::kNotFound) return false;
  if (!consent.ok()) return consent.status();
  // consent->scopes is sorted.
  return std::all_of(scopes.begin(), scopes.end(),
                     [&](const std::string& scope) {
                       return std::binary_search(consent->scopes.begin(),
                                                 consent->scopes.end(), scope);
                     });
}

absl::Status Consents::Grant(absl::string_view user_id,
                             absl::string_view client_id,
                             const std::vector<std::string>& scopes) const {
  const absl::Time now =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  return store_->GrantConsent(user_id, client_id, scopes, now).status();
}

absl::StatusOr<std::vector<storage::ConsentRecord>> Consents::List(
    absl::string_view user_id) const {
  if (user_id.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "user_id is required");
  }
  return store_->ListUserConsents(user_id);
}

absl::Status Consents::Revoke(absl::string_view user_id,
                              absl::string_view client_id) const {
  if (user_id.empty() || client_id.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "user_id and client_id are required");
  }
  const absl::Status forgotten = store_->RevokeConsent(user_id, client_id);
  if (!forgotten.ok() && forgotten.code() != absl::StatusCode::kNotFound) {
    return forgotten;
  }
  if (absl::Status s = revoker_->RevokeUserClientGrants(user_id, client_id);
      !s.ok()) {
    return s;
  }
  return forgotten.ok() ? absl::OkStatus()
                        : absl::NotFoundError("no such consent");
}

}  // namespace identity::server
