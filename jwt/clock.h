// Time as a dependency: verifiers read "now" through a Clock so that tests set
// it instead of sleeping.
#ifndef IDENTITY_JWT_CLOCK_H_
#define IDENTITY_JWT_CLOCK_H_

#include <atomic>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace identity::jwt {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The system's real-time clock. Never null; lives forever.
  static const Clock* Real();
};

// A clock that only moves when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time now) : nanos_(absl::ToUnixNanos(now)) {}
  absl::Time Now() const override { return absl::FromUnixNanos(nanos_.load()); }
  void Set(absl::Time now) { nanos_.store(absl::ToUnixNanos(now)); }
  void Advance(absl::Duration d) {
    nanos_.fetch_add(absl::ToInt64Nanoseconds(d));
  }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_CLOCK_H_
