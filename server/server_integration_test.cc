// The real identity-server binary, started as a process: configuration,
// bootstrap client, Token and Introspect over gRPC, health, and a clean drain
// on SIGTERM. One server per test, on a scratch PostgreSQL database of its
// own (IDENTITY_TEST_DATABASE_URL; the test fails without it);
// server_postgres_test runs replicas sharing one database.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/testing/server_process.h"

namespace identity::server {
namespace {

using testing::CommandResult;
using testing::FreePort;
using testing::RunCommand;
using testing::ServerProcess;

TEST(ServerIntegrationTest, IssuesIntrospectsAndDrains) {
  const int port = FreePort();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  auto started = ServerProcess::OnScratchDatabase(
      {"--grpc-listen=" + address, "--issuer=https://id.example",
       "--audience=orders-api"});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(20)))
      << "the server did not start";

  auto token_stub = v1::TokenService::NewStub(channel);
  v1::TokenRequest request;
  request.set_grant_type("client_credentials");
  v1::TokenResponse token;
  {
    grpc::ClientContext context;
    context.AddMetadata(
        "authorization",
        "Basic " + absl::Base64Escape("admin:admin-secret-for-tests"));
    grpc::Status status = token_stub->Token(&context, request, &token);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(token.scope(), "identity.admin");

  auto introspection_stub = v1::IntrospectionService::NewStub(channel);
  v1::IntrospectRequest introspect;
  introspect.set_token(token.access_token());
  introspect.set_client_id("admin");
  introspect.set_client_secret("admin-secret-for-tests");
  v1::IntrospectResponse result;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(
        introspection_stub->Introspect(&context, introspect, &result).ok());
  }
  EXPECT_TRUE(result.active());
  EXPECT_EQ(result.iss(), "https://id.example");
  EXPECT_EQ(result.aud(0), "orders-api");

  {
    grpc::ClientContext context;
    request.set_client_id("admin");
    request.set_client_secret("wrong");
    EXPECT_EQ(token_stub->Token(&context, request, &token).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerIntegrationTest, ServesTlsAndAuthorizesAdminCallsOnIt) {
  const std::string tmp =
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  const auto pair = interceptor::testing::SelfSignedLocalhost();
  std::ofstream(tmp + "/tls.crt") << pair.cert_chain;
  std::ofstream(tmp + "/tls.key") << pair.private_key;
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  auto started = ServerProcess::OnScratchDatabase(
      {"--grpc-listen=" + address, "--issuer=https://id.example",
       "--tls-cert-file=" + tmp + "/tls.crt",
       "--tls-key-file=" + tmp + "/tls.key"});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pair.cert_chain;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto channel =
      grpc::CreateCustomChannel(address, grpc::SslCredentials(ssl), args);
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(20)))
      << "the server did not start";
  // A plaintext client cannot talk to the TLS port.
  auto plaintext =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  EXPECT_FALSE(plaintext->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(1)));

  v1::TokenRequest request;
  request.set_grant_type("client_credentials");
  request.set_client_id(testing::kAdminId);
  request.set_client_secret(testing::kAdminSecret);
  v1::TokenResponse token;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(v1::TokenService::NewStub(channel)
                    ->Token(&context, request, &token)
                    .ok());
  }
  auto keys = v1::KeyService::NewStub(channel);
  v1::ListKeysResponse listed;
  {
    grpc::ClientContext context;
    EXPECT_EQ(keys->ListKeys(&context, {}, &listed).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token.access_token());
    ASSERT_TRUE(keys->ListKeys(&context, {}, &listed).ok());
    EXPECT_EQ(listed.keys_size(), 2);
  }
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerIntegrationTest, IdctlGetsVerifiesAndIntrospectsTokens) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  auto started = ServerProcess::OnScratchDatabase(
      {"--grpc-listen=" + address, "--issuer=https://id.example"});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(20)));
  const std::string idctl = "client/idctl/idctl";
  const std::string tmp =
      std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";

  CommandResult token =
      RunCommand("IDENTITY_CLIENT_SECRET=admin-secret-for-tests " + idctl +
                 " token --server " + address + " --client-id admin");
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const size_t start = token.output.find("\"access_token\": \"");
  ASSERT_NE(start, std::string::npos) << token.output;
  const size_t begin = start + std::string("\"access_token\": \"").size();
  const std::string access_token =
      token.output.substr(begin, token.output.find('"', begin) - begin);

  CommandResult jwks = RunCommand(idctl + " keys jwks --server " + address +
                                  " > " + tmp + "/server-jwks.json");
  ASSERT_EQ(jwks.exit_code, 0) << jwks.output;
  CommandResult verify =
      RunCommand(idctl + " jwt verify --jwks " + tmp +
                 "/server-jwks.json --iss https://id.example --typ at+jwt " +
                 access_token);
  EXPECT_EQ(verify.exit_code, 0) << verify.output;

  CommandResult introspect = RunCommand(
      "IDENTITY_CLIENT_SECRET=admin-secret-for-tests " + idctl +
      " introspect --server " + address + " --client-id admin " + access_token);
  EXPECT_EQ(introspect.exit_code, 0) << introspect.output;
  EXPECT_NE(introspect.output.find("\"active\": true"), std::string::npos)
      << introspect.output;

  CommandResult refused =
      RunCommand(idctl + " token --server " + address +
                 " --client-id admin --client-secret wrong");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("UNAUTHENTICATED invalid_client"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(server.Stop(), 0);
}

TEST(ServerIntegrationTest, BadConfigurationExitsTwoWithAClearMessage) {
  auto started =
      ServerProcess::OnScratchDatabase({"--issuer=http://id.example"});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  EXPECT_EQ(server.Wait(), 2);
}

}  // namespace
}  // namespace identity::server
