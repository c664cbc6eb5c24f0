// The interceptor against an OpenID provider that is not identity:
// oidc-provider (provider.js, a child process on 127.0.0.1) issuing RFC 9068
// JWT access tokens. A real gRPC server built with Interceptor::Create and
// the OIDC discovery key source (its /.well-known/openid-configuration, then
// its jwks_uri) accepts the provider's token and refuses a tampered one
// before the handler; over plain HTTP and over HTTPS with a test CA.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "annotated.grpc.pb.h"
#include "client/interceptor/interceptor.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/json.h"
#include "tests/support/loopback_server.h"

extern char** environ;

namespace identity::interceptor {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// `node tests/oidc_provider/provider.js ARGS`, its stdin a pipe (closed, and
// the process killed, at destruction).
class ProviderProcess {
 public:
  explicit ProviderProcess(const std::vector<std::string>& args) {
    int pipe_fds[2];
    EXPECT_EQ(pipe(pipe_fds), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    std::vector<std::string> all = {"node", "tests/oidc_provider/provider.js"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(
        posix_spawnp(&pid_, "node", &actions, nullptr, argv.data(), environ),
        0);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[0]);
    stdin_ = pipe_fds[1];
  }
  ~ProviderProcess() {
    close(stdin_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

 private:
  pid_t pid_ = 0;
  int stdin_ = -1;
};

// identity.test.Annotated, counting its handler runs.
// `token` with its claims changed (more scope) and its signature kept.
std::string WithMoreScope(const std::string& token) {
  const size_t first = token.find('.');
  const size_t second = token.find('.', first + 1);
  absl::StatusOr<std::string> payload =
      jwt::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload.ok()) return "";
  absl::StatusOr<jwt::Json> claims = jwt::ParseJsonObject(*payload);
  if (!claims.ok()) return "";
  (*claims)["scope"] = "orders.read orders.write";
  return absl::StrCat(token.substr(0, first + 1),
                      jwt::Base64UrlEncode(jwt::DumpJson(*claims)),
                      token.substr(second));
}

class CountingAnnotated final : public test::Annotated::Service {
 public:
  grpc::Status Read(grpc::ServerContext*, const test::Empty*,
                    test::Empty*) override {
    ++runs;
    return grpc::Status::OK;
  }
  std::atomic<int> runs{0};
};

class OidcProviderInteropTest : public ::testing::TestWithParam<bool> {
 protected:
  // Starts the provider (over HTTPS when the parameter says so) and waits,
  // at most 60 s, for its token file.
  void SetUp() override {
    const std::string base = absl::StrCat(TempDir(), "/", GetParam(), "-");
    out_ = base + "provider.json";
    std::remove(out_.c_str());
    std::vector<std::string> args = {"--out", out_};
    if (GetParam()) {
      cert_ = testing::SelfSignedCert("IP:127.0.0.1");
      std::ofstream(base + "key.pem") << cert_.private_key;
      std::ofstream(base + "cert.pem") << cert_.cert_chain;
      args.insert(args.end(),
                  {"--key", base + "key.pem", "--cert", base + "cert.pem"});
    }
    provider_ = std::make_unique<ProviderProcess>(args);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::ifstream(out_) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::stringstream text;
    text << std::ifstream(out_).rdbuf();
    absl::StatusOr<jwt::Json> json = jwt::ParseJsonObject(text.str());
    ASSERT_TRUE(json.ok()) << "no output from provider.js (is `npm ci` done "
                              "in tests/oidc_provider?): "
                           << json.status();
    issuer_ = (*json)["issuer"].get<std::string>();
    audience_ = (*json)["audience"].get<std::string>();
    token_ = (*json)["token"].get<std::string>();
  }

  InterceptorOptions Options() const {
    OidcDiscoveryKeys keys;
    keys.http.ca_pem = cert_.cert_chain;  // Unused over plain HTTP.
    TrustedIssuer trusted;
    trusted.issuer = issuer_;
    trusted.audiences = {audience_};
    trusted.keys = keys;
    InterceptorOptions options;
    options.issuers = {trusted};
    options.services = {"identity.test.Annotated"};
    return options;
  }

  std::string out_;
  grpc::SslServerCredentialsOptions::PemKeyCertPair cert_;
  std::unique_ptr<ProviderProcess> provider_;
  std::string issuer_;
  std::string audience_;
  std::string token_;
};

TEST_P(OidcProviderInteropTest, AcceptsItsTokensAndRefusesATamperedOne) {
  const std::string scheme = GetParam() ? "https://" : "http://";
  EXPECT_EQ(issuer_.rfind(scheme + "127.0.0.1:", 0), 0u) << issuer_;
  absl::StatusOr<Interceptor> auth = Interceptor::Create(Options());
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->keys(issuer_)->failed_fetches(), 0)
      << auth->keys(issuer_)->last_error();
  CountingAnnotated service;
  test_support::LoopbackServer served =
      test_support::ServeOnLoopback(auth->credentials(), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = test::Annotated::NewStub(served.channel);
  const auto call = [&stub](const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + token);
    test::Empty reply;
    return stub->Read(&context, test::Empty(), &reply);
  };
  const grpc::Status good = call(token_);
  EXPECT_TRUE(good.ok()) << good.error_code() << " " << good.error_message();
  EXPECT_EQ(service.runs, 1);

  // More scope claimed under the provider's signature: it no longer matches.
  const grpc::Status refused = call(WithMoreScope(token_));
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(refused.error_message().find("signature_invalid"),
            std::string::npos)
      << refused.error_message();
  EXPECT_EQ(service.runs, 1) << "a tampered token reached the handler";
  served.server->Shutdown();
}

// The discovery document names the provider's issuer; a configured issuer
// that differs (a trailing "/", the same discovery URL) finds no keys (OIDC
// Discovery §4.3), and calls are refused before the handler.
TEST_P(OidcProviderInteropTest, AnIssuerSpelledDifferentlyGetsNoKeys) {
  InterceptorOptions options = Options();
  options.issuers[0].issuer += "/";
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  const JwksCache* keys = auth->keys(issuer_ + "/");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(keys->failed_fetches(), 1);
  EXPECT_NE(keys->last_error().message().find("\"issuer\" is not exactly"),
            std::string::npos)
      << keys->last_error();
  CountingAnnotated service;
  test_support::LoopbackServer served =
      test_support::ServeOnLoopback(auth->credentials(), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = test::Annotated::NewStub(served.channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  context.AddMetadata("authorization", "Bearer " + token_);
  test::Empty reply;
  EXPECT_FALSE(stub->Read(&context, test::Empty(), &reply).ok());
  EXPECT_EQ(service.runs, 0);
  served.server->Shutdown();
}

INSTANTIATE_TEST_SUITE_P(OverHttpAndHttps, OidcProviderInteropTest,
                         ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Https" : "Http";
                         });

}  // namespace
}  // namespace identity::interceptor
