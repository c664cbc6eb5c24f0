// UserAccounts::Authenticate under concurrency: the throttle's limits hold
// for logins that run at once, and password hashes wait for a slot.
#include "server/users/user_accounts.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "server/oauth/oauth_error.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

constexpr char kPassword[] = "correct horse battery";

class UserAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoginThrottleOptions throttle;
    throttle.store = &store_;
    throttle.clock = &clock_;
    throttle_ = *LoginThrottle::Create(throttle);
    ASSERT_TRUE(accounts_.Create({"alice", kPassword}).ok());
  }

  std::unique_ptr<HashLimiter> Limiter(int max_concurrent,
                                       absl::Duration max_wait) {
    return *HashLimiter::Create({max_concurrent, max_wait});
  }

  jwt::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  storage::MemoryStore store_;
  // OWASP's weakest accepted row: valid, and quick enough for tests.
  PasswordHasher hasher_ =
      *PasswordHasher::Create({7168, 5, 1}, SystemRandom());
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<HashLimiter> hashes_ = Limiter(64, absl::Minutes(5));
  // For creating users (no logins: no throttle).
  UserAccounts accounts_{&store_, &hasher_, nullptr, &clock_, SystemRandom()};
};

std::optional<OAuthError> ErrorOf(const absl::Status& status) {
  return OAuthErrorOf(status);
}

// Issue 13: 29 wrong passwords at once used to pass the throttle's check
// before any was recorded, and the right one then logged in. Each attempt is
// now counted before its hash: 5 are checked (the per-user limit), the other
// 24 are refused, and the right password after them is refused too.
TEST_F(UserAccountsTest, ConcurrentGuessesDoNotPassTheThrottle) {
  UserAccounts users(&store_, &hasher_, throttle_.get(), &clock_,
                     SystemRandom(), OAuthEvents::None(), nullptr,
                     hashes_.get());
  constexpr int kGuesses = 29;
  absl::Barrier start(kGuesses);
  std::atomic<int> denied{0}, throttled{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kGuesses; ++i) {
    threads.emplace_back([&, i] {
      start.Block();
      const absl::Status status =
          users.Authenticate("alice", absl::StrCat("guess-", i), "10.0.0.9")
              .status();
      if (ErrorOf(status) == OAuthError::kAccessDenied) {
        ++denied;
      } else if (ErrorOf(status) == OAuthError::kTemporarilyUnavailable &&
                 status.code() == absl::StatusCode::kResourceExhausted) {
        ++throttled;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(denied.load(), 5);
  EXPECT_EQ(throttled.load(), kGuesses - 5);
  EXPECT_EQ(other.load(), 0);
  auto right = users.Authenticate("alice", kPassword, "10.0.0.9");
  EXPECT_EQ(ErrorOf(right.status()), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(right.status().code(), absl::StatusCode::kResourceExhausted);
}

// The limits are in the store: two replicas' UserAccounts on one store
// share them.
TEST_F(UserAccountsTest, ReplicasSharingAStoreShareTheLimits) {
  LoginThrottleOptions options;
  options.store = &store_;
  options.clock = &clock_;
  auto other_throttle = *LoginThrottle::Create(options);
  UserAccounts a(&store_, &hasher_, throttle_.get(), &clock_, SystemRandom());
  UserAccounts b(&store_, &hasher_, other_throttle.get(), &clock_,
                 SystemRandom());
  for (int i = 0; i < 5; ++i) {
    UserAccounts& replica = i % 2 == 0 ? a : b;
    EXPECT_EQ(ErrorOf(replica.Authenticate("alice", "wrong", "s").status()),
              OAuthError::kAccessDenied);
  }
  EXPECT_EQ(ErrorOf(b.Authenticate("alice", kPassword, "s").status()),
            OAuthError::kTemporarilyUnavailable);
}

TEST_F(UserAccountsTest, ASuccessIsNotCountedAgainstTheSource) {
  UserAccounts users(&store_, &hasher_, throttle_.get(), &clock_,
                     SystemRandom());
  // More successful logins from one address than its failure limit (20).
  for (int i = 0; i < 25; ++i) {
    ASSERT_TRUE(users.Authenticate("alice", kPassword, "192.0.2.1").ok()) << i;
  }
}

// Every slot taken: the login is refused at once as a busy server
// (Unavailable, not the throttle's ResourceExhausted), and not counted.
TEST_F(UserAccountsTest, WithoutAHashSlotTheLoginIsRefusedAsBusy) {
  auto hashes = Limiter(1, absl::ZeroDuration());
  UserAccounts users(&store_, &hasher_, throttle_.get(), &clock_,
                     SystemRandom(), OAuthEvents::None(), nullptr,
                     hashes.get());
  {
    auto held = hashes->Acquire();
    ASSERT_TRUE(held.ok());
    // Known and unknown users alike: the dummy hash takes a slot too.
    for (const char* name : {"alice", "nobody", "Not A Name!"}) {
      for (int i = 0; i < 10; ++i) {
        const absl::Status busy =
            users.Authenticate(name, "wrong", "10.0.0.1").status();
        EXPECT_EQ(ErrorOf(busy), OAuthError::kTemporarilyUnavailable) << name;
        EXPECT_EQ(busy.code(), absl::StatusCode::kUnavailable) << name;
        EXPECT_EQ(ErrorDetailsOf(busy)["retry_after_seconds"], "1");
        EXPECT_EQ(busy.message(), "the server is busy; try again later");
      }
    }
    EXPECT_EQ(users
                  .SetPassword(store_.GetUserByUsername("alice")->user_id,
                               "another password")
                  .status()
                  .code(),
              absl::StatusCode::kUnavailable);
  }
  // None of the 30 counted: 4 wrong passwords and the right one log in.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(
        ErrorOf(users.Authenticate("alice", "wrong", "10.0.0.1").status()),
        OAuthError::kAccessDenied);
  }
  EXPECT_TRUE(users.Authenticate("alice", kPassword, "10.0.0.1").ok());
  EXPECT_EQ(hashes->in_use(), 0);
}

// A throttled login is refused before it takes a slot or looks anything up.
TEST_F(UserAccountsTest, AThrottledLoginTakesNoHashSlot) {
  auto hashes = Limiter(1, absl::ZeroDuration());
  UserAccounts users(&store_, &hasher_, throttle_.get(), &clock_,
                     SystemRandom(), OAuthEvents::None(), nullptr,
                     hashes.get());
  for (int i = 0; i < 5; ++i) {
    (void)users.Authenticate("alice", "wrong", "10.0.0.1");
  }
  auto held = hashes->Acquire();
  ASSERT_TRUE(held.ok());
  const absl::Status locked =
      users.Authenticate("alice", kPassword, "10.0.0.1").status();
  EXPECT_EQ(locked.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorDetailsOf(locked)["retry_after_seconds"], "60");
}

}  // namespace
}  // namespace identity::server
