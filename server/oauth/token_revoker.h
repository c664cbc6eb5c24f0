// Token revocation (RFC 7009): a refresh token revokes its family; an access
// token's jti joins the revocation list until the token expires.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/grant_store.h"
#include "storage/revocation_store.h"

namespace identity::server {

// Thread-safe. Everything passed in must outlive it.
class TokenRevoker {
 public:
  TokenRevoker(const ClientAuthenticator* authenticator,
               const OwnAccessTokens* access_tokens,
               storage::GrantStore* grants,
               storage::RevocationStore* revocations)
      : authenticator_(authenticator),
        access_tokens_(access_tokens),
        grants_(grants),
        revocations_(revocations) {}

  // RFC 7009 §2.1. `hint` is "", "access_token" or "refresh_token" (only an
  // optimization: both kinds are tried). An unknown or invalid token is
  // success (§2.2). Errors: kInvalidClient; kUnsupportedTokenType for
  // another hint; kInvalidRequest for an empty token; kUnauthorizedClient
  // when the token is another client's; kTemporarilyUnavailable while the
  // client's failures are throttled (`source`, its address:
  // ClientAuthenticator); the store's.
  absl::Status Revoke(absl::string_view token, absl::string_view hint,
                      absl::string_view client_id,
                      absl::string_view client_secret,
                      absl::string_view source = {}) const;

 private:
  absl::Status RevokeRefreshToken(absl::string_view token,
                                  absl::string_view client_id) const;
  absl::Status RevokeAccessToken(absl::string_view token,
                                 absl::string_view client_id) const;

  const ClientAuthenticator* const authenticator_;
  const OwnAccessTokens* const access_tokens_;
  storage::GrantStore* const grants_;
  storage::RevocationStore* const revocations_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_REVOKER_H_
