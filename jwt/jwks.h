// JSON Web Key Set (RFC 7517 §5) and key selection for verification.
#ifndef IDENTITY_JWT_JWKS_H_
#define IDENTITY_JWT_JWKS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/algorithm.h"
#include "jwt/json.h"
#include "jwt/jwk.h"

namespace identity::jwt {

// An immutable set of keys. Thread-safe; cheap to share behind a
// std::shared_ptr<const Jwks>.
//
// A set from JSON keeps the keys it can use and lists the others in skipped()
// with the reason, so that one encryption key or one unknown kty in an issuer's
// JWKS does not take down every key (RFC 7517 §5: implementations SHOULD ignore
// keys they do not understand). The set as a whole is refused when key
// selection would be ambiguous or dangerous:
//   kJwksInvalid: not {"keys": [ objects ]};
//   kJwksDuplicateKid: two entries share a "kid";
//   kJwksMixedKeyTypes: symmetric (oct) and asymmetric keys together.
class Jwks {
 public:
  struct SkippedKey {
    size_t index;         // Position in "keys".
    std::string kid;      // May be empty.
    absl::Status status;  // Why Jwk::FromJson refused it.
  };

  static absl::StatusOr<Jwks> FromJson(const Json& json);
  static absl::StatusOr<Jwks> Parse(absl::string_view text);
  // From keys already built (e.g. the server's own). Same set-level rules.
  static absl::StatusOr<Jwks> FromKeys(std::vector<Jwk> keys);

  // {"keys": [public members of each key]}. Symmetric keys are left out: they
  // are secrets.
  Json ToPublicJson() const;

  const std::vector<Jwk>& keys() const { return keys_; }
  const std::vector<SkippedKey>& skipped() const { return skipped_; }

  // The key with this "kid", or null (always null for an empty kid).
  const Jwk* FindByKid(absl::string_view kid) const;

  // The key that must verify a JWS with header `alg` and `kid`:
  //   - with a kid: the key with that kid (kKidUnknown if none), which must be
  //     usable for `alg` (the errors of Jwk::CheckUsableFor);
  //   - without a kid, or with an empty one: the only key usable for `alg`;
  //     kNoUsableKey if there is none, kKidRequired if there are several. Keys
  //     are never tried one after another.
  absl::StatusOr<const Jwk*> SelectForVerification(
      Algorithm alg, const std::optional<std::string>& kid) const;

 private:
  Jwks() = default;
  static absl::Status CheckSet(const std::vector<Jwk>& keys);

  std::vector<Jwk> keys_;
  std::vector<SkippedKey> skipped_;
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JWKS_H_
