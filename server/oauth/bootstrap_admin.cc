#include "server/oauth/bootstrap_admin.h"

#include <string>

namespace identity::server {

absl::StatusOr<bool> EnsureBootstrapAdmin(storage::ClientStore& store,
                                          const ClientSecretHasher& hasher,
                                          absl::string_view client_id,
                                          absl::string_view client_secret,
                                          absl::Time now) {
  if (client_id.empty() || client_secret.empty()) {
    return absl::InvalidArgumentError(
        "the bootstrap admin needs a client id and a secret");
  }
  auto existing = store.GetClient(client_id);
  if (existing.ok()) return false;
  if (existing.status().code() != absl::StatusCode::kNotFound) {
    return existing.status();
  }
  storage::ClientRecord client;
  client.client_id = std::string(client_id);
  client.name = "bootstrap admin";
  client.allowed_scopes = {kAdminScope};
  client.grant_types = {"client_credentials"};
  client.secret_hash = hasher.Hash(client_secret);
  client.created_at = client.updated_at = now;
  absl::Status status = store.CreateClient(client);
  if (status.code() == absl::StatusCode::kAlreadyExists) return false;
  if (!status.ok()) return status;
  return true;
}

}  // namespace identity::server
