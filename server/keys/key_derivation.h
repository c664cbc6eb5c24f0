// Purpose-bound subkeys of the key-encryption key, so one configured secret
// can serve several uses without one use's key revealing another's.
#ifndef IDENTITY_SERVER_KEYS_KEY_DERIVATION_H_
#define IDENTITY_SERVER_KEYS_KEY_DERIVATION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace identity::server {

// HKDF-Expand(PRK = `key`, info = `label`, L = 32) with SHA-256 (RFC 5869
// §2.3): the first output block, HMAC-SHA-256(key, label ‖ 0x01). `key` must
// already be uniformly random (the KEK is), so the Extract step is not needed.
std::string DeriveSubkey(absl::string_view key, absl::string_view label);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_KEY_DERIVATION_H_
