// The JWS algorithms of RFC 7518 §3 and RFC 8037 §3.1 that this library
// implements.
#ifndef IDENTITY_JWT_ALGORITHM_H_
#define IDENTITY_JWT_ALGORITHM_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace identity::jwt {

enum class Algorithm {
  kHS256,
  kHS384,
  kHS512,
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kES512,
  kEdDSA,
};

enum class KeyType { kEC, kRSA, kOKP, kOct };

enum class Digest { kNone, kSha256, kSha384, kSha512 };

// The "alg" value, e.g. "ES256".
absl::string_view AlgorithmName(Algorithm alg);

// The algorithm for an "alg" value; nullopt for anything else, "none" included.
// Case-sensitive (RFC 7515 §4.1.1).
std::optional<Algorithm> AlgorithmFromName(absl::string_view name);

// The key type an algorithm needs.
KeyType KeyTypeFor(Algorithm alg);

// The digest the algorithm hashes with (kNone for EdDSA, which hashes
// internally).
Digest DigestFor(Algorithm alg);

// The curve an ECDSA algorithm requires ("P-256" for ES256...); empty for
// others.
absl::string_view CurveFor(Algorithm alg);

// The "kty" value, e.g. "EC".
absl::string_view KeyTypeName(KeyType kty);

// Algorithms a verifier accepts unless configured otherwise: the asymmetric
// ones this project issues (ES256, ES384, RS256, PS256, EdDSA). HMAC and the
// rest must be enabled explicitly.
const std::vector<Algorithm>& DefaultAllowedAlgorithms();

// Every algorithm this library implements.
const std::vector<Algorithm>& AllAlgorithms();

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_ALGORITHM_H_
