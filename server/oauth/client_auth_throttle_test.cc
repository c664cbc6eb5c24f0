// Back-off for failed client authentication (issue 13 item 4).
#include "server/oauth/client_auth_throttle.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

constexpr char kAttacker[] = "203.0.113.7";
constexpr char kClientHost[] = "198.51.100.1";

class ClientAuthThrottleTest : public ::testing::Test {
 protected:
  ClientAuthThrottleTest() {
    options_.clock = &clock_;
    throttle_ = *ClientAuthThrottle::Create(options_);
  }

  // One attempt that fails when admitted; returns Admit's status.
  absl::Status Fail(absl::string_view client, absl::string_view source) {
    absl::Status admitted = throttle_->Admit(client, source);
    if (admitted.ok()) throttle_->RecordFailure(client, source);
    return admitted;
  }

  // The seconds a refused Admit asks to wait, or 0 when admitted.
  int64_t RetryAfter(absl::string_view client, absl::string_view source) {
    absl::Status admitted = throttle_->Admit(client, source);
    if (admitted.ok()) return 0;
    EXPECT_EQ(OAuthErrorOf(admitted), OAuthError::kTemporarilyUnavailable);
    int64_t seconds = 0;
    EXPECT_TRUE(absl::SimpleAtoi(
        ErrorDetailsOf(admitted)["retry_after_seconds"], &seconds));
    return seconds;
  }

  jwt::FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  ClientAuthThrottleOptions options_;
  std::unique_ptr<ClientAuthThrottle> throttle_;
};

TEST_F(ClientAuthThrottleTest, TheFirstFailuresAreFree) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok()) << i;
  // The fifth failure puts (svc, attacker) in back-off.
  EXPECT_TRUE(Fail("svc", kAttacker).ok());
  EXPECT_EQ(RetryAfter("svc", kAttacker), 1);
}

// Back-off, not lock-out: each failure in back-off doubles the wait, up to
// max_delay, and an attempt is admitted again once it has passed.
TEST_F(ClientAuthThrottleTest, TheWaitDoublesUpToTheCap) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok());
  for (int64_t expected : {1, 2, 4, 8, 16, 32, 60, 60}) {
    ASSERT_EQ(RetryAfter("svc", kAttacker), expected);
    clock_.Advance(absl::Seconds(expected));
    ASSERT_TRUE(Fail("svc", kAttacker).ok()) << expected;
  }
}

// The secret is never checked early: a refused attempt is not counted.
TEST_F(ClientAuthThrottleTest, RefusedAttemptsDoNotCount) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok());
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(Fail("svc", kAttacker).ok());
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(Fail("svc", kAttacker).ok());
  EXPECT_EQ(RetryAfter("svc", kAttacker), 2);
}

// Concurrent attempts cannot share a slot: admitting one in back-off takes
// the slot, so the next waits even before the first has failed.
TEST_F(ClientAuthThrottleTest, AnAdmittedAttemptInBackOffTakesTheSlot) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok());
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(throttle_->Admit("svc", kAttacker).ok());
  EXPECT_FALSE(throttle_->Admit("svc", kAttacker).ok());
}

// The design's point: an attacker failing under the real client's id from
// elsewhere never makes the real client wait.
TEST_F(ClientAuthThrottleTest, AnAttackerCannotMakeTheRealClientWait) {
  for (int i = 0; i < 200; ++i) (void)Fail("svc", kAttacker);
  EXPECT_GT(RetryAfter("svc", kAttacker), 0);
  EXPECT_TRUE(throttle_->Admit("svc", kClientHost).ok());
  throttle_->RecordSuccess("svc", kClientHost);
  EXPECT_TRUE(throttle_->Admit("svc", kClientHost).ok());
}

