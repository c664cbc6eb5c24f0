// application/x-www-form-urlencoded (RFC 6749 Appendix B, WHATWG URL §5):
// the encoding of OAuth request bodies and query strings, and of the client
// id and secret inside HTTP Basic credentials (RFC 6749 §2.3.1). The one
// decoder both faces use.
#ifndef IDENTITY_SERVER_OAUTH_FORM_URLENCODED_H_
#define IDENTITY_SERVER_OAUTH_FORM_URLENCODED_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

// One decoded component: '+' is a space, %XX a byte (either case of hex).
// nullopt for a '%' not followed by two hex digits.
std::optional<std::string> FormUrlDecode(absl::string_view component);

// The parameters that may be sent more than once: RFC 8707 §2 `resource`
// and RFC 8693 §2.1 `audience`.
inline constexpr char kResourceParameter[] = "resource";
inline constexpr char kAudienceParameter[] = "audience";
bool IsRepeatableParameter(absl::string_view name);

// name -> value, each decoded. RFC 6749 §3.1 and §3.2: a parameter sent
// twice is an error, and so is a malformed escape; except the repeatable
// ones (above), whose values are joined with single spaces, in order (no
// valid resource indicator nor allowed audience holds a space; a value that
// does is split, and its pieces are checked as values of their own).
// Errors: InvalidArgument naming the problem (never echoing values).
absl::StatusOr<std::map<std::string, std::string>> ParseFormUrlEncoded(
    absl::string_view text);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_FORM_URLENCODED_H_
