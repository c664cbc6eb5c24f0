#include "server/oauth/introspector.h"

#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<Introspection> Introspector::Introspect(
    absl::string_view caller_id, absl::string_view caller_secret,
    absl::string_view token, absl::string_view source) const {
  auto caller = authenticator_->Authenticate(caller_id, caller_secret, source);
  if (!caller.ok()) return caller.status();
  if (token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "token is empty");
  }
  Introspection result;
  auto verified = access_tokens_->Check(token);
  if (!verified.ok()) {
    if (OAuthErrorOf(verified.status()) != OAuthError::kInvalidToken) {
      return verified.status();
    }
    // Inactive; the reason goes to the events, never to the caller.
    events_->TokenValidated(false,
                            OwnAccessTokens::ReasonOf(verified.status()));
    return result;
  }
  const jwt::Claims& claims = verified->claims;
  events_->TokenValidated(true, "ok");
  result.active = true;
  result.token_type = "Bearer";
  result.scope = claims.GetString("scope").value_or("");
  result.client_id = claims.GetString("client_id").value_or("");
  result.exp = claims.exp.value_or(0);
  result.iat = claims.iat.value_or(0);
  result.sub = claims.sub.value_or("");
  result.aud = claims.aud;
  result.iss = claims.iss.value_or("");
  result.jti = claims.jti.value_or("");
  return result;
}

}  // namespace identity::server
