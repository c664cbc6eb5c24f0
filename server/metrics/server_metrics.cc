#include "server/metrics/server_metrics.h"

#include <memory>
#include <utility>

namespace identity::metrics {

OAuthMetrics::OAuthMetrics(Registry* registry)
    : login_failures_(MustRegister(BuildCounter()
                                       .Name("identity_login_failures_total")
                                       .Help("Failed user logins, by reason.")
                                       .Register(*registry)),
                      {"reason"}),
      reuse_(
          MustRegister(BuildCounter()
                           .Name("identity_refresh_token_reuse_detected_total")
                           .Help("Rotated refresh tokens presented again (each "
                                 "revoked its family), by client.")
                           .Register(*registry)),
          {"client_id"}),
      issued_(MustRegister(BuildCounter()
                               .Name("identity_tokens_issued_total")
                               .Help("Tokens issued, by grant type and client.")
                               .Register(*registry)),
              {"grant_type", "client_id"}),
      errors_(MustRegister(
                  BuildCounter()
                      .Name("identity_token_errors_total")
                      .Help("Token requests refused, by grant type and OAuth "
                            "error (server_error: the store failed).")
                      .Register(*registry)),
              {"grant_type", "error"}),
      validations_(
          MustRegister(BuildCounter()
                           .Name("identity_token_validations_total")
                           .Help("Introspected tokens, by outcome (active, "
                                 "inactive) and reason.")
                           .Register(*registry)),
          {"outcome", "reason"}),
      backchannel_logouts_(
          MustRegister(BuildCounter()
                           .Name("identity_backchannel_logout_total")
                           .Help("Back-channel logout notices, by outcome "
                                 "(delivered, retried, failed, dropped) and "
                                 "client.")
                           .Register(*registry)),
          {"outcome", "client_id"}) {}

void OAuthMetrics::TokenIssued(absl::string_view grant_type,
                               absl::string_view client_id) {
  issued_.With({grant_type, client_id}).Increment();
}

void OAuthMetrics::TokenRefused(absl::string_view grant_type,
                                absl::string_view error) {
  errors_.With({grant_type, error}).Increment();
}

void OAuthMetrics::TokenValidated(bool active, absl::string_view reason) {
  validations_.With({active ? "active" : "inactive", reason}).Increment();
}

void OAuthMetrics::LoginFailed(absl::string_view reason) {
  login_failures_.With({reason}).Increment();
}

void OAuthMetrics::RefreshReuseDetected(absl::string_view client_id) {
  reuse_.With({client_id}).Increment();
}

void OAuthMetrics::BackchannelLogout(absl::string_view outcome,
                                     absl::string_view client_id) {
  backchannel_logouts_.With({outcome, client_id}).Increment();
}

std::vector<double> DatabaseLatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
}

DatabaseMetrics::DatabaseMetrics(Registry* registry)
    : registry_(registry),
      latency_(MustRegister(BuildHistogram()
                                .Name("identity_db_query_duration_seconds")
                                .Help("Database calls by operation, waiting "
                                      "for a pooled connection included.")
                                .Buckets(DatabaseLatencyBuckets())
                                .Register(*registry)),
               {"operation"}),
      errors_(MustRegister(BuildCounter()
                               .Name("identity_db_errors_total")
                               .Help("Database calls that failed, by "
                                     "operation.")
                               .Register(*registry)),
              {"operation"}),
      up_(&MustRegister(
               BuildGauge()
                   .Name("identity_db_up")
                   .Help("1 if the latest database health probe succeeded.")
                   .Register(*registry))
               ->Get({})) {}

void DatabaseMetrics::OnQuery(absl::string_view operation,
                              absl::Duration latency,
                              const absl::Status& status) {
  latency_.With({operation}).Observe(absl::ToDoubleSeconds(latency));
  // A lookup that finds nothing is an answer, not a failure.
  if (!status.ok() && status.code() != absl::StatusCode::kNotFound &&
      status.code() != absl::StatusCode::kAlreadyExists) {
    errors_.With({operation}).Increment();
  }
}

