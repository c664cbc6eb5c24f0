// Redirect URIs (RFC 6749 §3.1.2, RFC 8252, RFC 9700 §4.1): which may be
// registered, and building the redirect that carries a code or an error.
#ifndef IDENTITY_SERVER_OAUTH_REDIRECT_URI_H_
#define IDENTITY_SERVER_OAUTH_REDIRECT_URI_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::server {

// A URI a client may register: absolute, at most 2000 characters, no
// fragment, no whitespace or control characters; and https, or http on a
// loopback host (127.0.0.1, [::1], localhost: RFC 8252 §7.3), or a
// private-use scheme with a dot (com.example.app:/cb, RFC 8252 §7.1).
// Errors: kInvalidRequest naming the rule.
absl::Status ValidateRedirectUri(absl::string_view uri);

// Whether an authorization request's `requested` redirect URI is the
// client's `registered` one: the same string, or for http on a loopback host
// the same host, path and query on any port (RFC 8252 §7.3).
bool RedirectUriMatches(absl::string_view registered,
                        absl::string_view requested);

// `uri` with `parameters` appended to its query, form-urlencoded.
std::string AppendQuery(
    absl::string_view uri,
    const std::vector<std::pair<std::string, std::string>>& parameters);

// application/x-www-form-urlencoded encoding of one name or value: every
// byte but [A-Za-z0-9*-._] percent-encoded, space as '+' (WHATWG URL).
std::string FormEncode(absl::string_view text);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_REDIRECT_URI_H_
