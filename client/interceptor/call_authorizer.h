// The decision for one incoming call, from its `:path`, `authorization`
// (and, for DPoP, `:authority` and `dpop`) metadata: pass, UNAUTHENTICATED
// (no token, or one that does not verify) or
// PERMISSION_DENIED (a valid token without a required scope). No gRPC types:
// the transport glue (server_credentials.h) asks, this answers.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_
#define IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "client/interceptor/dpop_check.h"
#include "client/interceptor/method_policy.h"
#include "client/interceptor/token_validator.h"

namespace identity::interceptor {

// What happened to a call, for counters (the metrics exporter plugs in here).
enum class Outcome {
  kOpen,              // The method needs no token.
  kAllowed,           // A valid token with the required scopes.
  kUnauthenticated,   // No token, or one that does not verify.
  kPermissionDenied,  // A valid token without a required scope.
  kUnavailable,       // No key set to verify with, or the issuer could not
                      // be asked about a revocation-sensitive call.
};
absl::string_view OutcomeName(Outcome outcome);  // "allowed", ...

// Receives every decision. Implementations are thread-safe and quick: they
// run on gRPC's threads before the call proceeds.
class AuthObserver {
 public:
  virtual ~AuthObserver() = default;
  // `reason`: for a refused call, the failed rule ("expired", "kid_unknown",
  // "missing", "not_bearer", "token_malformed", "scope", "revoked", ...); empty
  // otherwise.
  virtual void OnDecision(absl::string_view path, Outcome outcome,
                          absl::string_view reason) = 0;
};

// An AuthObserver that counts decisions by outcome and reason.
class CountingAuthObserver final : public AuthObserver {
 public:
  void OnDecision(absl::string_view path, Outcome outcome,
                  absl::string_view reason) override;
  // How many decisions had this outcome (and reason, if not empty).
  int64_t Count(Outcome outcome, absl::string_view reason = "") const;
  // Every (outcome, reason) seen, with its count.
  std::map<std::pair<std::string, std::string>, int64_t> Snapshot() const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> counts_
      ABSL_GUARDED_BY(mu_);
};

// Asks the issuer whether a locally valid token is still active (for
// revocation-sensitive methods). Implementations are thread-safe; they may
// block (the server credentials call them off gRPC's threads).
class OnlineChecker {
 public:
  virtual ~OnlineChecker() = default;
  // Errors: Unavailable when the issuer cannot be asked.
  virtual absl::StatusOr<bool> IsActive(absl::string_view token) = 0;
};

// The metadata of one call the authorizer reads (views into the call's
// metadata: gRPC metadata may repeat a key).
struct CallMetadata {
  absl::string_view path;       // ":path", "/pkg.Service/Method".
  absl::string_view authority;  // ":authority" (DPoP proofs' htu).
  std::vector<absl::string_view> authorization;
  std::vector<absl::string_view> dpop;
};

// Immutable; thread-safe.
class CallAuthorizer {
 public:
  // `observer` and `online` may be null (then a method with an online check
  // is refused as Unavailable). `dpop` may be null: then the DPoP scheme is
  // refused (dpop_unsupported); a DPoP-bound token is refused as a bearer
  // token either way (RFC 9449 §7.2).
  CallAuthorizer(MethodPolicy policy,
                 std::shared_ptr<const TokenValidator> validator,
                 std::shared_ptr<AuthObserver> observer = nullptr,
                 std::shared_ptr<OnlineChecker> online = nullptr,
                 std::shared_ptr<const DpopChecker> dpop = nullptr)
      : policy_(std::move(policy)),
        validator_(std::move(validator)),
        observer_(std::move(observer)),
        online_(std::move(online)),
        dpop_(std::move(dpop)) {}

  // Whether Authorize (or OpenCallCredentialsUsable) may block for `path`
  // (an online check, or a DPoP replay cache that may block).
  bool MayBlock(absl::string_view path) const {
    return policy_.RuleFor(path).online_check ||
           (dpop_ != nullptr && dpop_->MayBlock());
  }

  // `authorization`: the call's authorization metadata values (gRPC metadata
  // may repeat a key). OK, or Unauthenticated / PermissionDenied /
  // Unavailable with a message for the caller that never echoes the token.
  // The same as Authorize(call) with no :authority and no dpop metadata.
  absl::Status Authorize(
      absl::string_view path,
      const std::vector<absl::string_view>& authorization) const;

  // The decision for a call. The token comes as "Bearer <token>" (RFC 6750)
  // or "DPoP <token>" (RFC 9449 §7.1). A token whose claims have "cnf":
  // {"jkt": ...} is DPoP-bound: it must come with the DPoP scheme and one
  // "dpop" proof that DpopChecker::Check accepts (refused as Bearer:
  // dpop_bound_as_bearer). The DPoP scheme with an unbound token is refused
  // (dpop_unbound). With the Bearer scheme and an unbound token, a "dpop"
  // value is ignored (RFC 9449 §7.2: the scheme decides), unless the DPoP
  // checker requires DPoP (dpop_required). Errors: as above, all
  // Unauthenticated except the replay cache's Unavailable.
  absl::Status Authorize(const CallMetadata& call) const;

  // For a call to a method that needs no token (Authorize lets it through
  // unchecked): whether its handler may see its credentials. False when it
  // carries a token that does not validate now, or one that verifies but
  // fails the DPoP rules (a DPoP-bound token without its valid proof, the
  // DPoP scheme with an unbound one): VerifiedCaller would otherwise hand
  // the handler a caller whose proof was never checked (a token refused now
  // may validate later, once a new key is fetched). The transport then hides
  // "authorization" and "dpop" from the handler, and the call goes on as an
  // anonymous one. True for a method that needs a token (Authorize decides
  // those), and always without a DpopChecker (then nothing is validated for
  // open methods, as before).
  bool OpenCallCredentialsUsable(const CallMetadata& call) const;

  // The verified token carried by `authorization` (the metadata values of a
  // call), whatever the method's rule: what handlers read the caller's
  // claims from (server_credentials.h has the accessor for a ServerContext).
  // With a CachingTokenValidator this is a hash lookup for a call the
  // authorizer has just let through. Either scheme (Bearer or DPoP): the
  // proof was checked before the handler ran. Errors: as Authorize's
  // Unauthenticated.
  absl::StatusOr<std::shared_ptr<const VerifiedToken>> VerifiedCaller(
      const std::vector<absl::string_view>& authorization) const;

  const MethodPolicy& policy() const { return policy_; }

 private:
  absl::Status Decide(const CallMetadata& call, Outcome* outcome,
                      std::string* reason) const;
  // The DPoP rules (Authorize(call)) for a verified token.
  absl::Status CheckBinding(const CallMetadata& call, absl::string_view token,
                            bool dpop_scheme, const VerifiedToken& verified,
                            std::string* reason) const;

  const MethodPolicy policy_;
  const std::shared_ptr<const TokenValidator> validator_;
  const std::shared_ptr<AuthObserver> observer_;
  const std::shared_ptr<OnlineChecker> online_;
  const std::shared_ptr<const DpopChecker> dpop_;
};

// The token of an "authorization: Bearer <token>" value (RFC 6750 §2.1: the
// scheme is case-insensitive, one or more spaces follow it, the token is
// b64token). nullopt otherwise.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

// The token of an "authorization: DPoP <token>" value (RFC 9449 §7.1: the
// same syntax as Bearer's, scheme case-insensitive). nullopt otherwise.
std::optional<absl::string_view> DpopToken(absl::string_view authorization);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_CALL_AUTHORIZER_H_
