// The project's one JSON library is nlohmann/json (Debian's nlohmann-json3-dev); see
// docs/architecture.md for why. This header adds the strict parse that JOSE needs.
#ifndef IDENTITY_JWT_JSON_H_
#define IDENTITY_JWT_JSON_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace identity::jwt {

using Json = nlohmann::json;

// Parses `text` as one RFC 8259 JSON value and requires it to be an object.
// Fails with:
//   kJsonInvalidUtf8      the text is not valid UTF-8;
//   kJsonDuplicateMember  any object in it repeats a member name (RFC 7515 §5.2, RFC 7519 §4);
//   kJsonMalformed        anything else that is not JSON (escaped lone surrogates included), or
//                         nesting deeper than `max_depth`;
//   kJsonNotObject        valid JSON that is not an object.
// Never throws. Thread-safe.
absl::StatusOr<Json> ParseJsonObject(absl::string_view text, int max_depth = 32);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// Serializes compactly. Never throws: invalid UTF-8 in strings is replaced with U+FFFD.
std::string DumpJson(const Json& value);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JSON_H_
