// The domain metrics: each event or observation lands in the right series,
// with bounded labels, and scrape-time values follow their sources.
#include "server/metrics/server_metrics.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/keys/key_sealer.h"
#include "storage/memory/memory_store.h"

namespace identity::metrics {
namespace {

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(ServerMetricsTest, OAuthEventsCountByGrantClientErrorAndReason) {
  Registry registry;
  OAuthMetrics oauth(&registry);
  server::OAuthEvents* events = &oauth;
  events->TokenIssued("client_credentials", "worker");
  events->TokenIssued("client_credentials", "worker");
  events->TokenRefused("client_credentials", "invalid_client");
  events->TokenValidated(true, "ok");
  events->TokenValidated(false, "expired");
  events->TokenValidated(false, "expired");
  events->LoginFailed("bad_credentials");
  events->RefreshReuseDetected("spa");
  events->BackchannelLogout("retried", "web");
  events->BackchannelLogout("delivered", "web");
  const std::string text = registry.Serialize();
  EXPECT_TRUE(Has(text,
                  "identity_backchannel_logout_total{client_id=\"web\","
                  "outcome=\"delivered\"} 1"))
      << text;
  EXPECT_TRUE(Has(text,
                  "identity_login_failures_total{reason=\"bad_"
                  "credentials\"} 1"));
  EXPECT_TRUE(Has(text,
                  "identity_refresh_token_reuse_detected_total{client_"
                  "id=\"spa\"} 1"));
  EXPECT_TRUE(Has(text,
                  "identity_tokens_issued_total{client_id=\"worker\","
                  "grant_type=\"client_credentials\"} 2"))
      << text;
  EXPECT_TRUE(Has(text,
                  "identity_token_errors_total{error=\"invalid_client\","
                  "grant_type=\"client_credentials\"} 1"));
  EXPECT_TRUE(Has(text,
                  "identity_token_validations_total{outcome=\"active\","
                  "reason=\"ok\"} 1"));
  EXPECT_TRUE(Has(text,
                  "identity_token_validations_total{outcome=\"inactive\","
                  "reason=\"expired\"} 2"));
}

TEST(ServerMetricsTest, DatabaseCallsPoolAndProbe) {
  Registry registry;
  DatabaseMetrics db(&registry);
  storage::PoolObserver* observer = &db;
  observer->OnQuery("get_client", absl::Microseconds(300), absl::OkStatus());
  observer->OnQuery("get_client", absl::Milliseconds(3),
                    absl::NotFoundError("no such client"));
  observer->OnQuery("is_revoked", absl::Seconds(2),
                    absl::UnavailableError("down"));
  storage::PoolStats stats{8, 3, 2, 1, 4};
  db.WatchPool([&] { return stats; });
  db.SetUp(true);
  std::string text = registry.Serialize();
  EXPECT_TRUE(Has(text,
                  "identity_db_query_duration_seconds_bucket{operation=\"get_"
                  "client\",le=\"0.0005\"} 1"))
      << text;
  EXPECT_TRUE(Has(text,
                  "identity_db_query_duration_seconds_count{operation=\"get_"
                  "client\"} 2"));
  // Not found is an answer; only the outage counts as an error.
  EXPECT_EQ(text.find("identity_db_errors_total{operation=\"get_client\"}"),
            std::string::npos);
  EXPECT_TRUE(
      Has(text, "identity_db_errors_total{operation=\"is_revoked\"} 1"));
  EXPECT_TRUE(Has(text, "identity_db_pool_connections{state=\"in_use\"} 3"));
  EXPECT_TRUE(Has(text, "identity_db_pool_connections{state=\"idle\"} 2"));
  EXPECT_TRUE(Has(text, "identity_db_pool_connections{state=\"stalled\"} 4"));
  EXPECT_TRUE(Has(text, "identity_db_pool_waiting 1"));
  EXPECT_TRUE(Has(text, "identity_db_pool_size 8"));
  EXPECT_TRUE(Has(text, "identity_db_up 1"));

  stats.waiting = 0;
  db.SetUp(false);
  text = registry.Serialize();
  EXPECT_TRUE(Has(text, "identity_db_pool_waiting 0"));
  EXPECT_TRUE(Has(text, "identity_db_up 0"));
}

TEST(ServerMetricsTest, KeyAgeFollowsTheClockAndRotations) {
  storage::MemoryStore store;
  auto sealer = server::KeySealer::Create(std::string(32, 'k'));
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  server::KeyManagerOptions options;
  options.rotation_period = absl::Hours(24);
  auto keys = server::KeyManager::Create(&store, &*sealer, &clock, options);
  ASSERT_TRUE(keys.ok()) << keys.status();
  Registry registry;
  KeyMetrics metrics(&registry, keys->get(), &clock, options.rotation_period);

  clock.Advance(absl::Hours(3));
  metrics.Refreshed((*keys)->Maintain().status());
  std::string text = registry.Serialize();
  EXPECT_TRUE(Has(text, "identity_signing_key_age_seconds 10800")) << text;
  EXPECT_TRUE(Has(text, "identity_signing_key_rotation_period_seconds 86400"));
  EXPECT_TRUE(Has(text, "identity_jwks_refreshes_total{result=\"ok\"} 1"));
  EXPECT_TRUE(Has(text, "identity_jwks_refreshes_total{result=\"error\"} 0"));

  clock.Advance(absl::Hours(21));  // Due: Maintain rotates.
  ASSERT_TRUE(*(*keys)->Maintain());
  clock.Advance(absl::Seconds(5));
  EXPECT_TRUE(Has(registry.Serialize(), "identity_signing_key_age_seconds 5"));
  metrics.Refreshed(absl::UnavailableError("down"));
  EXPECT_TRUE(Has(registry.Serialize(),
                  "identity_jwks_refreshes_total{result=\"error\"} 1"));
}

// KEK rotation: what each survey found is exported, so that an operator sees
// when nothing is left under a previous KEK.
TEST(ServerMetricsTest, KekSurveysSetTheSealedValuesAndCountReSeals) {
  storage::MemoryStore store;
  auto sealer = server::KeySealer::Create(std::string(32, 'k'));
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  auto keys = server::KeyManager::Create(&store, &*sealer, &clock, {});
  ASSERT_TRUE(keys.ok()) << keys.status();
  Registry registry;
  KeyMetrics metrics(&registry, keys->get(), &clock, absl::Hours(24));
  server::KekCensus census;
  census.under_current = 3;
  census.under_previous = 2;
  census.resealed = 3;
  census.unopenable = {"signing key x: gone"};
  metrics.KekSurveyed(census);
  census.resealed = 2;
  metrics.KekSurveyed(census);
  const std::string text = registry.Serialize();
  EXPECT_TRUE(Has(text, "identity_kek_sealed_values{kek=\"current\"} 3"))
      << text;
  EXPECT_TRUE(Has(text, "identity_kek_sealed_values{kek=\"previous\"} 2"));
  EXPECT_TRUE(Has(text, "identity_kek_sealed_values{kek=\"next\"} 0"));
  EXPECT_TRUE(Has(text, "identity_kek_sealed_values{kek=\"unopenable\"} 1"));
  EXPECT_TRUE(Has(text, "identity_kek_resealed_total 5"));
}

}  // namespace
}  // namespace identity::metrics
