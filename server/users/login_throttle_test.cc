#include "server/users/login_throttle.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

class LoginThrottleTest : public ::testing::Test {
 protected:
  std::unique_ptr<LoginThrottle> Make(LoginThrottleOptions options = {}) {
    options.clock = &clock_;
    auto throttle = LoginThrottle::Create(options);
    EXPECT_TRUE(throttle.ok()) << throttle.status();
    return *std::move(throttle);
  }

  // The lockout of a locked key, or zero.
  static absl::Duration Locked(const LoginThrottle& throttle,
                               absl::string_view user,
                               absl::string_view source) {
    const absl::Status status = throttle.Check(user, source);
    if (status.ok()) return absl::ZeroDuration();
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
    return RetryAfter(status);
  }

  // `times` failed logins: each reserved (and so counted) before its
  // password would be checked.
  static void Fail(LoginThrottle& throttle, absl::string_view user,
                   absl::string_view source, int times) {
    for (int i = 0; i < times; ++i) {
      EXPECT_TRUE(throttle.Reserve(user, source).ok()) << i;
    }
  }

  jwt::FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
};

TEST_F(LoginThrottleTest, DefaultsAreFivePerUserAndTwentyPerSourceIn15Min) {
  const LoginThrottleOptions defaults;
  EXPECT_EQ(defaults.max_user_failures, 5);
  EXPECT_EQ(defaults.max_source_failures, 20);
  EXPECT_EQ(defaults.window, absl::Minutes(15));
  EXPECT_EQ(defaults.base_lockout, absl::Minutes(1));
  EXPECT_EQ(defaults.max_lockout, absl::Minutes(15));
  EXPECT_EQ(defaults.store, nullptr);  // A private in-memory one.
  EXPECT_EQ(defaults.clock, jwt::Clock::Real());
}

TEST_F(LoginThrottleTest, UserIsLockedOutAtTheFifthFailure) {
  auto throttle = Make();
  for (int i = 0; i < 4; ++i) {
    Fail(*throttle, "alice", "10.0.0.1", 1);
    EXPECT_TRUE(throttle->Check("alice", "10.0.0.1").ok()) << i;
  }
  Fail(*throttle, "alice", "10.0.0.1", 1);
  const absl::Status status = throttle->Check("alice", "10.0.0.1");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfter(status), absl::Minutes(1));
  // From any source: the lock is on the user.
  EXPECT_EQ(Locked(*throttle, "alice", "192.0.2.7"), absl::Minutes(1));
  // Other users from the same source are not affected (5 < 20).
  EXPECT_TRUE(throttle->Check("bob", "10.0.0.1").ok());
}

TEST_F(LoginThrottleTest, CheckDoesNotCountAsAFailure) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 4);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(throttle->Check("alice", "s").ok());
  }
}

TEST_F(LoginThrottleTest, LockoutExpires) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 5);
  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
}

TEST_F(LoginThrottleTest, RetryAfterRoundsUpToWholeSeconds) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 5);
  clock_.Advance(absl::Milliseconds(59'001));
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Seconds(1));
  clock_.Advance(absl::Milliseconds(998));
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Seconds(1));
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
  clock_.Set(clock_.Now() - absl::Milliseconds(59'500));
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Seconds(60));
}

TEST_F(LoginThrottleTest, BackoffDoublesUpToTheCap) {
  auto throttle = Make();
  for (absl::Duration expected :
       {absl::Minutes(1), absl::Minutes(2), absl::Minutes(4), absl::Minutes(8),
        absl::Minutes(15), absl::Minutes(15), absl::Minutes(15)}) {
    Fail(*throttle, "alice", "s", 4);
    EXPECT_TRUE(throttle->Check("alice", "s").ok());
    Fail(*throttle, "alice", "s", 1);
    EXPECT_EQ(Locked(*throttle, "alice", "s"), expected);
    clock_.Advance(expected);
    EXPECT_TRUE(throttle->Check("alice", "s").ok());
  }
}

TEST_F(LoginThrottleTest, BackoffDoesNotOverflowAfterManyLockouts) {
  LoginThrottleOptions options;
  options.max_user_failures = 1;
  options.max_source_failures = 1'000'000;
  options.base_lockout = absl::Seconds(1);
  options.max_lockout = absl::Hours(24 * 365);
  auto throttle = Make(options);
  // 200 lockouts in a row: each failure locks, and the next comes as the
  // lock ends.
  for (int i = 0; i < 200; ++i) {
    Fail(*throttle, "alice", "s", 1);
    const absl::Duration locked = Locked(*throttle, "alice", "s");
    ASSERT_GT(locked, absl::ZeroDuration()) << i;
    ASSERT_LE(locked, options.max_lockout) << i;
    clock_.Advance(locked);
  }
}

