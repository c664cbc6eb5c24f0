// The App started in-process on free ports, on the memory store: it serves,
// it stops, and a start that cannot complete says why with the exit status
// main returns.
#include "server/app.h"

#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/http/testing/raw_http.h"

namespace identity::server {
namespace {

class AppTest : public ::testing::Test {
 protected:
  AppTest()
      : logger_(logging::Level::kInfo, jwt::Clock::Real(),
                [this](absl::string_view line) {
                  absl::MutexLock lock(&mu_);
                  lines_.emplace_back(line);
                }) {}

  // The memory store on free loopback ports, plus `extra` flags.
  std::unique_ptr<App> NewApp(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--store=memory", "--issuer=http://localhost",
        "--grpc-listen=127.0.0.1:0", "--http-listen=127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto config = LoadConfig(
        args,
        [](const std::string& name) -> std::optional<std::string> {
          if (name == "IDENTITY_KEK") return std::string(64, 'a');
          return std::nullopt;
        },
        &ReadFile);
    EXPECT_TRUE(config.ok()) << config.status();
    if (!config.ok()) return nullptr;
    return std::make_unique<App>(*std::move(config), jwt::Clock::Real(),
                                 &logger_);
  }

  // The messages logged so far, in order.
  std::vector<std::string> Messages() {
    absl::MutexLock lock(&mu_);
    std::vector<std::string> messages;
    for (const std::string& line : lines_) {
      const size_t start = line.find("\"msg\":\"");
      if (start == std::string::npos) continue;
      const size_t end = line.find('"', start + 7);
      messages.push_back(line.substr(start + 7, end - start - 7));
    }
    return messages;
  }

  grpc::Status GetJwks(int port, v1::GetJwksResponse* response) {
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                       grpc::InsecureChannelCredentials());
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    return v1::KeyService::NewStub(channel)->GetJwks(
        &context, v1::GetJwksRequest(), response);
  }

  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  logging::Logger logger_;
};

TEST_F(AppTest, ServesGrpcAndHttpOnFreePortsUntilDrained) {
  std::unique_ptr<App> app = NewApp();
  ASSERT_NE(app, nullptr);
  std::optional<StartFailure> failure = app->Start();
  ASSERT_FALSE(failure.has_value()) << failure->status;
  EXPECT_GT(app->grpc_port(), 0);
  EXPECT_GT(app->http_port(), 0);

  v1::GetJwksResponse jwks;
  grpc::Status status = GetJwks(app->grpc_port(), &jwks);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The first CURRENT and NEXT keys of each default algorithm (ES256, RS256).
  EXPECT_EQ(jwks.keys_size(), 4);

  app->Drain();
  EXPECT_FALSE(GetJwks(app->grpc_port(), &jwks).ok());
}

TEST_F(AppTest, HttpBindsBeforeGrpcServes) {
  std::unique_ptr<App> app = NewApp();
  ASSERT_NE(app, nullptr);
  ASSERT_FALSE(app->Start().has_value());
  app->Drain();
  const std::vector<std::string> messages = Messages();
  std::vector<std::string> serving;
  for (const std::string& m : messages) {
    if (absl::StartsWith(m, "serving") || absl::StartsWith(m, "store")) {
      serving.push_back(m);
    }
  }
  EXPECT_EQ(serving,
            (std::vector<std::string>{"store: memory (state is lost at exit)",
                                      "serving HTTP", "serving gRPC"}));
}

// The status of GET `path` on `port` (0 when nothing answers).
int HttpStatus(int port, const std::string& path) {
  testing::RawConnection connection(port);
  connection.Send("GET " + path +
                  " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  return testing::StatusOf(connection.ReadResponse());
}

// --drain-delay: from SIGTERM the server says NOT_SERVING (so load balancers
// take it out) but still answers calls until the delay is over; then it stops.
TEST_F(AppTest, ServesOnThroughTheDrainDelayWhileNotServing) {
  std::unique_ptr<App> app = NewApp({"--drain-delay=8s"});
  ASSERT_NE(app, nullptr);
  ASSERT_FALSE(app->Start().has_value());
  ASSERT_EQ(HttpStatus(app->http_port(), "/readyz"), 200);
  std::thread drain([&app] { app->Drain(); });
  // NOT_SERVING as soon as the drain starts: a poll bounded at half the
  // delay, so the call below still falls inside it however slowly the drain
  // thread is scheduled on a busy machine.
  const absl::Time give_up = absl::Now() + absl::Seconds(4);
  int readyz = HttpStatus(app->http_port(), "/readyz");
  while (readyz == 200 && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(10));
    readyz = HttpStatus(app->http_port(), "/readyz");
  }
  EXPECT_EQ(readyz, 503);
  v1::GetJwksResponse jwks;
  grpc::Status during = GetJwks(app->grpc_port(), &jwks);
  EXPECT_TRUE(during.ok()) << during.error_message();
  drain.join();
  EXPECT_FALSE(GetJwks(app->grpc_port(), &jwks).ok());
}

