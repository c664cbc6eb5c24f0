// The wiring decisions of the App, stated without starting a server.
#include "server/app_policy.h"

#include "gtest/gtest.h"

namespace identity::server {
namespace {

TEST(AppPolicyTest, HttpThreadsAreTheSettingWhenGiven) {
  EXPECT_EQ(HttpThreads(2, 64), 2);
  EXPECT_EQ(HttpThreads(256, 1), 256);
}

TEST(AppPolicyTest, HttpThreadsDefaultToTwicePerCoreAndAtLeastFour) {
  EXPECT_EQ(HttpThreads(0, 1), 4);
  EXPECT_EQ(HttpThreads(0, 2), 4);
  EXPECT_EQ(HttpThreads(0, 3), 6);
  EXPECT_EQ(HttpThreads(0, 16), 32);
  EXPECT_EQ(HttpThreads(0, 0), 4);  // Cores unknown.
}

TEST(AppPolicyTest, GrpcPollersFromOneToFourPerCore) {
  EXPECT_EQ(GrpcPollersFor(2).min, 2);
  EXPECT_EQ(GrpcPollersFor(2).max, 8);
  EXPECT_EQ(GrpcPollersFor(0).min, 1);  // Cores unknown: one.
  EXPECT_EQ(GrpcPollersFor(0).max, 4);
}

TEST(AppPolicyTest, RetiredKeysOutliveTheirTokensAndStaleReplicas) {
  EXPECT_EQ(RetiredKeyLifetime(absl::Minutes(10), absl::Seconds(30)),
            absl::Minutes(10) + absl::Seconds(30));
}

TEST(AppPolicyTest, ServerErrorsWarnClientErrorsInformSuccessesDebug) {
  EXPECT_EQ(HttpRequestLogLevel(200), logging::Level::kDebug);
  EXPECT_EQ(HttpRequestLogLevel(302), logging::Level::kDebug);
  EXPECT_EQ(HttpRequestLogLevel(400), logging::Level::kInfo);
  EXPECT_EQ(HttpRequestLogLevel(499), logging::Level::kInfo);
  EXPECT_EQ(HttpRequestLogLevel(500), logging::Level::kWarn);
  EXPECT_EQ(HttpRequestLogLevel(503), logging::Level::kWarn);
}

TEST(AppPolicyTest, SessionCookiesAreSecureUnderTlsOrAnHttpsIssuer) {
  EXPECT_TRUE(SecureCookies(true, "http://localhost:9464"));
  EXPECT_TRUE(SecureCookies(false, "https://id.example"));
  EXPECT_FALSE(SecureCookies(false, "http://localhost:9464"));
}

}  // namespace
}  // namespace identity::server