TEST_F(LoginThrottleTest, FailuresOutsideTheWindowAreForgotten) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 4);
  clock_.Advance(absl::Minutes(15));
  Fail(*throttle, "alice", "s", 1);
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
  // The window restarted at that failure: four more lock.
  Fail(*throttle, "alice", "s", 3);
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
  Fail(*throttle, "alice", "s", 1);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, FailuresJustInsideTheWindowCount) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 4);
  clock_.Advance(absl::Minutes(15) - absl::Seconds(1));
  Fail(*throttle, "alice", "s", 1);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, LockoutHistoryIsForgottenAfterAQuietWindow) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 5);
  // Lock (1 min) expired, then a full quiet window: back to the first step.
  clock_.Advance(absl::Minutes(1) + absl::Minutes(15));
  Fail(*throttle, "alice", "s", 5);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, LockoutHistoryIsKeptWithinTheWindow) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 5);
  clock_.Advance(absl::Minutes(1) + absl::Minutes(14));
  Fail(*throttle, "alice", "s", 5);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(2));
}

TEST_F(LoginThrottleTest, AttemptsDuringALockoutAreRefusedAndNotCounted) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 5);
  for (int i = 0; i < 10; ++i) {
    const absl::Status refused = throttle->Reserve("alice", "s");
    EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(RetryAfter(refused), absl::Minutes(1));
  }
  clock_.Advance(absl::Minutes(1));
  Fail(*throttle, "alice", "s", 4);
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
  Fail(*throttle, "alice", "s", 1);  // The second lockout in a row.
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(2));
}

