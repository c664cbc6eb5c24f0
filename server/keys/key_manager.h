// The issuer's signing keys at run time (SPEC "Keys"): which key signs, which
// keys verify, and their rotation NEXT -> CURRENT -> RETIRED -> removed.
// State lives in a SigningKeyStore shared by all replicas; each replica keeps
// an immutable snapshot, refreshed by Refresh() (the server calls it every
// `refresh_interval`, which bounds how stale a replica can be).
#ifndef IDENTITY_SERVER_KEYS_KEY_MANAGER_H_
#define IDENTITY_SERVER_KEYS_KEY_MANAGER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "jwt/clock.h"
#include "jwt/jwks.h"
#include "jwt/jwt_signer.h"
#include "server/keys/kek_rotation.h"
#include "server/keys/key_sealer.h"
#include "storage/signing_key_store.h"

namespace identity::server {

// The algorithms the server may sign with (every asymmetric JWS algorithm), so
// the algorithms its own verifiers (introspection, admin calls) must accept:
// a key keeps its algorithm until it is removed, whatever the configuration
// says now.
const std::vector<jwt::Algorithm>& ServerSigningAlgorithms();

struct KeyManagerOptions {
  // Algorithm of newly generated keys.
  jwt::Algorithm algorithm = jwt::Algorithm::kES256;
  // A CURRENT key signs for this long before rotation makes NEXT current.
  absl::Duration rotation_period = absl::Hours(24);
  // How long a RETIRED key stays published: at least the longest lifetime of
  // a token it signed, plus the verifiers' leeway.
  absl::Duration retired_key_lifetime = absl::Minutes(15);
};

// One consistent view of the keys.
struct KeySnapshot {
  // Signs new access tokens, "typ" at+jwt (the CURRENT key, decrypted).
  std::shared_ptr<const jwt::JwtSigner> signer;
  // The same key for OIDC ID tokens: "typ" JWT.
  std::shared_ptr<const jwt::JwtSigner> id_token_signer;
  // Verifies tokens: NEXT, CURRENT and RETIRED public keys.
  std::shared_ptr<const jwt::Jwks> jwks;
  // Every key's metadata, newest first (private parts cleared).
  std::vector<storage::SigningKeyRecord> keys;
  // When the CURRENT key became current.
  absl::Time current_since;
};

// Thread-safe.
class KeyManager {
 public:
  // Loads the keys, creating the first CURRENT and NEXT keys if the store has
  // none. `store`, `sealer` and `clock` must outlive the manager. Errors:
  // those of the store (Unavailable...), DataLoss when a stored key does not
  // open under the configured KEK, InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<KeyManager>> Create(
      storage::SigningKeyStore* store, const KeySealer* sealer,
      const jwt::Clock* clock, KeyManagerOptions options);

  // The latest snapshot. Never null after Create.
  std::shared_ptr<const KeySnapshot> snapshot() const;

  // Reloads from the store (other replicas' rotations become visible).
  absl::Status Refresh();

  // Rotates when the CURRENT key has signed for `rotation_period`, and
  // removes RETIRED keys past their time. Returns whether this call rotated.
  // A replica that loses a concurrent rotation just reloads.
  absl::StatusOr<bool> Maintain();

  // Reloads, then rotates (KeyService.RotateKeys). Aborted if another replica
  // rotated between the two (the snapshot is reloaded either way).
  absl::Status RotateNow();

  // KEK rotation: re-seals under the current KEK what a previous KEK sealed
  // (SurveySealedValues), and says what is sealed under which KEK. Safe on
  // every replica at once.
  absl::StatusOr<KekCensus> ResealUnderCurrentKek();

 private:
  KeyManager(storage::SigningKeyStore* store, const KeySealer* sealer,
             const jwt::Clock* clock, KeyManagerOptions options)
      : store_(store), sealer_(sealer), clock_(clock), options_(options) {}

  absl::StatusOr<storage::SigningKeyRecord> NewKey(absl::Time now) const;
  absl::Status Rotate(const KeySnapshot& seen);

  storage::SigningKeyStore* const store_;
  const KeySealer* const sealer_;
  const jwt::Clock* const clock_;
  const KeyManagerOptions options_;

  absl::Mutex refresh_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // Serializes Refresh.
  mutable absl::Mutex mu_;
  std::shared_ptr<const KeySnapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_KEY_MANAGER_H_
