// Readiness from a periodic probe of what the server cannot work without
// (PostgreSQL): grpc.health.v1 and /readyz say NOT_SERVING while the probe
// fails and SERVING again after it succeeds, by themselves. Liveness
// (/healthz) does not depend on it: a database outage must not get every
// replica restarted.
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

  // `probe` may be null: always serving (the in-memory store).
  explicit HealthMonitor(Probe probe) : probe_(std::move(probe)) {}
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
  std::vector<Listener> listeners_;
  absl::Mutex check_mu_;  // One probe at a time; listeners in order.
  bool known_ ABSL_GUARDED_BY(check_mu_) = false;
  bool draining_ ABSL_GUARDED_BY(check_mu_) = false;
  std::atomic<bool> serving_{false};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HEALTH_HEALTH_MONITOR_H_
