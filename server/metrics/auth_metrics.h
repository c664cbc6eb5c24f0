// The interceptor library's decisions as Prometheus counters: an AuthObserver
// (client/interceptor/call_authorizer.h) for any service that links both, so
// identity-server and the services it protects export them the same way:
//   identity_auth_decisions_total{grpc_service,grpc_method,outcome,reason}
#ifndef IDENTITY_SERVER_METRICS_AUTH_METRICS_H_
#define IDENTITY_SERVER_METRICS_AUTH_METRICS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
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

  // How many (path, outcome, reason) series are remembered (tests: the
  // bound).
  size_t RememberedSeries() {
    absl::ReaderMutexLock lock(&mu_);
    return known_.size();
  }

 private:
  Family<Counter>* decisions_;
  // Every call is decided, so the series of a (path, outcome, reason) seen
  // before is found by one hash lookup, not by building its labels again.
  // Only paths of methods this binary knows are kept: the path is the
  // caller's choice, and an invented one must not grow the map.
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Counter*> known_ ABSL_GUARDED_BY(mu_);
};

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_AUTH_METRICS_H_
