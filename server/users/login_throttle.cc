#include "server/users/login_throttle.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

constexpr absl::string_view kRetryAfterUrl =
    "type.identity.dev/identity.server.RetryAfterSeconds";

// Fixed-size keys whatever the input, and no user names or addresses in the
// store: "user:" or "source:" and the hex SHA-256.
std::string Key(absl::string_view kind, absl::string_view name) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(name.data()), name.size(), digest);
  return absl::StrCat(
      kind, ":",
      absl::BytesToHexString(absl::string_view(
          reinterpret_cast<const char*>(digest), sizeof(digest))));
}

std::vector<std::string> Keys(absl::string_view prefix, absl::string_view user,
                              absl::string_view source) {
  return {Key(absl::StrCat(prefix, "user"), user),
          Key(absl::StrCat(prefix, "source"), source)};
}

absl::Status Refusal(absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
      "too many failed logins; retry after ", seconds, " seconds"));
  status.SetPayload(kRetryAfterUrl, absl::Cord(absl::StrCat(seconds)));
  return status;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoginThrottle>> LoginThrottle::Create(
    LoginThrottleOptions options) {
  if (options.max_user_failures < 1 || options.max_source_failures < 1) {
    return absl::InvalidArgumentError(
        "login throttle thresholds must be at least 1");
  }
  if (options.window <= absl::ZeroDuration() ||
      options.base_lockout <= absl::ZeroDuration() ||
      options.max_lockout < options.base_lockout) {
    return absl::InvalidArgumentError(
        "login throttle durations must be positive, max_lockout at least "
        "base_lockout");
  }
  if (options.clock == nullptr) {
    return absl::InvalidArgumentError("login throttle needs a clock");
  }
  if (options.key_prefix.size() > 32) {
    return absl::InvalidArgumentError(
        "login throttle key prefix longer than 32 bytes");
  }
  std::unique_ptr<storage::MemoryStore> own_store;
  if (options.store == nullptr) {
    own_store = std::make_unique<storage::MemoryStore>();
  }
  return std::unique_ptr<LoginThrottle>(
      new LoginThrottle(std::move(options), std::move(own_store)));
}

LoginThrottle::LoginThrottle(LoginThrottleOptions options,
                             std::unique_ptr<storage::MemoryStore> own_store)
    : options_(std::move(options)),
      own_store_(std::move(own_store)),
      store_(options_.store != nullptr ? options_.store : own_store_.get()) {}

bool LoginThrottle::Stale(const storage::LoginAttempts& counter,
                          absl::Time now) const {
  return now >= counter.expires_at;
}

absl::Duration LoginThrottle::LockedFor(const Counter& counter,
                                        absl::Time now) const {
  if (!counter.has_value() || now >= counter->locked_until) {
    return absl::ZeroDuration();
  }
  return counter->locked_until - now;
}

void LoginThrottle::Fail(Counter& counter, int threshold,
                         absl::Time now) const {
  if (!counter.has_value() || Stale(*counter, now)) {
    counter = storage::LoginAttempts{};
    counter->window_start = now;
  }
  storage::LoginAttempts& c = *counter;
  if (now - c.window_start >= options_.window) {
    c.failures = 0;
    c.window_start = now;
  }
  ++c.failures;
  c.last_failure = now;
  if (c.failures >= threshold) {
    ++c.lockouts;
    absl::Duration lockout = options_.base_lockout;
    for (int i = 1; i < c.lockouts && lockout < options_.max_lockout; ++i) {
      lockout *= 2;
    }
    lockout = std::min(lockout, options_.max_lockout);
    c.locked_until = std::max(c.locked_until, now + lockout);
    c.failures = 0;
    c.window_start = now;
  }
  // Quiet for a whole window after the last failure and any lock: forgotten.
  c.expires_at = std::max(c.last_failure, c.locked_until) + options_.window;
}

absl::Status LoginThrottle::Check(absl::string_view user,
                                  absl::string_view source) const {
  const absl::Time now = options_.clock->Now();
  auto counters =
      store_->GetLoginAttempts(Keys(options_.key_prefix, user, source));
  if (!counters.ok()) return counters.status();
  absl::Duration wait = absl::ZeroDuration();
  for (const Counter& counter : *counters) {
    wait = std::max(wait, LockedFor(counter, now));
  }
  return wait > absl::ZeroDuration() ? Refusal(wait) : absl::OkStatus();
}

absl::Status LoginThrottle::Reserve(absl::string_view user,
                                    absl::string_view source) {
  const absl::Time now = options_.clock->Now();
  absl::Status reserved = store_->UpdateLoginAttempts(
      Keys(options_.key_prefix, user, source),
      [&](storage::LoginAttemptStore::Counters& c) {
        const absl::Duration wait =
            std::max(LockedFor(c[0], now), LockedFor(c[1], now));
        if (wait > absl::ZeroDuration()) return Refusal(wait);
        Fail(c[0], options_.max_user_failures, now);
        Fail(c[1], options_.max_source_failures, now);
        return absl::OkStatus();
      });
  MaybePurge(now);
  return reserved;
}

absl::Status LoginThrottle::RecordSuccess(absl::string_view user,
                                          absl::string_view source) {
  const absl::Time now = options_.clock->Now();
  return store_->UpdateLoginAttempts(
      Keys(options_.key_prefix, user, source),
      [&](storage::LoginAttemptStore::Counters& c) {
        c[0].reset();
        if (c[1].has_value() && !Stale(*c[1], now) && c[1]->failures > 0) {
          --c[1]->failures;
        }
        return absl::OkStatus();
      });
}

absl::Status LoginThrottle::GiveBackUserAttempt(absl::string_view user,
                                                absl::string_view source) {
  const absl::Time now = options_.clock->Now();
  return store_->UpdateLoginAttempts(
      Keys(options_.key_prefix, user, source),
      [&](storage::LoginAttemptStore::Counters& c) {
        if (c[0].has_value() && !Stale(*c[0], now) && c[0]->failures > 0) {
          --c[0]->failures;
        }
        return absl::OkStatus();
      });
}

void LoginThrottle::MaybePurge(absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    if (now < next_purge_) return;
    next_purge_ = now + options_.window;
  }
  // A failed purge is retried a window later; the counters it left are
  // stale, so they change no decision meanwhile.
  (void)store_->PurgeExpiredLoginAttempts(now);
}

absl::Duration RetryAfter(const absl::Status& status) {
  auto payload = status.GetPayload(kRetryAfterUrl);
  int64_t seconds = 0;
  if (!payload.has_value() ||
      !absl::SimpleAtoi(std::string(*payload), &seconds) || seconds < 0) {
    return absl::ZeroDuration();
  }
  return absl::Seconds(seconds);
}

}  // namespace identity::server
