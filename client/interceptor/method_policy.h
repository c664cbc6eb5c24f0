// Which gRPC methods need a token, and which scopes (SPEC "The interceptor
// library"). Rules are keyed by the HTTP/2 `:path` of the call:
// "/package.Service/Method" for one method, "/package.Service/*" for every
// method of a service. The most specific rule wins; calls no rule names get
// the default rule.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_METHOD_POLICY_H_
#define IDENTITY_CLIENT_INTERCEPTOR_METHOD_POLICY_H_

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::interceptor {

struct MethodRule {
  // false: the call passes without a token (health checks, the token
  // endpoint itself).
  bool requires_token = true;
  // Every one of these must be in the token's "scope" claim.
  std::vector<std::string> required_scopes;
  // Revocation-sensitive: after the local checks, ask the issuer whether the
  // token is still active (Introspect, cached briefly; CallAuthorizer's
  // OnlineChecker).
  bool online_check = false;
};

// Immutable once built; thread-safe to read.
class MethodPolicy {
 public:
  // Every call needs a valid token unless a rule opens it. The safe default
  // for a service that is protected as a whole.
  static MethodPolicy RequireTokenByDefault();
  // Calls pass unless a rule protects them. For servers where only a few
  // methods are protected (identity-server's own admin methods).
  static MethodPolicy OpenByDefault();

  // Adds a rule. `pattern` is "/package.Service/Method" or
  // "/package.Service/*". Errors: InvalidArgument for another shape, a
  // malformed scope, or a pattern already set.
  absl::Status SetRule(absl::string_view pattern, MethodRule rule);

  // Adds a rule for every method of `service` annotated with
  // `option (identity.v1.auth)` (proto/identity/v1/auth.proto); methods
  // without the option keep the default rule. Errors: those of SetRule (a
  // method also set by configuration, `open` with scopes, a bad scope).
  absl::Status AddRulesFromService(
      const google::protobuf::ServiceDescriptor& service);
  // The same for a service of the generated descriptor pool, by full name
  // ("orders.v1.Orders"): its .pb.cc must be linked in, as it is when the
  // server registers the service. Errors: NotFound for an unknown name.
  absl::Status AddRulesFromService(absl::string_view full_name);

  // The rule for a call's `:path`.
  const MethodRule& RuleFor(absl::string_view path) const;

 private:
  explicit MethodPolicy(MethodRule default_rule)
      : default_rule_(std::move(default_rule)) {}

  MethodRule default_rule_;
  absl::flat_hash_map<std::string, MethodRule> methods_;   // "/pkg.S/M"
  absl::flat_hash_map<std::string, MethodRule> services_;  // "/pkg.S/"
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_METHOD_POLICY_H_
