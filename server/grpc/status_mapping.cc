#include "server/grpc/status_mapping.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const std::optional<OAuthError> error = OAuthErrorOf(status);
  // absl and gRPC share the canonical code numbers. temporarily_unavailable
  // (throttled, or the server busy) is always RESOURCE_EXHAUSTED: clients
  // back off on it with retry_after_seconds, where retry policies would
  // retry UNAVAILABLE at once and add to the load.
  const auto code = error == OAuthError::kTemporarilyUnavailable
                        ? grpc::StatusCode::RESOURCE_EXHAUSTED
                        : static_cast<grpc::StatusCode>(status.code());
  const std::string message(status.message());
  if (!error.has_value()) return grpc::Status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(OAuthErrorCode(*error)));
  info.set_domain(kErrorDomain);
  for (auto& [key, value] : ErrorDetailsOf(status)) {
    (*info.mutable_metadata())[key] = value;
  }
  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);
  details.add_details()->PackFrom(info);
  return grpc::Status(code, message, details.SerializeAsString());
}

}  // namespace identity::server
