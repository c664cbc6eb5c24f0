#include "server/oauth/token_endpoint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<IssuedToken> TokenEndpoint::Exchange(
    const TokenRequestFields& request) const {
  absl::StatusOr<IssuedToken> issued = Dispatch(request);
  const absl::string_view grant_type = GrantTypeLabel(request.grant_type);
  if (issued.ok()) {
    // Authenticated by now: request.client_id names a registered client.
    events_->TokenIssued(grant_type, request.client_id);
  } else {
    events_->TokenRefused(grant_type, OAuthErrorCodeOf(issued.status()));
  }
  return issued;
}

absl::StatusOr<IssuedToken> TokenEndpoint::Dispatch(
    const TokenRequestFields& request) const {
  if (request.grant_type.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "grant_type is required");
  }
  auto grant = grants_.find(request.grant_type);
  if (grant == grants_.end()) {
    return OAuthFailure(OAuthError::kUnsupportedGrantType,
                        absl::StrCat("grant_type must be one of ",
                                     absl::StrJoin(GrantTypes(), ", ")));
  }
  return grant->second->Exchange(request);
}

std::vector<std::string> TokenEndpoint::GrantTypes() const {
  std::vector<std::string> types;
  for (const auto& [type, grant] : grants_) types.push_back(type);
  return types;
}

}  // namespace identity::server
