// Persistence of the issuer's signing keys and their lifecycle (SPEC "Keys"):
// NEXT (published, not signing) -> CURRENT (signing) -> RETIRED (published
// until the tokens it signed expire) -> removed.
#ifndef IDENTITY_STORAGE_SIGNING_KEY_STORE_H_
#define IDENTITY_STORAGE_SIGNING_KEY_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

enum class KeyState { kNext, kCurrent, kRetired };

struct SigningKeyRecord {
  std::string kid;
  std::string alg;  // "ES256", ...
  KeyState state = KeyState::kNext;
  // The public JWK as JSON text.
  std::string public_jwk;
  // The private JWK sealed under the KEK (server/keys/key_sealer.h), never in
  // clear.
  std::string sealed_private_jwk;
  absl::Time created_at;
  std::optional<absl::Time> activated_at;  // Set when it became CURRENT.
  std::optional<absl::Time> retired_at;    // Set when it became RETIRED.
  std::optional<absl::Time> remove_at;     // Set with retired_at.

  bool operator==(const SigningKeyRecord& other) const;
};

// A secret of the server's own (a hashing key, a cookie key), sealed under
// the KEK (server/keys/server_secrets.h). Created once, never changed but
// for re-sealing under another KEK.
struct SealedSecretRecord {
  std::string name;
  std::string sealed;  // Never in clear.
  absl::Time created_at;

  bool operator==(const SealedSecretRecord& other) const;
};

// Thread-safe. Replicas share one store; every transition is conditional, so
// of two replicas rotating at once exactly one succeeds (the other gets
// Aborted and reloads). Errors: Unavailable, Internal, and those named below.
class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;

  // Every key not yet removed, newest first.
  virtual absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() = 0;

  // First start of an algorithm: stores `current` (state CURRENT) and `next`
  // (state NEXT), both of the algorithm `current.alg`, if the store holds no
  // CURRENT key of that algorithm (each algorithm has at most one CURRENT and
  // one NEXT key). Aborted if another replica initialized it first;
  // InvalidArgument when the two algorithms differ.
  virtual absl::Status InitializeSigningKeys(const SigningKeyRecord& current,
                                             const SigningKeyRecord& next) = 0;

  // In one step, for one algorithm: the CURRENT key `current_kid` becomes
  // RETIRED (retired_at = `now`, remove_at = `remove_at`), the NEXT key
  // `next_kid` becomes CURRENT (activated_at = `now`), and `new_next` is stored
  // as NEXT. Aborted when `current_kid`/`next_kid` are no longer CURRENT/NEXT
  // (another replica rotated first); nothing changes then.
  virtual absl::Status RotateSigningKeys(absl::string_view current_kid,
                                         absl::string_view next_kid,
                                         const SigningKeyRecord& new_next,
                                         absl::Time now,
                                         absl::Time remove_at) = 0;

  // An algorithm leaves the configuration: the CURRENT or NEXT key `kid`
  // becomes RETIRED (retired_at = `now`, remove_at = `remove_at`), so it
  // stops signing but still verifies what it signed until removed. Aborted
  // when `kid` is no longer CURRENT or NEXT (another replica retired or
  // rotated it, or it is gone); nothing changes then.
  virtual absl::Status RetireSigningKey(absl::string_view kid, absl::Time now,
                                        absl::Time remove_at) = 0;

  // Removes RETIRED keys whose remove_at is before `now`; returns how many.
  virtual absl::StatusOr<int64_t> RemoveExpiredSigningKeys(absl::Time now) = 0;

  // KEK rotation: key `kid`'s sealed private key becomes `resealed` if it is
  // still `expected` (compare-and-set, so replicas re-sealing at once do not
  // undo each other). Aborted when it changed meanwhile (nothing changes),
  // NotFound when no such key remains.
  virtual absl::Status ResealSigningKey(absl::string_view kid,
                                        absl::string_view expected,
                                        absl::string_view resealed) = 0;

  // Every sealed secret, by name.
  virtual absl::StatusOr<std::vector<SealedSecretRecord>>
  ListSealedSecrets() = 0;

  // AlreadyExists when a secret of that name exists (another replica
  // created it first).
  virtual absl::Status CreateSealedSecret(const SealedSecretRecord& secret) = 0;

  // As ResealSigningKey, for the secret `name`.
  virtual absl::Status ResealSecret(absl::string_view name,
                                    absl::string_view expected,
                                    absl::string_view resealed) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_SIGNING_KEY_STORE_H_
