// Readiness from a periodic probe of what the server cannot work without
// (PostgreSQL): grpc.health.v1 and /readyz say NOT_SERVING while the probe
// fails and SERVING again after it succeeds, by themselves. Liveness
// (/healthz) does not depend on it: a database outage must not get every
// replica restarted.
//
// With a `grace`, a serving replica whose probe starts failing stays serving
// until the probe has failed for that long since its last success: while the
// replica's read caches can still answer (--store-stale-if-error), taking it
// out of the balancer would only turn the calls that need no database into
// failures, every replica sharing the same database. A replica that was not
// serving (at start, or after the grace) serves again at its first success.
#ifndef IDENTITY_SERVER_HEALTH_HEALTH_MONITOR_H_
#define IDENTITY_SERVER_HEALTH_HEALTH_MONITOR_H_

#include <atomic>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace identity::server {

// Thread-safe.
class HealthMonitor {
 public:
  using Probe = std::function<absl::Status()>;
  // Called with the new state and the failing probe's status (OK when
  // serving) on each change, and once with the first result.
  using Listener = std::function<void(bool serving, const absl::Status&)>;

  // `probe` may be null: always serving (the in-memory store). `now` is the
  // clock the grace is measured with.
  explicit HealthMonitor(Probe probe,
                         absl::Duration grace = absl::ZeroDuration(),
                         std::function<absl::Time()> now = &absl::Now)
      : probe_(std::move(probe)), grace_(grace), now_(std::move(now)) {}
  ~HealthMonitor() { Stop(); }

  // Before the first Check or Start.
  void AddListener(Listener listener);

  // Runs the probe once and tells the listeners if the state changed.
  // Returns the new state.
  bool Check();

  // Check() now, then every `interval` on a thread of its own, until Stop().
  void Start(absl::Duration interval);
  void Stop();

  // For shutdown: stops the probes and reports NOT_SERVING for good (the
  // listeners hear it once, with an Unavailable "draining" status), so load
  // balancers move traffic away while calls in flight finish.
  void Drain();

  bool serving() const { return serving_.load(std::memory_order_acquire); }

 private:
  const Probe probe_;
  const absl::Duration grace_;
  const std::function<absl::Time()> now_;
  std::vector<Listener> listeners_;
  absl::Mutex check_mu_;  // One probe at a time; listeners in order.
  bool known_ ABSL_GUARDED_BY(check_mu_) = false;
  bool draining_ ABSL_GUARDED_BY(check_mu_) = false;
  absl::Time last_success_ ABSL_GUARDED_BY(check_mu_) = absl::InfinitePast();
  std::atomic<bool> serving_{false};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HEALTH_HEALTH_MONITOR_H_
