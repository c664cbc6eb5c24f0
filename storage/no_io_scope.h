// Work that must not wait on I/O. gRPC's callback threads read every
// connection; the calls the OAuth core judges answerable from memory run on
// them (server/grpc/call_runner.h) inside a NoIoScope. A store that would
// have to do I/O there (a read cache whose copy is gone or too old, the
// PostgreSQL store) refuses at once with a "would block" status and notes it
// in the scope, so that the caller runs the work again where it may wait.
// The judgement is made before the work starts; this is what makes a wrong
// one (a copy dropped by an administrator's write, or aged out while the
// thread was descheduled) cost a retry instead of a blocked gRPC thread.
#ifndef IDENTITY_STORAGE_NO_IO_SCOPE_H_
#define IDENTITY_STORAGE_NO_IO_SCOPE_H_

#include "absl/status/status.h"

namespace identity::storage {

// Per thread; scopes nest (a refusal is noted in the innermost).
class NoIoScope {
 public:
  NoIoScope();
  ~NoIoScope();
  NoIoScope(const NoIoScope&) = delete;
  NoIoScope& operator=(const NoIoScope&) = delete;

  // Whether I/O was refused to this scope's work.
  bool refused() const { return refused_; }

  // Whether the calling thread is inside a scope.
  static bool Active();
  // For a store about to do I/O inside a scope: notes the refusal and
  // returns the status to give back (Unavailable, "would block"; see
  // IsWouldBlock). Outside a scope: OK.
  static absl::Status Refuse();

 private:
  NoIoScope* const outer_;
  bool refused_ = false;
};

// Whether `status` is a NoIoScope refusal.
bool IsWouldBlock(const absl::Status& status);

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_NO_IO_SCOPE_H_
