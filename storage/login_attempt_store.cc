#include "storage/login_attempt_store.h"

namespace identity::storage {

bool LoginAttempts::operator==(const LoginAttempts& other) const {
  return failures == other.failures && lockouts == other.lockouts &&
         window_start == other.window_start &&
         last_failure == other.last_failure &&
         locked_until == other.locked_until && expires_at == other.expires_at;
}

}  // namespace identity::storage
