#include "server/oauth/client_credentials.h"

#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<ClientCredentials> ResolveClientCredentials(
    const PresentedCredentials& presented) {
  if (presented.authorization.empty()) {
    return ClientCredentials{presented.client_id.value_or(""),
                             presented.client_secret.value_or("")};
  }
  if (!HasAuthScheme(presented.authorization, "Basic")) {
    return OAuthFailure(OAuthError::kInvalidClient,
                        "client authentication failed: only the Basic "
                        "authorization scheme authenticates a client");
  }
  if (presented.client_secret.has_value()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "the client authenticated twice (Basic and "
                        "client_secret): use one method");
  }
  auto basic = ParseBasicAuthorization(presented.authorization);
  if (!basic.ok()) return basic.status();
  if (presented.client_id.has_value() &&
      *presented.client_id != basic->client_id) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_id differs from the Basic credentials");
  }
  return basic;
}

}  // namespace identity::server
