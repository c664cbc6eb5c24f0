#include "client/interceptor/call_authorizer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::interceptor {
namespace {

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" /
// "/" ) *"=".
bool IsB64Token(absl::string_view token) {
  size_t i = 0;
  while (i < token.size()) {
    const char c = token[i];
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
          c == '~' || c == '+' || c == '/')) {
      break;
    }
    ++i;
  }
  if (i == 0) return false;
  while (i < token.size() && token[i] == '=') ++i;
  return i == token.size();
}

// RFC 6750 §2.1 and RFC 9449 §7.1: `scheme` (lowercase, with its space),
// case-insensitive, then 1*SP b64token.
std::optional<absl::string_view> SchemeToken(absl::string_view scheme,
                                             absl::string_view authorization) {
  if (authorization.size() <= scheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, scheme)) {
    return std::nullopt;
  }
  absl::string_view token = authorization.substr(scheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (!IsB64Token(token)) return std::nullopt;
  return token;
}

}  // namespace

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  return SchemeToken("bearer ", authorization);
}

std::optional<absl::string_view> DpopToken(absl::string_view authorization) {
  return SchemeToken("dpop ", authorization);
}

absl::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOpen:
      return "open";
    case Outcome::kAllowed:
      return "allowed";
    case Outcome::kUnauthenticated:
      return "unauthenticated";
    case Outcome::kPermissionDenied:
      return "permission_denied";
    case Outcome::kUnavailable:
      return "unavailable";
  }
  return "unknown";
}

void CountingAuthObserver::OnDecision(absl::string_view, Outcome outcome,
                                      absl::string_view reason) {
  absl::MutexLock lock(&mu_);
  ++counts_[{std::string(OutcomeName(outcome)), std::string(reason)}];
}

int64_t CountingAuthObserver::Count(Outcome outcome,
                                    absl::string_view reason) const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& [key, count] : counts_) {
    if (key.first == OutcomeName(outcome) &&
        (reason.empty() || key.second == reason)) {
      total += count;
    }
  }
  return total;
}

std::map<std::pair<std::string, std::string>, int64_t>
CountingAuthObserver::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

namespace {

struct PresentedToken {
  absl::string_view token;
  bool dpop_scheme = false;
};

// The token of a call's authorization values (scheme Bearer or DPoP), or the
// refusal with its reason for the observer ("missing", "repeated",
// "not_bearer").
absl::StatusOr<PresentedToken> TokenOf(
    const std::vector<absl::string_view>& authorization, std::string* reason) {
  if (authorization.empty()) {
    *reason = "missing";
    return absl::UnauthenticatedError(
        "missing authorization metadata: this method needs "
        "\"authorization: Bearer <access token>\" (or DPoP)");
  }
  if (authorization.size() > 1) {
    *reason = "repeated";
    return absl::UnauthenticatedError(
        "more than one authorization metadata value");
  }
  if (std::optional<absl::string_view> token =
          BearerToken(authorization.front())) {
    return PresentedToken{*token, false};
  }
  if (std::optional<absl::string_view> token =
          DpopToken(authorization.front())) {
    return PresentedToken{*token, true};
  }
  *reason = "not_bearer";
  return absl::UnauthenticatedError(
      "authorization metadata is not \"Bearer <access token>\" or "
      "\"DPoP <access token>\"");
}

}  // namespace

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
CallAuthorizer::VerifiedCaller(
    const std::vector<absl::string_view>& authorization) const {
  std::string unused;
  absl::StatusOr<PresentedToken> token = TokenOf(authorization, &unused);
  if (!token.ok()) return token.status();
  return validator_->Validate(token->token);
}

absl::Status CallAuthorizer::Authorize(
    absl::string_view path,
    const std::vector<absl::string_view>& authorization) const {
  CallMetadata call;
  call.path = path;
  call.authorization = authorization;
  return Authorize(call);
}

bool CallAuthorizer::OpenCallCredentialsUsable(const CallMetadata& call) const {
  // Without a DPoP checker nothing is validated here: open calls stay as
  // cheap as before (identity-server's admin check has none).
  if (dpop_ == nullptr || policy_.RuleFor(call.path).requires_token) {
    return true;
  }
  std::string reason;
  absl::StatusOr<PresentedToken> presented =
      TokenOf(call.authorization, &reason);
  // Unusable credentials are unusable for the handler too (VerifiedCaller
  // refuses them): nothing to hide.
  if (!presented.ok()) return true;
  // A token that does not validate now is hidden too: a later validation
  // by the handler (a key fetched meanwhile, a clock moved on) would hand
  // it a caller whose DPoP proof nobody checked.
  auto verified = validator_->Validate(presented->token);
  if (!verified.ok()) return false;
  return CheckBinding(call, presented->token, presented->dpop_scheme,
                      **verified, &reason)
      .ok();
}

