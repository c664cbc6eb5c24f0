// PKCE (RFC 7636): the challenge an authorization request carries, and the
// verifier the token request proves it with.
#ifndef IDENTITY_SERVER_OAUTH_PKCE_H_
#define IDENTITY_SERVER_OAUTH_PKCE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::server {

// A challenge the server will accept: method "S256" and 43 base64url
// characters (a SHA-256 digest), or, only when `allow_plain`, method "plain"
// and a valid verifier as the challenge. PKCE is mandatory: an empty
// challenge or method is refused. Errors: kInvalidRequest (oauth_error.h).
absl::Status ValidateCodeChallenge(absl::string_view challenge,
                                   absl::string_view method, bool allow_plain);

// Whether `verifier` (RFC 7636 §4.1: 43 to 128 characters of
// [A-Za-z0-9-._~]) matches the stored challenge; compared in constant time.
// Errors: kInvalidRequest for a missing or malformed verifier; kInvalidGrant
// when it does not match (RFC 7636 §4.6).
absl::Status VerifyCodeVerifier(absl::string_view verifier,
                                absl::string_view challenge,
                                absl::string_view method);

// BASE64URL(SHA256(verifier)): the S256 challenge of a verifier.
std::string S256Challenge(absl::string_view verifier);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_PKCE_H_
