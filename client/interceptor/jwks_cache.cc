#include "client/interceptor/jwks_cache.h"

#include <algorithm>
#include <chrono>

namespace identity::interceptor {

absl::StatusOr<std::unique_ptr<JwksCache>> JwksCache::Create(
    std::unique_ptr<JwksFetcher> fetcher, const jwt::Clock* clock,
    JwksCacheOptions options) {
  if (fetcher == nullptr || clock == nullptr ||
      options.refresh_interval <= absl::ZeroDuration() ||
      options.min_refetch_interval <= absl::ZeroDuration() ||
      options.min_refresh_interval <= absl::ZeroDuration() ||
      options.max_refresh_interval < options.min_refresh_interval ||
      options.max_staleness < options.refresh_interval ||
      options.max_staleness < options.max_refresh_interval) {
    return absl::InvalidArgumentError(
        "JWKS cache: intervals must be positive, min_refresh_interval at "
        "most max_refresh_interval, and max_staleness at least "
        "refresh_interval and max_refresh_interval");
  }
  std::unique_ptr<JwksCache> cache(
      new JwksCache(std::move(fetcher), clock, options));
  cache->Fetch();
  return cache;
}

JwksCache::~JwksCache() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void JwksCache::Start() {
  thread_ = std::thread([this] {
    for (;;) {
      Tick();
      absl::MutexLock lock(&mu_);
      // Wakes for a new refetch request or to stop; else checks every
      // second. A request that must wait out the pause stays pending in
      // refetch_requested_ and is served by a later tick, without spinning.
      const auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || wake_;
      };
      mu_.AwaitWithTimeout(absl::Condition(&woken), absl::Seconds(1));
      wake_ = false;
      if (stopping_) return;
    }
  });
}

std::shared_ptr<const jwt::Jwks> JwksCache::Current() const {
  const absl::Time now = clock_->Now();
  absl::ReaderMutexLock lock(&mu_);
  if (now - fetched_at_ > options_.max_staleness) return nullptr;
  return jwks_;
}

void JwksCache::RequestRefetch() {
  absl::MutexLock lock(&mu_);
  ++refetch_requests_;
  if (!refetch_requested_) wake_ = true;
  refetch_requested_ = true;
}

bool JwksCache::Tick() {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    const bool due = now - fetched_at_ >= refresh_after_;
    // Within the pause after the last attempt: no refetch for an unknown
    // kid (the request waits for the pause to end), and no retry of a
    // failed fetch.
    const bool paused = now - attempted_at_ < options_.min_refetch_interval;
    const bool fetch =
        refetch_requested_ ? !paused : due && (!last_failed_ || !paused);
    if (!fetch) return false;
    refetch_requested_ = false;
  }
  Fetch();
  return true;
}

void JwksCache::Fetch() {
  absl::MutexLock one_at_a_time(&fetch_mu_);
  const absl::Time started = clock_->Now();
  absl::StatusOr<FetchedJwks> fetched = fetcher_->Fetch();
  absl::StatusOr<jwt::Jwks> jwks =
      fetched.ok() ? jwt::Jwks::Parse(fetched->json) : fetched.status();
  absl::MutexLock lock(&mu_);
  ++fetches_;
  attempted_at_ = started;
  if (!jwks.ok()) {
    ++failed_fetches_;
    last_failed_ = true;
    last_error_ = jwks.status();
    return;
  }
  jwks_ = std::make_shared<const jwt::Jwks>(*std::move(jwks));
  fetched_at_ = started;
  refresh_after_ =
      fetched->max_age.has_value()
          ? std::clamp(*fetched->max_age, options_.min_refresh_interval,
                       options_.max_refresh_interval)
          : options_.refresh_interval;
  last_failed_ = false;
  last_error_ = absl::OkStatus();
}

absl::Duration JwksCache::current_refresh_interval() const {
  absl::ReaderMutexLock lock(&mu_);
  return refresh_after_;
}

int64_t JwksCache::fetches() const {
  absl::ReaderMutexLock lock(&mu_);
  return fetches_;
}

int64_t JwksCache::failed_fetches() const {
  absl::ReaderMutexLock lock(&mu_);
  return failed_fetches_;
}

int64_t JwksCache::refetch_requests() const {
  absl::ReaderMutexLock lock(&mu_);
  return refetch_requests_;
}

absl::Status JwksCache::last_error() const {
  absl::ReaderMutexLock lock(&mu_);
  return last_error_;
}

}  // namespace identity::interceptor
