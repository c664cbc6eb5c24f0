#include "server/users/hash_limiter.h"

#include <utility>

namespace identity::server {

HashLimiter::Slot::~Slot() {
  if (limiter_ != nullptr) limiter_->Release();
}

absl::StatusOr<std::unique_ptr<HashLimiter>> HashLimiter::Create(
    HashLimiterOptions options) {
  if (options.max_concurrent < 1) {
    return absl::InvalidArgumentError(
        "at least one password hash must be allowed at a time");
  }
  if (options.max_wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("the wait for a hash slot is negative");
  }
  if (!options.wait) {
    options.wait = [](absl::Mutex& mu, const absl::Condition& condition,
                      absl::Duration timeout) {
      return mu.AwaitWithTimeout(condition, timeout);
    };
  }
  return std::unique_ptr<HashLimiter>(new HashLimiter(std::move(options)));
}

absl::StatusOr<HashLimiter::Slot> HashLimiter::Acquire() {
  absl::MutexLock lock(&mu_);
  auto free = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_use_ < options_.max_concurrent;
  };
  if (!free() &&
      (options_.max_wait == absl::ZeroDuration() ||
       !options_.wait(mu_, absl::Condition(&free), options_.max_wait))) {
    return absl::UnavailableError("the server is busy");
  }
  ++in_use_;
  return Slot(this);
}

void HashLimiter::Release() {
  absl::MutexLock lock(&mu_);
  --in_use_;
}

int HashLimiter::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

}  // namespace identity::server
