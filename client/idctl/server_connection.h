// A connection to identity-server for one idctl command, and the one place
// that sets the deadline of every call idctl makes.
#ifndef IDENTITY_CLIENT_IDCTL_SERVER_CONNECTION_H_
#define IDENTITY_CLIENT_IDCTL_SERVER_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// The deadline of every call without --timeout, and the largest --timeout.
inline constexpr absl::Duration kDefaultCallTimeout = absl::Seconds(10);
inline constexpr absl::Duration kMaxCallTimeout = absl::Hours(1);

// The flags every server command takes, for the verb table.
inline constexpr FlagSpec kServerFlag = Required("server", "ADDR");
inline constexpr FlagSpec kTlsCaFlag = Optional("tls-ca", "PEM_FILE");
inline constexpr FlagSpec kTimeoutFlag = Optional("timeout", "SECONDS");

// The channel of one command (plaintext gRPC, or TLS trusting --tls-ca) and
// the deadline each of its calls gets (--timeout). Immutable; its methods are
// thread-safe.
class ServerConnection {
 public:
  // From --server, --tls-ca (a PEM file, or "-") and --timeout (whole
  // seconds, 1 to 3600). InvalidArgument or NotFound with a message for the
  // user when a flag is unusable. The channel connects lazily, on the first
  // call.
  static absl::StatusOr<ServerConnection> Open(const ParsedArgs& args,
                                               Console& console);

  // A fresh context for one call: its deadline is now + the timeout, and,
  // when `bearer_token` is not empty, it carries
  // `authorization: Bearer <bearer_token>` (RFC 6750 §2.1). A call that
  // outlives its deadline fails with DEADLINE_EXCEEDED.
  std::unique_ptr<grpc::ClientContext> NewCall(
      absl::string_view bearer_token = "") const;

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  absl::Duration timeout() const { return timeout_; }

 private:
  ServerConnection(std::shared_ptr<grpc::Channel> channel,
                   absl::Duration timeout)
      : channel_(std::move(channel)), timeout_(timeout) {}

  std::shared_ptr<grpc::Channel> channel_;
  absl::Duration timeout_;
};

// Reports a failed call on stderr as "idctl: CODE[ OAUTH_ERROR]: message"
// (CODE the canonical gRPC code name, OAUTH_ERROR the ErrorInfo reason when
// the status carries one); returns kExitInvalid.
int CallFailed(const grpc::Status& status, Console& console);

// The response on stdout (Console::PrintMessage) when `status` is OK, else
// CallFailed.
int PrintResponse(const grpc::Status& status,
                  const google::protobuf::Message& response, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_SERVER_CONNECTION_H_
