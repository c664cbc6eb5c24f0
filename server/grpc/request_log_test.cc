// One log line per gRPC call, over real loopback gRPC: the fields, the
// request id round trip, the levels, and no secret or token in any line.
#include "server/grpc/request_log.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc/token_service.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RequestLogTest : public ::testing::Test {
 protected:
  void Start(logging::Level level) {
    ASSERT_TRUE(fixture_.AddClient("worker", "worker-secret").ok());
    logger_ = std::make_unique<logging::Logger>(level, &fixture_.clock,
                                                [this](absl::string_view line) {
                                                  absl::MutexLock lock(&mu_);
                                                  lines_.emplace_back(line);
                                                });
    log_ = std::make_unique<RequestLog>(logger_.get());
    int port = 0;
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&token_service_);
    builder.RegisterService(&introspection_service_);
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        factories;
    factories.push_back(log_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(factories));
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    token_stub_ = v1::TokenService::NewStub(channel);
    introspection_stub_ = v1::IntrospectionService::NewStub(channel);
    generic_stub_ = std::make_unique<grpc::GenericStub>(channel);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // The call's status and the x-request-id the server sent back.
  std::pair<grpc::Status, std::string> Token(
      const std::string& id, const std::string& secret,
      const std::string& request_id = "",
      const std::string& authorization = "") {
    grpc::ClientContext context;
    if (!request_id.empty()) context.AddMetadata("x-request-id", request_id);
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id(id);
    request.set_client_secret(secret);
    v1::TokenResponse response;
    grpc::Status status = token_stub_->Token(&context, request, &response);
    last_token_ = response.access_token();
    auto echoed = context.GetServerInitialMetadata().find("x-request-id");
    std::string echo;
    if (echoed != context.GetServerInitialMetadata().end()) {
      echo.assign(echoed->second.data(), echoed->second.size());
    }
    return {status, echo};
  }

  std::vector<std::string> Lines() {
    // The line is written as the status is sent, which can follow the
    // client's return by a moment.
    server_->Shutdown();
    absl::MutexLock lock(&mu_);
    return lines_;
  }

  testing::UserFlowsFixture flows_;
  testing::OAuthFixture& fixture_ = flows_.f;
  TokenServiceImpl token_service_{
      TokenServiceParts{&flows_.tokens, &flows_.authorization, &flows_.pushed,
                        &flows_.revoker, &flows_.userinfo}};
  IntrospectionServiceImpl introspection_service_{&fixture_.introspector};
  std::unique_ptr<logging::Logger> logger_;
  std::unique_ptr<RequestLog> log_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::TokenService::Stub> token_stub_;
  std::unique_ptr<v1::IntrospectionService::Stub> introspection_stub_;
  std::unique_ptr<grpc::GenericStub> generic_stub_;
  std::string last_token_;
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

TEST_F(RequestLogTest, LogsEachCallWithItsFieldsAndEchoesTheRequestId) {
  Start(logging::Level::kDebug);
  auto [ok, ok_id] = Token("worker", "worker-secret", "req-42.a:b_c");
  ASSERT_TRUE(ok.ok()) << ok.error_message();
  EXPECT_EQ(ok_id, "req-42.a:b_c");
  auto [refused, refused_id] = Token("worker", "wrong-secret");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_FALSE(refused_id.empty());  // Made by the server.
  // Not acceptable as a log field: replaced by one of ours.
  auto [bad_id_status, replaced] =
      Token("worker", "worker-secret", "a\"b" + std::string(70, 'x'));
  EXPECT_TRUE(bad_id_status.ok());
  EXPECT_THAT(replaced, Not(HasSubstr("\"")));
  EXPECT_NE(replaced, refused_id);
  // client_secret_basic: the client id comes from the header.
  const std::string basic =
      "Basic " + absl::Base64Escape("worker:worker-secret");
  EXPECT_TRUE(Token("", "", "", basic).first.ok());

  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[0], HasSubstr("\"level\":\"debug\",\"msg\":\"grpc call\","
                                  "\"request_id\":\"req-42.a:b_c\","
                                  "\"method\":\"/identity.v1.TokenService/"
                                  "Token\",\"status\":\"OK\",\"latency_ms\":"));
  EXPECT_THAT(lines[0], HasSubstr("\"client_id\":\"worker\",\"peer\":\"ipv"));
  EXPECT_THAT(lines[1], HasSubstr("\"level\":\"info\""));
  EXPECT_THAT(lines[1], HasSubstr("\"status\":\"UNAUTHENTICATED\""));
  EXPECT_THAT(lines[1], HasSubstr("\"request_id\":\"" + refused_id + "\""));
  EXPECT_THAT(lines[1], HasSubstr("\"error\":"));
  EXPECT_THAT(lines[2], HasSubstr("\"request_id\":\"" + replaced + "\""));
  EXPECT_THAT(lines[3], HasSubstr("\"client_id\":\"worker\""));
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("secret\"")));
    EXPECT_THAT(line, Not(HasSubstr("worker-secret")));
    EXPECT_THAT(line, Not(HasSubstr("wrong-secret")));
    EXPECT_THAT(line, Not(HasSubstr(last_token_)));
    EXPECT_THAT(line, Not(HasSubstr(basic.substr(6))));
  }
}

