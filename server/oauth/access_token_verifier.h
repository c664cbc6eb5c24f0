// How the server verifies its own access tokens (RFC 9068), for Introspect
// and for admin calls: one rule in one place.
#ifndef IDENTITY_SERVER_OAUTH_ACCESS_TOKEN_VERIFIER_H_
#define IDENTITY_SERVER_OAUTH_ACCESS_TOKEN_VERIFIER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "jwt/jwt_verifier.h"

namespace identity::server {

// Clock skew tolerated between the replica that issued a token and the one
// verifying it (exp, nbf, iat).
inline constexpr absl::Duration kReplicaClockLeeway = absl::Seconds(5);

// "typ" at+jwt (RFC 9068 §4), "iss" == `issuer`, "exp" required, any
// algorithm the server may sign with (never HMAC or "none"), leeway
// kReplicaClockLeeway. The audience is not checked: every token of this
// server names the configured audience. `clock` must outlive the verifier.
absl::StatusOr<jwt::JwtVerifier> OwnAccessTokenVerifier(
    std::string issuer, const jwt::Clock* clock);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_ACCESS_TOKEN_VERIFIER_H_
