// The connection and admin token of an administration command (AUTH in
// `idctl help`).
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_SESSION_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"
#include "client/idctl/server_connection.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {

// The AUTH flags, for the verb table.
inline constexpr FlagSpec kTokenFlag = Optional("token", "TOKEN");
inline constexpr FlagSpec kAdminClientIdFlag = Optional("client-id", "ID");

// The scope of AdminService and of KeyService's admin methods (docs/api.md).
inline constexpr char kAdminScope[] = "identity.admin";

// Immutable once opened; NewCall is thread-safe.
struct AdminSession {
  ServerConnection server;
  std::string token;  // Never empty.

  // A call's context: the deadline and `authorization: Bearer <token>`.
  std::unique_ptr<grpc::ClientContext> NewCall() const {
    return server.NewCall(token);
  }
};

// Connects, then finds the admin token, the first of: --token; a
// client_credentials token for kAdminScope when --client-id is given (its
// secret from --client-secret or IDENTITY_CLIENT_SECRET);
// IDENTITY_ACCESS_TOKEN. Otherwise reports why on `console` and returns the
// exit status: kExitUsage for unusable flags or no token, kExitInvalid when the
// token call fails.
std::variant<AdminSession, int> OpenAdminSession(const ParsedArgs& args,
                                                 Console& console);

// Opens the session, makes `call` with an AdminService stub (one or more
// calls, each with admin.NewCall()) and prints the response it fills, or the
// failure. Returns the exit status.
template <typename Response>
int CallAdminService(
    const ParsedArgs& args, Console& console,
    const std::function<grpc::Status(identity::v1::AdminService::Stub& stub,
                                     const AdminSession& admin,
                                     Response* response)>& call) {
  auto session = OpenAdminSession(args, console);
  if (const int* exit = std::get_if<int>(&session)) return *exit;
  const AdminSession& admin = std::get<AdminSession>(session);
  auto stub = identity::v1::AdminService::NewStub(admin.server.channel());
  Response response;
  const grpc::Status status = call(*stub, admin, &response);
  return PrintResponse(status, response, console);
}

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_SESSION_H_
