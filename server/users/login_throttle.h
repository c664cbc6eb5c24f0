// Throttling of failed logins (SPEC "Users": throttled failed logins), per
// user name and per source (the client's address), in memory.
//
// Policy, for each key (a user name, or a source) separately:
//   - Failures are counted in a fixed window that starts at the first failure
//     (`window`, 15 minutes by default). The window's count starts again at 0
//     once it has passed.
//   - The failure that brings the count to the threshold (5 per user, 20 per
//     source by default) locks the key out and starts a new window. The n-th
//     lockout in a row lasts base_lockout * 2^(n-1) (1, 2, 4, ... minutes),
//     capped at max_lockout (15 minutes). The cap bounds how long an attacker
//     can keep a victim's account locked with a few wrong passwords, while
//     still limiting guessing to about `threshold` tries per max_lockout.
//   - A key is forgotten (count and lockout history) once a whole `window`
//     has passed with neither a failure nor an active lockout.
//   - A successful login forgets the user's key, and only the user's: a
//     success does not clear its source, or an attacker holding one valid
//     account could reset its address between guesses at other accounts.
//   - Failures during a lockout (logins that passed Check concurrently) still
//     count towards the next lockout.
//   - Unknown user names are tracked like known ones, so a lockout does not
//     reveal whether an account exists; Check's message names neither the
//     user nor the source, nor which of them is locked.
// Memory is bounded: at most max_tracked_keys user keys and as many source
// keys, each stored as its SHA-256 (32 bytes, whatever the input length; the
// table holds no user names). When a table is full, the key with the oldest
// failure is evicted. An attacker who floods failures under fresh names can
// therefore push out another key's history; the per-source limit is what
// slows that flood, and the default of 100000 keys per table (some tens of
// MB when both are full) makes it costly. Sources should be normalized by the
// caller (e.g. an IPv6 /64).
//
// Not persisted, and per replica: with N replicas behind a load balancer the
// limits are up to N times looser. That is the documented trade-off of an
// in-memory throttle; Argon2 remains the real cost of each guess.
//
// Thread-safe.
#ifndef IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_
#define IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_

#include <cstddef>
#include <list>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"

namespace identity::server {

struct LoginThrottleOptions {
  int max_user_failures = 5;     // Per user name and window.
  int max_source_failures = 20;  // Per source and window.
  absl::Duration window = absl::Minutes(15);
  absl::Duration base_lockout = absl::Minutes(1);
  absl::Duration max_lockout = absl::Minutes(15);
  size_t max_tracked_keys = 100000;  // Per table (users, sources).
  // Never null; must outlive the throttle.
  const jwt::Clock* clock = jwt::Clock::Real();
};

class LoginThrottle {
 public:
  // Errors: InvalidArgument when a threshold or max_tracked_keys is below 1,
  // a duration is not positive, max_lockout < base_lockout, or clock is null.
  static absl::StatusOr<std::unique_ptr<LoginThrottle>> Create(
      LoginThrottleOptions options);

  // Whether a login for `user` from `source` may be attempted now. Call it
  // before verifying the password (and before VerifyDummy for unknown users).
  // Errors: ResourceExhausted while the user or the source is locked out,
  // with RetryAfter(status) the time until both locks have expired (whole
  // seconds, at least one).
  absl::Status Check(absl::string_view user, absl::string_view source) const;

  // A login for `user` from `source` failed (wrong password, unknown user,
  // disabled account: anything the caller reports as a failed login).
  void RecordFailure(absl::string_view user, absl::string_view source);

  // A login for `user` succeeded: forgets the user's failures and lockouts.
  // The source's are kept (see above).
  void RecordSuccess(absl::string_view user);

  // Number of user and source keys tracked; for tests and metrics.
  size_t tracked_users() const;
  size_t tracked_sources() const;

 private:
  struct Entry {
    int failures = 0;  // In the current window.
    int lockouts = 0;  // In a row, for the backoff.
    absl::Time window_start;
    absl::Time last_failure;
    absl::Time locked_until = absl::InfinitePast();
    std::list<std::string>::iterator order;  // Position in Table::order.
  };
  // Keys are SHA-256 digests; `order` runs from the oldest failure to the
  // newest.
  struct Table {
    absl::flat_hash_map<std::string, Entry> entries;
    std::list<std::string> order;
  };

  explicit LoginThrottle(LoginThrottleOptions options)
      : options_(std::move(options)) {}

  // The time until `key`'s lock expires, or zero.
  absl::Duration LockedFor(const Table& table, const std::string& key,
                           absl::Time now) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Fail(Table& table, const std::string& key, int threshold, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Stale(const Entry& entry, absl::Time now) const;

  const LoginThrottleOptions options_;
  mutable absl::Mutex mu_;
  Table users_ ABSL_GUARDED_BY(mu_);
  Table sources_ ABSL_GUARDED_BY(mu_);
};

// The retry-after duration carried by a status from LoginThrottle::Check, or
// zero for any other status.
absl::Duration RetryAfter(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_
