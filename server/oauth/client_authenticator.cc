#include "server/oauth/client_authenticator.h"

#include "absl/strings/str_cat.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::Authenticate(
    absl::string_view client_id, absl::string_view client_secret) const {
  const absl::Status refused =
      OAuthFailure(OAuthError::kInvalidClient, "client authentication failed");
  if (client_id.empty() || client_secret.empty()) return refused;
  auto client = store_->GetClient(client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) {
    // Hash anyway so an unknown client costs what a wrong secret costs.
    (void)hasher_->Matches(client_secret, "v1:");
    return refused;
  }
  if (!client.ok()) return client.status();
  if (!hasher_->Matches(client_secret, client->secret_hash)) return refused;
  return client;
}

absl::StatusOr<storage::ClientRecord>
ClientAuthenticator::AuthenticatePublicOrConfidential(
    absl::string_view client_id, absl::string_view client_secret) const {
  if (!client_secret.empty()) return Authenticate(client_id, client_secret);
  const absl::Status refused =
      OAuthFailure(OAuthError::kInvalidClient, "client authentication failed");
  if (client_id.empty()) return refused;
  auto client = store_->GetClient(client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) return refused;
  if (!client.ok()) return client.status();
  // A confidential client without its secret is not authenticated.
  if (!client->public_client) return refused;
  return client;
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::AuthenticateForGrant(
    absl::string_view client_id, absl::string_view client_secret,
    absl::string_view grant_type) const {
  auto client = AuthenticatePublicOrConfidential(client_id, client_secret);
  if (!client.ok()) return client.status();
  if (!AllowsGrant(*client, grant_type)) {
    return OAuthFailure(
        OAuthError::kUnauthorizedClient,
        absl::StrCat("the client may not use the ", grant_type, " grant"));
  }
  return client;
}

}  // namespace identity::server
