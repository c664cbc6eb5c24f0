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
  const bool serving = status.ok();
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
