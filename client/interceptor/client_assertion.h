// The client side of private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9):
// a short-lived JWT the client signs to authenticate at a token endpoint
// instead of sending a secret.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_CLIENT_ASSERTION_H_
#define IDENTITY_CLIENT_INTERCEPTOR_CLIENT_ASSERTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {

// RFC 7523 §2.2: the client_assertion_type that goes with it.
inline constexpr char kJwtBearerAssertionType[] =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// A client assertion: {"iss": client_id, "sub": client_id, "aud":
// `audience` (the issuer identifier or the token endpoint URL), "jti": 128
// random bits (fresh every call: the server accepts each once), "iat": now,
// "exp": now + `lifetime`}, signed by `signer` (whose key's kid goes in the
// header). identity-server accepts at most 5 minutes of lifetime. Errors:
// InvalidArgument for an empty client_id or audience or a non-positive
// lifetime; the signer's (kCryptoFailure); Internal when no random bytes.
absl::StatusOr<std::string> MakeClientAssertion(
    const jwt::JwtSigner& signer, absl::string_view client_id,
    absl::string_view audience, absl::Time now,
    absl::Duration lifetime = absl::Seconds(60));

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_CLIENT_ASSERTION_H_
