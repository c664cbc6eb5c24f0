// idctl login --device: the OAuth 2.0 Device Authorization Grant (RFC 8628)
// from the command line, the way command-line tools log their users in. The
// tool asks TokenService.DeviceAuthorization for codes, tells the user (on
// stderr) where to go and which code to type, and polls TokenService.Token
// with the device code: no sooner than the interval, 5 s slower after each
// slow_down (RFC 8628 §3.5), until the user approved (the token response is
// printed as JSON on stdout, like `idctl token`), denied, or the codes
// expired; never longer than the codes' lifetime nor --timeout. Not
// thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_DEVICE_LOGIN_H_
#define IDENTITY_CLIENT_IDCTL_DEVICE_LOGIN_H_

#include <grpcpp/grpcpp.h>

#include <functional>

#include "absl/time/time.h"
#include "client/idctl/command_line.h"
#include "client/idctl/console.h"
#include "identity/v1/token.pb.h"

namespace identity::idctl {

// What the polling loop needs from outside, so tests drive it.
struct DevicePolling {
  // One Token call with the device code.
  std::function<grpc::Status(identity::v1::TokenResponse*)> poll;
  std::function<absl::Time()> now;
  std::function<void(absl::Duration)> sleep;
};

// Polls (after one `interval` first) until a call answers neither
// authorization_pending nor slow_down, and returns that answer. slow_down
// makes the interval its ErrorInfo.metadata["interval"], or the interval plus
// 5 s without one. A poll that would start at or after `deadline` is not
// made: DEADLINE_EXCEEDED then. `polls` counts the calls made (may be null).
grpc::Status PollForDeviceToken(const DevicePolling& polling,
                                absl::Duration interval, absl::Time deadline,
                                identity::v1::TokenResponse* response,
                                int* polls = nullptr);

// login --device --client-id ID [--client-secret ...] [--scope S]
// [--timeout SECONDS]: exit 0 with the tokens; 1 when denied, expired,
// timed out or refused.
int Login(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_DEVICE_LOGIN_H_
