// identity-server's domain metrics (SPEC "Metrics"), each fed by the part it
// watches through that part's own interface, so the OAuth core, storage and
// keys do not depend on this library:
//   OAuthMetrics (server::OAuthEvents):
//     identity_tokens_issued_total{grant_type,client_id}
//     identity_token_errors_total{grant_type,error}
//     identity_token_validations_total{outcome,reason}
//     identity_login_failures_total{reason}
//     identity_refresh_token_reuse_detected_total{client_id}
//   DatabaseMetrics (storage::PoolObserver, plus pool statistics per scrape):
//     identity_db_query_duration_seconds{operation} (histogram)
//     identity_db_errors_total{operation}
//     identity_db_pool_connections{state="in_use"|"idle"}
//     identity_db_pool_waiting, identity_db_pool_size, identity_db_up
//   KeyMetrics:
//     identity_jwks_refreshes_total{result="ok"|"error"}
//     identity_signing_key_age_seconds,
//     identity_signing_key_rotation_period_seconds
//     identity_kek_sealed_values{kek="current"|"previous"|"next"|"unopenable"}
//     identity_kek_resealed_total
// All are thread-safe; each registers its families in the given registry and
// aborts if a name is taken there (a programming error).
#ifndef IDENTITY_SERVER_METRICS_SERVER_METRICS_H_
#define IDENTITY_SERVER_METRICS_SERVER_METRICS_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/metrics/metrics.h"
#include "server/oauth/events.h"
#include "storage/postgres/connection_pool.h"

namespace identity::metrics {

class OAuthMetrics final : public server::OAuthEvents {
 public:
  explicit OAuthMetrics(Registry* registry);

  void TokenIssued(absl::string_view grant_type,
                   absl::string_view client_id) override;
  void TokenRefused(absl::string_view grant_type,
                    absl::string_view error) override;
  void TokenValidated(bool active, absl::string_view reason) override;
  void LoginFailed(absl::string_view reason) override;
  void RefreshReuseDetected(absl::string_view client_id) override;
  void BackchannelLogout(absl::string_view outcome,
                         absl::string_view client_id) override;

 private:
  SeriesByValues<Counter> login_failures_;
  SeriesByValues<Counter> reuse_;
  SeriesByValues<Counter> issued_;
  SeriesByValues<Counter> errors_;
  SeriesByValues<Counter> validations_;
  SeriesByValues<Counter> backchannel_logouts_;
};

class DatabaseMetrics final : public storage::PoolObserver {
 public:
  explicit DatabaseMetrics(Registry* registry);

  void OnQuery(absl::string_view operation, absl::Duration latency,
               const absl::Status& status) override;

  // Reads `stats` on each scrape. Call once; `stats` must stay callable as
  // long as the registry serializes.
  void WatchPool(std::function<storage::PoolStats()> stats);

  // The result of the latest health probe.
  void SetUp(bool up) { up_->Set(up ? 1 : 0); }

 private:
  Registry* const registry_;
  SeriesByValues<Histogram> latency_;
  SeriesByValues<Counter> errors_;
  Gauge* up_;
};

class KeyMetrics {
 public:
  // Reads the age of `keys`' signing key on each scrape. `keys` and `clock`
  // must outlive the registry's scrapes.
  KeyMetrics(Registry* registry, const server::KeyManager* keys,
             const jwt::Clock* clock, absl::Duration rotation_period);

  // One reload of the key set from the store (KeyManager::Maintain).
  void Refreshed(const absl::Status& status);

  // One KEK survey (KeyManager::ResealUnderCurrentKek): how many sealed
  // values each KEK of the ring sealed, and how many it re-sealed.
  void KekSurveyed(const server::KekCensus& census);

 private:
  Gauge* sealed_current_;
  Gauge* sealed_previous_;
  Gauge* sealed_next_;
  Gauge* sealed_unopenable_;
  Counter* resealed_;
  Counter* refreshed_ok_;
  Counter* refreshed_error_;
};

// Buckets for database calls: 100 µs to 5 s.
std::vector<double> DatabaseLatencyBuckets();

}  // namespace identity::metrics

#endif  // IDENTITY_SERVER_METRICS_SERVER_METRICS_H_
