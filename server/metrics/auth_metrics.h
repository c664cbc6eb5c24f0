// The interceptor library's decisions as Prometheus counters: an AuthObserver
// (client/interceptor/call_authorizer.h) for any service that links both, so
// identity-server and the services it protects export them the same way:
//   identity_auth_decisions_total{grpc_service,grpc_method,outcome,reason}
#ifndef IDENTITY_SERVER_METRICS_AUTH_METRICS_H_
#define IDENTITY_SERVER_METRICS_AUTH_METRICS_H_

#include "client/interceptor/call_authorizer.h"
#include "server/metrics/metrics.h"

namespace identity::metrics {

// Thread-safe. `registry` must outlive it.
class AuthDecisionMetrics final : public interceptor::AuthObserver {
 public:
  // Registers the family in `registry`; aborts if the name is taken there.
  explicit AuthDecisionMetrics(Registry* registry);

  void OnDecision(absl::string_view path, interceptor::Outcome outcome,
                  absl::string_view reason) override;

 private:
  Family<Counter>* decisions_;
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_AUTH_METRICS_H_
