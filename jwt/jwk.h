// JSON Web Key (RFC 7517) for the signature algorithms of algorithm.h: RSA, EC
// P-256/P-384/P-521, OKP Ed25519 (RFC 8037) and oct (HMAC), public and private.
#ifndef IDENTITY_JWT_JWK_H_
#define IDENTITY_JWT_JWK_H_

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/algorithm.h"
#include "jwt/json.h"

namespace identity::jwt {

enum class KeyOperation { kSign, kVerify };

class EvpKey;  // evp_key.h, internal.

// An immutable, validated key. Copies share the underlying EVP_PKEY.
// Thread-safe.
//
// Validation on every way in (JSON, PEM, generation): members have the right
// types and exact lengths (RFC 7518 §6.2.1.2: EC coordinates are full-size); EC
// points lie on the curve and a private scalar matches its point; an Ed25519
// private key matches its "x"; RSA moduli are 2048 to 16384 bits, the public
// exponent is odd and at least 3, moduli with the ROCA fingerprint
// (CVE-2017-15361) are refused, private RSA keys carry all CRT members and pass
// RSA_check_key; HMAC keys are at least as long as the hash (RFC 7518 §3.2);
// "alg", when present, agrees with "kty"/"crv"; "key_ops" has no duplicates
// (RFC 7517 §4.3).
class Jwk {
 public:
  // From a parsed JWK object. Unknown members are ignored (RFC 7517 §4).
  // Errors: kJwkInvalid, kJwkUnsupported, kJwkInvalidKey, kJwkWeakKey.
  static absl::StatusOr<Jwk> FromJson(const Json& json);
  // From JWK text; adds the strict JSON errors of ParseJsonObject.
  static absl::StatusOr<Jwk> Parse(absl::string_view text);

  // A fresh key for `alg` from the crypto library's CSPRNG. RSA keys have
  // `rsa_bits` bits (2048..16384). An empty `kid` becomes the RFC 7638
  // thumbprint.
  static absl::StatusOr<Jwk> Generate(Algorithm alg, absl::string_view kid = "",
                                      int rsa_bits = 2048);

  // From PEM: "PRIVATE KEY" (PKCS#8), "RSA PRIVATE KEY", "EC PRIVATE KEY" or
  // "PUBLIC KEY" (SPKI). `alg` is recorded in the key (required to sign with
  // RSA keys); an empty `kid` becomes the thumbprint. Errors: kPemInvalid, plus
  // the validation errors above.
  static absl::StatusOr<Jwk> FromPem(absl::string_view pem,
                                     std::optional<Algorithm> alg,
                                     absl::string_view kid = "");

  // The public members only (never "d", "p", ..., "k" for oct keys).
  Json ToPublicJson() const;
  // All members, private ones included. Handle the result as a secret.
  Json ToPrivateJson() const;
  // PEM: SPKI "PUBLIC KEY", or PKCS#8 "PRIVATE KEY". Not for oct keys.
  absl::StatusOr<std::string> ToPublicPem() const;
  absl::StatusOr<std::string> ToPrivatePem() const;

  // The same key without its private part (oct keys stay as they are: they have
  // no public part).
  Jwk PublicKey() const;

  // RFC 7638 JWK thumbprint (SHA-256, base64url).
  std::string Thumbprint() const;

  // Whether this key may perform `op` with `alg`:
  //   kKeyAlgMismatch: kty/crv cannot do `alg`, or the key's "alg" is another;
  //   kKeyUseMismatch: "use" is not "sig", or "key_ops" lacks the operation;
  //   kJwkWeakKey: an HMAC key shorter than the hash of `alg` (RFC 7518 §3.2);
  //   kKeyNotPrivate: signing with a public key.
  absl::Status CheckUsableFor(Algorithm alg, KeyOperation op) const;

  // The algorithm to sign with: "alg" if present, else the only one kty/crv
  // allow (ES256 for P-256, EdDSA for Ed25519...). nullopt for RSA and oct keys
  // without "alg".
  std::optional<Algorithm> SigningAlgorithm() const;

  KeyType kty() const { return kty_; }
  const std::string& crv() const {
    return crv_;
  }  // "P-256", "Ed25519"; empty for RSA/oct.
  const std::optional<Algorithm>& alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  const std::optional<std::string>& use() const { return use_; }
  const std::optional<std::vector<std::string>>& key_ops() const {
    return key_ops_;
  }
  bool is_private() const { return is_private_; }
  bool is_symmetric() const { return kty_ == KeyType::kOct; }

  // The key for the crypto library (null for oct keys) and the HMAC secret
  // (empty otherwise).
  EVP_PKEY* pkey() const;
  const EvpKey* evp_key() const { return pkey_.get(); }
  const std::string& secret() const { return secret_; }

 private:
  Jwk() = default;
  static absl::StatusOr<Jwk> FromJsonUnchecked(const Json& json);
  // Members shared by every key type: kid, use, key_ops, alg.
  Json CommonMembers() const;

  KeyType kty_ = KeyType::kEC;
  std::string crv_;
  std::optional<Algorithm> alg_;
  std::string kid_;
  std::optional<std::string> use_;
  std::optional<std::vector<std::string>> key_ops_;
  bool is_private_ = false;
  std::shared_ptr<const EvpKey> pkey_;  // Null for oct keys.
  std::string secret_;
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JWK_H_
