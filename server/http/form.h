// Parsing what browsers and OAuth clients send:
// application/x-www-form-urlencoded bodies and query strings, and Cookie
// headers; and escaping for HTML.
#ifndef IDENTITY_SERVER_HTTP_FORM_H_
#define IDENTITY_SERVER_HTTP_FORM_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

// name -> value, decoded ('+' is a space, %XX a byte). RFC 6749 §3.1 and
// §3.2: a parameter sent twice is an error, and so is a malformed escape.
// Errors: InvalidArgument naming the problem (never echoing values).
absl::StatusOr<std::map<std::string, std::string>> ParseForm(
    absl::string_view text);

// Cookie header (RFC 6265 §5.4) -> name -> value. The first of a repeated
// name wins; malformed pairs are skipped.
std::map<std::string, std::string> ParseCookies(absl::string_view header);

// Text safe inside HTML element content and double-quoted attributes.
std::string HtmlEscape(absl::string_view text);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_FORM_H_
