// The authorizer's decisions, counted in the registry.
#include "server/metrics/auth_metrics.h"

#include "gtest/gtest.h"

namespace identity::metrics {
namespace {

TEST(AuthDecisionMetricsTest, CountsByMethodOutcomeAndReason) {
  Registry registry;
  AuthDecisionMetrics metrics(&registry);
  metrics.OnDecision("/identity.v1.AdminService/CreateClient",
                     interceptor::Outcome::kUnauthenticated, "expired");
  metrics.OnDecision("/identity.v1.AdminService/CreateClient",
                     interceptor::Outcome::kUnauthenticated, "expired");
  metrics.OnDecision("/identity.v1.KeyService/GetJwks",
                     interceptor::Outcome::kOpen, "");
  metrics.OnDecision("", interceptor::Outcome::kUnauthenticated, "missing");
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("identity_auth_decisions_total{grpc_method="
                      "\"CreateClient\",grpc_service=\"identity.v1."
                      "AdminService\",outcome=\"unauthenticated\",reason="
                      "\"expired\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("identity_auth_decisions_total{grpc_method=\"GetJwks\","
                      "grpc_service=\"identity.v1.KeyService\",outcome="
                      "\"open\",reason=\"\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("grpc_service=\"unknown\""), std::string::npos);
}

TEST(AuthDecisionMetricsTest, InventedPathsShareOneSeries) {
  // Calls are decided before routing: a caller can name any path.
  Registry registry;
  AuthDecisionMetrics metrics(&registry);
  for (int i = 0; i < 1000; ++i) {
    metrics.OnDecision("/evil.Service" + std::to_string(i) + "/M",
                       interceptor::Outcome::kOpen, "");
  }
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("identity_auth_decisions_total{grpc_method=\"unknown\","
                      "grpc_service=\"unknown\",outcome=\"open\",reason="
                      "\"\"} 1000\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("evil"), std::string::npos);
  EXPECT_EQ(metrics.RememberedSeries(), 0u) << "invented paths are not kept";
  metrics.OnDecision("/identity.v1.KeyService/GetJwks",
                     interceptor::Outcome::kOpen, "");
  metrics.OnDecision("/identity.v1.KeyService/GetJwks",
                     interceptor::Outcome::kOpen, "");
  EXPECT_EQ(metrics.RememberedSeries(), 1u);
}

}  // namespace
}  // namespace identity::metrics
