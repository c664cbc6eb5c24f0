#include "server/oauth/dpop_proof_check.h"

#include <openssl/sha.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/status.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status Refused(absl::string_view why) {
  return OAuthFailure(OAuthError::kInvalidDpopProof,
                      absl::StrCat("DPoP proof refused: ", why));
}

// The replay store's key: the jti scoped to the key that signed the proof
// (only that key's holder can make proofs with it), hashed to a fixed size.
std::string ReplayKey(absl::string_view jkt, absl::string_view jti) {
  const std::string scoped = absl::StrCat(jkt, std::string(1, '\0'), jti);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(scoped.data()), scoped.size(),
         digest);
  return jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

}  // namespace

absl::StatusOr<DpopProofCheck> DpopProofCheck::Create(
    jwt::DpopProofOptions options, storage::ReplayStore* replays) {
  if (replays == nullptr) {
    return absl::InvalidArgumentError("DPoP proofs need a replay store");
  }
  auto verifier = jwt::DpopProofVerifier::Create(std::move(options));
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(verifier.status().message());
  }
  return DpopProofCheck(*std::move(verifier), replays);
}

absl::StatusOr<jwt::DpopProof> DpopProofCheck::Check(
    absl::string_view proof, const jwt::DpopRequest& request) const {
  absl::StatusOr<jwt::DpopProof> verified = Verify(proof, request);
  if (!verified.ok()) return verified.status();
  if (absl::Status claimed = ClaimOnce(*verified); !claimed.ok()) {
    return claimed;
  }
  return verified;
}

absl::StatusOr<jwt::DpopProof> DpopProofCheck::Verify(
    absl::string_view proof, const jwt::DpopRequest& request) const {
  absl::StatusOr<jwt::DpopProof> verified = verifier_.Verify(proof, request);
  if (!verified.ok()) {
    return Refused(jwt::ReasonName(jwt::ReasonOf(verified.status())));
  }
  return verified;
}

absl::Status DpopProofCheck::ClaimOnce(const jwt::DpopProof& proof) const {
  // RFC 9449 §11.1: a proof is used once; it is refused anyway after
  // accepted_until, so its id need not be kept longer.
  auto claim = replays_->ClaimOnce(
      kDpopReplayKind, ReplayKey(proof.jkt, proof.jti), proof.accepted_until,
      verifier_.options().clock->Now());
  if (!claim.ok()) return claim.status();
  if (*claim == storage::ReplayClaim::kReplay) return Refused("replayed");
  return absl::OkStatus();
}

}  // namespace identity::server
