// The issuer's JWKS for verifiers that are not the issuer (SPEC "The
// interceptor library"): fetched through a JwksFetcher (key_source.h: from
// KeyService over gRPC, a file, or HTTPS), kept in memory, refreshed on an
// interval (or the source's clamped max-age) in a background thread, and
// refetched early when a token names an unknown "kid", at most once per
// `min_refetch_interval` however many calls ask. Calls never wait for a fetch:
// they verify against the set at hand. When fetches fail, the last good set
// keeps serving until it is `max_staleness` old; after that there is no set and
// calls fail as Unavailable until a fetch succeeds.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_JWKS_CACHE_H_
#define IDENTITY_CLIENT_INTERCEPTOR_JWKS_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/interceptor/key_source.h"
#include "jwt/clock.h"
#include "jwt/jwks.h"

namespace identity::interceptor {

struct JwksCacheOptions {
  // The pause after a successful fetch before the next one, when the fetch
  // carried no freshness hint (FetchedJwks::max_age).
  absl::Duration refresh_interval = absl::Minutes(5);
  // An unknown "kid" triggers at most one fetch per this interval; also the
  // pause between attempts after a failed fetch.
  absl::Duration min_refetch_interval = absl::Seconds(30);
  // How long the last good set serves while fetches fail.
  absl::Duration max_staleness = absl::Hours(12);
  // A hint (an HTTPS `Cache-Control: max-age`) replaces refresh_interval,
  // clamped to [min_refresh_interval, max_refresh_interval]: an issuer can
  // neither make every resource server fetch continuously (max-age=0,
  // no-store) nor stop it from seeing a rotation for days.
  absl::Duration min_refresh_interval = absl::Minutes(1);
  absl::Duration max_refresh_interval = absl::Hours(1);
};

// Thread-safe.
class JwksCache {
 public:
  // Fetches once (a failure is reported but the cache is still usable: it
  // keeps trying). `clock` must outlive the cache. Errors: InvalidArgument
  // for options out of order (a zero interval, min_refresh_interval above
  // max_refresh_interval, max_staleness below refresh_interval or
  // max_refresh_interval).
  static absl::StatusOr<std::unique_ptr<JwksCache>> Create(
      std::unique_ptr<JwksFetcher> fetcher, const jwt::Clock* clock,
      JwksCacheOptions options);
  ~JwksCache();

  // Runs Tick() in a background thread until destruction, waking every
  // second or when RequestRefetch asks.
  void Start();

  // The set to verify with, or null when there is none young enough.
  std::shared_ptr<const jwt::Jwks> Current() const;

  // A token named a kid the set lacks: fetch soon, unless a fetch happened
  // within min_refetch_interval. Never blocks.
  void RequestRefetch();

  // The pause after the last successful fetch before the next one
  // (refresh_interval, or the clamped hint of that fetch).
  absl::Duration current_refresh_interval() const;

  // One step of the background thread: fetches when due (interval elapsed,
  // or a refetch was requested and allowed, and not within the pause after a
  // failure). Returns whether it fetched. Tests call it directly.
  bool Tick();

  // Counters, for tests and metrics.
  int64_t fetches() const;
  int64_t failed_fetches() const;
  // RequestRefetch calls (tokens that named an unknown kid).
  int64_t refetch_requests() const;
  // The status of the last fetch.
  absl::Status last_error() const;

 private:
  JwksCache(std::unique_ptr<JwksFetcher> fetcher, const jwt::Clock* clock,
            JwksCacheOptions options)
      : fetcher_(std::move(fetcher)),
        clock_(clock),
        options_(options),
        refresh_after_(options.refresh_interval) {}
  void Fetch() ABSL_LOCKS_EXCLUDED(mu_);

  const std::unique_ptr<JwksFetcher> fetcher_;
  const jwt::Clock* const clock_;
  const JwksCacheOptions options_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const jwt::Jwks> jwks_ ABSL_GUARDED_BY(mu_);
  absl::Time fetched_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration refresh_after_ ABSL_GUARDED_BY(mu_);
  absl::Time attempted_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool last_failed_ ABSL_GUARDED_BY(mu_) = false;
  bool refetch_requested_ ABSL_GUARDED_BY(mu_) = false;
  bool wake_ ABSL_GUARDED_BY(mu_) = false;  // A new request for the thread.
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t fetches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_fetches_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refetch_requests_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  absl::Mutex fetch_mu_;  // One fetch at a time.
  std::thread thread_;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_JWKS_CACHE_H_