absl::Status CallAuthorizer::Authorize(const CallMetadata& call) const {
  Outcome outcome;
  std::string reason;
  absl::Status status = Decide(call, &outcome, &reason);
  if (observer_ != nullptr) observer_->OnDecision(call.path, outcome, reason);
  return status;
}

absl::Status CallAuthorizer::CheckBinding(const CallMetadata& call,
                                          absl::string_view token,
                                          bool dpop_scheme,
                                          const VerifiedToken& verified,
                                          std::string* reason) const {
  absl::StatusOr<std::optional<std::string>> jkt = verified.DpopJkt();
  if (!jkt.ok()) {
    *reason = "cnf_invalid";
    return absl::UnauthenticatedError(
        absl::StrCat("invalid token (cnf_invalid): ", jkt.status().message()));
  }
  if (!dpop_scheme) {
    if (jkt->has_value()) {
      *reason = "dpop_bound_as_bearer";
      return absl::UnauthenticatedError(
          "the token is DPoP-bound (cnf.jkt): send it as \"authorization: "
          "DPoP <token>\" with a \"dpop\" proof (RFC 9449 section 7.2)");
    }
    if (dpop_ != nullptr && dpop_->require()) {
      *reason = "dpop_required";
      return absl::UnauthenticatedError(
          "this server accepts DPoP-bound tokens only (RFC 9449)");
    }
    return absl::OkStatus();
  }
  if (dpop_ == nullptr) {
    *reason = "dpop_unsupported";
    return absl::UnauthenticatedError(
        "this server does not accept the DPoP authorization scheme");
  }
  if (!jkt->has_value()) {
    *reason = "dpop_unbound";
    return absl::UnauthenticatedError(
        "the DPoP scheme needs a DPoP-bound token (cnf.jkt); this one is a "
        "bearer token");
  }
  DpopCall dpop_call;
  dpop_call.path = call.path;
  dpop_call.authority = call.authority;
  dpop_call.proofs = call.dpop;
  return dpop_->Check(dpop_call, token, **jkt, reason);
}

absl::Status CallAuthorizer::Decide(const CallMetadata& call, Outcome* outcome,
                                    std::string* reason) const {
  const MethodRule& rule = policy_.RuleFor(call.path);
  if (!rule.requires_token) {
    *outcome = Outcome::kOpen;
    return absl::OkStatus();
  }
  absl::StatusOr<PresentedToken> presented =
      TokenOf(call.authorization, reason);
  if (!presented.ok()) {
    *outcome = Outcome::kUnauthenticated;
    return presented.status();
  }
  const absl::string_view token = presented->token;
  auto verified = validator_->Validate(token);
  if (!verified.ok()) {
    const absl::Status& status = verified.status();
    if (status.code() == absl::StatusCode::kUnavailable) {
      *outcome = Outcome::kUnavailable;
      *reason = "no_keys";
    } else {
      *outcome = Outcome::kUnauthenticated;
      // The validator keeps jwt/'s reason ("expired", "kid_unknown", ...).
      *reason = std::string(jwt::ReasonName(jwt::ReasonOf(status)));
    }
    return status;
  }
  if (absl::Status bound =
          CheckBinding(call, token, presented->dpop_scheme, **verified, reason);
      !bound.ok()) {
    *outcome = bound.code() == absl::StatusCode::kUnavailable
                   ? Outcome::kUnavailable
                   : Outcome::kUnauthenticated;
    return bound;
  }
  const std::vector<std::string>& scopes = (*verified)->scopes;
  for (const std::string& scope : rule.required_scopes) {
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
      *outcome = Outcome::kPermissionDenied;
      *reason = "scope";
      return absl::PermissionDeniedError(
          absl::StrCat("the token lacks scope \"", scope, "\""));
    }
  }
  if (rule.online_check) {
    absl::StatusOr<bool> active =
        online_ == nullptr
            ? absl::UnavailableError(
                  "this method needs an online check and none is configured")
            : online_->IsActive(token);
    if (!active.ok()) {
      *outcome = Outcome::kUnavailable;
      *reason = "online_check";
      // The issuer's answer (which may name this service's own
      // misconfiguration) stays out of the caller's message; the observer
      // records the outcome.
      return absl::UnavailableError(
          "cannot check the token with its issuer; try again later");
    }
    if (!*active) {
      *outcome = Outcome::kUnauthenticated;
      *reason = "revoked";
      return absl::UnauthenticatedError(
          "the token is no longer active (revoked at its issuer)");
    }
  }
  *outcome = Outcome::kAllowed;
  return absl::OkStatus();
}

}  // namespace identity::interceptor
