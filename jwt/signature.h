// The signature primitives behind JWS (RFC 7518 §3, RFC 8037 §3.1), on the API
// that BoringSSL and OpenSSL 3 share. Inputs are raw bytes: the JWS layer
// (jws.h) handles encoding and key selection.
#ifndef IDENTITY_JWT_SIGNATURE_H_
#define IDENTITY_JWT_SIGNATURE_H_

// Internal to jwt/: jwt/BUILD.bazel defines IDENTITY_JWT_INTERNAL for the
// library and its own tests only, so code elsewhere that includes this header
// fails to compile instead of depending on the crypto plumbing.
#ifndef IDENTITY_JWT_INTERNAL
#error "jwt/signature.h is internal to jwt/: use the public headers"
#endif

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/algorithm.h"
#include "jwt/jwk.h"

namespace identity::jwt {

// Signs `data`. ECDSA signatures come out as the fixed-size big-endian r‖s that
// JWS uses. Errors: kKeyAlgMismatch when the key's type or curve cannot do
// `alg`, kKeyNotPrivate, kCryptoFailure. Does not look at "use"/"key_ops" (the
// JWS layer does). Thread-safe.
absl::StatusOr<std::string> SignBytes(Algorithm alg, const Jwk& key,
                                      absl::string_view data);

// Verifies `signature` over `data`. Errors:
//   kKeyAlgMismatch: the key's type or curve cannot do `alg`;
//   kSignatureLengthInvalid: not exactly the size the algorithm and key
//     define (ECDSA: twice the field size; RSA: the modulus size; EdDSA: 64;
//     HMAC: the hash size);
//   kSignatureRangeInvalid: ECDSA r or s is 0 or not below the group order;
//   kSignatureInvalid: the signature does not verify.
// HMAC tags are compared in constant time. Thread-safe.
absl::Status VerifyBytes(Algorithm alg, const Jwk& key, absl::string_view data,
                         absl::string_view signature);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_SIGNATURE_H_
