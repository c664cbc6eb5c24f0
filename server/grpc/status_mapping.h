// The one place where the OAuth core's statuses become gRPC statuses
// (docs/api.md): the code, a message, and for OAuth errors a google.rpc.Status
// with an ErrorInfo whose reason is the OAuth error code (AIP-193), carried in
// grpc-status-details-bin. The code is the status's own, except that
// temporarily_unavailable is always RESOURCE_EXHAUSTED.
#ifndef IDENTITY_SERVER_GRPC_STATUS_MAPPING_H_
#define IDENTITY_SERVER_GRPC_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace identity::server {

inline constexpr char kErrorDomain[] = "identity.dev";

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_STATUS_MAPPING_H_
