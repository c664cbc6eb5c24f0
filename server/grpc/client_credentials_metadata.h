// The client credentials of a gRPC call: `authorization` call metadata and
// the request's client_id and client_secret fields, resolved by the core's
// one rule (server/oauth/client_credentials.h).
#ifndef IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_
#define IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/oauth/client_credentials.h"

namespace identity::server {

// The value of the call's `authorization` metadata; empty if none.
absl::string_view AuthorizationMetadata(const grpc::ServerContextBase& context);

// ResolveClientCredentials over the call's metadata and fields (a field is
// present when not empty: proto3 strings have no presence), the client
// assertion fields (RFC 7521 §4.2) included.
absl::StatusOr<ClientCredentials> CallCredentials(
    const grpc::ServerContextBase& context, absl::string_view field_client_id,
    absl::string_view field_client_secret,
    absl::string_view field_client_assertion_type = {},
    absl::string_view field_client_assertion = {});

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_CLIENT_CREDENTIALS_METADATA_H_
