#include "server/users/login_throttle.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

constexpr absl::string_view kRetryAfterUrl =
    "type.identity.dev/identity.server.RetryAfterSeconds";

// Fixed-size keys whatever the input, and no user names kept in memory.
std::string Digest(absl::string_view key) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const uint8_t*>(key.data()), key.size(),
         reinterpret_cast<uint8_t*>(out.data()));
  return out;
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
  if (options.max_tracked_keys < 1) {
    return absl::InvalidArgumentError(
        "login throttle must track at least one key");
  }
  if (options.clock == nullptr) {
    return absl::InvalidArgumentError("login throttle needs a clock");
  }
  return std::unique_ptr<LoginThrottle>(new LoginThrottle(std::move(options)));
}

bool LoginThrottle::Stale(const Entry& entry, absl::Time now) const {
  return now >=
         std::max(entry.last_failure, entry.locked_until) + options_.window;
}

absl::Duration LoginThrottle::LockedFor(const Table& table,
                                        const std::string& key,
                                        absl::Time now) const {
  auto it = table.entries.find(key);
  if (it == table.entries.end() || now >= it->second.locked_until) {
    return absl::ZeroDuration();
  }
  return it->second.locked_until - now;
}

absl::Status LoginThrottle::Check(absl::string_view user,
                                  absl::string_view source) const {
  const absl::Time now = options_.clock->Now();
  const std::string user_key = Digest(user);
  const std::string source_key = Digest(source);
  absl::Duration wait;
  {
    absl::ReaderMutexLock lock(&mu_);
    wait = std::max(LockedFor(users_, user_key, now),
                    LockedFor(sources_, source_key, now));
  }
  if (wait <= absl::ZeroDuration()) return absl::OkStatus();
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  absl::Status status = absl::ResourceExhaustedError(absl::StrCat(
      "too many failed logins; retry after ", seconds, " seconds"));
  status.SetPayload(kRetryAfterUrl, absl::Cord(absl::StrCat(seconds)));
  return status;
}

void LoginThrottle::Fail(Table& table, const std::string& key, int threshold,
                         absl::Time now) {
  auto it = table.entries.find(key);
  if (it == table.entries.end()) {
    if (table.entries.size() >= options_.max_tracked_keys) {
      table.entries.erase(table.order.front());
      table.order.pop_front();
    }
    table.order.push_back(key);
    it = table.entries.emplace(key, Entry{}).first;
    it->second.order = std::prev(table.order.end());
    it->second.window_start = now;
  } else {
    if (Stale(it->second, now)) {
      const auto order = it->second.order;
      it->second = Entry{};
      it->second.order = order;
      it->second.window_start = now;
    }
    table.order.splice(table.order.end(), table.order, it->second.order);
  }
  Entry& entry = it->second;
  if (now - entry.window_start >= options_.window) {
    entry.failures = 0;
    entry.window_start = now;
  }
  ++entry.failures;
  entry.last_failure = now;
  if (entry.failures < threshold) return;
  ++entry.lockouts;
  absl::Duration lockout = options_.base_lockout;
  for (int i = 1; i < entry.lockouts && lockout < options_.max_lockout; ++i) {
    lockout *= 2;
  }
  lockout = std::min(lockout, options_.max_lockout);
  entry.locked_until = std::max(entry.locked_until, now + lockout);
  entry.failures = 0;
  entry.window_start = now;
}

void LoginThrottle::RecordFailure(absl::string_view user,
                                  absl::string_view source) {
  const absl::Time now = options_.clock->Now();
  const std::string user_key = Digest(user);
  const std::string source_key = Digest(source);
  absl::MutexLock lock(&mu_);
  Fail(users_, user_key, options_.max_user_failures, now);
  Fail(sources_, source_key, options_.max_source_failures, now);
}

void LoginThrottle::RecordSuccess(absl::string_view user) {
  const std::string key = Digest(user);
  absl::MutexLock lock(&mu_);
  auto it = users_.entries.find(key);
  if (it == users_.entries.end()) return;
  users_.order.erase(it->second.order);
  users_.entries.erase(it);
}

size_t LoginThrottle::tracked_users() const {
  absl::ReaderMutexLock lock(&mu_);
  return users_.entries.size();
}

size_t LoginThrottle::tracked_sources() const {
  absl::ReaderMutexLock lock(&mu_);
  return sources_.entries.size();
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
