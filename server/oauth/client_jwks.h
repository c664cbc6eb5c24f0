// The public keys a client registers for private_key_jwt (OIDC Dynamic
// Client Registration §2 jwks, RFC 7523 §2.2): validated once at
// registration, parsed again for each assertion.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_JWKS_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_JWKS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/algorithm.h"
#include "jwt/jwks.h"

namespace identity::server {

// Bounds on what one client registers: the text and the number of keys.
inline constexpr size_t kMaxClientJwksSize = 16 * 1024;
inline constexpr size_t kMaxClientJwksKeys = 10;

// What a client's assertion may be signed with: every asymmetric algorithm
// jwt/ implements, never HMAC (a client holds no secret shared with the
// server) nor "none" (RFC 7523 §3 item 9; RFC 8725 §3.1).
const std::vector<jwt::Algorithm>& ClientAssertionAlgorithms();

// The set of `text`, or kInvalidRequest (oauth_error.h) naming the problem:
// longer than kMaxClientJwksSize; not a strict JWK Set (jwt::Jwks::Parse:
// duplicate kids, bad members...); a key the library cannot use; no key or
// more than kMaxClientJwksKeys; a symmetric key or any private member (RFC
// 7517 §9.3: the client keeps its private key); "use" other than "sig"; an
// "alg" outside ClientAssertionAlgorithms; several keys and one without a
// kid (the assertion's kid must select one key).
absl::StatusOr<jwt::Jwks> ParseClientJwks(absl::string_view text);

// ParseClientJwks, then the set's public members only, as stored.
absl::StatusOr<std::string> CanonicalClientJwks(absl::string_view text);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_JWKS_H_