// Issue 13: the public front door named the admin client in /metrics.
TEST_F(AppTest, TheManagementListenerTakesTheOperationalEndpoints) {
  std::unique_ptr<App> app = NewApp({"--management-listen=127.0.0.1:0"});
  ASSERT_NE(app, nullptr);
  std::optional<StartFailure> failure = app->Start();
  ASSERT_FALSE(failure.has_value()) << failure->status;
  ASSERT_GT(app->management_port(), 0);
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    EXPECT_EQ(HttpStatus(app->management_port(), path), 200) << path;
    EXPECT_EQ(HttpStatus(app->http_port(), path), 404) << path;
  }
  // The front door is still the front door; the management port is not.
  EXPECT_EQ(HttpStatus(app->http_port(), "/jwks"), 200);
  EXPECT_EQ(HttpStatus(app->management_port(), "/jwks"), 404);
  app->Drain();
}

// Compatibility: without --management-listen they stay where they were, and
// the start-up says so.
TEST_F(AppTest, WithoutAManagementListenerTheFrontDoorKeepsThem) {
  std::unique_ptr<App> app = NewApp();
  ASSERT_NE(app, nullptr);
  ASSERT_FALSE(app->Start().has_value());
  EXPECT_EQ(app->management_port(), 0);
  for (const char* path : {"/metrics", "/healthz", "/readyz"}) {
    EXPECT_EQ(HttpStatus(app->http_port(), path), 200) << path;
  }
  app->Drain();
  bool warned = false;
  for (const std::string& m : Messages()) {
    warned |= absl::StartsWith(m, "/metrics, /healthz and /readyz are served");
  }
  EXPECT_TRUE(warned);
}

TEST_F(AppTest, AManagementListenerWithoutTheFrontDoorServesAlone) {
  std::unique_ptr<App> app =
      NewApp({"--http-listen=", "--management-listen=127.0.0.1:0"});
  ASSERT_NE(app, nullptr);
  ASSERT_FALSE(app->Start().has_value());
  EXPECT_EQ(app->http_port(), 0);
  EXPECT_EQ(HttpStatus(app->management_port(), "/readyz"), 200);
  app->Drain();
}

TEST_F(AppTest, AnHttpCapAboveItsShareOfTheOpenFileLimitIsRefused) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max / 2 >= 1000000) GTEST_SKIP() << "a huge hard limit";
  std::unique_ptr<App> app = NewApp({"--http-max-connections=1000000"});
  ASSERT_NE(app, nullptr);
  std::optional<StartFailure> failure = app->Start();
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, 2);
  EXPECT_TRUE(absl::StartsWith(failure->status.message(),
                               "--http-max-connections: at most "))
      << failure->status;
}

// The gRPC server's own bounds (server/app_policy.h, GrpcLimits): a request
// message over 64 KiB, or metadata over 8 KiB, is refused before any handler.
TEST_F(AppTest, OversizedGrpcRequestsAreRefused) {
  std::unique_ptr<App> app = NewApp();
  ASSERT_NE(app, nullptr);
  ASSERT_FALSE(app->Start().has_value());
  auto tokens = v1::TokenService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", app->grpc_port()),
                          grpc::InsecureChannelCredentials()));
  auto call = [&](size_t secret_bytes, size_t metadata_bytes) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (metadata_bytes > 0) {
      context.AddMetadata("x-padding", std::string(metadata_bytes, 'm'));
    }
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id("nobody");
    request.set_client_secret(std::string(secret_bytes, 's'));
    v1::TokenResponse response;
    return tokens->Token(&context, request, &response).error_code();
  };
  // Within the bounds: the handler answers (an unknown client).
  EXPECT_EQ(call(1024, 1024), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(call(100 * 1024, 0), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(call(1024, 16 * 1024), grpc::StatusCode::UNAUTHENTICATED);
  app->Drain();
}

TEST_F(AppTest, UnreadableTlsFilesAreAConfigurationError) {
  std::unique_ptr<App> app = NewApp({"--tls-cert-file=/nonexistent/cert.pem",
                                     "--tls-key-file=/nonexistent/key.pem"});
  ASSERT_NE(app, nullptr);
  std::optional<StartFailure> failure = app->Start();
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, 2);
  EXPECT_EQ(failure->status.message(),
            "cannot read the TLS certificate or key");
}

TEST_F(AppTest, ATakenHttpPortStopsTheStartWithExitStatus1) {
  std::unique_ptr<App> first = NewApp();
  ASSERT_NE(first, nullptr);
  ASSERT_FALSE(first->Start().has_value());

  std::unique_ptr<App> second =
      NewApp({absl::StrCat("--http-listen=127.0.0.1:", first->http_port())});
  ASSERT_NE(second, nullptr);
  std::optional<StartFailure> failure = second->Start();
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->exit_code, 1);
  EXPECT_EQ(second->grpc_port(), 0);  // gRPC never started.
  first->Drain();
}

}  // namespace
}  // namespace identity::server