void DatabaseMetrics::WatchPool(std::function<storage::PoolStats()> stats) {
  Family<Gauge>* connections = MustRegister(
      BuildGauge()
          .Name("identity_db_pool_connections")
          .Help("Pooled database connections, by state (in_use, idle; "
                "stalled: attempts given up on, still running).")
          .Register(*registry_));
  Gauge* in_use = &connections->Get({{"state", "in_use"}});
  Gauge* idle = &connections->Get({{"state", "idle"}});
  Gauge* stalled = &connections->Get({{"state", "stalled"}});
  Gauge* waiting = &MustRegister(BuildGauge()
                                     .Name("identity_db_pool_waiting")
                                     .Help("Callers waiting for a pooled "
                                           "database connection.")
                                     .Register(*registry_))
                        ->Get({});
  Gauge* size =
      &MustRegister(BuildGauge()
                        .Name("identity_db_pool_size")
                        .Help("The most database connections the pool opens.")
                        .Register(*registry_))
           ->Get({});
  registry_->AddCollectHook([=, stats = std::move(stats)] {
    const storage::PoolStats now = stats();
    in_use->Set(now.in_use);
    idle->Set(now.idle);
    stalled->Set(now.stalled);
    waiting->Set(now.waiting);
    size->Set(now.size);
  });
}

KeyMetrics::KeyMetrics(Registry* registry, const server::KeyManager* keys,
                       const jwt::Clock* clock,
                       absl::Duration rotation_period) {
  Family<Counter>* refreshes = MustRegister(
      BuildCounter()
          .Name("identity_jwks_refreshes_total")
          .Help("Reloads of the signing keys from the store, by result.")
          .Register(*registry));
  refreshed_ok_ = &refreshes->Get({{"result", "ok"}});
  refreshed_error_ = &refreshes->Get({{"result", "error"}});
  Gauge* age = &MustRegister(BuildGauge()
                                 .Name("identity_signing_key_age_seconds")
                                 .Help("How long the oldest key now signing "
                                       "(one per algorithm) has been current.")
                                 .Register(*registry))
                    ->Get({});
  MustRegister(BuildGauge()
                   .Name("identity_signing_key_rotation_period_seconds")
                   .Help("The configured time a key signs before rotation.")
                   .Register(*registry))
      ->Get({})
      .Set(absl::ToDoubleSeconds(rotation_period));
  registry->AddCollectHook([=] {
    age->Set(
        absl::ToDoubleSeconds(clock->Now() - keys->snapshot()->current_since));
  });
  Family<Gauge>* sealed = MustRegister(
      BuildGauge()
          .Name("identity_kek_sealed_values")
          .Help("Sealed values (private signing keys, server secrets) by the "
                "KEK that sealed them, at the last survey; previous must be "
                "0 before a previous KEK is retired.")
          .Register(*registry));
  sealed_current_ = &sealed->Get({{"kek", "current"}});
  sealed_previous_ = &sealed->Get({{"kek", "previous"}});
  sealed_next_ = &sealed->Get({{"kek", "next"}});
  sealed_unopenable_ = &sealed->Get({{"kek", "unopenable"}});
  resealed_ = &MustRegister(BuildCounter()
                                .Name("identity_kek_resealed_total")
                                .Help("Sealed values this replica re-sealed "
                                      "under the current KEK.")
                                .Register(*registry))
                   ->Get({});
}

void KeyMetrics::KekSurveyed(const server::KekCensus& census) {
  sealed_current_->Set(census.under_current);
  sealed_previous_->Set(census.under_previous);
  sealed_next_->Set(census.under_next);
  sealed_unopenable_->Set(static_cast<double>(census.unopenable.size()));
  resealed_->Increment(census.resealed);
}

void KeyMetrics::Refreshed(const absl::Status& status) {
  (status.ok() ? refreshed_ok_ : refreshed_error_)->Increment();
}

}  // namespace identity::metrics
