// The wiring decisions of the App, stated without starting a server.
#include "server/app_policy.h"

#include <string>

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

// Issue 13: under a limit of 256 descriptors, 260 HTTP connections took them
// all and gRPC stopped accepting. HTTP gets at most half of what is left.
TEST(AppPolicyTest, HttpConnectionsGetHalfOfWhatTheOpenFileLimitLeaves) {
  // 256 - 64 reserved - 8 pooled - 16 management = 168: 84 each.
  auto budget = ConnectionBudgetFor(256, true, 0, true, 8);
  ASSERT_TRUE(budget.ok()) << budget.status();
  EXPECT_EQ(budget->http, 84);
  EXPECT_EQ(budget->management, kManagementMaxConnections);
  EXPECT_EQ(budget->grpc, 84);
  // No management listener: its share goes to the others.
  EXPECT_EQ(ConnectionBudgetFor(256, true, 0, false, 8)->http, 92);
}

TEST(AppPolicyTest, TheDefaultHttpCapStopsAt4096) {
  auto budget = ConnectionBudgetFor(1 << 20, true, 0, false, 8);
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->http, 4096);
  EXPECT_EQ(budget->grpc, (1 << 20) - 64 - 8 - 4096);
}

TEST(AppPolicyTest, AConfiguredHttpCapMustLeaveGrpcAsMany) {
  EXPECT_EQ(ConnectionBudgetFor(256, true, 50, false, 8)->http, 50);
  EXPECT_EQ(ConnectionBudgetFor(256, true, 92, false, 8)->http, 92);
  auto greedy = ConnectionBudgetFor(256, true, 93, false, 8);
  EXPECT_EQ(greedy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(greedy.status().message().find("--http-max-connections"),
            std::string::npos);
}

TEST(AppPolicyTest, WithoutAnHttpListenerGrpcKeepsItsShare) {
  auto budget = ConnectionBudgetFor(256, false, 1000, false, 8);
  ASSERT_TRUE(budget.ok());  // The unused setting is not checked.
  EXPECT_EQ(budget->http, 0);
  EXPECT_EQ(budget->grpc, 256 - 64 - 8);
}

TEST(AppPolicyTest, AnOpenFileLimitThatLeavesNothingIsRefused) {
  EXPECT_EQ(ConnectionBudgetFor(64, true, 0, false, 8).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(ConnectionBudgetFor(64 + 8 + 2, true, 0, false, 8).ok());
}

TEST(AppPolicyTest, GrpcPollersStayWithinTheThreadCap) {
  const GrpcLimits limits = GrpcLimitsFor(256, 2);
  EXPECT_EQ(limits.max_threads, 256);
  EXPECT_EQ(limits.pollers.min, 2);
  EXPECT_EQ(limits.pollers.max, 8);
  const GrpcLimits few = GrpcLimitsFor(4, 64);
  EXPECT_EQ(few.pollers.min, 4);
  EXPECT_EQ(few.pollers.max, 4);
}

TEST(AppPolicyTest, GrpcRequestsAreBoundedLikeHttpOnes) {
  const GrpcLimits limits = GrpcLimitsFor(256, 2);
  EXPECT_EQ(limits.max_concurrent_streams, 100);  // RFC 9113 §6.5.2.
  EXPECT_EQ(limits.max_receive_message_bytes, 64 * 1024);
  EXPECT_EQ(limits.max_metadata_bytes, 8 * 1024);
  EXPECT_EQ(limits.handshake_timeout_ms, 10'000);
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
