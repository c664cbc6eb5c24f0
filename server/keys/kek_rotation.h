// KEK rotation (docs/operations.md "KEK rotation"): finds what is sealed
// under which KEK, re-seals what a previous KEK sealed under the current
// one, and tells whether a KEK can be retired.
#ifndef IDENTITY_SERVER_KEYS_KEK_ROTATION_H_
#define IDENTITY_SERVER_KEYS_KEK_ROTATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/keys/key_sealer.h"
#include "storage/signing_key_store.h"

namespace identity::server {

// What one pass over the sealed values (every signing key's private key,
// every sealed secret) found, after its re-sealing.
struct KekCensus {
  int under_current = 0;
  // Still sealed under a previous KEK: retiring that KEK now would leave
  // them unreadable.
  int under_previous = 0;
  int under_next = 0;
  // Version-1 values (sealed before KEK rotation existed), among the above.
  int legacy_format = 0;
  // Re-sealed under the current KEK by this pass (counted in under_current).
  int resealed = 0;
  // What opens under no KEK of the ring, each "<what>: <reason>".
  std::vector<std::string> unopenable;
};

// Opens every sealed value; when `reseal`, re-seals those a previous KEK
// sealed under the current one, each by compare-and-set
// (SigningKeyStore::ResealSigningKey/ResealSecret): a value another
// replica changed meanwhile is left as that replica wrote it. Idempotent
// and resumable: a pass cut short leaves each value whole under one KEK or
// the other, and the next pass carries on. Values sealed under a "next" KEK
// are never re-sealed (a replica whose current KEK is still the old one
// does not undo a rotation). Errors: those of the store; a value that does
// not open is reported in `unopenable`, not as an error.
absl::StatusOr<KekCensus> SurveySealedValues(storage::SigningKeyStore* store,
                                             const KeySealer& sealer,
                                             bool reseal);

// FailedPrecondition naming every value that does not open and the KEK ids
// this replica holds, when `census` found any; OK otherwise. The server
// refuses to start on it: a KEK was retired too early, or one is missing.
absl::Status RequireEveryValueOpens(const KekCensus& census,
                                    const KeySealer& sealer);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_KEYS_KEK_ROTATION_H_
