#include "client/idctl/server_connection.h"

#include <chrono>
#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "client/idctl/exit_code.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace identity::idctl {
namespace {

absl::StatusOr<absl::Duration> CallTimeout(const ParsedArgs& args) {
  auto text = args.Get(kTimeoutFlag.name);
  if (!text.has_value()) return kDefaultCallTimeout;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(*text, &seconds) || seconds < 1 ||
      absl::Seconds(seconds) > kMaxCallTimeout) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout must be a whole number of seconds from 1 to ",
                     absl::ToInt64Seconds(kMaxCallTimeout)));
  }
  return absl::Seconds(seconds);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ParsedArgs& args, Console& console) {
  auto tls_ca = args.Get(kTlsCaFlag.name);
  if (!tls_ca.has_value()) return grpc::InsecureChannelCredentials();
  auto pem = console.ReadInput(*tls_ca);
  if (!pem.ok()) return pem.status();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = *std::move(pem);
  return grpc::SslCredentials(ssl);
}

// The canonical name of a gRPC status code (absl shares the numbering).
std::string StatusCodeName(grpc::StatusCode code) {
  std::string name = absl::StatusCodeToString(
      static_cast<absl::StatusCode>(static_cast<int>(code)));
  if (name.empty()) return absl::StrCat("CODE_", static_cast<int>(code));
  return name;  // "INVALID_ARGUMENT", ...
}

}  // namespace

absl::StatusOr<ServerConnection> ServerConnection::Open(const ParsedArgs& args,
                                                        Console& console) {
  auto server = args.Get(kServerFlag.name);
  if (!server.has_value()) {
    return absl::InvalidArgumentError("--server is missing");
  }
  auto timeout = CallTimeout(args);
  if (!timeout.ok()) return timeout.status();
  auto credentials = Credentials(args, console);
  if (!credentials.ok()) return credentials.status();
  return ServerConnection(grpc::CreateChannel(*server, *credentials), *timeout);
}

std::unique_ptr<grpc::ClientContext> ServerConnection::NewCall(
    absl::string_view bearer_token) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(timeout_));
  if (!bearer_token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", bearer_token));
  }
  return context;
}

int CallFailed(const grpc::Status& status, Console& console) {
  std::string reason;
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (details.ParseFromString(status.error_details()) &&
      details.details_size() > 0 && details.details(0).UnpackTo(&info)) {
    reason = info.reason();
  }
  console.err() << "idctl: " << StatusCodeName(status.error_code())
                << (reason.empty() ? "" : " " + reason) << ": "
                << status.error_message() << "\n";
  return kExitInvalid;
}

int PrintResponse(const grpc::Status& status,
                  const google::protobuf::Message& response, Console& console) {
  return status.ok() ? console.PrintMessage(response)
                     : CallFailed(status, console);
}

}  // namespace identity::idctl
