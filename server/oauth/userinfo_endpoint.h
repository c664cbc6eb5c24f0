// The UserInfo endpoint (OIDC Core §5.3): the claims of the user an access
// token was issued for, as its scopes release them (§5.4).
#ifndef IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_
#define IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_

#include <string>

#include "absl/status/statusor.h"
#include "jwt/json.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/user_store.h"

namespace identity::server {

struct UserInfo {
  std::string sub;
  std::string client_id;  // The client the access token was issued to.
  // The claims the token's scopes release (claim_release.h, kUserInfo): the
  // members of a JSON object, without "sub". Both faces copy them.
  jwt::Json claims;
};

// Thread-safe. Everything passed in must outlive it.
class UserInfoEndpoint {
 public:
  UserInfoEndpoint(const OwnAccessTokens* access_tokens,
                   storage::UserStore* users)
      : access_tokens_(access_tokens), users_(users) {}

  // Errors: kInvalidToken (Unauthenticated: missing, invalid, expired or
  // revoked token; its user gone or disabled); kInsufficientScope (no
  // openid scope, or not a user's token); the store's.
  absl::StatusOr<UserInfo> Get(absl::string_view access_token) const;

 private:
  const OwnAccessTokens* const access_tokens_;
  storage::UserStore* const users_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_
