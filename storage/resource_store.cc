#include "storage/resource_store.h"

namespace identity::storage {

bool ResourceRecord::operator==(const ResourceRecord& other) const {
  return resource == other.resource && name == other.name &&
         scopes == other.scopes && created_at == other.created_at &&
         updated_at == other.updated_at;
}

}  // namespace identity::storage
