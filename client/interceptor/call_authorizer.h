// The decision for one incoming call, from its `:path` and `authorization`
// metadata: pass, UNAUTHENTICATED (no token, or one that does not verify) or
// PERMISSION_DENIED (a valid token without a required scope). No gRPC types:
// the transport glue (server_credentials.h) asks, this answers.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_
#define IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_

#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/interceptor/method_policy.h"
#include "client/interceptor/token_validator.h"

namespace identity::interceptor {

// Immutable; thread-safe.
class CallAuthorizer {
 public:
  CallAuthorizer(MethodPolicy policy,
                 std::shared_ptr<const TokenValidator> validator)
      : policy_(std::move(policy)), validator_(std::move(validator)) {}

  // `authorization`: the call's authorization metadata values (gRPC metadata
  // may repeat a key). OK, or Unauthenticated / PermissionDenied /
  // Unavailable with a message for the caller that never echoes the token.
  absl::Status Authorize(
      absl::string_view path,
      const std::vector<absl::string_view>& authorization) const;

  // The verified token carried by `authorization` (the metadata values of a
  // call), whatever the method's rule: what handlers read the caller's
  // claims from (server_credentials.h has the accessor for a ServerContext).
  // With a CachingTokenValidator this is a hash lookup for a call the
  // authorizer has just let through. Errors: as Authorize's Unauthenticated.
  absl::StatusOr<std::shared_ptr<const VerifiedToken>> VerifiedCaller(
      const std::vector<absl::string_view>& authorization) const;

  const MethodPolicy& policy() const { return policy_; }

 private:
  const MethodPolicy policy_;
  const std::shared_ptr<const TokenValidator> validator_;
};

// The token of an "authorization: Bearer <token>" value (RFC 6750 §2.1: the
// scheme is case-insensitive, one or more spaces follow it, the token is
// b64token). nullopt otherwise.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_
