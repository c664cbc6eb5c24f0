#include "server/oauth/client_credentials_grant.h"

#include "absl/strings/str_join.h"
#include "jwt/base64url.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/scope.h"
#include "server/oauth/token_binding.h"

namespace identity::server {

bool ClientCredentialsGrant::MayBlock(const TokenRequestFields& request) const {
  return !request.resource.empty() ||
         authenticator_->MayBlock(request.client_id, request.client_assertion);
}

absl::StatusOr<IssuedToken> ClientCredentialsGrant::Exchange(
    const TokenRequestFields& request) const {
  // Scope syntax first: a malformed request fails before any storage call.
  auto requested = ParseScope(request.scope);
  if (!requested.ok()) return requested.status();
  auto client =
      authenticator_->Authenticate(request.client_id, request.client_secret,
                                   request.source, request.client_assertion);
  if (!client.ok()) return client.status();
  if (!AllowsGrant(*client, "client_credentials")) {
    return OAuthFailure(OAuthError::kUnauthorizedClient,
                        "the client may not use client_credentials");
  }
  if (absl::Status s = ConfirmClient(request, *client); !s.ok()) return s;
  auto granted = GrantScopes(*requested, client->allowed_scopes);
  if (!granted.ok()) return granted.status();
  // RFC 8707 §2.2: a token for one resource, narrowed to its scopes.
  auto target =
      TokenTarget(resources_, request.resource, std::nullopt, *client);
  if (!target.ok()) return target.status();
  std::string audience = options_.audience;
  if (target->has_value()) {
    granted = NarrowToResource(*granted, **target);
    if (!granted.ok()) return granted.status();
    audience = (*target)->resource;
  }

  // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; scope when
  // granted. For client_credentials the subject is the client itself.
  const absl::Time now = clock_->Now();
  jwt::Claims claims;
  claims.iss = options_.issuer;
  claims.sub = client->client_id;
  claims.aud = {audience};
  claims.iat = absl::ToUnixSeconds(now);
  claims.exp = absl::ToUnixSeconds(now + options_.access_token_lifetime);
  claims.jti = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  claims.other["client_id"] = client->client_id;
  const std::string scope = absl::StrJoin(*granted, " ");
  if (!scope.empty()) claims.other["scope"] = scope;
  AddConfirmation(claims, request.dpop_jkt);

  auto token = keys_->snapshot()->signer->Sign(claims);
  if (!token.ok()) return token.status();
  IssuedToken issued;
  issued.access_token = *std::move(token);
  issued.expires_in = absl::ToInt64Seconds(options_.access_token_lifetime);
  issued.scope = scope;
  return issued;
}

}  // namespace identity::server
