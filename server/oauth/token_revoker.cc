#include "server/oauth/token_revoker.h"

#include "server/oauth/oauth_error.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {
namespace {

absl::Status NotYours() {
  return OAuthFailure(OAuthError::kUnauthorizedClient,
                      "the token was issued to another client");
}

}  // namespace

absl::Status TokenRevoker::Revoke(absl::string_view token,
                                  absl::string_view /*hint*/,
                                  absl::string_view client_id,
                                  absl::string_view client_secret,
                                  absl::string_view source,
                                  absl::string_view client_assertion) const {
  auto client = authenticator_->AuthenticatePublicOrConfidential(
      client_id, client_secret, source, client_assertion);
  if (!client.ok()) return client.status();
  if (token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "token is required");
  }
  // A refresh token is an opaque value and a JWT has dots: the shape says
  // which it is, the hint is not needed.
  return token.find('.') == absl::string_view::npos
             ? RevokeRefreshToken(token, client->client_id)
             : RevokeAccessToken(token, client->client_id);
}

absl::Status TokenRevoker::RevokeRefreshToken(
    absl::string_view token, absl::string_view client_id) const {
  auto refresh = grants_->GetRefreshToken(HashOpaqueToken(token));
  if (refresh.status().code() == absl::StatusCode::kNotFound) {
    return absl::OkStatus();  // RFC 7009 §2.2: nothing to do.
  }
  if (!refresh.ok()) return refresh.status();
  if (refresh->client_id != client_id) return NotYours();
  return grant_revoker_->RevokeGrant(refresh->family_id);
}

absl::Status TokenRevoker::RevokeAccessToken(
    absl::string_view token, absl::string_view client_id) const {
  // Verified, not checked against the list: revoking twice is harmless.
  auto verified = access_tokens_->Verify(token);
  if (!verified.ok()) return absl::OkStatus();  // Invalid: nothing to do.
  const jwt::Claims& claims = verified->claims;
  if (claims.GetString("client_id").value_or("") != client_id) {
    return NotYours();
  }
  if (!claims.jti.has_value() || !claims.exp.has_value()) {
    return absl::OkStatus();
  }
  return access_tokens_->Revoke(*claims.jti,
                                absl::FromUnixSeconds(*claims.exp));
}

}  // namespace identity::server
