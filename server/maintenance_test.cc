// The replica's upkeep, driven round by round with a fake clock on the memory
// store: nothing here sleeps.
#include "server/maintenance.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "server/keys/key_sealer.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class MaintenanceTest : public ::testing::Test {
 protected:
  MaintenanceTest()
      : sealer_(*KeySealer::Create(std::string(32, 'k'))),
        clock_(kStart),
        logger_(logging::Level::kInfo, &clock_, [this](absl::string_view line) {
          absl::MutexLock lock(&mu_);
          lines_.emplace_back(line);
        }) {
    KeyManagerOptions options;
    options.rotation_period = absl::Hours(24);
    options.retired_key_lifetime = absl::Minutes(15);
    keys_ = *KeyManager::Create(&store_, &sealer_, &clock_, options);
    key_metrics_ = std::make_unique<metrics::KeyMetrics>(
        &registry_, keys_.get(), &clock_, options.rotation_period);
    maintenance_ = std::make_unique<Maintenance>(
        keys_.get(), PurgeStores{&store_, &store_}, &clock_, &logger_,
        key_metrics_.get());
  }

  std::vector<std::string> Lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

  bool Logged(absl::string_view message) {
    for (const std::string& line : Lines()) {
      if (absl::StrContains(line, absl::StrCat("\"msg\":\"", message, "\""))) {
        return true;
      }
    }
    return false;
  }

  storage::MemoryStore store_;
  KeySealer sealer_;
  jwt::FakeClock clock_;
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  logging::Logger logger_;
  metrics::Registry registry_;
  std::unique_ptr<KeyManager> keys_;
  std::unique_ptr<metrics::KeyMetrics> key_metrics_;
  std::unique_ptr<Maintenance> maintenance_;
};

// KEK rotation: each round re-seals under the current KEK what a previous
// one sealed, logs it and counts it; the next round has nothing to do.
TEST_F(MaintenanceTest, RoundReSealsWhatAPreviousKekSealed) {
  KekRing ring;
  ring.current = std::string(32, 'n');
  ring.previous = {std::string(32, 'k')};  // The fixture's KEK.
  KeySealer rotating = *KeySealer::Create(std::move(ring));
  auto keys = KeyManager::Create(&store_, &rotating, &clock_, {});
  ASSERT_TRUE(keys.ok()) << keys.status();
  metrics::Registry registry;
  metrics::KeyMetrics key_metrics(&registry, keys->get(), &clock_,
                                  absl::Hours(24));
  Maintenance maintenance(keys->get(), PurgeStores{&store_, &store_}, &clock_,
                          &logger_, &key_metrics);

  MaintenanceRound round = maintenance.RunRound();

  ASSERT_TRUE(round.kek.ok()) << round.kek.status();
  EXPECT_EQ(round.kek->resealed, 2);  // CURRENT and NEXT.
  EXPECT_EQ(round.kek->under_previous, 0);
  EXPECT_TRUE(Logged("re-sealed under the current KEK"));
  EXPECT_TRUE(
      absl::StrContains(registry.Serialize(), "identity_kek_resealed_total 2"));
  EXPECT_TRUE(absl::StrContains(
      registry.Serialize(), "identity_kek_sealed_values{kek=\"previous\"} 0"));
  EXPECT_EQ(maintenance.RunRound().kek->resealed, 0);
  // The fixture's replica, holding only the old KEK, no longer opens them.
  EXPECT_FALSE(keys_->Refresh().ok());
}

TEST_F(MaintenanceTest, FirstRoundPurgesWhatExpired) {
  ASSERT_TRUE(store_.Revoke("old", kStart - absl::Seconds(1)).ok());
  ASSERT_TRUE(store_.Revoke("live", kStart + absl::Minutes(5)).ok());

  MaintenanceRound round = maintenance_->RunRound();

  ASSERT_TRUE(round.purged.has_value());
  ASSERT_TRUE(round.purged->ok()) << round.purged->status();
  EXPECT_EQ((*round.purged)->revocations, 1);
  EXPECT_FALSE(*store_.IsRevoked("old"));
  EXPECT_TRUE(*store_.IsRevoked("live"));
  EXPECT_TRUE(Logged("purged expired entries"));
}

TEST_F(MaintenanceTest, PurgesAgainOnlyAfterThePurgeInterval) {
  maintenance_->RunRound();
  ASSERT_TRUE(store_.Revoke("soon", kStart + absl::Minutes(1)).ok());
  clock_.Advance(kPurgeInterval - absl::Seconds(1));

  MaintenanceRound early = maintenance_->RunRound();
  EXPECT_FALSE(early.purged.has_value());
  EXPECT_TRUE(*store_.IsRevoked("soon"));  // Expired, but not purged yet.

  clock_.Advance(absl::Seconds(1));
  MaintenanceRound due = maintenance_->RunRound();
  ASSERT_TRUE(due.purged.has_value());
  EXPECT_EQ((*due.purged)->revocations, 1);
  EXPECT_FALSE(*store_.IsRevoked("soon"));
}

TEST_F(MaintenanceTest, RotatesTheKeysWhenTheRotationPeriodHasPassed) {
  const std::string first_kid = keys_->snapshot()->signer->key().kid();
  EXPECT_FALSE(*maintenance_->RunRound().rotated);
  EXPECT_EQ(keys_->snapshot()->signer->key().kid(), first_kid);

  clock_.Advance(absl::Hours(24));
  MaintenanceRound round = maintenance_->RunRound();

  ASSERT_TRUE(round.rotated.ok()) << round.rotated.status();
  EXPECT_TRUE(*round.rotated);
  EXPECT_NE(keys_->snapshot()->signer->key().kid(), first_kid);
  EXPECT_TRUE(Logged("rotated the signing keys"));
}

TEST_F(MaintenanceTest, EachRoundCountsAKeyRefresh) {
  maintenance_->RunRound();
  clock_.Advance(absl::Seconds(30));
  maintenance_->RunRound();
  EXPECT_TRUE(absl::StrContains(
      registry_.Serialize(), "identity_jwks_refreshes_total{result=\"ok\"} 2"))
      << registry_.Serialize();
}

TEST_F(MaintenanceTest, QuietRoundsLogNothing) {
  maintenance_->RunRound();  // Nothing expired, nothing due.
  clock_.Advance(absl::Seconds(30));
  maintenance_->RunRound();
  EXPECT_TRUE(Lines().empty());
}

TEST_F(MaintenanceTest, StopEndsTheThreadWithoutWaitingForTheInterval) {
  maintenance_->Start(absl::Hours(1));
  maintenance_->Stop();  // Returns at once: no round was due.
  maintenance_->Stop();  // Idempotent.
  EXPECT_TRUE(absl::StrContains(
      registry_.Serialize(), "identity_jwks_refreshes_total{result=\"ok\"} 0"));
}

}  // namespace
}  // namespace identity::server
