#include "client/interceptor/token_validator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jwt/status.h"

namespace identity::interceptor {

absl::StatusOr<VerifiedToken> JwksTokenValidator::Validate(
    absl::string_view token) const {
  std::shared_ptr<const jwt::Jwks> keys = jwks_();
  if (keys == nullptr) {
    return absl::UnavailableError("no verification keys are available");
  }
  auto verified = verifier_.Verify(token, *keys);
  if (!verified.ok()) {
    // The message of a jwt/ error names the failed rule and never contains
    // the token.
    return absl::UnauthenticatedError(absl::StrCat(
        "invalid token (", jwt::ReasonName(jwt::ReasonOf(verified.status())),
        "): ", verified.status().message()));
  }
  VerifiedToken result;
  result.claims = std::move(verified->claims);
  if (result.claims.other.contains("scope")) {
    std::optional<std::string> scope = result.claims.GetString("scope");
    if (!scope.has_value()) {
      return absl::UnauthenticatedError(
          "invalid token: the scope claim is not a string");
    }
    result.scopes = absl::StrSplit(*scope, ' ', absl::SkipEmpty());
  }
  return result;
}

}  // namespace identity::interceptor
