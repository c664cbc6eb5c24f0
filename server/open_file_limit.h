// The process's limit on open file descriptors (RLIMIT_NOFILE). Linux starts
// services with a soft limit of 1024 (systemd, most containers) below a much
// higher hard limit; every connection holds a descriptor, and gRPC 1.51 stops
// accepting for good once it runs out (docs/http.md, "Bounds"). The server
// raises the soft limit to the hard one at start, as Go and the JVM do: it
// uses epoll, never select(), so descriptors above 1023 are safe.
#ifndef IDENTITY_SERVER_OPEN_FILE_LIMIT_H_
#define IDENTITY_SERVER_OPEN_FILE_LIMIT_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace identity::server {

struct OpenFileLimit {
  uint64_t soft_before = 0;  // The soft limit found.
  uint64_t soft = 0;         // The soft limit now.
  uint64_t hard = 0;
};

// Raises the soft limit to the hard limit. Errors: Internal, with errno's
// text, when getrlimit or setrlimit fails (the limit is then unchanged).
// Changes the whole process: call once, before threads open descriptors.
absl::StatusOr<OpenFileLimit> RaiseOpenFileLimit();

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OPEN_FILE_LIMIT_H_
