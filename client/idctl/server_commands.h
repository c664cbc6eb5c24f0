// The commands that call identity-server's TokenService, IntrospectionService,
// KeyService and grpc.health.v1.Health. Each is a verb table handler
// (verb_table.h); every call has the connection's deadline
// (server_connection.h). On a failed call they print the status (CallFailed)
// and return kExitInvalid. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_SERVER_COMMANDS_H_
#define IDENTITY_CLIENT_IDCTL_SERVER_COMMANDS_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// token --client-id ID [--scope S]: a client_credentials token as JSON.
int Token(const ParsedArgs& args, Console& console);
// RFC 8693 token exchange: --subject-token (and --actor-token) as TOKEN
// arguments ("-": standard input), access tokens of the server.
int TokenExchange(const ParsedArgs& args, Console& console);
// introspect --client-id ID TOKEN: the RFC 7662 response as JSON.
int Introspect(const ParsedArgs& args, Console& console);
// keys jwks --server ADDR: the server's JWKS (KeyService.GetJwks).
int KeysJwksFromServer(const ParsedArgs& args, Console& console);
// health --server ADDR [--service NAME]: grpc.health.v1 Check; prints
// {"status": NAME} and exits 0 when it is SERVING, 1 otherwise (a container
// health check, needing no shell).
int Health(const ParsedArgs& args, Console& console);
// keys list AUTH: every signing key (KeyService.ListKeys, admin).
int KeysList(const ParsedArgs& args, Console& console);
// keys rotate AUTH: NEXT becomes CURRENT (KeyService.RotateKeys, admin).
int KeysRotate(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_SERVER_COMMANDS_H_
