// TokenService.DeviceAuthorization and the device code grant at
// TokenService.Token (RFC 8628) over real loopback gRPC, on the in-memory
// store: the fields copied, the polling answers mapped to their gRPC codes
// with the OAuth reason (docs/api.md).
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "server/grpc/testing/error_reason.h"
#include "server/grpc/token_service.h"
#include "server/oauth/testing/device_flow_fixture.h"
#include "server/oauth/user_code.h"

namespace identity::server {
namespace {

using testing::MetadataOf;
using testing::ReasonOf;

class DeviceAuthorizationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ClientRecord cli;
    cli.client_id = "cli";
    cli.allowed_scopes = {"orders.read"};
    cli.grant_types = {kDeviceCodeGrantType, "refresh_token"};
    cli.public_client = true;
    ASSERT_TRUE(x_.u.f.store.CreateClient(cli).ok());
    storage::ClientRecord tv = cli;
    tv.client_id = "tv";
    tv.public_client = false;
    tv.grant_types = {kDeviceCodeGrantType};
    tv.secret_hash = x_.u.f.hasher.Hash("tv-secret");
    ASSERT_TRUE(x_.u.f.store.CreateClient(tv).ok());
    ASSERT_TRUE(x_.u.f.AddClient("worker", "worker-secret").ok());
    auto alice = x_.u.users.Create(
        {"alice", "correct horse", "Alice", "alice@example.com", true});
    ASSERT_TRUE(alice.ok());
    alice_id_ = alice->user_id;
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::TokenService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }

  void TearDown() override { server_->Shutdown(); }

  grpc::Status Start(const std::string& client,
                     v1::DeviceAuthorizationResponse* out,
                     const std::string& scope = "openid orders.read",
                     const std::string& authorization = "") {
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    v1::DeviceAuthorizationRequest request;
    if (authorization.empty()) request.set_client_id(client);
    request.set_scope(scope);
    return stub_->DeviceAuthorization(&context, request, out);
  }

  grpc::Status Poll(const std::string& device_code, v1::TokenResponse* out,
                    const std::string& client = "cli") {
    grpc::ClientContext context;
    v1::TokenRequest request;
    request.set_grant_type(kDeviceCodeGrantType);
    request.set_client_id(client);
    request.set_device_code(device_code);
    return stub_->Token(&context, request, out);
  }

  absl::Status Answer(const std::string& user_code, bool approve) {
    return x_.devices
        ->Decide(user_code, "10.0.0.1", {alice_id_, x_.u.f.clock.Now(), ""},
                 approve)
        .status();
  }

  testing::DeviceFlowFixture x_;
  std::string alice_id_;
  TokenServiceImpl service_{TokenServiceParts{
      &x_.tokens, &x_.u.authorization, &x_.u.pushed, &x_.u.revoker,
      &x_.u.userinfo, nullptr, &x_.u.f.authenticator, x_.devices.get()}};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
};

TEST_F(DeviceAuthorizationServiceTest, AnswersTheCodesAndTheirUris) {
  v1::DeviceAuthorizationResponse started;
  const grpc::Status status = Start("cli", &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(started.device_code().size(), 43u);
  EXPECT_TRUE(NormalizeUserCode(started.user_code()).has_value());
  EXPECT_EQ(started.verification_uri(), "https://id.example/device");
  EXPECT_EQ(started.verification_uri_complete(),
            "https://id.example/device?user_code=" + started.user_code());
  EXPECT_EQ(started.expires_in(), 600);
  EXPECT_EQ(started.interval(), 5);
}

TEST_F(DeviceAuthorizationServiceTest, ConfidentialClientMayUseBasicMetadata) {
  v1::DeviceAuthorizationResponse started;
  EXPECT_TRUE(Start("", &started, "orders.read",
                    "Basic " + absl::Base64Escape("tv:tv-secret"))
                  .ok());
  const grpc::Status wrong = Start("", &started, "orders.read",
                                   "Basic " + absl::Base64Escape("tv:nope"));
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(wrong), "invalid_client");
}

