// gRPC server metrics on a real loopback server: the series and labels
// go-grpc-prometheus dashboards expect.
#include "server/metrics/grpc_metrics.h"

#include <grpcpp/grpcpp.h>

#include "gtest/gtest.h"
#include "identity/v1/keys.grpc.pb.h"

namespace identity::metrics {
namespace {

class Keys final : public v1::KeyService::Service {
  grpc::Status GetJwks(grpc::ServerContext*, const v1::GetJwksRequest*,
                       v1::GetJwksResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status ListKeys(grpc::ServerContext*, const v1::ListKeysRequest*,
                        v1::ListKeysResponse*) override {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "none");
  }
};

TEST(GrpcServerMetricsTest, CountsStartedHandledAndLatency) {
  Registry registry;
  GrpcServerMetrics metrics(&registry);
  Keys service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      factories;
  factories.push_back(metrics.InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(factories));
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::KeyService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    v1::GetJwksResponse response;
    ASSERT_TRUE(stub->GetJwks(&context, {}, &response).ok());
  }
  {
    grpc::ClientContext context;
    v1::ListKeysResponse response;
    EXPECT_EQ(stub->ListKeys(&context, {}, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  server->Shutdown();

  const std::string text = registry.Serialize();
  for (const char* line : {
           "grpc_server_started_total{grpc_method=\"GetJwks\",grpc_service="
           "\"identity.v1.KeyService\",grpc_type=\"unary\"} 3\n",
           "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetJwks\","
           "grpc_service=\"identity.v1.KeyService\",grpc_type=\"unary\"} 3\n",
           "grpc_server_handled_total{grpc_code=\"NotFound\",grpc_method="
           "\"ListKeys\",grpc_service=\"identity.v1.KeyService\",grpc_type="
           "\"unary\"} 1\n",
           "grpc_server_handling_seconds_count{grpc_method=\"GetJwks\","
           "grpc_service=\"identity.v1.KeyService\",grpc_type=\"unary\"} 3\n",
           "grpc_server_handling_seconds_bucket{grpc_method=\"GetJwks\","
           "grpc_service=\"identity.v1.KeyService\",grpc_type=\"unary\",le="
           "\"+Inf\"} 3\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_NE(text.find("# TYPE grpc_server_handling_seconds histogram\n"),
            std::string::npos);
}

// A call whose status was sent before its metadata arrived has no latency:
// it is counted as handled, and left out of the histogram.
TEST(GrpcServerMetricsTest, ACallThatNeverStartedIsCountedButNotTimed) {
  Registry registry;
  GrpcServerMetrics metrics(&registry);
  using Type = grpc::experimental::ServerRpcInfo::Type;
  metrics.Handled(Type::UNARY, "/identity.v1.KeyService/GetJwks",
                  grpc::StatusCode::OK, absl::Milliseconds(2));
  metrics.Handled(Type::UNARY, "/identity.v1.KeyService/GetJwks",
                  grpc::StatusCode::OK, absl::InfiniteDuration());
  const std::string text = registry.Serialize();
  EXPECT_NE(text.find("grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                      "\"GetJwks\",grpc_service=\"identity.v1.KeyService\","
                      "grpc_type=\"unary\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("grpc_server_handling_seconds_count{grpc_method="
                      "\"GetJwks\",grpc_service=\"identity.v1.KeyService\","
                      "grpc_type=\"unary\"} 1\n"),
            std::string::npos)
      << text;
}

TEST(GrpcServerMetricsTest, NamesFollowGoGrpcPrometheus) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  EXPECT_EQ(GrpcTypeName(Type::UNARY), "unary");
  EXPECT_EQ(GrpcTypeName(Type::CLIENT_STREAMING), "client_stream");
  EXPECT_EQ(GrpcTypeName(Type::SERVER_STREAMING), "server_stream");
  EXPECT_EQ(GrpcTypeName(Type::BIDI_STREAMING), "bidi_stream");
  // Go's codes.Code.String() spellings, as go-grpc-prometheus exports them.
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "Unauthenticated");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::CANCELLED), "Canceled");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED),
            "DeadlineExceeded");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::INVALID_ARGUMENT),
            "InvalidArgument");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DATA_LOSS), "DataLoss");
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(42)), "Code(42)");
  EXPECT_EQ(SplitMethod("/identity.v1.KeyService/GetJwks"),
            std::make_pair(std::string("identity.v1.KeyService"),
                           std::string("GetJwks")));
  EXPECT_EQ(SplitMethod("weird").first, "unknown");
  EXPECT_EQ(SplitMethod("/NoMethod").first, "unknown");
  // Invented paths do not become labels.
  EXPECT_EQ(SplitMethod("/identity.v1.KeyService/Invented"),
            std::make_pair(std::string("unknown"), std::string("unknown")));
  EXPECT_EQ(SplitMethod("/x" + std::string(100, 'y') + "/z"),
            std::make_pair(std::string("unknown"), std::string("unknown")));
  EXPECT_EQ(SplitMethod("/grpc.health.v1.Health/Check"),
            std::make_pair(std::string("grpc.health.v1.Health"),
                           std::string("Check")));
}

}  // namespace
}  // namespace identity::metrics
