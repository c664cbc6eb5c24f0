// UserAccounts::Authenticate under concurrency: the throttle's limits hold
// for logins that run at once, and password hashes wait for a slot.
#include "server/users/user_accounts.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
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

UserSpec WithClaims(const std::string& username) {
  UserSpec spec{username, kPassword};
  spec.claims.given_name = "Carol";
  spec.claims.locale = "en-GB";
  spec.claims.phone_number = "+442071838750";
  spec.claims.phone_number_verified = true;
  spec.claims.address.country = "UK";
  return spec;
}

TEST_F(UserAccountsTest, CreateStoresTheClaimsAndWhenTheyChanged) {
  auto carol = accounts_.Create(WithClaims("carol"));
  ASSERT_TRUE(carol.ok()) << carol.status();
  EXPECT_EQ(carol->claims, WithClaims("carol").claims);
  EXPECT_EQ(carol->claims_updated_at, clock_.Now());
  EXPECT_EQ(*store_.GetUser(carol->user_id), *carol);
}

TEST_F(UserAccountsTest, CreateRefusesABadClaimNamingIt) {
  UserSpec spec = WithClaims("carol");
  spec.claims.zoneinfo = "not a zone";
  const absl::Status refused = accounts_.Create(spec).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OAuthErrorOf(refused), OAuthError::kInvalidRequest);
  EXPECT_TRUE(absl::StartsWith(refused.message(), "zoneinfo ")) << refused;
  EXPECT_EQ(store_.GetUserByUsername("carol").status().code(),
            absl::StatusCode::kNotFound);
}

// OIDC Core §5.1 updated_at: when the information last changed. A profile
// update that changes nothing, or a disable, leaves it.
TEST_F(UserAccountsTest, ClaimsUpdatedAtMovesOnlyWhenAClaimChanges) {
  auto carol = *accounts_.Create(WithClaims("carol"));
  const absl::Time created = clock_.Now();
  clock_.Advance(absl::Minutes(1));
  auto same = accounts_.UpdateProfile(carol.user_id, carol.name, carol.email,
                                      carol.email_verified,
                                      [](storage::StandardClaims&) {});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->claims_updated_at, created);
  EXPECT_EQ(same->updated_at, clock_.Now());
  clock_.Advance(absl::Minutes(1));
  auto disabled = accounts_.SetDisabled(carol.user_id, true);
  EXPECT_EQ(disabled->claims_updated_at, created);
  clock_.Advance(absl::Minutes(1));
  auto edited = accounts_.UpdateProfile(
      carol.user_id, carol.name, carol.email, carol.email_verified,
      [](storage::StandardClaims& c) { c.nickname = "caz"; });
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(edited->claims.nickname, "caz");
  EXPECT_EQ(edited->claims.given_name, "Carol");  // Left as it was.
  EXPECT_EQ(edited->claims_updated_at, clock_.Now());
  EXPECT_EQ(*store_.GetUser(carol.user_id), *edited);
}

TEST_F(UserAccountsTest, UpdateRefusesABadClaimAndChangesNothing) {
  auto carol = *accounts_.Create(WithClaims("carol"));
  const absl::Status refused =
      accounts_
          .UpdateProfile(
              carol.user_id, "New name", carol.email, carol.email_verified,
              [](storage::StandardClaims& c) { c.birthdate = "1990-02-30"; })
          .status();
  EXPECT_EQ(OAuthErrorOf(refused), OAuthError::kInvalidRequest);
  EXPECT_TRUE(absl::StartsWith(refused.message(), "birthdate ")) << refused;
  EXPECT_EQ(*store_.GetUser(carol.user_id), carol);
}

TEST_F(UserAccountsTest, AClearedPhoneNumberIsNoLongerVerified) {
  auto carol = *accounts_.Create(WithClaims("carol"));
  auto cleared = accounts_.UpdateProfile(
      carol.user_id, carol.name, carol.email, carol.email_verified,
      [](storage::StandardClaims& c) { c.phone_number.clear(); });
  ASSERT_TRUE(cleared.ok()) << cleared.status();
  EXPECT_EQ(cleared->claims.phone_number, "");
  EXPECT_FALSE(cleared->claims.phone_number_verified);
}

}  // namespace
}  // namespace identity::server
