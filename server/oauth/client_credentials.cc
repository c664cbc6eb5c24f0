#include "server/oauth/client_credentials.h"

#include "server/oauth/client_assertion.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::StatusOr<ClientCredentials> AssertionCredentials(
    const PresentedCredentials& presented) {
  if (!presented.client_assertion_type.has_value() ||
      !presented.client_assertion.has_value()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_assertion_type and client_assertion go "
                        "together");
  }
  if (*presented.client_assertion_type != kJwtBearerAssertionType) {
    return OAuthFailure(OAuthError::kInvalidClient,
                        "client_assertion_type must be "
                        "urn:ietf:params:oauth:client-assertion-type:"
                        "jwt-bearer");
  }
  if (!presented.authorization.empty() || presented.client_secret.has_value()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "the client authenticated twice (a client assertion "
                        "and a secret): use one method");
  }
  auto claimed = ClaimedClientId(*presented.client_assertion);
  if (!claimed.ok()) return claimed.status();
  if (presented.client_id.has_value() && *presented.client_id != *claimed) {
    return OAuthFailure(OAuthError::kInvalidClient,
                        "client_id differs from the client assertion's sub");
  }
  return ClientCredentials{*std::move(claimed), "",
                           *presented.client_assertion};
}

}  // namespace

absl::StatusOr<ClientCredentials> ResolveClientCredentials(
    const PresentedCredentials& presented) {
  if (presented.client_assertion_type.has_value() ||
      presented.client_assertion.has_value()) {
    return AssertionCredentials(presented);
  }
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
