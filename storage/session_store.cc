#include "storage/session_store.h"

namespace identity::storage {

bool SessionRecord::operator==(const SessionRecord& other) const {
  return sid == other.sid && secret_hash == other.secret_hash &&
         user_id == other.user_id && auth_time == other.auth_time &&
         created_at == other.created_at && expires_at == other.expires_at &&
         ended_at == other.ended_at;
}

}  // namespace identity::storage
