// idctl: the command-line tool for identity. main.cc only forwards to RunIdctl
// so tests can drive every command in-process. The verbs, their flags and
// their handlers are in verb_table.h.
#ifndef IDENTITY_CLIENT_IDCTL_IDCTL_H_
#define IDENTITY_CLIENT_IDCTL_IDCTL_H_

#include <iosfwd>
#include <string>
#include <vector>

#include "client/idctl/exit_code.h"

namespace identity::idctl {

// Runs one command. `args` excludes the program name. Reads stdin only for "-"
// arguments and --password-stdin. Returns kExitOk, kExitInvalid or kExitUsage.
// Runs may be concurrent if their streams differ; they share only the
// environment, which they read.
int RunIdctl(const std::vector<std::string>& args, std::istream& in,
             std::ostream& out, std::ostream& err);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_IDCTL_H_
