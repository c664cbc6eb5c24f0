// The issuer's signing keys at run time (SPEC "Keys"): which keys sign, which
// keys verify, and their rotation NEXT -> CURRENT -> RETIRED -> removed. Each
// configured algorithm has its own CURRENT and NEXT key and its own rotation
// (OIDC Core §15.1: RS256 for ID tokens beside, say, ES256 access tokens).
// State lives in a SigningKeyStore shared by all replicas; each replica keeps
// an immutable snapshot, refreshed by Refresh() (the server calls it every
// `refresh_interval`, which bounds how stale a replica can be).
#ifndef IDENTITY_SERVER_KEYS_KEY_MANAGER_H_
#define IDENTITY_SERVER_KEYS_KEY_MANAGER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "jwt/clock.h"
#include "jwt/json.h"
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

// The algorithm of ID tokens for clients that ask for none (OIDC Core §15.1
// and Dynamic Client Registration §2: RS256) when `algorithms` has it, else
// the first of `algorithms` (which must not be empty).
jwt::Algorithm DefaultIdTokenAlgorithm(
    const std::vector<jwt::Algorithm>& algorithms);

// The "alg" names of `algorithms`, in order.
std::vector<std::string> AlgorithmNames(
    const std::vector<jwt::Algorithm>& algorithms);

struct KeyManagerOptions {
  // The algorithms that sign, each with its own keys: the first signs access
  // tokens. Not empty, no duplicates, no HMAC. Keys of an algorithm left out
  // stop signing and are retired by Maintain (they verify until removed).
  std::vector<jwt::Algorithm> algorithms = {jwt::Algorithm::kES256};
  // A CURRENT key signs for this long before rotation makes NEXT current.
  absl::Duration rotation_period = absl::Hours(24);
  // How long a RETIRED key stays published: at least the longest lifetime of
  // a token it signed, plus the verifiers' leeway.
  absl::Duration retired_key_lifetime = absl::Minutes(15);
};

// The CURRENT key of one configured algorithm, decrypted.
struct AlgorithmSigners {
  jwt::Algorithm algorithm;
  // For access tokens: "typ" at+jwt.
  std::shared_ptr<const jwt::JwtSigner> access_token_signer;
  // The same key for OIDC ID tokens: "typ" JWT.
  std::shared_ptr<const jwt::JwtSigner> id_token_signer;
  // When the key became CURRENT.
  absl::Time current_since;
};

// One consistent view of the keys.
struct KeySnapshot {
  // Signs new access tokens, "typ" at+jwt: the first configured algorithm's
  // CURRENT key.
  std::shared_ptr<const jwt::JwtSigner> signer;
  // Signs ID tokens of clients that ask for no algorithm:
  // DefaultIdTokenAlgorithm's CURRENT key, "typ" JWT.
  std::shared_ptr<const jwt::JwtSigner> id_token_signer;
  // One per configured algorithm, in the configured order.
  std::vector<AlgorithmSigners> signing;
  // Verifies tokens: NEXT, CURRENT and RETIRED public keys of every
  // algorithm, configured or not (until removed).
  std::shared_ptr<const jwt::Jwks> jwks;
  // `jwks` published: the public JWK Set (RFC 7517 §5), built once per
  // snapshot rather than per GetJwks or /jwks call (bench/count_per_call.sh
  // counted ~170,000 instructions per call rebuilding it), and its text.
  jwt::Json public_jwks;
  std::string public_jwks_json;
  // Every key's metadata, newest first (private parts cleared).
  std::vector<storage::SigningKeyRecord> keys;
  // When the oldest of the configured algorithms' CURRENT keys became
  // current (what a key-age alert watches).
  absl::Time current_since;

  // The signer of ID tokens in `alg`; null when `alg` is not configured.
  std::shared_ptr<const jwt::JwtSigner> IdTokenSigner(jwt::Algorithm alg) const;
  // The configured algorithms, in order: each has a CURRENT key in `jwks`.
  std::vector<jwt::Algorithm> SigningAlgorithms() const;
};

// Thread-safe.
class KeyManager {
 public:
  // Loads the keys, creating the first CURRENT and NEXT keys of each
  // configured algorithm the store has none of. `store`, `sealer` and `clock`
  // must outlive the manager. Errors: those of the store (Unavailable...),
  // DataLoss when a stored key does not open under the configured KEK,
  // InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<KeyManager>> Create(
      storage::SigningKeyStore* store, const KeySealer* sealer,
      const jwt::Clock* clock, KeyManagerOptions options);

  // The latest snapshot. Never null after Create.
  std::shared_ptr<const KeySnapshot> snapshot() const;

  // Reloads from the store (other replicas' rotations become visible).
  absl::Status Refresh();

  // From the store's state: removes RETIRED keys past their time, retires the
  // CURRENT and NEXT keys of algorithms no longer configured, creates keys
  // for configured algorithms that have none, and rotates each algorithm
  // whose CURRENT key has signed for `rotation_period`; then reloads.
  // Returns whether this call rotated an algorithm. A replica that loses a
  // concurrent change to another just reloads.
  absl::StatusOr<bool> Maintain();

  // Reloads, then rotates `algorithm`, or every configured algorithm when
  // nullopt (KeyService.RotateKeys). InvalidArgument for an algorithm not
  // configured; Aborted if another replica rotated between the two (the
  // snapshot is reloaded either way).
  absl::Status RotateNow(
      std::optional<jwt::Algorithm> algorithm = std::nullopt);

  const KeyManagerOptions& options() const { return options_; }

  // KEK rotation: re-seals under the current KEK what a previous KEK sealed
  // (SurveySealedValues), and says what is sealed under which KEK. Safe on
  // every replica at once.
  absl::StatusOr<KekCensus> ResealUnderCurrentKek();

 private:
  KeyManager(storage::SigningKeyStore* store, const KeySealer* sealer,
             const jwt::Clock* clock, KeyManagerOptions options)
      : store_(store), sealer_(sealer), clock_(clock), options_(options) {}

  bool Configured(absl::string_view alg) const;
  absl::StatusOr<storage::SigningKeyRecord> NewKey(jwt::Algorithm alg,
                                                   absl::Time now) const;
  absl::Status InitializeMissing(
      const std::vector<storage::SigningKeyRecord>& keys);
  absl::Status RetireUnconfigured(
      const std::vector<storage::SigningKeyRecord>& keys);
  // Rotates `alg` from the view `keys`, if `due_only` only when its period
  // has passed; false when it did not.
  absl::StatusOr<bool> Rotate(
      const std::vector<storage::SigningKeyRecord>& keys, jwt::Algorithm alg,
      bool due_only);
  absl::Status AddSigners(const storage::SigningKeyRecord& key,
                          KeySnapshot& snapshot) const;

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
