// Proves the API build end to end: messages from Debian's protoc, stubs from
// grpc_cpp_plugin, and gRPC's runtime, over real loopback calls.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"

namespace identity::v1 {
namespace {

TEST(ProtoTest, ErrorInfoTravelsInsideGoogleRpcStatus) {
  // AIP-193: the OAuth error code rides as ErrorInfo.reason.
  google::rpc::ErrorInfo info;
  info.set_reason("invalid_scope");
  info.set_domain("identity.dev");
  (*info.mutable_metadata())["parameter"] = "scope";
  google::rpc::Status status;
  status.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  status.set_message("scope \"admin\" is not allowed for this client");
  status.add_details()->PackFrom(info);

  google::rpc::Status decoded;
  ASSERT_TRUE(decoded.ParseFromString(status.SerializeAsString()));
  google::rpc::ErrorInfo decoded_info;
  ASSERT_TRUE(decoded.details(0).UnpackTo(&decoded_info));
  EXPECT_EQ(decoded_info.reason(), "invalid_scope");
  EXPECT_EQ(decoded_info.metadata().at("parameter"), "scope");
  EXPECT_EQ(decoded.details(0).type_url(),
            "type.googleapis.com/google.rpc.ErrorInfo");
}

TEST(ProtoTest, GeneratedStubsTalkOverLoopback) {
  // Services registered without handlers answer UNIMPLEMENTED: enough to show
  // that the server and client halves of every generated service link and
  // route.
  TokenService::Service token;
  IntrospectionService::Service introspection;
  KeyService::Service keys;
  AdminService::Service admin;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&token);
  builder.RegisterService(&introspection);
  builder.RegisterService(&keys);
  builder.RegisterService(&admin);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_NE(port, 0);

  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                     grpc::InsecureChannelCredentials());
  {
    grpc::ClientContext context;
    TokenRequest request;
    request.set_grant_type("client_credentials");
    TokenResponse response;
    EXPECT_EQ(TokenService::NewStub(channel)
                  ->Token(&context, request, &response)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  {
    grpc::ClientContext context;
    GetJwksResponse response;
    EXPECT_EQ(KeyService::NewStub(channel)
                  ->GetJwks(&context, GetJwksRequest(), &response)
                  .error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  server->Shutdown();
}

}  // namespace
}  // namespace identity::v1
