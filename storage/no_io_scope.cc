#include "storage/no_io_scope.h"

#include "absl/strings/cord.h"

namespace identity::storage {
namespace {

thread_local NoIoScope* current = nullptr;

constexpr char kWouldBlockPayload[] = "identity.storage/would_block";

}  // namespace

NoIoScope::NoIoScope() : outer_(current) { current = this; }

NoIoScope::~NoIoScope() { current = outer_; }

bool NoIoScope::Active() { return current != nullptr; }

absl::Status NoIoScope::Refuse() {
  if (current == nullptr) return absl::OkStatus();
  current->refused_ = true;
  absl::Status status =
      absl::UnavailableError("would block: I/O on a thread that may not wait");
  status.SetPayload(kWouldBlockPayload, absl::Cord("1"));
  return status;
}

bool IsWouldBlock(const absl::Status& status) {
  return status.GetPayload(kWouldBlockPayload).has_value();
}

}  // namespace identity::storage
