#include "server/metrics/auth_metrics.h"

#include <cstdlib>
#include <iostream>

namespace identity::metrics {

AuthDecisionMetrics::AuthDecisionMetrics(Registry* registry) {
  auto family = BuildCounter()
                    .Name("identity_auth_decisions_total")
                    .Help(
                        "Calls decided by the token check before their "
                        "handlers, by outcome and reason.")
                    .Register(*registry);
  if (!family.ok()) {
    std::cerr << "metrics: " << family.status() << "\n";
    std::abort();
  }
  decisions_ = *family;
}

void AuthDecisionMetrics::OnDecision(absl::string_view path,
                                     interceptor::Outcome outcome,
                                     absl::string_view reason) {
  // "/pkg.Service/Method", as go-grpc-prometheus splits it.
  std::string service = "unknown", method(path);
  const size_t slash = path.rfind('/');
  if (!path.empty() && path[0] == '/' && slash != 0 &&
      slash != absl::string_view::npos) {
    service = std::string(path.substr(1, slash - 1));
    method = std::string(path.substr(slash + 1));
  }
  decisions_
      ->Get({{"grpc_service", std::move(service)},
             {"grpc_method", std::move(method)},
             {"outcome", std::string(interceptor::OutcomeName(outcome))},
             {"reason", std::string(reason)}})
      .Increment();
}

}  // namespace identity::metrics
