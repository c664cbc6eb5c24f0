#include "server/oauth/introspector.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/token_binding.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {

bool Introspector::MayBlock(absl::string_view caller_id,
                            absl::string_view token,
                            absl::string_view caller_assertion) const {
  return token.find('.') == absl::string_view::npos ||
         authenticator_->MayBlock(caller_id, caller_assertion) ||
         access_tokens_->MayBlock();
}

absl::StatusOr<Introspection> Introspector::Introspect(
    absl::string_view caller_id, absl::string_view caller_secret,
    absl::string_view token, absl::string_view source,
    absl::string_view caller_assertion) const {
  auto caller = authenticator_->Authenticate(caller_id, caller_secret, source,
                                             caller_assertion);
  if (!caller.ok()) return caller.status();
  if (token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "token is empty");
  }
  // A JWT has dots; a refresh token (base64url) has none.
  if (token.find('.') == absl::string_view::npos) {
    return IntrospectRefreshToken(caller->client_id, token);
  }
  Introspection result;
  auto verified = access_tokens_->CheckShared(token);
  if (!verified.ok()) {
    if (OAuthErrorOf(verified.status()) != OAuthError::kInvalidToken) {
      return verified.status();
    }
    // Inactive; the reason goes to the events, never to the caller.
    events_->TokenValidated(false,
                            OwnAccessTokens::ReasonOf(verified.status()));
    return result;
  }
  const jwt::Claims& claims = (*verified)->claims;
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
  result.cnf_jkt = ConfirmedJkt(claims);
  if (!result.cnf_jkt.empty()) result.token_type = kDpopTokenType;
  return result;
}

absl::StatusOr<Introspection> Introspector::IntrospectRefreshToken(
    absl::string_view caller_id, absl::string_view token) const {
  Introspection result;
  auto stored = grants_->GetRefreshToken(HashOpaqueToken(token));
  if (stored.status().code() == absl::StatusCode::kNotFound) {
    events_->TokenValidated(false, "token_malformed");  // No such token.
    return result;
  }
  if (!stored.ok()) return stored.status();
  const absl::Time now = access_tokens_->clock()->Now();
  const absl::Time expires_at =
      std::min(stored->idle_expires_at, stored->absolute_expires_at);
  if (stored->client_id != caller_id) {
    // Another client's: it learns nothing (RFC 7662 §2.1).
    events_->TokenValidated(false, "other_client");
    return result;
  }
  if (stored->revoked || stored->rotated_at.has_value() || expires_at <= now) {
    events_->TokenValidated(false, stored->revoked ? "revoked" : "expired");
    return result;
  }
  if (sessions_ != nullptr) {
    // OIDC Core §11: without offline_access the grant ended with its
    // session, even before its next use revokes it.
    auto usable = sessions_->GrantUsable(
        stored->sid, absl::StrSplit(stored->scope, ' ', absl::SkipEmpty()));
    if (!usable.ok()) return usable.status();
    if (!*usable) {
      events_->TokenValidated(false, "session_ended");
      return result;
    }
  }
  events_->TokenValidated(true, "ok");
  result.active = true;
  result.token_type = "refresh_token";
  result.scope = stored->scope;
  result.client_id = stored->client_id;
  result.sub = stored->user_id;
  result.iat = absl::ToUnixSeconds(stored->created_at);
  result.exp = absl::ToUnixSeconds(expires_at);
  result.iss = access_tokens_->issuer();
  return result;
}

}  // namespace identity::server
