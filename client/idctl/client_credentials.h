// The client_credentials token request, used by `idctl token` and by the
// administration commands to get their admin token.
#ifndef IDENTITY_CLIENT_IDCTL_CLIENT_CREDENTIALS_H_
#define IDENTITY_CLIENT_IDCTL_CLIENT_CREDENTIALS_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/idctl/command_line.h"
#include "client/idctl/server_connection.h"
#include "identity/v1/token.pb.h"

namespace identity::idctl {

inline constexpr FlagSpec kClientSecretFlag =
    Optional("client-secret", "SECRET");

// A client's id and secret, or its private_key_jwt assertion (RFC 7523
// §2.2) instead of the secret.
struct ClientCredentials {
  std::string client_id;
  std::string client_secret;
  std::string client_assertion = {};
};

// `client_id`, and the secret from --client-secret or, without it, from
// IDENTITY_CLIENT_SECRET (which keeps it out of `ps`); empty when neither.
ClientCredentials ClientCredentialsFor(const ParsedArgs& args,
                                       absl::string_view client_id);

// RFC 6749 §4.4: TokenService.Token with grant_type=client_credentials, the
// client authenticating with its id and secret (or assertion), for `scope`
// (empty: the client's default), and for `resources` (RFC 8707; empty: the
// server's default audience). One call, with the connection's deadline;
// `dpop_proof`, when not empty, goes in "dpop" metadata (RFC 9449 §5).
grpc::Status RequestClientCredentialsToken(
    const ServerConnection& server, const ClientCredentials& client,
    absl::string_view scope, identity::v1::TokenResponse* response,
    const std::vector<std::string>& resources = {},
    absl::string_view dpop_proof = "");

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_CLIENT_CREDENTIALS_H_
