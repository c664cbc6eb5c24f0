// `idctl users ...`: AdminService's users. Each is a verb table handler
// (verb_table.h) behind AUTH (admin_session.h); on a failed call it prints the
// status and returns kExitInvalid. Passwords are never taken from the command
// line and never printed. Not thread-safe.
#ifndef IDENTITY_CLIENT_IDCTL_ADMIN_USERS_H_
#define IDENTITY_CLIENT_IDCTL_ADMIN_USERS_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "client/idctl/command_line.h"
#include "client/idctl/console.h"

namespace identity::idctl {

// Why --password is refused, for the verb table.
inline constexpr absl::string_view kNoPasswordFlag =
    "idctl takes no password on the command line (`ps` shows it): use "
    "--password-stdin or IDENTITY_USER_PASSWORD";

// The flags of the standard claims (admin.proto UserClaims), which
// `users create` and `users update` take: --given-name, --family-name,
// --middle-name, --nickname, --profile, --picture, --website, --gender,
// --birthdate, --zoneinfo, --locale, --phone-number, --phone-number-verified
// and the address's --address-formatted, --address-street,
// --address-locality, --address-region, --address-postal-code,
// --address-country.
std::vector<FlagSpec> UserClaimFlags();

// Registers a user with PASSWORD; prints it.
int UsersCreate(const ParsedArgs& args, Console& console);
// Prints user USER_ID.
int UsersGet(const ParsedArgs& args, Console& console);
// Prints every user, page by page, as one {"users": [...]}.
int UsersList(const ParsedArgs& args, Console& console);
// Reads user USER_ID, then replaces its profile with the given fields changed
// and the others as read; of the claims, sends only those given (an address
// part given sends the whole address as read, with that part changed).
int UsersUpdate(const ParsedArgs& args, Console& console);
// The user can no longer log in; prints it.
int UsersDisable(const ParsedArgs& args, Console& console);
// The user can log in again; prints it.
int UsersEnable(const ParsedArgs& args, Console& console);
// Replaces the password with PASSWORD; prints the user.
int UsersSetPassword(const ParsedArgs& args, Console& console);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_ADMIN_USERS_H_
