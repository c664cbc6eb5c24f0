// gRPC server metrics under go-grpc-prometheus's names and labels, so that
// existing dashboards work unchanged:
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//   (histogram)
// recorded by a server interceptor (interceptors can observe calls, unlike
// stopping them). Calls refused by an auth metadata processor
// (client/interceptor) never reach interceptors: their count comes from the
// authorizer's AuthObserver instead.
//
//   GrpcServerMetrics metrics(&registry);
//   std::vector<std::unique_ptr<
//       grpc::experimental::ServerInterceptorFactoryInterface>> factories;
//   factories.push_back(metrics.InterceptorFactory());
//   builder.experimental().SetInterceptorCreators(std::move(factories));
#ifndef IDENTITY_SERVER_METRICS_GRPC_METRICS_H_
#define IDENTITY_SERVER_METRICS_GRPC_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/metrics/metrics.h"

namespace identity::metrics {

// Thread-safe. Must outlive the servers it is installed in.
class GrpcServerMetrics {
 public:
  // Registers the three families in `registry`. Aborts if they are already
  // registered there (a programming error).
  explicit GrpcServerMetrics(Registry* registry);

  // A new factory for ServerBuilder::experimental().SetInterceptorCreators.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  // The work of the interceptor, for a call on `method` ("/pkg.Service/M").
  void Started(grpc::experimental::ServerRpcInfo::Type type,
               absl::string_view method);
  // An infinite `latency` (the call never started here) is counted but not
  // observed in the histogram.
  void Handled(grpc::experimental::ServerRpcInfo::Type type,
               absl::string_view method, grpc::StatusCode code,
               absl::Duration latency);

 private:
  // The series of one (type, method), resolved once: later calls find them
  // with a shared lock and a hash lookup, then update lock-free.
  struct Series {
    Counter* started;
    Histogram* seconds;
    std::array<Counter*, 17> handled;  // By status code, created on use.
  };
  Series& SeriesFor(grpc::experimental::ServerRpcInfo::Type type,
                    absl::string_view method);

  Family<Counter>* started_;
  Family<Counter>* handled_;
  Family<Histogram>* seconds_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Series>> series_
      ABSL_GUARDED_BY(mu_);
};

// "/pkg.Service/Method" -> {"pkg.Service", "Method"} for a method this
// binary knows (its generated protobuf descriptors, gRPC's health and
// reflection services); {"unknown", "unknown"} for anything else, so that
// callers cannot grow the label sets with invented paths.
std::pair<std::string, std::string> SplitMethod(absl::string_view path);

// go-grpc-prometheus's names: "unary", "client_stream", "server_stream",
// "bidi_stream"; and the status code's name as Go spells it
// ("OK", "NotFound", "DeadlineExceeded", ...), like go-grpc-prometheus.
absl::string_view GrpcTypeName(grpc::experimental::ServerRpcInfo::Type type);
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_GRPC_METRICS_H_
