// The first admin client, from configuration (like Keycloak's bootstrap
// admin): without it nobody could obtain the identity.admin scope.
#ifndef IDENTITY_SERVER_OAUTH_BOOTSTRAP_ADMIN_H_
#define IDENTITY_SERVER_OAUTH_BOOTSTRAP_ADMIN_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/oauth/client_secret.h"
#include "storage/client_store.h"

namespace identity::server {

inline constexpr char kAdminScope[] = "identity.admin";

// Creates client `client_id` with scope identity.admin and the hash of
// `client_secret` unless a client with that id exists (an existing client is
// never changed: the configuration cannot take over a client). Replicas may
// race: the loser finds the client created. Returns whether this call created
// it. Errors: InvalidArgument for an empty id or secret; storage errors.
absl::StatusOr<bool> EnsureBootstrapAdmin(storage::ClientStore& store,
                                          const ClientSecretHasher& hasher,
                                          absl::string_view client_id,
                                          absl::string_view client_secret,
                                          absl::Time now);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_BOOTSTRAP_ADMIN_H_
