// Issues JWTs: a claims set signed as a compact JWS with one private key.
#ifndef IDENTITY_JWT_JWT_SIGNER_H_
#define IDENTITY_JWT_JWT_SIGNER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/algorithm.h"
#include "jwt/claims.h"
#include "jwt/json.h"
#include "jwt/jwk.h"

namespace identity::jwt {

struct SignerOptions {
  // The "typ" header (RFC 7519 §5.1; "at+jwt" for RFC 9068 access tokens).
  // Empty: no "typ".
  std::string typ = "JWT";
};

// Immutable after Create; thread-safe.
class JwtSigner {
 public:
  // `key` must be private and allowed to sign (Jwk::CheckUsableFor) with its
  // signing algorithm (Jwk::SigningAlgorithm: RSA and oct keys need "alg").
  // Errors: kKeyNotPrivate, kKeyUseMismatch, kKeyAlgMismatch, kJwkInvalid (no
  // algorithm can be chosen).
  static absl::StatusOr<JwtSigner> Create(Jwk key, SignerOptions options = {});

  // The compact JWS of `claims`. The header is {"alg", "kid" (if the key has
  // one), "typ"}. Errors: kCryptoFailure only.
  absl::StatusOr<std::string> Sign(const Claims& claims) const;

  // Signs a claims set given as JSON, byte for byte as DumpJson writes it
  // (fractional dates and number formats kept). The registered claims must have
  // their types (Claims::FromJson errors).
  absl::StatusOr<std::string> SignJson(const Json& claims) const;

  Algorithm algorithm() const { return alg_; }
  const Jwk& key() const { return key_; }

 private:
  absl::StatusOr<std::string> SignPayload(absl::string_view payload) const;

  JwtSigner(Jwk key, Algorithm alg, std::string encoded_header)
      : key_(std::move(key)),
        alg_(alg),
        encoded_header_(std::move(encoded_header)) {}

  Jwk key_;
  Algorithm alg_;
  std::string
      encoded_header_;  // BASE64URL(header) followed by ".", computed once.
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JWT_SIGNER_H_
