// Validates the bearer token of a call. The interface lets the same
// authorizer sit on identity-server (which verifies against its own keys) and
// on other services (which fetch the issuer's JWKS).
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/claims.h"
#include "jwt/jwks.h"
#include "jwt/jwt_verifier.h"

namespace identity::interceptor {

struct VerifiedToken {
  jwt::Claims claims;
  // The "scope" claim split on spaces (RFC 9068 §2.2.3, RFC 8693 §4.2).
  std::vector<std::string> scopes;
};

// Implementations are thread-safe.
class TokenValidator {
 public:
  virtual ~TokenValidator() = default;
  // The verified token, or an error whose message names the reason (never
  // the token). Errors: Unauthenticated for a token that does not verify;
  // Unavailable when no keys are at hand.
  virtual absl::StatusOr<VerifiedToken> Validate(
      absl::string_view token) const = 0;
};

// Verifies JWTs with `verifier` against whatever key set `jwks` returns at the
// time of the call (a snapshot: rotations take effect on the next call).
class JwksTokenValidator final : public TokenValidator {
 public:
  using JwksSource = std::function<std::shared_ptr<const jwt::Jwks>()>;

  JwksTokenValidator(jwt::JwtVerifier verifier, JwksSource jwks)
      : verifier_(std::move(verifier)), jwks_(std::move(jwks)) {}

  absl::StatusOr<VerifiedToken> Validate(
      absl::string_view token) const override;

 private:
  const jwt::JwtVerifier verifier_;
  const JwksSource jwks_;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_
