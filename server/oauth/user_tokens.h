// The tokens a user's grant yields (SPEC "Tokens"): RFC 9068 access tokens
// with auth_time, OIDC ID tokens (Core §2, §3.1.3.6) and opaque refresh
// tokens, shared by the authorization_code and refresh_token grants.
#ifndef IDENTITY_SERVER_OAUTH_USER_TOKENS_H_
#define IDENTITY_SERVER_OAUTH_USER_TOKENS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/keys/key_manager.h"
#include "server/oauth/token_request.h"
#include "server/random_source.h"
#include "storage/user_store.h"

namespace identity::server {

struct UserTokenOptions {
  std::string issuer;
  // "aud" of access tokens.
  std::string audience;
  absl::Duration access_token_lifetime = absl::Minutes(10);
  absl::Duration id_token_lifetime = absl::Minutes(10);
  // A refresh token unused this long expires; a family never outlives
  // refresh_token_lifetime from its grant.
  absl::Duration refresh_token_idle_lifetime = absl::Hours(24 * 14);
  absl::Duration refresh_token_lifetime = absl::Hours(24 * 30);
};

// What an access token for a user says.
struct UserAccessClaims {
  std::string client_id;
  std::string user_id;
  std::vector<std::string> scopes;
  absl::Time auth_time;
  std::string jti;
  absl::Time now;
  // The client's id_token_signed_response_alg: the algorithm of its ID
  // tokens; empty for the server's default (KeySnapshot::id_token_signer).
  std::string id_token_alg;
  // The login session the grant came from (login_sessions.h): the ID
  // token's "sid"; empty for none.
  std::string sid = {};
  // RFC 8707: the resource the access token is for (its "aud"), and its
  // scopes narrowed to the resource's (resource_indicators.h); `scopes`
  // stays the grant's (the ID token's claims, openid). Unset: the
  // configured audience and `scopes`.
  std::optional<std::string> audience = std::nullopt;
  std::optional<std::vector<std::string>> access_scopes = std::nullopt;
  // RFC 9449 §6.1: the DPoP key the access token is bound to ("cnf");
  // empty for a Bearer token.
  std::string dpop_jkt = {};

  // The access token's scopes.
  const std::vector<std::string>& AccessScopes() const {
    return access_scopes.has_value() ? *access_scopes : scopes;
  }
};

// Thread-safe. `keys` must outlive it.
class UserTokenMinter {
 public:
  UserTokenMinter(const KeyManager* keys, UserTokenOptions options)
      : keys_(keys), options_(std::move(options)) {}

  const UserTokenOptions& options() const { return options_; }

  absl::StatusOr<std::string> AccessToken(const UserAccessClaims& c) const;

  // iss, sub, aud (the client), azp, exp, iat, auth_time, nonce (if not
  // empty), at_hash of `access_token`, sid (OIDC Back-Channel Logout §2.1:
  // the login session, if not empty); the claims the scopes release to ID
  // tokens (claim_release.h: name and preferred_username with profile,
  // email and email_verified with email). Signed in `alg` (the server's
  // default when empty); FailedPrecondition when `alg` is no longer a
  // configured signing algorithm (OIDC Dynamic Client Registration §2: the
  // client's ID tokens MUST use it).
  absl::StatusOr<std::string> IdToken(
      const storage::UserRecord& user, absl::string_view client_id,
      const std::vector<std::string>& scopes, absl::Time auth_time,
      absl::string_view nonce, absl::string_view access_token, absl::Time now,
      absl::string_view alg = "", absl::string_view sid = "") const;

  // The response of a grant: the access token for `claims`, and an ID token
  // for `user` (with `nonce` when not empty) when openid is among the
  // scopes. Errors: the signer's.
  absl::StatusOr<IssuedToken> Issue(const UserAccessClaims& claims,
                                    const storage::UserRecord& user,
                                    absl::string_view nonce) const;

 private:
  const KeyManager* const keys_;
  const UserTokenOptions options_;
};

// A new random value of 256 bits, base64url (authorization codes, refresh
// tokens), and the hash stored in its place: hex SHA-256. A fast hash is
// right for values with that much entropy.
std::string NewOpaqueToken(const RandomSource& random);
std::string HashOpaqueToken(absl::string_view token);

// OIDC Core §3.1.3.6 at_hash: base64url of the left half of the hash of the
// token's ASCII, with the hash of the ID token's "alg" (SHA-256 for ES256,
// RS256, PS256; SHA-384 for ES384; SHA-512 for EdDSA on Ed25519).
std::string AccessTokenHash(absl::string_view access_token, jwt::Algorithm alg);

bool HasScope(const std::vector<std::string>& scopes, absl::string_view scope);

// The user a grant was for, if they may still have tokens. Errors:
// kInvalidGrant (oauth_error.h) when the user is gone or disabled; the
// store's.
absl::StatusOr<storage::UserRecord> LiveUser(storage::UserStore& users,
                                             absl::string_view user_id);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USER_TOKENS_H_
