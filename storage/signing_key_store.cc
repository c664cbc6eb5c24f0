#include "storage/signing_key_store.h"

namespace identity::storage {

bool SigningKeyRecord::operator==(const SigningKeyRecord& other) const {
  return kid == other.kid && alg == other.alg && state == other.state &&
         public_jwk == other.public_jwk &&
         sealed_private_jwk == other.sealed_private_jwk &&
         created_at == other.created_at && activated_at == other.activated_at &&
         retired_at == other.retired_at && remove_at == other.remove_at;
}

bool SealedSecretRecord::operator==(const SealedSecretRecord& other) const {
  return name == other.name && sealed == other.sealed &&
         created_at == other.created_at;
}

}  // namespace identity::storage
