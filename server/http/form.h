// What the front door reads from and writes for browsers: Cookie headers,
// and escaping for HTML. (Forms and query strings are
// application/x-www-form-urlencoded: server/oauth/form_urlencoded.h.)
#ifndef IDENTITY_SERVER_HTTP_FORM_H_
#define IDENTITY_SERVER_HTTP_FORM_H_

#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace identity::server {

// Cookie header (RFC 6265 §5.4) -> name -> value. The first of a repeated
// name wins; malformed pairs are skipped.
std::map<std::string, std::string> ParseCookies(absl::string_view header);

// Text safe inside HTML element content and double-quoted attributes.
std::string HtmlEscape(absl::string_view text);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_FORM_H_
