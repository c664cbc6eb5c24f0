// Replicas on one PostgreSQL database agree on the signing keys: each manager
// here has its own store and connection pool, as separate processes would.
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/keys/key_manager.h"
#include "storage/postgres/postgres_store.h"
#include "storage/testing/scratch_database.h"

namespace identity::server {
namespace {

using storage::KeyState;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

std::string Current(const KeySnapshot& snapshot) {
  for (const auto& key : snapshot.keys) {
    if (key.state == KeyState::kCurrent) return key.kid;
  }
  return "";
}

class KeyManagerPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = storage::testing::ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    options_.url = database_->url();
    auto admin = storage::PostgresStore::Open(options_);
    ASSERT_TRUE(admin.ok()) << admin.status();
    ASSERT_TRUE(storage::WithConnection((*admin)->pool(), "test",
                                        [](pqxx::connection& c) {
                                          pqxx::work txn(c);
                                          txn.exec("TRUNCATE signing_keys");
                                          txn.commit();
                                        })
                    .ok());
  }

  // A replica: its own store (pool) and manager.
  struct Replica {
    std::unique_ptr<storage::PostgresStore> store;
    std::unique_ptr<KeyManager> manager;
  };

  Replica Start(KeyManagerOptions key_options = {}) {
    Replica replica;
    auto store = storage::PostgresStore::Open(options_);
    EXPECT_TRUE(store.ok()) << store.status();
    replica.store = *std::move(store);
    auto manager =
        KeyManager::Create(replica.store.get(), &sealer_, &clock_, key_options);
    EXPECT_TRUE(manager.ok()) << manager.status();
    if (manager.ok()) replica.manager = *std::move(manager);
    return replica;
  }

  std::unique_ptr<storage::testing::ScratchDatabase> database_;
  storage::PoolOptions options_;
  KeySealer sealer_ = *KeySealer::Create(std::string(32, 'k'));
  jwt::FakeClock clock_{kStart};
};

TEST_F(KeyManagerPostgresTest, ReplicasStartingTogetherShareOneKeySet) {
  std::vector<Replica> replicas(4);
  std::vector<std::thread> threads;
  for (auto& replica : replicas) {
    threads.emplace_back([&] { replica = Start(); });
  }
  for (auto& t : threads) t.join();
  for (const auto& replica : replicas) {
    ASSERT_NE(replica.manager, nullptr);
    EXPECT_EQ(Current(*replica.manager->snapshot()),
              Current(*replicas[0].manager->snapshot()));
    EXPECT_EQ(replica.manager->snapshot()->keys.size(), 2u);
  }
}

TEST_F(KeyManagerPostgresTest, DueReplicasRotateOnceAndConverge) {
  Replica a = Start();
  Replica b = Start();
  ASSERT_NE(a.manager, nullptr);
  ASSERT_NE(b.manager, nullptr);
  clock_.Advance(absl::Hours(25));
  std::atomic<int> rotated{0};
  std::thread ta([&] { rotated += a.manager->Maintain().value_or(false); });
  std::thread tb([&] { rotated += b.manager->Maintain().value_or(false); });
  ta.join();
  tb.join();
  EXPECT_EQ(rotated.load(), 1);
  ASSERT_TRUE(a.manager->Refresh().ok());
  ASSERT_TRUE(b.manager->Refresh().ok());
  EXPECT_EQ(Current(*a.manager->snapshot()), Current(*b.manager->snapshot()));
  EXPECT_EQ(a.manager->snapshot()->keys.size(), 3u);
}

// Several algorithms: replicas starting together create one CURRENT and one
// NEXT key per algorithm between them (migration 8's per-algorithm unique
// indexes), and each algorithm rotates once however many replicas are due.
TEST_F(KeyManagerPostgresTest, ReplicasAgreeOnEachAlgorithmsKeys) {
  const KeyManagerOptions two{{jwt::Algorithm::kES256, jwt::Algorithm::kEdDSA}};
  std::vector<Replica> replicas(4);
  std::vector<std::thread> threads;
  for (auto& replica : replicas) {
    threads.emplace_back([&] { replica = Start(two); });
  }
  for (auto& t : threads) t.join();
  for (const auto& replica : replicas) {
    ASSERT_NE(replica.manager, nullptr);
    ASSERT_TRUE(replica.manager->Refresh().ok());
    EXPECT_EQ(replica.manager->snapshot()->keys.size(), 4u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(replica.manager->snapshot()
                    ->signing[i]
                    .access_token_signer->key()
                    .kid(),
                replicas[0]
                    .manager->snapshot()
                    ->signing[i]
                    .access_token_signer->key()
                    .kid());
    }
  }
  clock_.Advance(absl::Hours(25));
  threads.clear();
  for (auto& replica : replicas) {
    threads.emplace_back([&] { (void)replica.manager->Maintain(); });
  }
  for (auto& t : threads) t.join();
  auto keys = replicas[0].store->ListSigningKeys();
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->size(), 6u);  // Each: one RETIRED, one CURRENT, one NEXT.
  int retired = 0;
  for (const auto& key : *keys) retired += key.state == KeyState::kRetired;
  EXPECT_EQ(retired, 2);
}

}  // namespace
}  // namespace identity::server
