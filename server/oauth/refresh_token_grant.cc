#include "server/oauth/refresh_token_grant.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/scope.h"
#include "server/oauth/token_binding.h"

namespace identity::server {
absl::Status RefreshTokenGrant::Reuse(
    const storage::RefreshTokenRecord& old) const {
  d_.events->RefreshReuseDetected(old.client_id);
  if (absl::Status s = d_.revoker->RevokeGrant(old.family_id); !s.ok()) {
    return s;
  }
  return InvalidGrant("the refresh token was already used");
}

absl::StatusOr<storage::RefreshTokenRecord> RefreshTokenGrant::RotatableToken(
    absl::string_view token_hash, const storage::ClientRecord& client,
    const TokenRequestFields& request, absl::Time now) const {
  auto old = d_.grants->GetRefreshToken(token_hash);
  if (old.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown refresh token");
  }
  if (!old.ok()) return old.status();
  if (old->client_id != client.client_id) {
    // Bound to its client: another client learns nothing and changes
    // nothing.
    return InvalidGrant("unknown refresh token");
  }
  if (old->created_at < client.created_at) {
    // Issued to an earlier client of the same id, since deleted: a client
    // registered again under that id does not inherit its grants.
    return InvalidGrant("unknown refresh token");
  }
  if (old->revoked) return InvalidGrant("the refresh token was revoked");
  // RFC 9449 §5: a bound family is refreshed only with its key's proofs
  // (every rotation keeps the binding: Rotate copies the record). Checked
  // before reuse detection: without the key, an old token revokes nothing.
  if (absl::Status s = CheckRefreshTokenBinding(request, old->dpop_jkt);
      !s.ok()) {
    return s;
  }
  if (old->rotated_at.has_value()) return Reuse(*old);
  if (old->idle_expires_at <= now || old->absolute_expires_at <= now) {
    return InvalidGrant("the refresh token expired");
  }
  return old;
}

absl::StatusOr<std::string> RefreshTokenGrant::Rotate(
    const storage::RefreshTokenRecord& old, absl::string_view access_jti,
    absl::Time now) const {
  std::string refresh_token = NewOpaqueToken(d_.random);
  storage::RefreshTokenRecord replacement = old;
  replacement.token_hash = HashOpaqueToken(refresh_token);
  replacement.created_at = now;
  replacement.idle_expires_at =
      std::min(now + d_.minter->options().refresh_token_idle_lifetime,
               old.absolute_expires_at);
  replacement.rotated_at.reset();
  replacement.revoked = false;
  replacement.access_token_jti = std::string(access_jti);
  replacement.access_token_expires_at = d_.AccessTokenExpiry(now);
  auto rotated = d_.grants->RotateRefreshToken(old.token_hash, old.client_id,
                                               now, replacement);
  if (rotated.ok()) return refresh_token;
  if (rotated.status().code() == absl::StatusCode::kFailedPrecondition) {
    // Rotated by a concurrent request a moment ago: the same token used
    // twice, so the reuse policy applies.
    return Reuse(old);
  }
  if (rotated.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown refresh token");
  }
  return rotated.status();
}

absl::StatusOr<IssuedToken> RefreshTokenGrant::Exchange(
    const TokenRequestFields& request) const {
  auto client = d_.authenticator->AuthenticateForGrant(
      request.client_id, request.client_secret, "refresh_token", request.source,
      request.client_assertion);
  if (!client.ok()) return client.status();
  if (request.refresh_token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "refresh_token is required");
  }
  auto requested = ParseScope(request.scope);
  if (!requested.ok()) return requested.status();
  const absl::Time now = StorageNow(d_.clock);
  auto old = RotatableToken(HashOpaqueToken(request.refresh_token), *client,
                            request, now);
  if (!old.ok()) return old.status();
  // The proof is claimed only now that the refresh token checked out: a
  // public client's id is no authentication, so junk tokens write nothing.
  if (absl::Status s = ConfirmClient(request, *client); !s.ok()) return s;
  std::vector<std::string> scopes =
      absl::StrSplit(old->scope, ' ', absl::SkipEmpty());
  // OIDC Core §11: without offline_access the grant lives only as long as
  // the login session it came from; once that ended it is revoked.
  if (absl::Status s = SessionOutlived(d_, old->sid, scopes); !s.ok()) {
    if (OAuthErrorOf(s).has_value()) {
      (void)d_.revoker->RevokeGrant(old->family_id);
    }
    return s;
  }
  if (!requested->empty()) {
    auto narrowed = GrantScopes(*requested, scopes);
    if (!narrowed.ok()) return narrowed.status();
    scopes = *std::move(narrowed);
  }
  auto user = LiveUser(*d_.users, old->user_id);
  if (!user.ok()) {
    if (OAuthErrorOf(user.status()).has_value()) {
      (void)d_.revoker->RevokeGrant(old->family_id);
    }
    return user.status();
  }
  UserAccessClaims claims;
  claims.client_id = client->client_id;
  claims.user_id = user->user_id;
  claims.scopes = std::move(scopes);
  claims.auth_time = old->auth_time;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(d_.random, 16));
  claims.now = now;
  claims.id_token_alg = client->id_token_signed_response_alg;
  claims.sid = old->sid;
  claims.dpop_jkt = request.dpop_jkt;
  // RFC 8707 §2.2: a token for one of the grant's resources at a time (the
  // refresh token, rotated, keeps them all). Refused before the rotation.
  if (absl::Status s =
          TargetResource(d_, request.resource, old->resources, *client, claims);
      !s.ok()) {
    return s;
  }
  // The new refresh token records the access token minted with it.
  auto refresh_token = Rotate(*old, claims.jti, now);
  if (!refresh_token.ok()) return refresh_token.status();
  // OIDC Core §12.2: no nonce in an ID token from a refresh.
  auto issued = d_.minter->Issue(claims, *user, "");
  if (!issued.ok()) return issued.status();
  issued->refresh_token = *std::move(refresh_token);
  return issued;
}

}  // namespace identity::server
