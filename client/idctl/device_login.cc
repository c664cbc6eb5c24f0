#include "client/idctl/device_login.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "client/idctl/client_credentials.h"
#include "client/idctl/exit_code.h"
#include "client/idctl/server_connection.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "identity/v1/token.grpc.pb.h"

namespace identity::idctl {
namespace {

constexpr char kDeviceCodeGrantType[] =
    "urn:ietf:params:oauth:grant-type:device_code";
// RFC 8628 §3.5: what slow_down adds when the server says no more.
constexpr absl::Duration kSlowDownStep = absl::Seconds(5);
// The longest wait idctl accepts, whatever the server asks.
constexpr absl::Duration kMaxInterval = absl::Minutes(1);

// The ErrorInfo of a failed call.
google::rpc::ErrorInfo InfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (details.ParseFromString(status.error_details()) &&
      details.details_size() > 0) {
    (void)details.details(0).UnpackTo(&info);
  }
  return info;
}

}  // namespace

grpc::Status PollForDeviceToken(const DevicePolling& polling,
                                absl::Duration interval, absl::Time deadline,
                                identity::v1::TokenResponse* response,
                                int* polls) {
  interval = std::clamp(interval, absl::Seconds(1), kMaxInterval);
  while (true) {
    if (polling.now() + interval >= deadline) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "the user did not answer in time");
    }
    polling.sleep(interval);
    if (polls != nullptr) ++*polls;
    const grpc::Status status = polling.poll(response);
    if (status.ok()) return status;
    const google::rpc::ErrorInfo info = InfoOf(status);
    if (info.reason() == "authorization_pending") continue;
    if (info.reason() != "slow_down") return status;
    int64_t seconds = 0;
    auto it = info.metadata().find("interval");
    if (it != info.metadata().end() && absl::SimpleAtoi(it->second, &seconds) &&
        seconds > 0) {
      interval = std::min(absl::Seconds(seconds), kMaxInterval);
    } else {
      interval = std::min(interval + kSlowDownStep, kMaxInterval);
    }
  }
}

int Login(const ParsedArgs& args, Console& console) {
  if (!args.Has("device")) {
    return console.Usage(
        "login needs --device (RFC 8628, the one way it logs in)");
  }
  absl::Duration timeout = absl::Minutes(15);
  if (auto text = args.Get("timeout")) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(*text, &seconds) || seconds < 1) {
      return console.Usage("--timeout must be a whole number of seconds >= 1");
    }
    timeout = absl::Seconds(seconds);
  }
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  const ClientCredentials client =
      ClientCredentialsFor(args, *args.Get("client-id"));
  auto stub = v1::TokenService::NewStub(server->channel());
  v1::DeviceAuthorizationRequest start;
  start.set_client_id(client.client_id);
  start.set_client_secret(client.client_secret);
  start.set_scope(args.Get("scope").value_or(""));
  v1::DeviceAuthorizationResponse codes;
  const grpc::Status started =
      stub->DeviceAuthorization(server->NewCall().get(), start, &codes);
  if (!started.ok()) return CallFailed(started, console);
  console.err() << "To sign in, open " << codes.verification_uri()
                << " and enter the code " << codes.user_code() << "\n"
                << "(or open " << codes.verification_uri_complete() << ")\n"
                << "Waiting up to "
                << std::min<int64_t>(codes.expires_in(),
                                     absl::ToInt64Seconds(timeout))
                << " seconds for your answer...\n";
  console.err().flush();
  DevicePolling polling;
  polling.poll = [&](v1::TokenResponse* response) {
    v1::TokenRequest request;
    request.set_grant_type(kDeviceCodeGrantType);
    request.set_client_id(client.client_id);
    request.set_client_secret(client.client_secret);
    request.set_device_code(codes.device_code());
    return stub->Token(server->NewCall().get(), request, response);
  };
  polling.now = [] { return absl::Now(); };
  polling.sleep = [](absl::Duration d) { absl::SleepFor(d); };
  const absl::Time deadline =
      absl::Now() + std::min(absl::Seconds(codes.expires_in()), timeout);
  v1::TokenResponse response;
  const grpc::Status status = PollForDeviceToken(
      polling, absl::Seconds(codes.interval()), deadline, &response);
  if (!status.ok()) return CallFailed(status, console);
  jwt::Json tokens = {{"access_token", response.access_token()},
                      {"token_type", response.token_type()},
                      {"expires_in", response.expires_in()},
                      {"scope", response.scope()}};
  if (!response.id_token().empty()) tokens["id_token"] = response.id_token();
  if (!response.refresh_token().empty()) {
    tokens["refresh_token"] = response.refresh_token();
  }
  console.PrintJson(tokens);
  return kExitOk;
}

}  // namespace identity::idctl
