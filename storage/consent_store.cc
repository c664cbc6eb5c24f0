#include "storage/consent_store.h"

namespace identity::storage {

bool ConsentRecord::operator==(const ConsentRecord& other) const {
  return user_id == other.user_id && client_id == other.client_id &&
         scopes == other.scopes && granted_at == other.granted_at;
}

}  // namespace identity::storage
