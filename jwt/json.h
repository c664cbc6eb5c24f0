// JSON for JOSE. The project's one JSON library is nlohmann/json (Debian's
// nlohmann-json3-dev; docs/architecture.md says why): `Json` is its value type
// everywhere. Its parser, though, keeps the last of duplicate member names
// silently and its lexer alone costs more than the whole budget a JWT
// verification has on top of the signature (docs/benchmarks.md). So untrusted
// text goes through the strict parser below, which builds nlohmann values, and
// values are written by our own serializer so the bytes we sign are exactly the
// bytes we mean.
#ifndef IDENTITY_JWT_JSON_H_
#define IDENTITY_JWT_JSON_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace identity::jwt {

using Json = nlohmann::json;

inline constexpr int kDefaultMaxJsonDepth = 32;
// The deepest nesting any parse accepts, whatever its caller asks (the parser
// recurses).
inline constexpr int kMaxJsonDepth = 256;

// One member of a parsed object: its name (unescaped) and the exact text of its
// value, which the parse already validated.
struct JsonMember {
  std::string name;
  absl::string_view value;  // Points into the parsed text.
};

// Parses `text` as one RFC 8259 JSON object and returns its members in order,
// without building their values (see JsonValueOf). Strict:
//   kJsonInvalidUtf8: the text is not valid UTF-8 (RFC 8259 §8.1);
//   kJsonDuplicateMember: an object at any depth repeats a member name after
//     unescaping (RFC 7515 §5.2 step 4, RFC 7519 §4);
//   kJsonMalformed: anything else that is not JSON (grammar, raw control
//     characters in strings, escaped lone surrogates, numbers too large for a
//     double) or nesting deeper than `max_depth` containers (clamped to
//     [1, kMaxJsonDepth]);
//   kJsonNotObject: valid JSON that is not an object.
// Never throws. Thread-safe.
absl::StatusOr<std::vector<JsonMember>> ParseJsonObjectMembers(
    absl::string_view text, int max_depth = kDefaultMaxJsonDepth);

// The value of a member returned by ParseJsonObjectMembers (or any text it
// validated). Integers become int64 (negative) or uint64, other numbers double.
// Text that is not exactly one JSON value (validated text never is) gives a
// discarded value, never a partial one.
Json JsonValueOf(absl::string_view value);

// When `value` (text validated as above) is a string: its unescaped content
// into `out`, true. Cheaper than JsonValueOf for the string members JOSE reads
// most.
bool JsonStringOf(absl::string_view value, std::string* out);

// ParseJsonObjectMembers, then the whole object as a value.
absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     int max_depth = kDefaultMaxJsonDepth);

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
// <= U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// Compact serialization (no whitespace; object members in nlohmann's sorted
// order); strings (names and values) as AppendJsonString writes them. Never
// throws.
std::string DumpJson(const Json& value);
void AppendJson(const Json& value, std::string* out);

// Appends `text` as a JSON string literal (RFC 8259 §7), quotes included. The
// project's one JSON string writer: JOSE headers and claims here, log lines in
// server/logging. Never fails; the result is always valid JSON on one line:
//   - '"' and '\\' are escaped; \b \f \n \r \t use their two-character
//     forms, the other controls U+0000..U+001F and DEL are written \u00XX;
//   - U+2028 and U+2029 are written \u2028 and \u2029 (JavaScript before
//     ES2019 and some log tools take them for line breaks);
//   - each maximal ill-formed subpart of the UTF-8 (Unicode §3.9; e.g. a lone
//     continuation byte, an overlong lead, a truncated sequence) becomes one
//     \ufffd. RFC 8259 §8.1 requires UTF-8, and the writer repairs rather than
//     refuses so that no log line and no serialization is lost; the escaped
//     form keeps a repair visible in the raw text. A caller for which a
//     replaced character would change meaning checks IsValidUtf8 first.
//   - everything else, well-formed UTF-8 included, is copied as it is.
// Thread-safe.
void AppendJsonString(absl::string_view text, std::string* out);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JSON_H_
