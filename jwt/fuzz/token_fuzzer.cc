// libFuzzer target: untrusted compact tokens through parsing and full
// verification. Properties checked beyond "no crash": strict base64url
// round-trips, and a token that verifies has claims that re-serialize.
#include <cstddef>
#include <cstdint>
#include <string>

#include "jwt/base64url.h"
#include "jwt/claims.h"
#include "jwt/clock.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"

namespace identity::jwt {
namespace {

// Fixed public keys (RFC 7515 A.3 P-256, RFC 8037 A.2 Ed25519) so the fuzzer
// can reach signature verification for both kinds of curve.
const Jwks& Keys() {
  static const Jwks* const kKeys = [] {
    auto ec =
        Jwk::Parse(R"({"kty":"EC","crv":"P-256","kid":"ec",)"
                   R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                   R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
    auto ed =
        Jwk::Parse(R"({"kty":"OKP","crv":"Ed25519","kid":"ed",)"
                   R"("x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    if (!ec.ok() || !ed.ok()) __builtin_trap();
    return new Jwks(*Jwks::FromKeys({*ec, *ed}));
  }();
  return *kKeys;
}

const JwtVerifier& Verifier() {
  static const FakeClock* const kClock =
      new FakeClock(absl::FromUnixSeconds(1300000000));
  static const JwtVerifier* const kVerifier = [] {
    // No claim or header rule beyond the signature's, so that fuzzed input
    // reaches every check after it; the issuer, audience and typ checks are
    // plain comparisons, covered by jwt_verifier_test.
    VerifierOptions options;
    options.skip_issuer_check = true;
    options.skip_audience_check = true;
    options.skip_typ_check = true;
    options.allowed_algorithms = AllAlgorithms();
    options.require_exp = false;
    options.clock = kClock;
    return new JwtVerifier(*JwtVerifier::Create(options));
  }();
  return *kVerifier;
}

}  // namespace
}  // namespace identity::jwt

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::jwt;
  const std::string input(reinterpret_cast<const char*>(data), size);

  // Strict base64url: whatever decodes must re-encode to the same text (one
  // encoding per value).
  if (auto decoded = Base64UrlDecode(input);
      decoded.ok() && Base64UrlEncode(*decoded) != input) {
    __builtin_trap();
  }

  // The strict parser and the writer agree: what parses, written back, parses
  // to the same value.
  if (auto json = ParseJsonObject(input); json.ok()) {
    auto again = ParseJsonObject(DumpJson(*json));
    if (!again.ok() || *again != *json) __builtin_trap();
  }

  if (auto jws = Jws::Parse(input); jws.ok()) {
    (void)VerifyJws(*jws, Keys(), AllAlgorithms());
  }
  if (auto verified = Verifier().Verify(input, Keys()); verified.ok()) {
    if (!Claims::FromJson(verified->claims.ToJson()).ok()) __builtin_trap();
  }
  if (auto claims = Claims::Parse(input); claims.ok()) {
    // Typed claims survive a round trip through JSON.
    auto again = Claims::FromJson(claims->ToJson());
    if (!again.ok() || again->ToJson() != claims->ToJson()) __builtin_trap();
    // The signing serializer writes the same claims set as the general one.
    auto serialized = ParseJsonObject(claims->Serialize());
    if (!serialized.ok() || *serialized != claims->ToJson()) __builtin_trap();
  }
  return 0;
}
