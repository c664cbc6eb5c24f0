// Client credentials from a request: the fields, or `authorization: Basic`
// call metadata (RFC 6749 §2.3.1), never both (RFC 6749 §2.3).
#ifndef IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_
#define IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

struct ClientCredentials {
  std::string client_id;
  std::string client_secret;
};

// Decodes an `authorization` header value "Basic base64(id:secret)", where id
// and secret were form-urlencoded before base64 (RFC 6749 §2.3.1). Errors:
// kInvalidClient (oauth_error.h) for anything malformed.
absl::StatusOr<ClientCredentials> ParseBasicAuthorization(
    absl::string_view value);

// The credentials of a call: from `authorization: Basic` metadata when
// present, else from the request fields. Errors: kInvalidRequest when both
// are used; those of ParseBasicAuthorization.
absl::StatusOr<ClientCredentials> CallCredentials(
    const grpc::ServerContext& context, absl::string_view field_client_id,
    absl::string_view field_client_secret);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_
