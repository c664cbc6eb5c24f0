// The login throttle's counters (server/users/login_throttle.h), kept where
// every replica sees them, so its limits hold across replicas. No rules
// here: the throttle decides what the counters mean; the store only keeps
// them and makes a read-modify-write of several keys one atomic step.
#ifndef IDENTITY_STORAGE_LOGIN_ATTEMPT_STORE_H_
#define IDENTITY_STORAGE_LOGIN_ATTEMPT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::storage {

// The counter of one key (an opaque string of at most 128 bytes, e.g. a
// digest of a username or of a source address). Times to the microsecond.
struct LoginAttempts {
  int32_t failures = 0;
  int32_t lockouts = 0;
  absl::Time window_start = absl::UnixEpoch();
  absl::Time last_failure = absl::UnixEpoch();
  absl::Time locked_until = absl::UnixEpoch();
  // After this the counter means nothing to its owner:
  // PurgeExpiredLoginAttempts may delete it.
  absl::Time expires_at = absl::UnixEpoch();

  bool operator==(const LoginAttempts& other) const;
};

// Thread-safe. Errors: Unavailable, Internal.
class LoginAttemptStore {
 public:
  // The counters of `keys`, in their order (nullopt for a key without one).
  using Counters = std::vector<std::optional<LoginAttempts>>;

  virtual ~LoginAttemptStore() = default;

  // The counters of `keys` as they are now, in the order of `keys`.
  virtual absl::StatusOr<Counters> GetLoginAttempts(
      const std::vector<std::string>& keys) = 0;

  // One atomic step: reads the counters of `keys` (distinct), calls `update`
  // once with them in the order of `keys`, and stores what it leaves there
  // (nullopt deletes the key's counter). Calls that share a key run one after
  // the other, in this process and in every other one using the same
  // database, so none of them loses another's change. `update` runs while
  // the keys are locked: it must be quick and must not call the store. When
  // it returns an error nothing is stored and that error is returned.
  virtual absl::Status UpdateLoginAttempts(
      const std::vector<std::string>& keys,
      absl::FunctionRef<absl::Status(Counters&)> update) = 0;

  // Deletes the counters whose expires_at is before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredLoginAttempts(absl::Time now) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_LOGIN_ATTEMPT_STORE_H_
