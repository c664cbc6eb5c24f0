// Replicas on one PostgreSQL database agree on login sessions: each replica
// here has its own store and connection pool, as separate processes would. A
// session started on one is resolved on the other; ended on one, it is
// refused by both at once (no cache, no wait), and so are the grants bound
// to it.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "server/oauth/login_sessions.h"
#include "storage/postgres/postgres_store.h"
#include "storage/testing/scratch_database.h"

namespace identity::server {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class LoginSessionsPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = storage::testing::ScratchDatabase::Create();
    ASSERT_TRUE(database.ok()) << database.status();
    database_ = *std::move(database);
    options_.url = database_->url();
    for (auto* store : {&store_a_, &store_b_}) {
      auto opened = storage::PostgresStore::Open(options_);
      ASSERT_TRUE(opened.ok()) << opened.status();
      *store = *std::move(opened);
    }
    a_ = std::make_unique<LoginSessions>(store_a_.get(), &clock_,
                                         SystemRandom());
    b_ = std::make_unique<LoginSessions>(store_b_.get(), &clock_,
                                         SystemRandom());
  }

  std::unique_ptr<storage::testing::ScratchDatabase> database_;
  storage::PoolOptions options_;
  jwt::FakeClock clock_{kStart};
  std::unique_ptr<storage::PostgresStore> store_a_, store_b_;
  std::unique_ptr<LoginSessions> a_, b_;  // Two replicas.
};

TEST_F(LoginSessionsPostgresTest, AnEndOnOneReplicaIsRefusedOnEveryReplica) {
  auto started = a_->Start("user-1", clock_.Now());
  ASSERT_TRUE(started.ok()) << started.status();
  const std::vector<std::string> online = {"openid"};
  const std::vector<std::string> offline = {"openid", "offline_access"};
  ASSERT_TRUE(b_->Resolve(started->secret, "user-1").ok());
  EXPECT_TRUE(*b_->GrantUsable(started->record.sid, online));
  ASSERT_TRUE(b_->End(started->record.sid).ok());
  for (LoginSessions* replica : {a_.get(), b_.get()}) {
    EXPECT_EQ(replica->Resolve(started->secret, "user-1").status().code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_FALSE(*replica->GrantUsable(started->record.sid, online));
    EXPECT_TRUE(*replica->GrantUsable(started->record.sid, offline));
    EXPECT_TRUE(replica->List("user-1")->empty());
  }
  EXPECT_EQ(a_->End(started->record.sid).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(LoginSessionsPostgresTest, ExpiredSessionsAreRefusedEverywhere) {
  auto started = a_->Start("user-1", clock_.Now());
  ASSERT_TRUE(started.ok()) << started.status();
  clock_.Advance(a_->lifetime());
  EXPECT_EQ(b_->Resolve(started->secret, "user-1").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(*b_->GrantUsable(started->record.sid, {"openid"}));
  EXPECT_EQ(*b_->EndUserSessions("user-1"), 0);
}

}  // namespace
}  // namespace identity::server
