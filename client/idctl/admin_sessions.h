// `idctl sessions ...`: AdminService's browser login sessions. Each is a verb
// table handler (verb_table.h) behind AUTH (admin_session.h); on a failed call
// it prints the status and returns kExitInvalid. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_SESSIONS_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_SESSIONS_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Prints the live sessions of user USER_ID as {"sessions": [...]}.
int SessionsList(const ParsedArgs& args, Console& console);
// Ends session --sid SID (prints it) or every session of --user USER_ID
// (prints {"ended": N}); exactly one of the two.
int SessionsEnd(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_SESSIONS_H_
