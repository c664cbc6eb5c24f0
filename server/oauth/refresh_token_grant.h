// The refresh_token grant (RFC 6749 §6) with rotation and reuse detection
// (RFC 9700 §4.14): each refresh token works once; presenting a rotated one
// again revokes its whole family.
#ifndef IDENTITY_SERVER_OAUTH_REFRESH_TOKEN_GRANT_H_
#define IDENTITY_SERVER_OAUTH_REFRESH_TOKEN_GRANT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/oauth/token_request.h"
#include "server/oauth/user_grant_deps.h"

namespace identity::server {

// Thread-safe.
class RefreshTokenGrant final : public TokenGrant {
 public:
  explicit RefreshTokenGrant(UserGrantDeps deps) : d_(std::move(deps)) {}

  // Rotates the refresh token: the response carries a new one, and the one
  // presented stops working. `scope` may narrow the access token's scopes
  // (the new refresh token keeps the original ones, RFC 6749 §6). Presenting
  // a token that was already rotated revokes its whole family (reuse
  // detection); so does losing a race to rotate the same token. Errors:
  // kInvalidClient; kUnauthorizedClient; kInvalidRequest (no token);
  // kInvalidScope (beyond the original grant, or none of the resource's);
  // kInvalidGrant (unknown, rotated, revoked, expired or another client's
  // token; the user gone or disabled); kInvalidTarget (RFC 8707 §2.2: a
  // resource outside the grant's, several, or none for a grant of several;
  // the token is not rotated); the store's.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;

 private:
  // The stored token `token_hash`, when `client` may rotate it now with
  // `request`'s DPoP key (CheckRefreshTokenBinding).
  absl::StatusOr<storage::RefreshTokenRecord> RotatableToken(
      absl::string_view token_hash, const storage::ClientRecord& client,
      const TokenRequestFields& request, absl::Time now) const;
  // Replaces `old` by a new token of the same family, recording the access
  // token `access_jti` minted with it; returns the new token.
  absl::StatusOr<std::string> Rotate(const storage::RefreshTokenRecord& old,
                                     absl::string_view access_jti,
                                     absl::Time now) const;
  // RFC 9700 §4.14.2: a rotated token presented again means two parties
  // hold the family; revokes all of it and every access token it issued.
  absl::Status Reuse(const storage::RefreshTokenRecord& old) const;

  const UserGrantDeps d_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_REFRESH_TOKEN_GRANT_H_
