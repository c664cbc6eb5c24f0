#include "server/oauth/client_auth_throttle.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/oauth/digest.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

// An IPv6 address counts per /64: a subscriber usually has a whole /64, so
// per address would give an attacker 2^64 fresh sources. IPv4-mapped
// addresses and anything else count as they are.
std::string SourceKey(absl::string_view source) {
  in6_addr address;
  if (inet_pton(AF_INET6, std::string(source).c_str(), &address) == 1 &&
      !IN6_IS_ADDR_V4MAPPED(&address)) {
    std::memset(&address.s6_addr[8], 0, 8);
    return Sha256String(
        absl::string_view(reinterpret_cast<const char*>(address.s6_addr), 16));
  }
  return Sha256String(source);
}

std::string PairKey(absl::string_view client_id, absl::string_view source) {
  // Length-prefixed: ("ab", "c") and ("a", "bc") are different keys.
  return Sha256String(absl::StrCat(client_id.size(), ":", client_id, source));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ClientAuthThrottle>> ClientAuthThrottle::Create(
    ClientAuthThrottleOptions options) {
  if (options.max_pair_failures < 1 || options.max_source_failures < 1 ||
      options.max_tracked < 1) {
    return absl::InvalidArgumentError(
        "thresholds and max_tracked must be at least 1");
  }
  if (options.base_delay <= absl::ZeroDuration() ||
      options.max_delay < options.base_delay ||
      options.forget_after < options.max_delay) {
    return absl::InvalidArgumentError(
        "need 0 < base_delay <= max_delay <= forget_after");
  }
  if (options.clock == nullptr) {
    return absl::InvalidArgumentError("clock is null");
  }
  return std::unique_ptr<ClientAuthThrottle>(
      new ClientAuthThrottle(std::move(options)));
}

ClientAuthThrottle::ClientAuthThrottle(ClientAuthThrottleOptions options)
    : options_(std::move(options)) {
  pairs_.max_failures = options_.max_pair_failures;
  sources_.max_failures = options_.max_source_failures;
}

absl::Duration ClientAuthThrottle::DelayAfter(int failures,
                                              int max_failures) const {
  // 2^30 s is past any sane max_delay: stop doubling there.
  const int doublings = std::min(failures - max_failures, 30);
  return std::min(options_.base_delay * (int64_t{1} << doublings),
                  options_.max_delay);
}

absl::Duration ClientAuthThrottle::WaitFor(const Table& table,
                                           const std::string& key,
                                           absl::Time now) const {
  auto it = table.entries.find(key);
  if (it == table.entries.end()) return absl::ZeroDuration();
  return std::max(it->second.next_allowed - now, absl::ZeroDuration());
}

void ClientAuthThrottle::TakeSlot(Table& table, const std::string& key,
                                  absl::Time now) {
  auto it = table.entries.find(key);
  if (it == table.entries.end()) return;
  Entry& entry = it->second;
  if (entry.failures < table.max_failures) return;  // Still free.
  entry.next_allowed = now + DelayAfter(entry.failures, table.max_failures);
}

absl::Status ClientAuthThrottle::Admit(absl::string_view client_id,
                                       absl::string_view source) {
  {
    // The common case, no failure anywhere: nothing to look up or trim, so
    // no key is hashed and no writer lock taken.
    absl::ReaderMutexLock lock(&mu_);
    if (pairs_.entries.empty() && sources_.entries.empty()) {
      return absl::OkStatus();
    }
  }
  const std::string pair = PairKey(client_id, source);
  const std::string from = SourceKey(source);
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  Trim(pairs_, now);  // A forgotten key must not hold anyone back.
  Trim(sources_, now);
  const absl::Duration wait =
      std::max(WaitFor(pairs_, pair, now), WaitFor(sources_, from, now));
  if (wait > absl::ZeroDuration()) {
    const int64_t seconds = std::max<int64_t>(
        1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
    return WithErrorDetail(
        OAuthFailure(OAuthError::kTemporarilyUnavailable,
                     "too many failed client authentications; retry later"),
        "retry_after_seconds", absl::StrCat(seconds));
  }
  TakeSlot(pairs_, pair, now);
  TakeSlot(sources_, from, now);
  return absl::OkStatus();
}

void ClientAuthThrottle::Fail(Table& table, const std::string& key,
                              absl::Time now) {
  auto [it, added] = table.entries.try_emplace(key);
  Entry& entry = it->second;
  if (added) {
    entry.order = table.order.insert(table.order.end(), key);
  } else {
    table.order.splice(table.order.end(), table.order, entry.order);
  }
  ++entry.failures;
  entry.last_failure = now;
  if (entry.failures >= table.max_failures) {
    entry.next_allowed =
        std::max(entry.next_allowed,
                 now + DelayAfter(entry.failures, table.max_failures));
  }
  Trim(table, now);
}

// Forgets keys without a failure for forget_after (they are at the front),
// then the oldest beyond max_tracked.
void ClientAuthThrottle::Trim(Table& table, absl::Time now) {
  while (!table.order.empty()) {
    auto it = table.entries.find(table.order.front());
    const bool stale = now - it->second.last_failure >= options_.forget_after;
    if (!stale && table.entries.size() <= options_.max_tracked) break;
    table.entries.erase(it);
    table.order.pop_front();
  }
}

void ClientAuthThrottle::RecordFailure(absl::string_view client_id,
                                       absl::string_view source) {
  const std::string pair = PairKey(client_id, source);
  const std::string from = SourceKey(source);
  const absl::Time now = options_.clock->Now();
  absl::MutexLock lock(&mu_);
  Fail(pairs_, pair, now);
  Fail(sources_, from, now);
}

void ClientAuthThrottle::RecordSuccess(absl::string_view client_id,
                                       absl::string_view source) {
  {
    absl::ReaderMutexLock lock(&mu_);
    if (pairs_.entries.empty()) return;  // Nothing to forget.
  }
  const std::string pair = PairKey(client_id, source);
  absl::MutexLock lock(&mu_);
  auto it = pairs_.entries.find(pair);
  if (it == pairs_.entries.end()) return;
  pairs_.order.erase(it->second.order);
  pairs_.entries.erase(it);
}

size_t ClientAuthThrottle::tracked_pairs() const {
  absl::MutexLock lock(&mu_);
  return pairs_.entries.size();
}

size_t ClientAuthThrottle::tracked_sources() const {
  absl::MutexLock lock(&mu_);
  return sources_.entries.size();
}

}  // namespace identity::server
