// The real identity-server binary, started as a process: configuration,
// bootstrap client, Token and Introspect over gRPC, health, and a clean drain
// on SIGTERM. Runs on the in-memory store here; PostgreSQL runs get their own
// test with the server's remaining RPCs.
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"

extern char** environ;

namespace identity::server {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& args) {
    std::vector<std::string> env = {
        "IDENTITY_KEK=" + std::string(64, 'a'),
        "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=admin",
        "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=admin-secret-for-tests"};
    std::vector<char*> argv = {const_cast<char*>("server/identity-server")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    EXPECT_EQ(
        posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp.data()),
        0);
  }

  // SIGTERM, then the exit status.
  int Stop() {
    kill(pid_, SIGTERM);
    return Wait();
  }

  // The exit status (128 + signal when killed).
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = 0;
};

TEST(ServerIntegrationTest, IssuesIntrospectsAndDrains) {
  const int port = FreePort();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ServerProcess server({"--store=memory", "--grpc-listen=" + address,
                        "--issuer=https://id.example",
                        "--audience=orders-api"});
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

TEST(ServerIntegrationTest, BadConfigurationExitsTwoWithAClearMessage) {
  ServerProcess server({"--store=memory", "--issuer=http://id.example"});
  EXPECT_EQ(server.Wait(), 2);
}

}  // namespace
}  // namespace identity::server