TEST_F(RequestLogTest, SuccessfulCallsAreDebugOnly) {
  Start(logging::Level::kInfo);
  EXPECT_TRUE(Token("worker", "worker-secret").first.ok());
  EXPECT_FALSE(Token("worker", "nope").first.ok());
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("UNAUTHENTICATED"));
}

TEST_F(RequestLogTest, IntrospectedTokensAreNeverLogged) {
  Start(logging::Level::kDebug);
  ASSERT_TRUE(Token("worker", "worker-secret").first.ok());
  const std::string token = last_token_;
  grpc::ClientContext context;
  v1::IntrospectRequest request;
  request.set_client_id("worker");
  request.set_client_secret("worker-secret");
  request.set_token(token);
  v1::IntrospectResponse response;
  ASSERT_TRUE(
      introspection_stub_->Introspect(&context, request, &response).ok());
  EXPECT_TRUE(response.active());
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[1], HasSubstr("Introspect"));
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr(token)));
    // No part of the token either: its signature is its last segment.
    EXPECT_THAT(line, Not(HasSubstr(token.substr(token.rfind('.') + 1))));
  }
}

TEST_F(RequestLogTest, ServicesWithRawMessagesAreLoggedWithoutReadingThem) {
  // gRPC's default health service handles ByteBuffers, not protobuf
  // messages: the interceptor must not read its request as one.
  Start(logging::Level::kDebug);
  grpc::ClientContext context;
  grpc::ByteBuffer request;  // An empty HealthCheckRequest: zero bytes.
  grpc::Slice empty("", 0);
  request = grpc::ByteBuffer(&empty, 1);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  generic_stub_->UnaryCall(&context, "/grpc.health.v1.Health/Check",
                           grpc::StubOptions(), &request, &response,
                           [&](grpc::Status s) {
                             status = std::move(s);
                             done.Notify();
                           });
  done.WaitForNotification();
  EXPECT_TRUE(status.ok()) << status.error_message();
  const std::vector<std::string> lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"method\":\"/grpc.health.v1.Health/"
                                  "Check\",\"status\":\"OK\""));
  EXPECT_THAT(lines[0], HasSubstr("\"client_id\":\"\""));
}

TEST(RequestIdTest, AcceptsOnlyShortSafeIds) {
  EXPECT_TRUE(IsAcceptableRequestId("a"));
  EXPECT_TRUE(IsAcceptableRequestId("0f8e-ab.cd:ef_1"));
  EXPECT_TRUE(IsAcceptableRequestId(std::string(64, 'x')));
  for (const std::string& bad :
       {std::string(), std::string(65, 'x'), std::string("a b"),
        std::string("a\"b"), std::string("a\nb"), std::string("ü")}) {
    EXPECT_FALSE(IsAcceptableRequestId(bad)) << bad;
  }
}

TEST(RequestIdTest, LevelsFollowWhoseFaultItIs) {
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::OK), logging::Level::kDebug);
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::INVALID_ARGUMENT),
            logging::Level::kInfo);
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::PERMISSION_DENIED),
            logging::Level::kInfo);
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::UNAVAILABLE),
            logging::Level::kWarn);
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::INTERNAL), logging::Level::kError);
  EXPECT_EQ(LevelForStatus(grpc::StatusCode::DATA_LOSS),
            logging::Level::kError);
}

}  // namespace
}  // namespace identity::server
