#include "server/oauth/userinfo_endpoint.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {

absl::StatusOr<UserInfo> UserInfoEndpoint::Get(
    absl::string_view access_token) const {
  if (access_token.empty()) {
    return OAuthFailure(OAuthError::kInvalidToken, "no access token");
  }
  auto verified = access_tokens_->Check(access_token);
  if (!verified.ok()) return verified.status();
  const jwt::Claims& claims = verified->claims;
  const std::vector<std::string> scopes = absl::StrSplit(
      claims.GetString("scope").value_or(""), ' ', absl::SkipEmpty());
  // A user's token has auth_time; a client_credentials token has none.
  if (!HasScope(scopes, "openid") || !claims.other.contains("auth_time")) {
    return OAuthFailure(OAuthError::kInsufficientScope,
                        "the access token was not granted openid for a user");
  }
  auto user = users_->GetUser(claims.sub.value_or(""));
  if (user.status().code() == absl::StatusCode::kNotFound ||
      (user.ok() && user->disabled)) {
    return OAuthFailure(OAuthError::kInvalidToken,
                        "the user no longer exists or is disabled");
  }
  if (!user.ok()) return user.status();
  UserInfo info;
  info.sub = user->user_id;
  info.client_id = claims.GetString("client_id").value_or("");
  info.claims = ReleaseClaims(*user, scopes, ClaimTarget::kUserInfo);
  return info;
}

}  // namespace identity::server
