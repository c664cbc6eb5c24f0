// The slots for concurrent password hashes. Each Argon2id hash holds its
// memory (19 MiB at the defaults) while it runs, and logins need no client
// authentication: without a bound, a burst of logins is a burst of memory
// (issue 13: 40 concurrent wrong logins took 660 MB). With it, at most
// `max_concurrent` hashes run at once; a login that finds every slot taken
// waits up to `max_wait` for one, then is refused at once, costing nothing.
//
// Thread-safe.
#ifndef IDENTITY_SERVER_USERS_HASH_LIMITER_H_
#define IDENTITY_SERVER_USERS_HASH_LIMITER_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace identity::server {

// Waits under `mu` (held) until `condition` holds or `timeout` has passed;
// returns whether it holds. The default is absl::Mutex::AwaitWithTimeout;
// tests pass one that does not sleep.
using HashSlotWait = std::function<bool(
    absl::Mutex& mu, const absl::Condition& condition, absl::Duration timeout)>;

struct HashLimiterOptions {
  int max_concurrent = 1;  // Hashes at once; at least 1.
  // How long a hash may wait for a slot; zero: not at all.
  absl::Duration max_wait = absl::Milliseconds(100);
  HashSlotWait wait = nullptr;  // Null: absl::Mutex::AwaitWithTimeout.
};

class HashLimiter {
 public:
  // A taken slot, given back when destroyed. Movable.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : limiter_(other.limiter_) {
      other.limiter_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    friend class HashLimiter;
    explicit Slot(HashLimiter* limiter) : limiter_(limiter) {}
    HashLimiter* limiter_;
  };

  // Errors: InvalidArgument when max_concurrent < 1 or max_wait < 0.
  static absl::StatusOr<std::unique_ptr<HashLimiter>> Create(
      HashLimiterOptions options);

  // A slot, at once or within max_wait. Errors: Unavailable ("the server is
  // busy") when none came free in time.
  absl::StatusOr<Slot> Acquire();

  // Slots taken now; for tests and metrics.
  int in_use() const;

 private:
  explicit HashLimiter(HashLimiterOptions options)
      : options_(std::move(options)) {}
  void Release();

  const HashLimiterOptions options_;
  mutable absl::Mutex mu_;
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_HASH_LIMITER_H_
