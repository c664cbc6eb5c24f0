#include "client/idctl/admin_sessions.h"

#include "client/idctl/admin_session.h"
#include "identity/v1/admin.grpc.pb.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;

}  // namespace

int SessionsList(const ParsedArgs& args, Console& console) {
  v1::ListSessionsRequest request;
  request.set_user_id(args.positional()[0]);
  return CallAdminService<v1::ListSessionsResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.ListSessions(admin.NewCall().get(), request, response);
      });
}

int SessionsEnd(const ParsedArgs& args, Console& console) {
  if (args.Has("sid") == args.Has("user")) {
    return console.Usage("sessions end: give --sid SID or --user USER_ID");
  }
  if (args.Has("sid")) {
    v1::EndSessionRequest request;
    request.set_sid(*args.Get("sid"));
    return CallAdminService<v1::EndSessionResponse>(
        args, console, [&](auto& stub, const auto& admin, auto* response) {
          return stub.EndSession(admin.NewCall().get(), request, response);
        });
  }
  v1::EndUserSessionsRequest request;
  request.set_user_id(*args.Get("user"));
  return CallAdminService<v1::EndUserSessionsResponse>(
      args, console, [&](auto& stub, const auto& admin, auto* response) {
        return stub.EndUserSessions(admin.NewCall().get(), request, response);
      });
}

}  // namespace identity::idctl
