// Throttling of failed logins (SPEC "Users": throttled failed logins), per
// user name and per source (the client's address), with the counters in a
// storage::LoginAttemptStore: PostgreSQL when replicas share it, so the
// limits hold across replicas (not N times looser with N replicas).
//
// An attempt is reserved before the password is checked: Reserve checks the
// locks and counts the attempt as a failure in one atomic step of the store,
// so concurrent attempts (from one process or from several replicas) each
// count, and no more than the threshold get to check a password in a window.
// A success then gives its attempt back (RecordSuccess).
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
//   - While a key is locked, attempts are refused and not counted.
//   - A key is forgotten (count and lockout history) once a whole `window`
//     has passed with neither a failure nor an active lockout; the store may
//     then delete it (the throttle purges such counters at most once per
//     window).
//   - A successful login forgets the user's key. Its source only gets the
//     attempt back (one failure less, if the count has any): a success does
//     not clear its source, or an attacker holding one valid account could
//     reset its address between guesses at other accounts.
//   - Unknown user names are tracked like known ones, so a lockout does not
//     reveal whether an account exists; refusals name neither the user nor
//     the source, nor which of them is locked.
// Keys are stored as "user:" or "source:" and the hex SHA-256 of the name or
// address: fixed size, and the store holds no user names or addresses.
// Sources should be normalized by the caller (e.g. an IPv6 /64).
//
// Memory (with the in-memory store) and rows (in PostgreSQL) are bounded by
// the purge: keys live at most `window` past their last failure or lockout,
// and every counted attempt cost a password hash, which the hash bound
// (hash_limiter.h) rate-limits.
//
// Thread-safe.
#ifndef IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_
#define IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "storage/login_attempt_store.h"
#include "storage/memory/memory_store.h"

namespace identity::server {

struct LoginThrottleOptions {
  int max_user_failures = 5;     // Per user name and window.
  int max_source_failures = 20;  // Per source and window.
  absl::Duration window = absl::Minutes(15);
  absl::Duration base_lockout = absl::Minutes(1);
  absl::Duration max_lockout = absl::Minutes(15);
  // Where the counters live. Null: a private in-memory store (the limits
  // then hold for this process only). Must outlive the throttle.
  storage::LoginAttemptStore* store = nullptr;
  // Never null; must outlive the throttle.
  const jwt::Clock* clock = jwt::Clock::Real();
  // Prepended to every key, so that another throttle of this kind (the
  // device flow's user codes, device_authorization.h) can share the store
  // without sharing counters. At most 32 bytes.
  std::string key_prefix = {};
};

class LoginThrottle {
 public:
  // Errors: InvalidArgument when a threshold is below 1, a duration is not
  // positive, max_lockout < base_lockout, or clock is null.
  static absl::StatusOr<std::unique_ptr<LoginThrottle>> Create(
      LoginThrottleOptions options);

  // Whether `user` or `source` is locked out now, without counting anything:
  // a cheap refusal before any work. Reserve decides.
  // Errors: ResourceExhausted while the user or the source is locked out,
  // with RetryAfter(status) the time until both locks have expired (whole
  // seconds, at least one); the store's (Unavailable).
  absl::Status Check(absl::string_view user, absl::string_view source) const;

  // Check and count in one atomic step: refused as Check while the user or
  // the source is locked out (nothing counted); otherwise the attempt counts
  // as a failure of both keys from now on (it may be the one that locks
  // them). Call it before verifying the password (and before VerifyDummy for
  // unknown users); a failed login then needs nothing more.
  // Errors: as Check.
  absl::Status Reserve(absl::string_view user, absl::string_view source);

  // The login reserved for `user` from `source` succeeded: forgets the
  // user's failures and lockouts, and gives the source its attempt back.
  // Errors: the store's (the counters then stay stricter than needed).
  absl::Status RecordSuccess(absl::string_view user, absl::string_view source);

  // The attempt reserved for `user` from `source` was not a failure, for
  // the user key only: gives the user key its attempt back (one failure
  // less, if the count has any) and leaves the source's count as it is. For
  // a throttle whose "user" key is a bound on everybody (the device flow's
  // user codes): a right answer costs nobody else's budget, while the
  // source still pays for it. A lock-out the attempt started stays.
  // Errors: the store's.
  absl::Status GiveBackUserAttempt(absl::string_view user,
                                   absl::string_view source);

 private:
  using Counter = std::optional<storage::LoginAttempts>;

  LoginThrottle(LoginThrottleOptions options,
                std::unique_ptr<storage::MemoryStore> own_store);

  absl::Duration LockedFor(const Counter& counter, absl::Time now) const;
  void Fail(Counter& counter, int threshold, absl::Time now) const;
  bool Stale(const storage::LoginAttempts& counter, absl::Time now) const;
  // At most once per window: deletes the counters that have gone stale.
  void MaybePurge(absl::Time now);

  const LoginThrottleOptions options_;
  const std::unique_ptr<storage::MemoryStore> own_store_;  // May be null.
  storage::LoginAttemptStore* const store_;
  absl::Mutex mu_;
  absl::Time next_purge_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// The retry-after duration carried by a status from LoginThrottle::Check, or
// zero for any other status.
absl::Duration RetryAfter(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_LOGIN_THROTTLE_H_
