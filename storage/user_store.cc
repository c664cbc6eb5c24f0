#include "storage/user_store.h"

namespace identity::storage {

bool UserRecord::operator==(const UserRecord& other) const {
  return user_id == other.user_id && username == other.username &&
         password_hash == other.password_hash && name == other.name &&
         email == other.email && email_verified == other.email_verified &&
         disabled == other.disabled && created_at == other.created_at &&
         updated_at == other.updated_at;
}

}  // namespace identity::storage
