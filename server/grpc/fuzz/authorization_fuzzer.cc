// libFuzzer target: the untrusted `authorization` metadata of a call, as the
// server reads it. The first byte picks the reader, the rest is the value:
//   0: ParseBasicAuthorization (client authentication, RFC 6749 §2.3.1);
//   1: BearerToken (RFC 6750 §2.1);
//   2: the whole decision of a protected method, with a real key set;
//   3: a method-policy pattern, then the lookup of the same path.
// Properties beyond "no crash": a parsed bearer token is a suffix of the
// value; random input never authorizes a protected call; a pattern that is
// accepted is found again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "client/interceptor/call_authorizer.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "server/oauth/authorization_header.h"

namespace identity {
namespace {

const interceptor::CallAuthorizer& Authorizer() {
  static const interceptor::CallAuthorizer* const kAuthorizer = [] {
    // RFC 7515 A.3's P-256 public key: signature checks are reachable.
    auto key = jwt::Jwk::Parse(
        R"({"kty":"EC","crv":"P-256","kid":"ec",)"
        R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
        R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
    auto jwks = std::make_shared<const jwt::Jwks>(
        *jwt::Jwks::FromKeys({*std::move(key)}));
    // After the exp of RFC 7515 A.3's token: even that one must not pass.
    static const jwt::FakeClock clock(absl::FromUnixSeconds(1'400'000'000));
    jwt::VerifierOptions options;
    options.issuer = "joe";
    // RFC 7515 A.3's token names no audience and has no "typ".
    options.skip_audience_check = true;
    options.skip_typ_check = true;
    options.clock = &clock;
    auto validator = std::make_shared<interceptor::JwksTokenValidator>(
        *jwt::JwtVerifier::Create(options), [jwks] { return jwks; });
    interceptor::MethodPolicy policy =
        interceptor::MethodPolicy::RequireTokenByDefault();
    return new interceptor::CallAuthorizer(std::move(policy), validator);
  }();
  return *kAuthorizer;
}

}  // namespace
}  // namespace identity

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity;
  if (size == 0) return 0;
  const absl::string_view value(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  switch (data[0] % 4) {
    case 0: {
      // Any outcome is fine (an empty id fails authentication later); the
      // decoding must not crash or read out of bounds.
      (void)server::ParseBasicAuthorization(value);
      break;
    }
    case 1: {
      auto token = interceptor::BearerToken(value);
      if (token.has_value() &&
          (token->empty() || !absl::EndsWith(value, *token) ||
           token->size() >= value.size())) {
        __builtin_trap();
      }
      break;
    }
    case 2: {
      // No signing key is known to the fuzzer: nothing may pass.
      if (Authorizer().Authorize("/pkg.Service/Method", {value}).ok()) {
        __builtin_trap();
      }
      break;
    }
    case 3: {
      auto policy = interceptor::MethodPolicy::OpenByDefault();
      if (policy.SetRule(value, {true, {"scope"}}).ok() &&
          !policy.RuleFor(value).requires_token &&
          !absl::EndsWith(value, "/*")) {
        __builtin_trap();
      }
      break;
    }
  }
  return 0;
}
