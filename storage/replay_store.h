// Single use of identifiers across replicas: the ids of JWTs that may be
// presented once (RFC 7523 §3 client assertions' "jti"; later DPoP proofs,
// RFC 9449 §11.1), remembered until the JWT expires. No OAuth rules here:
// callers choose the kind, hash the id and bound what they store.
#ifndef IDENTITY_STORAGE_REPLAY_STORE_H_
#define IDENTITY_STORAGE_REPLAY_STORE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

enum class ReplayClaim {
  kFirstUse,  // Not seen (or seen and expired): recorded now.
  kReplay,    // Already recorded and not expired: refuse the presentation.
};

// Thread-safe. Errors: Unavailable, Internal.
class ReplayStore {
 public:
  virtual ~ReplayStore() = default;

  // Atomically records (`kind`, `id_hash`) as used until `expires_at`:
  // kFirstUse when no entry for it has `expires_at` >= `now` (an expired
  // entry is replaced), else kReplay and nothing changes. Of concurrent
  // claims of one id, across replicas, exactly one gets kFirstUse.
  //
  // `kind` names the namespace ("client_assertion", "dpop"); `id_hash` is a
  // fixed-size hash of the id as the caller scopes it (e.g. issuer and jti),
  // so untrusted ids are never stored as given. Callers store only ids of
  // JWTs whose signature verified and whose lifetime they bounded: the
  // store itself does not limit its size.
  virtual absl::StatusOr<ReplayClaim> ClaimOnce(absl::string_view kind,
                                                absl::string_view id_hash,
                                                absl::Time expires_at,
                                                absl::Time now) = 0;
  // Forgets entries whose expiry is before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredClaims(absl::Time now) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_REPLAY_STORE_H_
