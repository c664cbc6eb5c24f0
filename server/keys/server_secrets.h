// The server's own secrets: the keys of client-secret hashes and of browser
// session cookies. Each is created once per database, stored sealed under
// the KEK (storage SealedSecretRecord) and re-sealed when the KEK rotates
// (kek_rotation.h), so that rotating the KEK changes none of them: client
// secrets stay valid, sessions stay signed (docs/security.md "Key handling").
#ifndef IDENTITY_SERVER_KEYS_SERVER_SECRETS_H_
#define IDENTITY_SERVER_KEYS_SERVER_SECRETS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/keys/key_sealer.h"
#include "server/random_source.h"
#include "storage/signing_key_store.h"

namespace identity::server {

// Names of the sealed secrets in the store.
inline constexpr absl::string_view kClientSecretKeyV1 = "client-secret-hash-v1";
inline constexpr absl::string_view kClientSecretKeyV2 = "client-secret-hash-v2";
inline constexpr absl::string_view kSessionCookieKey = "session-cookie";

// The associated data a sealed secret is bound to.
std::string SecretContext(absl::string_view name);

struct ServerSecrets {
  // Verifies "v1:" client-secret hashes, written before KEK rotation
  // existed: HKDF of the KEK of that time ("identity client-secret hash
  // v1", key_derivation.h), now kept on its own.
  std::string client_secret_key_v1;
  // Hashes new client secrets ("v2:"): 32 random bytes.
  std::string client_secret_key_v2;
  // Signs browser session cookies: 32 random bytes.
  std::string session_key;
};

// Loads the secrets, creating those the store does not hold yet (a replica
// that loses the race to create one loads the winner's). The v1 key is
// derived from the KEK that sealed the signing keys written before KEK
// rotation existed (the version-1 sealed ones), or from the current KEK
// when there are none. Errors: those of the store; those of
// KeySealer::OpenWithRole for a secret that does not open (FailedPrecondition:
// sealed under a KEK not configured).
absl::StatusOr<ServerSecrets> LoadServerSecrets(storage::SigningKeyStore* store,
                                                const KeySealer& sealer,
                                                const RandomSource& random,
                                                absl::Time now);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_SERVER_SECRETS_H_
