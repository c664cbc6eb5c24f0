#include "client/idctl/admin_session.h"

#include <cstdlib>
#include <utility>

#include "client/idctl/client_credentials.h"
#include "identity/v1/token.pb.h"

namespace identity::idctl {

std::variant<AdminSession, int> OpenAdminSession(const ParsedArgs& args,
                                                 Console& console) {
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  AdminSession session{*std::move(server), ""};
  if (auto token = args.Get(kTokenFlag.name)) {
    session.token = *token;
  } else if (auto client_id = args.Get(kAdminClientIdFlag.name)) {
    identity::v1::TokenResponse response;
    const grpc::Status status = RequestClientCredentialsToken(
        session.server, ClientCredentialsFor(args, *client_id), kAdminScope,
        &response);
    if (!status.ok()) return CallFailed(status, console);
    session.token = response.access_token();
  } else if (const char* env = std::getenv("IDENTITY_ACCESS_TOKEN")) {
    session.token = env;
  }
  if (session.token.empty()) {
    return console.Usage(
        "an administration command needs an admin token: --token, "
        "IDENTITY_ACCESS_TOKEN, or --client-id with the client's secret");
  }
  return session;
}

}  // namespace identity::idctl
