// A JWT claims set (RFC 7519 §4): registered claims typed, every other claim
// kept as JSON.
#ifndef IDENTITY_JWT_CLAIMS_H_
#define IDENTITY_JWT_CLAIMS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/json.h"

namespace identity::jwt {

// Value type; not thread-safe to mutate.
struct Claims {
  std::optional<std::string> iss;  // RFC 7519 §4.1.1
  std::optional<std::string> sub;  // §4.1.2
  // §4.1.3: one string or an array of strings.
  std::vector<std::string> aud;
  // Serialize "aud" as an array even when it holds one value (set by FromJson
  // when the token had an array, so a claims set round-trips unchanged).
  bool aud_as_array = false;
  std::optional<int64_t> exp;  // §4.1.4, seconds since the epoch (NumericDate)
  std::optional<int64_t> nbf;  // §4.1.5
  std::optional<int64_t> iat;  // §4.1.6
  std::optional<std::string> jti;  // §4.1.7
  // Every other claim ("scope", "client_id", ...), as a JSON object. Members
  // named like a registered claim are ignored when serializing: the typed field
  // above is authoritative.
  Json other = Json::object();

  // From a claims-set object. Errors: kJsonNotObject; kClaimInvalid when a
  // registered claim has the wrong type: iss/sub/jti not strings, aud neither a
  // string nor an array of strings, exp/nbf/iat not numbers in [0, 2^53]. A
  // fractional NumericDate (RFC 7519 §2) is rounded toward the stricter side
  // of its check: exp down, nbf and iat up.
  static absl::StatusOr<Claims> FromJson(const Json& json);
  // From claims-set text: strict JSON (json.h) first.
  static absl::StatusOr<Claims> Parse(absl::string_view text);

  Json ToJson() const;
  // The claims set as compact JSON text, registered claims first. Equivalent to
  // DumpJson(ToJson()) up to member order, and several times faster.
  std::string Serialize() const;

  // A string member of `other`, if present and a string.
  std::optional<std::string> GetString(absl::string_view name) const;
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_CLAIMS_H_
