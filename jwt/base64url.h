// Strict base64url (RFC 4648 §5) as JWS uses it (RFC 7515 §2): no padding, no
// whitespace, and canonical trailing bits, so every byte string has exactly one
// accepted encoding.
#ifndef IDENTITY_JWT_BASE64URL_H_
#define IDENTITY_JWT_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::jwt {

// Encodes `data` without padding. Never fails.
std::string Base64UrlEncode(absl::string_view data);

// Decodes `text`. Fails with Reason::kBase64Invalid on any character outside
// [A-Za-z0-9-_] (including '=' and whitespace), on a length of 1 modulo 4, and
// on non-zero unused trailing bits.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_BASE64URL_H_
