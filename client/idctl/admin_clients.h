// `idctl clients ...`: AdminService's client registry. Each is a verb table
// handler (verb_table.h) behind AUTH (admin_session.h); on a failed call it
// prints the status and returns kExitInvalid. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_CLIENTS_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_CLIENTS_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Registers a client; prints it with its secret (shown only this once).
int ClientsCreate(const ParsedArgs& args, Console& console);
// Prints client ID.
int ClientsGet(const ParsedArgs& args, Console& console);
// Prints every client, page by page, as one {"clients": [...]}.
int ClientsList(const ParsedArgs& args, Console& console);
// Reads client ID, then replaces it with the given fields changed and the
// others as read (a concurrent change in between is overwritten).
int ClientsUpdate(const ParsedArgs& args, Console& console);
// Deletes client ID; prints "deleted ID".
int ClientsDelete(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_CLIENTS_H_
