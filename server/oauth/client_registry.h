// Managing OAuth clients (AdminService): the rules for client ids, names and
// scopes, server-generated secrets shown once, and paging. Transport-free:
// the gRPC face (server/grpc/admin_service.h) only converts messages.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "server/oauth/client_secret.h"
#include "server/random_source.h"
#include "storage/client_store.h"

namespace identity::server {

struct ClientSpec {
  // 1 to 128 characters from [A-Za-z0-9._~-]. Empty on create: generated.
  std::string client_id;
  // Up to 200 bytes of UTF-8 without control or invisible format characters
  // (zero-width, bidirectional controls, BOM).
  std::string name;
  // Scope tokens (RFC 6749 §3.3) of at most 256 bytes, at most 100;
  // duplicates are dropped.
  std::vector<std::string> allowed_scopes;
};

struct CreatedClient {
  storage::ClientRecord client;
  // The only time the secret exists outside the caller's hands.
  std::string client_secret;
};

struct ClientPage {
  std::vector<storage::ClientRecord> clients;
  // Empty on the last page.
  std::string next_page_token;
};

// Thread-safe. Everything passed in must outlive it. Errors: kInvalidRequest
// (oauth_error.h) for bad input, NotFound, AlreadyExists, and the store's
// (Unavailable...). A failed call changes nothing.
class ClientRegistry {
 public:
  ClientRegistry(storage::ClientStore* store, const ClientSecretHasher* hasher,
                 const jwt::Clock* clock, RandomSource random)
      : store_(store),
        hasher_(hasher),
        clock_(clock),
        random_(std::move(random)) {}

  absl::StatusOr<CreatedClient> Create(ClientSpec spec) const;
  absl::StatusOr<storage::ClientRecord> Get(absl::string_view client_id) const;
  // `page_size`: 1 to 1000, 0 means 100. `page_token`: empty or a previous
  // page's next_page_token.
  absl::StatusOr<ClientPage> List(int page_size,
                                  absl::string_view page_token) const;
  // Replaces the name and allowed scopes; the secret stays.
  absl::StatusOr<storage::ClientRecord> Update(ClientSpec spec) const;
  absl::Status Delete(absl::string_view client_id) const;

 private:
  storage::ClientStore* const store_;
  const ClientSecretHasher* const hasher_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
};

// Whether `client_id` is 1 to 128 characters from [A-Za-z0-9._~-].
bool IsValidClientId(absl::string_view client_id);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_
