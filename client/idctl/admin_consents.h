// `idctl consents ...`: AdminService's consents of users to third-party
// clients. Each is a verb table handler (verb_table.h) behind AUTH
// (admin_session.h); on a failed call it prints the status and returns
// kExitInvalid. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_CONSENTS_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_CONSENTS_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Prints the consents of --user USER_ID as {"consents": [...]}.
int ConsentsList(const ParsedArgs& args, Console& console);
// Withdraws the consent of --user USER_ID to --client CLIENT_ID (the
// client's refresh tokens for the user stop working); prints {}.
int ConsentsRevoke(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_CONSENTS_H_
