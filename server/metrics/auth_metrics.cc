#include "server/metrics/auth_metrics.h"

#include "absl/strings/str_cat.h"
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
  const absl::string_view outcome_name = interceptor::OutcomeName(outcome);
  const std::string key =
      absl::StrCat(path, absl::string_view("\0", 1), outcome_name,
                   absl::string_view("\0", 1), reason);
  {
    absl::ReaderMutexLock lock(&mu_);
    auto found = known_.find(key);
    if (found != known_.end()) {
      found->second->Increment();
      return;
    }
  }
  auto [service, method] = SplitMethod(path);
  const bool known = service != "unknown";
  Counter& counter = decisions_->Get({{"grpc_service", std::move(service)},
                                      {"grpc_method", std::move(method)},
                                      {"outcome", std::string(outcome_name)},
                                      {"reason", std::string(reason)}});
  if (known) {
    absl::MutexLock lock(&mu_);
    known_.emplace(key, &counter);
  }
  counter.Increment();
}

}  // namespace identity::metrics
