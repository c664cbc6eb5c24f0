#include "server/metrics/auth_metrics.h"

#include "server/metrics/grpc_metrics.h"

namespace identity::metrics {

AuthDecisionMetrics::AuthDecisionMetrics(Registry* registry)
    : decisions_(MustRegister(
          BuildCounter()
              .Name("identity_auth_decisions_total")
              .Help("Calls decided by the token check before their handlers, "
                    "by outcome and reason.")
              .Register(*registry))) {}

void AuthDecisionMetrics::OnDecision(absl::string_view path,
                                     interceptor::Outcome outcome,
                                     absl::string_view reason) {
  auto [service, method] = SplitMethod(path);
  decisions_
      ->Get({{"grpc_service", std::move(service)},
             {"grpc_method", std::move(method)},
             {"outcome", std::string(interceptor::OutcomeName(outcome))},
             {"reason", std::string(reason)}})
      .Increment();
}

}  // namespace identity::metrics
