// DPoP proofs at this server (RFC 9449): the proof checks of jwt/dpop_proof.h,
// refused as invalid_dpop_proof, then the proof's single use across replicas
// (RFC 9449 §11.1) through the ReplayStore. What the token endpoint calls
// before it binds a token to the proof's key ("cnf": {"jkt": ...}, §6.1).
#ifndef IDENTITY_SERVER_OAUTH_DPOP_PROOF_CHECK_H_
#define IDENTITY_SERVER_OAUTH_DPOP_PROOF_CHECK_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/dpop_proof.h"
#include "storage/replay_store.h"

namespace identity::server {

// The ReplayStore kind of DPoP proof ids.
inline constexpr char kDpopReplayKind[] = "dpop";

// Immutable and thread-safe. `replays` must outlive it.
class DpopProofCheck {
 public:
  // Errors: InvalidArgument for options jwt::DpopProofVerifier refuses or a
  // null store.
  static absl::StatusOr<DpopProofCheck> Create(jwt::DpopProofOptions options,
                                               storage::ReplayStore* replays);

  // Verifies `proof` for `request` (jwt::DpopProofVerifier::Verify), then
  // ClaimOnce. Errors: those of both.
  absl::StatusOr<jwt::DpopProof> Check(absl::string_view proof,
                                       const jwt::DpopRequest& request) const;

  // The stateless half: jwt::DpopProofVerifier::Verify, a refusal as
  // kInvalidDpopProof (oauth_error.h) with the jwt::Reason name in the
  // message. Nothing is stored, so a caller may verify before it
  // authenticates the client and claim after (an unauthenticated caller
  // then never writes to the store).
  absl::StatusOr<jwt::DpopProof> Verify(absl::string_view proof,
                                        const jwt::DpopRequest& request) const;

  // The single use of a verified proof (RFC 9449 §11.1): records its "jti",
  // scoped to the proof's key, as used until its accepted_until.
  // kInvalidDpopProof "replayed" when this key already used it (on any
  // replica); store errors (Unavailable) unchanged.
  absl::Status ClaimOnce(const jwt::DpopProof& proof) const;

  const jwt::DpopProofVerifier& verifier() const { return verifier_; }

 private:
  DpopProofCheck(jwt::DpopProofVerifier verifier, storage::ReplayStore* replays)
      : verifier_(std::move(verifier)), replays_(replays) {}

  jwt::DpopProofVerifier verifier_;
  storage::ReplayStore* replays_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_DPOP_PROOF_CHECK_H_
