// Client authentication (RFC 6749 §2.3.1) against the client store.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/oauth/client_secret.h"
#include "storage/client_store.h"

namespace identity::server {

// Thread-safe. `store` and `hasher` must outlive it.
class ClientAuthenticator {
 public:
  ClientAuthenticator(storage::ClientStore* store,
                      const ClientSecretHasher* hasher)
      : store_(store), hasher_(hasher) {}

  // The client, when `client_secret` is its secret. Errors: kInvalidClient
  // (oauth_error.h) for an empty id or secret, an unknown client or a wrong
  // secret, all with the same message so callers cannot probe which client
  // ids exist; storage errors (Unavailable) unchanged.
  absl::StatusOr<storage::ClientRecord> Authenticate(
      absl::string_view client_id, absl::string_view client_secret) const;

  // For the authorization_code and refresh_token grants and revocation,
  // which public clients use too (RFC 6749 §2.1): a public client is
  // identified by its client_id alone and must send no secret (PKCE and
  // token binding protect it instead); a confidential one as Authenticate.
  // Errors as Authenticate.
  absl::StatusOr<storage::ClientRecord> AuthenticatePublicOrConfidential(
      absl::string_view client_id, absl::string_view client_secret) const;

  // AuthenticatePublicOrConfidential, then the client must be registered
  // for `grant_type`. Errors: as Authenticate; kUnauthorizedClient.
  absl::StatusOr<storage::ClientRecord> AuthenticateForGrant(
      absl::string_view client_id, absl::string_view client_secret,
      absl::string_view grant_type) const;

 private:
  storage::ClientStore* const store_;
  const ClientSecretHasher* const hasher_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_
