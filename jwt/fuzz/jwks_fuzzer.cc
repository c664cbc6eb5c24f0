// libFuzzer target: untrusted JWK and JWKS documents (what a verifier fetches
// from an issuer). Beyond "no crash": an accepted set re-serializes to a set
// with the same public keys.
#include <cstddef>
#include <cstdint>
#include <string>

#include "jwt/jwk.h"
#include "jwt/jwks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::jwt;
  const std::string input(reinterpret_cast<const char*>(data), size);

  if (auto jwks = Jwks::Parse(input); jwks.ok()) {
    auto again = Jwks::FromJson(jwks->ToPublicJson());
    size_t asymmetric = 0;
    for (const Jwk& key : jwks->keys()) {
      asymmetric += key.is_symmetric() ? 0 : 1;
    }
    if (!again.ok() || again->keys().size() != asymmetric) __builtin_trap();
    for (const Jwk& key : again->keys()) {
      const Jwk* original = jwks->FindByKid(key.kid());
      if (!key.kid().empty() &&
          (original == nullptr || original->Thumbprint() != key.Thumbprint())) {
        __builtin_trap();
      }
    }
  }
  if (auto key = Jwk::Parse(input); key.ok()) {
    auto again = Jwk::FromJson(key->ToPrivateJson());
    if (!again.ok() || again->Thumbprint() != key->Thumbprint()) {
      __builtin_trap();
    }
    (void)key->ToPublicPem();
  }
  return 0;
}
