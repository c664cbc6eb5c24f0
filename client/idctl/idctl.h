// idctl: the command-line tool for identity. main.cc only forwards to RunIdctl
// so tests can drive every command in-process.
#ifndef IDENTITY_CLIENT_IDCTL_IDCTL_H_
#define IDENTITY_CLIENT_IDCTL_IDCTL_H_

#include <iosfwd>
#include <string>
#include <vector>

namespace identity::idctl {

// Exit codes, stable for scripts.
inline constexpr int kExitOk = 0;
inline constexpr int kExitInvalid = 1;  // `jwt verify`: the token is not valid.
inline constexpr int kExitUsage = 2;  // Bad arguments or unusable input files.

// Runs one command. `args` excludes the program name. Reads stdin only for "-"
// arguments.
int RunIdctl(const std::vector<std::string>& args, std::istream& in,
             std::ostream& out, std::ostream& err);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_IDCTL_H_
