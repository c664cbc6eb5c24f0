// One structured log line per gRPC call (server/logging/log.h), written by a
// server interceptor when the call ends:
//   {"time":..,"level":..,"msg":"grpc call","request_id":"..",
//    "method":"/identity.v1.TokenService/Token","status":"OK",
//    "latency_ms":0.41,"client_id":"worker","peer":"ipv4:127.0.0.1:50514"}
// Levels: OK at debug; errors of the caller (INVALID_ARGUMENT,
// UNAUTHENTICATED, ...) at info; UNAVAILABLE and DEADLINE_EXCEEDED at warn;
// INTERNAL, UNKNOWN and DATA_LOSS at error; "error" carries the status
// message, which never holds secrets or tokens (docs/api.md).
//
// The request id comes from the caller's `x-request-id` metadata when it is
// 1 to 64 characters of [A-Za-z0-9._:-], else it is made here; either way it
// goes back in the response's initial metadata. client_id is the caller's
// claim (the request's client_id field in TokenService and
// IntrospectionService, or the id in `authorization: Basic`; empty for
// admin calls, whose client_id fields name the client being managed),
// logged for every outcome: it is an identifier, not a secret. Nothing else
// of the request or the metadata is read.
//
// Calls refused before their handler (client/interceptor's auth processor)
// never reach interceptors; LoggingAuthObserver logs those.
#ifndef IDENTITY_SERVER_GRPC_REQUEST_LOG_H_
#define IDENTITY_SERVER_GRPC_REQUEST_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <atomic>
#include <memory>
#include <string>

#include "client/interceptor/call_authorizer.h"
#include "server/logging/log.h"

namespace identity::server {

// Thread-safe. `logger` must outlive the servers it is installed in.
class RequestLog {
 public:
  explicit RequestLog(const logging::Logger* logger);

  // For ServerBuilder::experimental().SetInterceptorCreators. Messages are
  // read only in identity's token and introspection services (protobuf).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  // A new request id: this process's random prefix and a counter.
  std::string NewRequestId();

  const logging::Logger& logger() const { return *logger_; }

 private:
  const logging::Logger* const logger_;
  const std::string prefix_;
  std::atomic<uint64_t> next_{0};
};

// The x-request-id a caller sent, if it is acceptable as a log field.
bool IsAcceptableRequestId(absl::string_view id);

// The level of a call's log line, by its status code.
logging::Level LevelForStatus(grpc::StatusCode code);

// Logs calls refused before their handler: at info for UNAUTHENTICATED and
// PERMISSION_DENIED, warn for UNAVAILABLE, with method, outcome and reason.
// Allowed and open calls are left to RequestLog. Forwards every decision to
// `next` (may be null), e.g. the metrics observer.
class LoggingAuthObserver final : public interceptor::AuthObserver {
 public:
  LoggingAuthObserver(const logging::Logger* logger,
                      std::shared_ptr<interceptor::AuthObserver> next)
      : logger_(logger), next_(std::move(next)) {}

  void OnDecision(absl::string_view path, interceptor::Outcome outcome,
                  absl::string_view reason) override;

 private:
  const logging::Logger* const logger_;
  const std::shared_ptr<interceptor::AuthObserver> next_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_REQUEST_LOG_H_