// Spraying client ids from one source: 20 failures in all put the source
// in back-off, for every client id it tries.
TEST_F(ClientAuthThrottleTest, FailuresUnderManyClientIdsThrottleTheSource) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Fail(absl::StrCat("client-", i), kAttacker).ok()) << i;
  }
  EXPECT_EQ(RetryAfter("client-new", kAttacker), 1);
  EXPECT_EQ(RetryAfter("svc", kAttacker), 1);
  EXPECT_EQ(RetryAfter("client-new", kClientHost), 0);
}

// A success forgets (client_id, source), not the source: a secret the
// attacker holds must not clear its address between guesses at others.
TEST_F(ClientAuthThrottleTest, SuccessForgetsThePairButNotTheSource) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kClientHost).ok());
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(throttle_->Admit("svc", kClientHost).ok());
  throttle_->RecordSuccess("svc", kClientHost);
  EXPECT_EQ(throttle_->tracked_pairs(), 0u);
  EXPECT_EQ(throttle_->tracked_sources(), 1u);
  EXPECT_TRUE(throttle_->Admit("svc", kClientHost).ok());
}

TEST_F(ClientAuthThrottleTest, KeysAreForgottenAfterAQuietWhile) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok());
  clock_.Advance(absl::Minutes(15));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok()) << i;
  EXPECT_EQ(throttle_->tracked_pairs(), 1u);
  EXPECT_EQ(RetryAfter("svc", kAttacker), 0);  // Counting from zero again.
}

// Unknown client ids must not grow memory without bound.
TEST_F(ClientAuthThrottleTest, TrackedKeysAreBounded) {
  options_.max_tracked = 100;
  options_.max_source_failures = 1000000;
  throttle_ = *ClientAuthThrottle::Create(options_);
  for (int i = 0; i < 5000; ++i) {
    (void)Fail(absl::StrCat("unknown-", i, std::string(1000, 'x')),
               absl::StrCat("10.0.", i / 250, ".", i % 250));
  }
  EXPECT_EQ(throttle_->tracked_pairs(), 100u);
  EXPECT_EQ(throttle_->tracked_sources(), 100u);
  // The oldest went first: the newest pair is still there.
  const std::string newest =
      absl::StrCat("unknown-", 4999, std::string(1000, 'x'));
  for (int i = 0; i < 4; ++i) (void)Fail(newest, "10.0.19.249");
  EXPECT_GT(RetryAfter(newest, "10.0.19.249"), 0);
}

// An IPv6 subscriber has a /64: its addresses count as one source.
TEST_F(ClientAuthThrottleTest, Ipv6SourcesCountPerSlash64) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        Fail(absl::StrCat("c", i), absl::StrCat("2001:db8::", i + 1)).ok());
  }
  EXPECT_GT(RetryAfter("svc", "2001:db8::ffff:1"), 0);
  EXPECT_EQ(RetryAfter("svc", "2001:db8:0:1::1"), 0);
}

TEST_F(ClientAuthThrottleTest, RetryAfterNamesNeitherClientNorSource) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Fail("svc", kAttacker).ok());
  const absl::Status refused = throttle_->Admit("svc", kAttacker);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message().find("svc"), absl::string_view::npos);
  EXPECT_EQ(refused.message().find(kAttacker), absl::string_view::npos);
}

TEST(ClientAuthThrottleCreateTest, RefusesUnworkableOptions) {
  for (auto change : std::vector<void (*)(ClientAuthThrottleOptions&)>{
           [](auto& o) { o.max_pair_failures = 0; },
           [](auto& o) { o.max_source_failures = 0; },
           [](auto& o) { o.max_tracked = 0; },
           [](auto& o) { o.base_delay = absl::ZeroDuration(); },
           [](auto& o) { o.max_delay = absl::Milliseconds(1); },
           [](auto& o) { o.forget_after = absl::Seconds(1); },
           [](auto& o) { o.clock = nullptr; },
       }) {
    ClientAuthThrottleOptions options;
    change(options);
    EXPECT_EQ(ClientAuthThrottle::Create(options).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace identity::server
