// The deadline every call of idctl gets (ServerConnection::NewCall), seen from
// the command line: a server that accepts the connection and never answers
// makes a command fail at its deadline instead of hanging.
#include "client/idctl/server_connection.h"

#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/idctl/idctl.h"
#include "gtest/gtest.h"
#include "tests/support/silent_listener.h"

namespace identity::idctl {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Idctl(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = RunIdctl(args, in, out, err);
  return {code, out.str(), err.str()};
}

// A silent listener (test_support::SilentListener) makes a gRPC client wait
// for the server's HTTP/2 SETTINGS frame. (Without a deadline, gRPC gives up
// on such a connection only after its 20 s connect timeout.)
using test_support::SilentListener;

std::string AddressOf(const SilentListener& listener) {
  return "127.0.0.1:" + std::to_string(listener.port());
}

// Runs idctl against `listener` with --timeout 1; expects the deadline to
// end it: exit 1 with DEADLINE_EXCEEDED, between 1 s and well under gRPC's
// own 20 s.
void ExpectFailsAtTheDeadline(std::vector<std::string> args) {
  args.insert(args.end(), {"--timeout", "1"});
  const absl::Time start = absl::Now();
  Result r = Idctl(args);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(r.code, kExitInvalid) << r.err;
  EXPECT_NE(r.err.find("DEADLINE_EXCEEDED"), std::string::npos) << r.err;
  EXPECT_GE(elapsed, absl::Milliseconds(900));
  EXPECT_LT(elapsed, absl::Seconds(8));
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ServerConnectionTest, KeysJwksFromASilentServerFailsAtTheDeadline) {
  SilentListener listener;
  ASSERT_GT(listener.port(), 0);
  ExpectFailsAtTheDeadline({"keys", "jwks", "--server", AddressOf(listener)});
}

TEST(ServerConnectionTest, TheAdminTokenRequestHasTheDeadlineToo) {
  SilentListener listener;
  ASSERT_GT(listener.port(), 0);
  // --client-id: idctl first asks for a client_credentials token.
  ExpectFailsAtTheDeadline({"clients", "list", "--server", AddressOf(listener),
                            "--client-id", "admin", "--client-secret", "s"});
}

TEST(ServerConnectionTest, EveryPageOfAListHasTheDeadline) {
  SilentListener listener;
  ASSERT_GT(listener.port(), 0);
  ExpectFailsAtTheDeadline(
      {"users", "list", "--server", AddressOf(listener), "--token", "t"});
}

TEST(ServerConnectionTest, TimeoutMustBeWholeSecondsFromOneToAnHour) {
  for (const char* bad : {"0", "-1", "1.5", "abc", "", "3601"}) {
    Result r =
        Idctl({"keys", "jwks", "--server", "127.0.0.1:1", "--timeout", bad});
    EXPECT_EQ(r.code, kExitUsage) << bad;
    EXPECT_NE(r.err.find("--timeout must be a whole number of seconds"),
              std::string::npos)
        << r.err;
  }
}

// The connection of a command line with `flags`.
absl::StatusOr<ServerConnection> Open(const std::vector<std::string>& flags) {
  const CommandSpec spec = {"x", {kServerFlag, kTlsCaFlag, kTimeoutFlag}};
  std::istringstream in;
  std::ostringstream out, err;
  Console console(in, out, err);
  auto parsed = ParseCommandLine(spec, flags);
  if (!parsed.ok()) return parsed.status();
  return ServerConnection::Open(*parsed, console);
}

// The deadline of a call is the timeout from when the call's context is made.
void ExpectDeadlineIsTimeoutFromNow(const ServerConnection& server,
                                    absl::Duration timeout) {
  const auto before = std::chrono::system_clock::now();
  const auto context = server.NewCall();
  const auto after = std::chrono::system_clock::now();
  const auto span = absl::ToChronoMilliseconds(timeout);
  const auto slack = std::chrono::milliseconds(1);  // Clock conversions.
  EXPECT_GE(context->deadline(), before + span - slack);
  EXPECT_LE(context->deadline(), after + span + slack);
}

TEST(ServerConnectionTest, TheDefaultTimeoutIsTenSeconds) {
  auto server = Open({"--server", "127.0.0.1:1"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(server->timeout(), absl::Seconds(10));  // docs/idctl.md.
  ExpectDeadlineIsTimeoutFromNow(*server, absl::Seconds(10));
}

TEST(ServerConnectionTest, EachCallGetsTheTimeoutOfTheFlag) {
  auto server = Open({"--server", "127.0.0.1:1", "--timeout", "42"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ(server->timeout(), absl::Seconds(42));
  ExpectDeadlineIsTimeoutFromNow(*server, absl::Seconds(42));
  ExpectDeadlineIsTimeoutFromNow(*server, absl::Seconds(42));  // Each call.
}

TEST(ServerConnectionTest, AnUnreadableTlsCaIsRefused) {
  auto server = Open({"--server", "127.0.0.1:1", "--tls-ca", "/nonexistent"});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace identity::idctl
