// `idctl resources ...`: AdminService's resources (RFC 8707: the protected
// APIs tokens can be restricted to). Each is a verb table handler
// (verb_table.h) behind AUTH (admin_session.h); on a failed call it prints
// the status and returns kExitInvalid. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_RESOURCES_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_RESOURCES_H_

#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Registers RESOURCE (--name, --scope S repeated); prints it.
int ResourcesCreate(const ParsedArgs& args, Console& console);
// Prints RESOURCE.
int ResourcesGet(const ParsedArgs& args, Console& console);
// Prints every resource, page by page, as {"resources": [...]}.
int ResourcesList(const ParsedArgs& args, Console& console);
// Changes what is given of RESOURCE (--name, --scope replacing the list),
// reading it first; prints it.
int ResourcesUpdate(const ParsedArgs& args, Console& console);
// Deletes RESOURCE; prints {}.
int ResourcesDelete(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_RESOURCES_H_