TEST_F(DeviceAuthorizationServiceTest, RequestErrorsKeepTheirReasons) {
  v1::DeviceAuthorizationResponse started;
  const grpc::Status unknown = Start("nobody", &started);
  EXPECT_EQ(ReasonOf(unknown), "invalid_client");
  const grpc::Status not_allowed =
      Start("worker", &started, "orders.read",
            "Basic " + absl::Base64Escape("worker:worker-secret"));
  EXPECT_EQ(not_allowed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(not_allowed), "unauthorized_client");
  const grpc::Status scope = Start("cli", &started, "orders.write");
  EXPECT_EQ(scope.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(scope), "invalid_scope");
}

// A public client's authorizations from one source are bounded (50 per 15
// minutes): RESOURCE_EXHAUSTED with when to come back.
TEST_F(DeviceAuthorizationServiceTest, PerSourceBoundIsResourceExhausted) {
  v1::DeviceAuthorizationResponse started;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Start("cli", &started).ok()) << i;
  const grpc::Status bounded = Start("cli", &started);
  EXPECT_EQ(bounded.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(bounded), "temporarily_unavailable");
  EXPECT_EQ(MetadataOf(bounded)["retry_after_seconds"], "60");
}

TEST_F(DeviceAuthorizationServiceTest, PollingAnswersMapToTheirCodes) {
  v1::DeviceAuthorizationResponse started;
  ASSERT_TRUE(Start("cli", &started).ok());
  v1::TokenResponse tokens;
  const grpc::Status pending = Poll(started.device_code(), &tokens);
  EXPECT_EQ(pending.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(pending), "authorization_pending");
  const grpc::Status fast = Poll(started.device_code(), &tokens);
  EXPECT_EQ(fast.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(fast), "slow_down");
  EXPECT_EQ(MetadataOf(fast)["interval"], "10");
  EXPECT_EQ(MetadataOf(fast)["retry_after_seconds"], "10");
  ASSERT_TRUE(Answer(started.user_code(), true).ok());
  const grpc::Status issued = Poll(started.device_code(), &tokens);
  ASSERT_TRUE(issued.ok()) << issued.error_message();
  EXPECT_FALSE(tokens.access_token().empty());
  EXPECT_FALSE(tokens.id_token().empty());
  EXPECT_FALSE(tokens.refresh_token().empty());
  const grpc::Status again = Poll(started.device_code(), &tokens);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(again), "invalid_grant");
}

TEST_F(DeviceAuthorizationServiceTest, DenialAndExpiryMapToTheirCodes) {
  v1::DeviceAuthorizationResponse denied, expired;
  ASSERT_TRUE(Start("cli", &denied).ok());
  ASSERT_TRUE(Start("cli", &expired).ok());
  ASSERT_TRUE(Answer(denied.user_code(), false).ok());
  v1::TokenResponse tokens;
  const grpc::Status no = Poll(denied.device_code(), &tokens);
  EXPECT_EQ(no.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(no), "access_denied");
  x_.u.f.clock.Advance(absl::Minutes(10));
  const grpc::Status late = Poll(expired.device_code(), &tokens);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(late), "expired_token");
}

TEST(DeviceAuthorizationUnservedTest, WithoutTheEndpointIsUnimplemented) {
  testing::DeviceFlowFixture x;
  TokenServiceImpl service{TokenServiceParts{
      &x.tokens, &x.u.authorization, &x.u.pushed, &x.u.revoker, &x.u.userinfo,
      nullptr, &x.u.f.authenticator, nullptr}};
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::TokenService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::DeviceAuthorizationRequest request;
  v1::DeviceAuthorizationResponse response;
  EXPECT_EQ(
      stub->DeviceAuthorization(&context, request, &response).error_code(),
      grpc::StatusCode::UNIMPLEMENTED);
  server->Shutdown();
}

}  // namespace
}  // namespace identity::server
