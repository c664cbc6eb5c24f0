#include "server/oauth/introspector.h"

#include "jwt/status.h"
#include "server/oauth/access_token_verifier.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<Introspector> Introspector::Create(
    const ClientAuthenticator* authenticator, const KeyManager* keys,
    storage::RevocationStore* revocations, const jwt::Clock* clock,
    std::string issuer, OAuthEvents* events) {
  auto verifier = OwnAccessTokenVerifier(std::move(issuer), clock);
  if (!verifier.ok()) return verifier.status();
  return Introspector(authenticator, keys, revocations, *std::move(verifier),
                      events);
}

absl::StatusOr<Introspection> Introspector::Introspect(
    absl::string_view caller_id, absl::string_view caller_secret,
    absl::string_view token) const {
  auto caller = authenticator_->Authenticate(caller_id, caller_secret);
  if (!caller.ok()) return caller.status();
  if (token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "token is empty");
  }
  Introspection result;
  auto verified = verifier_.Verify(token, *keys_->snapshot()->jwks);
  if (!verified.ok()) {
    // Inactive; the reason goes to the events, never to the caller.
    events_->TokenValidated(false,
                            jwt::ReasonName(jwt::ReasonOf(verified.status())));
    return result;
  }
  const jwt::Claims& claims = verified->claims;
  if (claims.jti.has_value()) {
    auto revoked = revocations_->IsRevoked(*claims.jti);
    if (!revoked.ok()) return revoked.status();
    if (*revoked) {
      events_->TokenValidated(false, "revoked");
      return result;
    }
  }
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
