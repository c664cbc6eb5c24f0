// JWS Compact Serialization (RFC 7515 §7.1): parsing, key selection with
// signature verification, and signing. No claims here: jwt_verifier.h builds
// JWT rules on top.
#ifndef IDENTITY_JWT_JWS_H_
#define IDENTITY_JWT_JWS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "jwt/algorithm.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"

namespace identity::jwt {

// Default bound on a compact token's length, in bytes.
inline constexpr size_t kDefaultMaxTokenSize = 8192;

struct JwsHeader {
  Algorithm alg = Algorithm::kES256;
  std::optional<std::string> kid;
  std::optional<std::string> typ;
  // The decoded header text, every member as sent. "jku", "x5u", "jwk" and
  // "x5c" are never used.
  std::string raw;

  // `raw` as a JSON object (it was validated when the JWS was parsed).
  Json ToJson() const { return ParseJsonObject(raw).value_or(Json::object()); }
};

// A compact JWS, split and decoded but NOT verified. Value type; not
// thread-safe to mutate.
class Jws {
 public:
  // Errors, in the order they are checked:
  //   kTokenTooLarge: longer than `max_size`;
  //   kTokenMalformed: not exactly three dot-separated parts (JWE, JSON form);
  //   kBase64Invalid: a part is not strict base64url (base64url.h);
  //   kJson*: the header is not a strict JSON object (json.h);
  //   kHeaderInvalid: "alg", "kid", "typ" or "cty" present but not a string,
  //     or "crit" malformed;
  //   kAlgMissing, kAlgNone, kAlgUnsupported: about "alg";
  //   kCritUnsupported: "crit" names an extension; this library implements
  //     none (RFC 7515 §4.1.11 requires rejecting what is not understood).
  static absl::StatusOr<Jws> Parse(absl::string_view compact,
                                   size_t max_size = kDefaultMaxTokenSize);

  const JwsHeader& header() const& { return header_; }
  JwsHeader&& header() && { return std::move(header_); }
  // The ASCII bytes the signature covers:
  // "BASE64URL(header).BASE64URL(payload)" as received.
  absl::string_view signing_input() const {
    return absl::string_view(compact_).substr(0, signing_input_size_);
  }
  const std::string& payload() const& { return payload_; }
  std::string&& payload() && { return std::move(payload_); }
  const std::string& signature() const { return signature_; }

 private:
  Jws() = default;

  std::string compact_;
  size_t signing_input_size_ = 0;
  JwsHeader header_;
  std::string payload_;
  std::string signature_;
};

// Picks the key for `jws` from `jwks` (Jwks::SelectForVerification) and
// verifies the signature. Returns the key that verified. Errors: kAlgNotAllowed
// when the header's alg is not in `allowed` (checked first, so an HMAC "alg"
// never meets a public key unless HMAC is allowed and the key is oct), then the
// key-selection and signature errors of jwks.h and signature.h. Thread-safe.
absl::StatusOr<const Jwk*> VerifyJws(const Jws& jws, const Jwks& jwks,
                                     absl::Span<const Algorithm> allowed);

// Signs `payload` as a compact JWS with `key` and `alg`. `header` holds extra
// members ("typ",
// ...); "alg" and, when the key has one, "kid" are set here. Errors: those of
// Jwk::CheckUsableFor(alg, kSign) and SignBytes. Thread-safe.
absl::StatusOr<std::string> SignJws(Json header, absl::string_view payload,
                                    const Jwk& key, Algorithm alg);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JWS_H_
