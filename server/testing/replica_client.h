// Test-only: a gRPC client of one identity-server replica, with the
// bootstrap admin's credentials (server_process.h). Shared by the tests that
// run several replicas on one PostgreSQL database.
#ifndef IDENTITY_SERVER_TESTING_REPLICA_CLIENT_H_
#define IDENTITY_SERVER_TESTING_REPLICA_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/testing/server_process.h"

namespace identity::server::testing {

struct ReplicaClient {
  // Every call's deadline.
  static constexpr std::chrono::seconds kCallTimeout{10};

  explicit ReplicaClient(const std::string& address)
      : address(address),
        channel(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
        tokens(v1::TokenService::NewStub(channel)),
        introspection(v1::IntrospectionService::NewStub(channel)),
        keys(v1::KeyService::NewStub(channel)),
        admin(v1::AdminService::NewStub(channel)) {}

  static std::chrono::system_clock::time_point In(std::chrono::seconds d) {
    return std::chrono::system_clock::now() + d;
  }

  // Whether the replica accepts a connection within `timeout`.
  bool WaitUntilServing(
      std::chrono::seconds timeout = std::chrono::seconds(30)) {
    return channel->WaitForConnected(In(timeout));
  }

  // client_credentials for `scope` ("" for the client's allowed scopes).
  grpc::Status Token(const std::string& id, const std::string& secret,
                     const std::string& scope, v1::TokenResponse* out) {
    grpc::ClientContext context;
    context.set_deadline(In(kCallTimeout));
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id(id);
    request.set_client_secret(secret);
    request.set_scope(scope);
    return tokens->Token(&context, request, out);
  }

  // Introspection as the bootstrap admin.
  grpc::Status Introspect(const std::string& token,
                          v1::IntrospectResponse* out) {
    grpc::ClientContext context;
    context.set_deadline(In(kCallTimeout));
    v1::IntrospectRequest request;
    request.set_token(token);
    request.set_client_id(kAdminId);
    request.set_client_secret(kAdminSecret);
    return introspection->Introspect(&context, request, out);
  }

  // An identity.admin access token of the bootstrap admin.
  std::string AdminToken() {
    v1::TokenResponse response;
    EXPECT_TRUE(
        Token(kAdminId, kAdminSecret, "identity.admin", &response).ok());
    return response.access_token();
  }

  // A context carrying `token` for an admin call.
  std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(In(kCallTimeout));
    context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  std::string Jwks() {
    grpc::ClientContext context;
    context.set_deadline(In(kCallTimeout));
    v1::GetJwksResponse response;
    EXPECT_TRUE(keys->GetJwks(&context, {}, &response).ok());
    return response.jwks_json();
  }

  std::string address;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::TokenService::Stub> tokens;
  std::unique_ptr<v1::IntrospectionService::Stub> introspection;
  std::unique_ptr<v1::KeyService::Stub> keys;
  std::unique_ptr<v1::AdminService::Stub> admin;
};

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_TESTING_REPLICA_CLIENT_H_
