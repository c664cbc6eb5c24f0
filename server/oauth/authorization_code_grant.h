// The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core
// §3.1.3): a single-use code for tokens, across replicas.
#ifndef IDENTITY_SERVER_OAUTH_AUTHORIZATION_CODE_GRANT_H_
#define IDENTITY_SERVER_OAUTH_AUTHORIZATION_CODE_GRANT_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/oauth/token_request.h"
#include "server/oauth/user_grant_deps.h"

namespace identity::server {

// Thread-safe.
class AuthorizationCodeGrant final : public TokenGrant {
 public:
  explicit AuthorizationCodeGrant(UserGrantDeps deps) : d_(std::move(deps)) {}

  // Errors: kInvalidClient; kUnauthorizedClient (the client may not use the
  // grant); kInvalidRequest (a missing code, redirect_uri or code_verifier,
  // or a malformed verifier); kInvalidGrant (unknown, expired, used or
  // another client's code; redirect_uri not the authorized one; verifier
  // not matching; the user gone or disabled; a third-party client's code
  // whose consent was withdrawn since, its grant then revoked); the
  // store's. A second
  // redemption also revokes what the first one issued: its access token's
  // jti and its refresh token family.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;

 private:
  // The stored code for `request`, when it may be redeemed by `client_id`.
  absl::StatusOr<storage::AuthorizationCodeRecord> RedeemableCode(
      const TokenRequestFields& request, absl::string_view client_id,
      absl::Time now) const;
  // A refresh token for the code's grant, stored (empty when the client may
  // not refresh).
  // It records the access token `claims` describe.
  absl::StatusOr<std::string> StoreRefreshToken(
      const storage::ClientRecord& client,
      const storage::AuthorizationCodeRecord& code,
      const UserAccessClaims& claims) const;
  // Marks the code used by the access token `jti`; on losing a race or
  // finding the code gone, undoes `refresh_token` and says why.
  absl::Status Redeem(const storage::AuthorizationCodeRecord& code,
                      absl::string_view jti, bool has_refresh_token,
                      absl::Time now) const;
  // For a third-party client: kInvalidGrant, with the grant revoked, when the
  // user's consent no longer covers the code's scopes (withdrawn since the
  // code was issued). Errors: the stores'.
  absl::Status StillConsented(
      const storage::ClientRecord& client,
      const storage::AuthorizationCodeRecord& code) const;
  // The grant the code started: its refresh tokens and every access token.
  absl::Status RevokeWhatTheCodeIssued(
      const storage::AuthorizationCodeRecord& code) const;

  const UserGrantDeps d_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_AUTHORIZATION_CODE_GRANT_H_
