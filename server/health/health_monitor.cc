#include "server/health/health_monitor.h"

#include <utility>

namespace identity::server {

void HealthMonitor::AddListener(Listener listener) {
  listeners_.push_back(std::move(listener));
}

bool HealthMonitor::Check() {
  absl::MutexLock lock(&check_mu_);
  if (draining_) return false;
  const absl::Status status = probe_ ? probe_() : absl::OkStatus();
  const absl::Time now = now_();
  if (status.ok()) last_success_ = now;
  // Within the grace, a failing probe does not take a serving replica out.
  const bool serving = status.ok() || (known_ && serving_.load() &&
                                       now - last_success_ < grace_);
  const bool changed = !known_ || serving != serving_.load();
  known_ = true;
  serving_.store(serving, std::memory_order_release);
  if (changed) {
    for (const Listener& listener : listeners_) listener(serving, status);
  }
  return serving;
}

void HealthMonitor::Start(absl::Duration interval) {
  Check();
  thread_ = std::thread([this, interval] {
    while (!stop_.WaitForNotificationWithTimeout(interval)) Check();
  });
}

void HealthMonitor::Drain() {
  Stop();
  absl::MutexLock lock(&check_mu_);
  if (draining_) return;
  draining_ = true;
  const bool was_serving = serving_.exchange(false);
  if (was_serving || !known_) {
    const absl::Status draining = absl::UnavailableError("draining");
    for (const Listener& listener : listeners_) listener(false, draining);
  }
  known_ = true;
}

void HealthMonitor::Stop() {
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace identity::server
