// libFuzzer target: untrusted DPoP proofs (RFC 9449) through parsing and full
// verification, and URIs through the "htu" normalization. Properties checked
// beyond "no crash": normalization is idempotent, and a proof that verifies
// is bound to the thumbprint of the key that verified it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "jwt/clock.h"
#include "jwt/dpop_proof.h"

namespace identity::jwt {
namespace {

const DpopProofVerifier& Verifier() {
  // The time of RFC 9449's example proof (a seed), so that fuzzed variants of
  // it reach the claim checks.
  static const FakeClock* const kClock =
      new FakeClock(absl::FromUnixSeconds(1562262616));
  static const DpopProofVerifier* const kVerifier = [] {
    DpopProofOptions options;
    options.clock = kClock;
    return new DpopProofVerifier(*DpopProofVerifier::Create(options));
  }();
  return *kVerifier;
}

}  // namespace
}  // namespace identity::jwt

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::jwt;
  const std::string input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::string> uri = DpopNormalizeUri(input);
  if (uri.ok()) {
    absl::StatusOr<std::string> again = DpopNormalizeUri(*uri);
    if (!again.ok() || *again != *uri) __builtin_trap();
  }
  DpopRequest request;
  request.method = "POST";
  request.uri = "https://server.example.com/token";
  absl::StatusOr<DpopProof> proof = Verifier().Verify(input, request);
  if (proof.ok()) {
    if (proof->jkt != proof->key.Thumbprint() || proof->key.is_private() ||
        proof->accepted_until <= proof->issued_at) {
      __builtin_trap();
    }
  }
  request.access_token = "token";
  request.nonce = "nonce";
  Verifier().Verify(input, request).IgnoreError();
  return 0;
}
