// Failure reasons of the JOSE library.
//
// Every failure of parsing, key handling, signing or verification is an
// absl::Status whose payload names exactly one `Reason`. Callers act on the
// reason (tests assert it, the interceptor counts it in metrics, the server
// maps it to OAuth errors); the message is for humans and never echoes a token
// or key material.
#ifndef IDENTITY_JWT_STATUS_H_
#define IDENTITY_JWT_STATUS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::jwt {

enum class Reason {
  kOk = 0,

  // Compact serialization and encoding.
  kTokenTooLarge,        // Longer than the configured maximum.
  kTokenMalformed,       // Not three dot-separated parts (JWE, JSON form).
  kBase64Invalid,        // A part is not canonical, unpadded base64url.
  kJsonMalformed,        // Not RFC 8259 JSON, or nested too deeply.
  kJsonInvalidUtf8,      // The text is not valid UTF-8.
  kJsonDuplicateMember,  // An object repeats a name (RFC 7515 §5.2 step 4).
  kJsonNotObject,        // The header or claims set is not a JSON object.

  // JOSE header.
  kHeaderInvalid,    // A header parameter has the wrong type.
  kAlgMissing,       // No "alg" (RFC 7515 §4.1.1).
  kAlgNone,          // "alg":"none": unsecured JWS are never accepted.
  kAlgUnsupported,   // An "alg" this library does not implement.
  kAlgNotAllowed,    // Implemented, but not in the verifier's allowlist.
  kCritUnsupported,  // "crit" names an extension (RFC 7515 §4.1.11).
  kTypMissing,       // No "typ", and one is required (RFC 8725 §3.11).
  kTypMismatch,      // "typ" is not the required type.

  // Key selection and key/header agreement.
  kKidRequired,     // No "kid" and more than one key could verify.
  kKidUnknown,      // No key in the JWKS has this "kid".
  kNoUsableKey,     // No "kid", and no key can verify this "alg".
  kKeyAlgMismatch,  // The key's kty/crv/alg cannot do the header's "alg".
  kKeyUseMismatch,  // The key's "use"/"key_ops" forbid this operation.
  kKeyNotPrivate,   // Signing needs a private key.

  // Signature.
  kSignatureLengthInvalid,  // Wrong length for the algorithm and key.
  kSignatureRangeInvalid,   // ECDSA r or s is 0 or not below the order.
  kSignatureInvalid,        // The signature does not verify.

  // Claims (RFC 7519 §4.1).
  kClaimInvalid,      // A registered claim has the wrong type or value.
  kExpMissing,        // No "exp" and the verifier requires one.
  kExpired,           // now >= exp + leeway.
  kNotYetValid,       // now < nbf - leeway.
  kIssuedInFuture,    // iat > now + leeway.
  kIssuerMissing,     // No "iss", and an issuer is required.
  kIssuerMismatch,    // "iss" is not exactly the configured issuer.
  kAudienceMissing,   // No (or an empty) "aud", and an audience is required.
  kAudienceMismatch,  // No "aud" value is an accepted audience.
  // DPoP proofs (RFC 9449 §4.3; dpop_proof.h).
  kDpopKeyInvalid,      // "jwk" missing, symmetric, or with private members.
  kDpopMethodMismatch,  // "htm" is not the request's method.
  kDpopUriMismatch,     // "htu" is not the request's URI.
  kDpopProofTooOld,     // "iat" more than the accepted age ago.
  kDpopAthMismatch,     // "ath" missing or not the access token's hash.
  kDpopNonceMismatch,   // "nonce" missing or not the one demanded.

  // JWK / JWKS (RFC 7517, RFC 7518 §6).
  kJwkInvalid,         // Missing, malformed or contradictory members.
  kJwkUnsupported,     // A kty, crv or alg we do not use for signatures.
  kJwkInvalidKey,      // Not a valid key (point off the curve, d mismatch).
  kJwkWeakKey,         // RSA < 2048 bits, bad e, ROCA, short HMAC key.
  kJwksInvalid,        // Not {"keys": [...]}.
  kJwksDuplicateKid,   // Two keys share a "kid": selection is ambiguous.
  kJwksMixedKeyTypes,  // Symmetric and asymmetric keys in one set.

  kPemInvalid,      // PEM text does not hold a supported, unencrypted key.
  kOptionsInvalid,  // A verifier was configured with impossible options.
  kCryptoFailure,   // The crypto library failed in a way no input explains.
};

// Stable snake_case name, e.g. "expired", "alg_none". Used as the metrics label
// and in messages.
absl::string_view ReasonName(Reason reason);

// An error status carrying `reason` as payload. `reason` must not be kOk.
absl::Status MakeError(Reason reason, absl::string_view message);

// The reason carried by `status`: kOk for an OK status, kCryptoFailure for an
// error status that did not come from this library.
Reason ReasonOf(const absl::Status& status);

// Prints ReasonName(reason) (readable test failures and logs).
inline std::ostream& operator<<(std::ostream& out, Reason reason) {
  return out << ReasonName(reason);
}

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_STATUS_H_
