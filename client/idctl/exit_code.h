// idctl's exit codes, stable for scripts (docs/idctl.md, "Exit status").
#ifndef IDENTITY_CLIENT_IDCTL_EXIT_CODE_H_
#define IDENTITY_CLIENT_IDCTL_EXIT_CODE_H_

namespace identity::idctl {

inline constexpr int kExitOk = 0;
// `jwt verify`: the token is not valid. Server commands: a gRPC call failed.
inline constexpr int kExitInvalid = 1;
// Bad arguments or unusable input files.
inline constexpr int kExitUsage = 2;

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_EXIT_CODE_H_
