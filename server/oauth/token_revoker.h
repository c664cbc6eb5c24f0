// Token revocation (RFC 7009): a refresh token revokes its family; an access
// token's jti joins the revocation list until the token expires.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/grant_revoker.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/grant_store.h"

namespace identity::server {

// Thread-safe. Everything passed in must outlive it.
class TokenRevoker {
 public:
  TokenRevoker(const ClientAuthenticator* authenticator,
               const OwnAccessTokens* access_tokens,
               const GrantRevoker* grant_revoker, storage::GrantStore* grants)
      : authenticator_(authenticator),
        access_tokens_(access_tokens),
        grant_revoker_(grant_revoker),
        grants_(grants) {}

  // RFC 7009 §2.1: a refresh token revokes its whole grant (the family and
  // every access token it issued); an access token goes on the revocation
  // list. `hint` is ignored (the token's shape says which it is; §2.1: an
  // unknown hint must not stop the search). An unknown or invalid token is
  // success (§2.2). Errors: kInvalidClient; kInvalidRequest for an empty
  // token; kUnauthorizedClient when the token is another client's;
  // kTemporarilyUnavailable while the client's failures are throttled
  // (`source`, its address: ClientAuthenticator); the stores'.
  absl::Status Revoke(absl::string_view token, absl::string_view hint,
                      absl::string_view client_id,
                      absl::string_view client_secret,
                      absl::string_view source = {},
                      absl::string_view client_assertion = {}) const;

 private:
  absl::Status RevokeRefreshToken(absl::string_view token,
                                  absl::string_view client_id) const;
  absl::Status RevokeAccessToken(absl::string_view token,
                                 absl::string_view client_id) const;

  const ClientAuthenticator* const authenticator_;
  const OwnAccessTokens* const access_tokens_;
  const GrantRevoker* const grant_revoker_;
  storage::GrantStore* const grants_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_
