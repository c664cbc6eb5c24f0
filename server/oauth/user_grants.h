// The grants and endpoints of a user's session: the authorization_code grant
// (RFC 6749 §4.1.3, RFC 7636 §4.6), the refresh_token grant with rotation
// and reuse detection (RFC 6749 §6, RFC 9700 §4.14), revocation (RFC 7009)
// and UserInfo (OIDC Core §5.3); and TokenEndpoint, which dispatches every
// grant type. Transport-free, shared by the gRPC and HTTP faces.
#ifndef IDENTITY_SERVER_OAUTH_USER_GRANTS_H_
#define IDENTITY_SERVER_OAUTH_USER_GRANTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/clock.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/events.h"
#include "server/oauth/user_tokens.h"
#include "server/random_source.h"
#include "storage/grant_store.h"
#include "storage/revocation_store.h"
#include "storage/user_store.h"

namespace identity::server {

// Everything the user grants share. Pointers must outlive the grants.
struct UserGrantDeps {
  const ClientAuthenticator* authenticator = nullptr;
  storage::GrantStore* grants = nullptr;
  storage::UserStore* users = nullptr;
  storage::RevocationStore* revocations = nullptr;
  const UserTokenMinter* minter = nullptr;
  const jwt::Clock* clock = nullptr;
  RandomSource random;
  OAuthEvents* events = OAuthEvents::None();
};

// Thread-safe.
class AuthorizationCodeGrant {
 public:
  explicit AuthorizationCodeGrant(UserGrantDeps deps) : d_(std::move(deps)) {}

  // Errors: kInvalidClient; kUnauthorizedClient (the client may not use the
  // grant); kInvalidRequest (a missing code, redirect_uri or code_verifier,
  // or a malformed verifier); kInvalidGrant (unknown, expired, used or
  // another client's code; redirect_uri not the authorized one; verifier
  // not matching; the user gone or disabled); the store's. A second
  // redemption also revokes what the first one issued: its access token's
  // jti and its refresh token family.
  absl::StatusOr<IssuedToken> Exchange(const TokenRequestFields& request) const;

 private:
  absl::Status RevokeWhatTheCodeIssued(
      const storage::AuthorizationCodeRecord& code) const;
  const UserGrantDeps d_;
};

// Thread-safe.
class RefreshTokenGrant {
 public:
  explicit RefreshTokenGrant(UserGrantDeps deps) : d_(std::move(deps)) {}

  // Rotates the refresh token: the response carries a new one, and the one
  // presented stops working. `scope` may narrow the access token's scopes
  // (the new refresh token keeps the original ones, RFC 6749 §6). Presenting
  // a token that was already rotated revokes its whole family (reuse
  // detection); so does losing a race to rotate the same token. Errors:
  // kInvalidClient; kUnauthorizedClient; kInvalidRequest (no token);
  // kInvalidScope (beyond the original grant); kInvalidGrant (unknown,
  // rotated, revoked, expired or another client's token; the user gone or
  // disabled); the store's.
  absl::StatusOr<IssuedToken> Exchange(const TokenRequestFields& request) const;

 private:
  const UserGrantDeps d_;
};

// Thread-safe.
class TokenRevoker {
 public:
  // `verifier`: how this server verifies its access tokens
  // (access_token_verifier.h); `keys` gives the key set.
  TokenRevoker(UserGrantDeps deps, jwt::JwtVerifier verifier,
               const KeyManager* keys)
      : d_(std::move(deps)), verifier_(std::move(verifier)), keys_(keys) {}

  // RFC 7009 §2.1: a refresh token revokes its family; an access token's
  // jti joins the revocation list until it expires. `hint` is "",
  // "access_token" or "refresh_token" (only an optimization: both kinds are
  // tried). An unknown or invalid token is success (§2.2). Errors:
  // kInvalidClient; kUnsupportedTokenType for another hint;
  // kUnauthorizedClient when the token is another client's; the store's.
  absl::Status Revoke(absl::string_view token, absl::string_view hint,
                      absl::string_view client_id,
                      absl::string_view client_secret) const;

 private:
  const UserGrantDeps d_;
  const jwt::JwtVerifier verifier_;
  const KeyManager* const keys_;
};

struct UserInfo {
  std::string sub;
  std::string name;
  std::string preferred_username;
  std::string email;
  bool email_verified = false;
  bool has_profile = false;  // The profile scope was granted.
  bool has_email = false;    // The email scope was granted.
};

// Thread-safe.
class UserInfoEndpoint {
 public:
  UserInfoEndpoint(UserGrantDeps deps, jwt::JwtVerifier verifier,
                   const KeyManager* keys)
      : d_(std::move(deps)), verifier_(std::move(verifier)), keys_(keys) {}

  // Errors: kInvalidToken (Unauthenticated: missing, invalid, expired or
  // revoked token; its user gone or disabled); kInsufficientScope (no
  // openid scope, or not a user's token); the store's.
  absl::StatusOr<UserInfo> Get(absl::string_view access_token) const;

 private:
  const UserGrantDeps d_;
  const jwt::JwtVerifier verifier_;
  const KeyManager* const keys_;
};

// The token endpoint: one entry for every grant type, reporting each result
// to the events (client_credentials reports itself).
class TokenEndpoint {
 public:
  TokenEndpoint(const ClientCredentialsGrant* client_credentials,
                const AuthorizationCodeGrant* authorization_code,
                const RefreshTokenGrant* refresh_token, OAuthEvents* events)
      : client_credentials_(client_credentials),
        authorization_code_(authorization_code),
        refresh_token_(refresh_token),
        events_(events) {}

  absl::StatusOr<IssuedToken> Exchange(const TokenRequestFields& request) const;

 private:
  const ClientCredentialsGrant* const client_credentials_;
  const AuthorizationCodeGrant* const authorization_code_;
  const RefreshTokenGrant* const refresh_token_;
  OAuthEvents* const events_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USER_GRANTS_H_