// The race of issue 13: 29 concurrent wrong passwords, then the right one.
// Each attempt is counted when it is reserved, before any password is
// checked, so no more than the threshold get past the throttle.
TEST_F(LoginThrottleTest, ConcurrentReservationsNeverExceedTheThreshold) {
  auto throttle = Make();
  constexpr int kThreads = 29;
  std::atomic<int> reserved{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const absl::Status status =
          throttle->Reserve("alice", absl::StrCat("10.0.0.", t % 2));
      if (status.ok()) {
        ++reserved;
      } else if (status.code() == absl::StatusCode::kResourceExhausted) {
        ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(reserved.load(), 5);
  EXPECT_EQ(refused.load(), kThreads - 5);
  EXPECT_EQ(throttle->Reserve("alice", "10.0.0.1").code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(LoginThrottleTest, SuccessResetsTheUser) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 4);
  Fail(*throttle, "alice", "s", 1);  // Reserved, then the right password.
  ASSERT_TRUE(throttle->RecordSuccess("alice", "s").ok());
  Fail(*throttle, "alice", "s", 4);
  EXPECT_TRUE(throttle->Check("alice", "s").ok());
  // And its lockout history: the next lockout is the first again.
  Fail(*throttle, "alice", "s", 1);
  clock_.Advance(absl::Minutes(1));
  Fail(*throttle, "alice", "s2", 1);
  ASSERT_TRUE(throttle->RecordSuccess("alice", "s2").ok());
  Fail(*throttle, "alice", "s", 5);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, SuccessOfOneUserDoesNotResetAnother) {
  auto throttle = Make();
  Fail(*throttle, "alice", "s", 4);
  Fail(*throttle, "bob", "s", 1);
  ASSERT_TRUE(throttle->RecordSuccess("bob", "s").ok());
  Fail(*throttle, "alice", "s", 1);
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, SourceIsLockedOutAtTheTwentiethFailure) {
  auto throttle = Make();
  // Spraying: four failures each for five users, never locking any of them.
  for (int u = 0; u < 5; ++u) {
    Fail(*throttle, absl::StrCat("user", u), "203.0.113.9", 4);
  }
  EXPECT_EQ(Locked(*throttle, "user0", "203.0.113.9"), absl::Minutes(1));
  EXPECT_EQ(Locked(*throttle, "anyone", "203.0.113.9"), absl::Minutes(1));
  // The users themselves are not locked from elsewhere.
  EXPECT_TRUE(throttle->Check("user0", "198.51.100.1").ok());
}

TEST_F(LoginThrottleTest, SuccessGivesTheSourceItsAttemptBackOnly) {
  auto throttle = Make();
  for (int u = 0; u < 4; ++u) {
    Fail(*throttle, absl::StrCat("victim", u), "203.0.113.9", 4);
  }
  Fail(*throttle, "mallory", "203.0.113.9", 2);  // 18 failures.
  // The attacker logs in to its own account from the same address: the
  // attempt counted while it was checked (19), then given back (18).
  Fail(*throttle, "mallory", "203.0.113.9", 1);
  ASSERT_TRUE(throttle->RecordSuccess("mallory", "203.0.113.9").ok());
  Fail(*throttle, "victim4", "203.0.113.9", 1);  // 19.
  EXPECT_TRUE(throttle->Check("victim4", "203.0.113.9").ok());
  Fail(*throttle, "victim4", "203.0.113.9", 1);  // 20: locked.
  EXPECT_EQ(Locked(*throttle, "mallory", "203.0.113.9"), absl::Minutes(1));
  // Nor does a success lift the source's lock.
  ASSERT_TRUE(throttle->RecordSuccess("mallory", "203.0.113.9").ok());
  EXPECT_EQ(Locked(*throttle, "mallory", "203.0.113.9"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, GivingBackTheUsersAttemptLeavesTheSourceCounted) {
  LoginThrottleOptions options;
  options.max_user_failures = 3;
  options.max_source_failures = 3;
  auto throttle = Make(options);
  // Two attempts given back to the user key: it has spent none of its 3,
  // while the source has spent 2.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(throttle->Reserve("*", "s1").ok());
    ASSERT_TRUE(throttle->GiveBackUserAttempt("*", "s1").ok());
  }
  Fail(*throttle, "*", "s1", 1);  // The source's third: s1 locked.
  EXPECT_EQ(Locked(*throttle, "other", "s1"), absl::Minutes(1));
  // The user key counted that one only: two more from elsewhere lock it.
  Fail(*throttle, "*", "s2", 1);
  EXPECT_TRUE(throttle->Check("*", "s3").ok());
  Fail(*throttle, "*", "s3", 1);
  EXPECT_EQ(Locked(*throttle, "*", "s4"), absl::Minutes(1));
  // Giving back never goes below zero, nor lifts a lock.
  ASSERT_TRUE(throttle->GiveBackUserAttempt("nobody", "s5").ok());
  EXPECT_TRUE(throttle->Check("nobody", "s5").ok());
  ASSERT_TRUE(throttle->GiveBackUserAttempt("*", "s4").ok());
  EXPECT_EQ(Locked(*throttle, "*", "s4"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, RetryAfterIsTheLongerOfTheTwoLocks) {
  LoginThrottleOptions options;
  options.max_user_failures = 2;
  options.max_source_failures = 2;
  auto throttle = Make(options);
  Fail(*throttle, "alice", "a", 2);  // alice: 1 min; a: 1 min.
  clock_.Advance(absl::Seconds(90));
  Fail(*throttle, "alice", "b", 2);  // alice: 2 min; b: 1 min.
  clock_.Advance(absl::Seconds(90));
  Fail(*throttle, "bob", "b", 2);  // bob: 1 min; b: 2 min.
  // alice until +30 s; b until +120 s.
  EXPECT_EQ(Locked(*throttle, "alice", "b"), absl::Minutes(2));
  EXPECT_EQ(Locked(*throttle, "alice", "c"), absl::Seconds(30));
}

TEST_F(LoginThrottleTest, UnknownUsersAreTrackedLikeKnownOnes) {
  // The throttle has no notion of existence: a name that matches no account
  // locks the same way, so a lockout says nothing about the account.
  auto throttle = Make();
  Fail(*throttle, "no-such-user", "s", 5);
  EXPECT_EQ(Locked(*throttle, "no-such-user", "s2"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, MessageNamesNeitherUserNorSource) {
  auto throttle = Make();
  Fail(*throttle, "alice@example.com", "198.51.100.23", 5);
  const absl::Status status = throttle->Check("alice@example.com", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find("alice"), absl::string_view::npos);
  EXPECT_EQ(status.message().find("198.51"), absl::string_view::npos);
  EXPECT_NE(status.message().find("60 seconds"), absl::string_view::npos)
      << status;
}

TEST_F(LoginThrottleTest, StaleCountersArePurgedAtMostOncePerWindow) {
  storage::MemoryStore store;
  LoginThrottleOptions options;
  options.store = &store;
  auto throttle = Make(options);
  Fail(*throttle, "u1", "s1", 1);  // Purges (nothing) and waits a window.
  clock_.Advance(absl::Minutes(15) + absl::Seconds(1));
  Fail(*throttle, "u2", "s2", 1);  // Purges u1 and s1, stale since 1 s.
  clock_.Advance(absl::Minutes(14));
  Fail(*throttle, "u3", "s3", 1);  // Too soon to purge u2 and s2 (stale).
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(*store.PurgeExpiredLoginAttempts(clock_.Now()), 4);
}

TEST_F(LoginThrottleTest, ReplicasSharingAStoreShareTheLimits) {
  storage::MemoryStore store;
  LoginThrottleOptions options;
  options.store = &store;
  auto a = Make(options);
  auto b = Make(options);
  Fail(*a, "alice", "s", 3);
  Fail(*b, "alice", "s", 2);
  EXPECT_EQ(Locked(*a, "alice", "s"), absl::Minutes(1));
  EXPECT_EQ(b->Reserve("alice", "t").code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(LoginThrottleTest, LongKeysAreStoredAsDigestsAndStayDistinct) {
  auto throttle = Make();
  const std::string base(1 << 20, 'a');
  Fail(*throttle, base + "1", "s1", 5);
  EXPECT_EQ(Locked(*throttle, base + "1", "x"), absl::Minutes(1));
  EXPECT_TRUE(throttle->Check(base + "2", "x").ok());
  EXPECT_TRUE(throttle->Check(base, "x").ok());
  // The empty name and the empty source are keys like any other.
  Fail(*throttle, "", "", 5);
  EXPECT_EQ(Locked(*throttle, "", "y"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, ConcurrentFailuresAreAllCounted) {
  LoginThrottleOptions options;
  options.max_user_failures = 800;
  options.max_source_failures = 1'000'000;
  auto throttle = Make(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&throttle, t] {
      for (int i = 0; i < 100; ++i) {
        Fail(*throttle, "alice", absl::StrCat("s", t), 1);
        (void)throttle->Check("alice", "s");
        if (i % 10 == 0) (void)throttle->RecordSuccess("bob", "elsewhere");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Locked(*throttle, "alice", "s"), absl::Minutes(1));
}

TEST_F(LoginThrottleTest, OptionsAreValidated) {
  const auto code = [&](auto change) {
    LoginThrottleOptions options;
    options.clock = &clock_;
    change(options);
    return LoginThrottle::Create(options).status().code();
  };
  EXPECT_EQ(code([](LoginThrottleOptions&) {}), absl::StatusCode::kOk);
  const absl::StatusCode invalid = absl::StatusCode::kInvalidArgument;
  EXPECT_EQ(code([](auto& o) { o.max_user_failures = 0; }), invalid);
  EXPECT_EQ(code([](auto& o) { o.max_source_failures = -1; }), invalid);
  EXPECT_EQ(code([](auto& o) { o.window = absl::ZeroDuration(); }), invalid);
  EXPECT_EQ(code([](auto& o) { o.window = -absl::Seconds(1); }), invalid);
  EXPECT_EQ(code([](auto& o) { o.base_lockout = absl::ZeroDuration(); }),
            invalid);
  EXPECT_EQ(code([](auto& o) {
              o.base_lockout = absl::Minutes(2);
              o.max_lockout = absl::Minutes(1);
            }),
            invalid);
  EXPECT_EQ(code([](auto& o) { o.clock = nullptr; }), invalid);
}

TEST(RetryAfterTest, ZeroForOtherStatuses) {
  EXPECT_EQ(RetryAfter(absl::OkStatus()), absl::ZeroDuration());
  EXPECT_EQ(RetryAfter(absl::ResourceExhaustedError("quota")),
            absl::ZeroDuration());
  absl::Status forged = absl::ResourceExhaustedError("x");
  forged.SetPayload("type.identity.dev/identity.server.RetryAfterSeconds",
                    absl::Cord("-5"));
  EXPECT_EQ(RetryAfter(forged), absl::ZeroDuration());
  forged.SetPayload("type.identity.dev/identity.server.RetryAfterSeconds",
                    absl::Cord("soon"));
  EXPECT_EQ(RetryAfter(forged), absl::ZeroDuration());
}

}  // namespace
}  // namespace identity::server
