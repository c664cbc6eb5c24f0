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

}  // namespace

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return std::nullopt;
  }
  absl::string_view token = authorization.substr(kScheme.size());
  // credentials = "Bearer" 1*SP b64token
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (!IsB64Token(token)) return std::nullopt;
  return token;
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

// The bearer token of a call's authorization values, or the refusal with its
// reason for the observer ("missing", "repeated", "not_bearer").
absl::StatusOr<absl::string_view> TokenOf(
    const std::vector<absl::string_view>& authorization, std::string* reason) {
  if (authorization.empty()) {
    *reason = "missing";
    return absl::UnauthenticatedError(
        "missing authorization metadata: this method needs "
        "\"authorization: Bearer <access token>\"");
  }
  if (authorization.size() > 1) {
    *reason = "repeated";
    return absl::UnauthenticatedError(
        "more than one authorization metadata value");
  }
  std::optional<absl::string_view> token = BearerToken(authorization.front());
  if (!token.has_value()) {
    *reason = "not_bearer";
    return absl::UnauthenticatedError(
        "authorization metadata is not \"Bearer <access token>\"");
  }
  return *token;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
CallAuthorizer::VerifiedCaller(
    const std::vector<absl::string_view>& authorization) const {
  std::string unused;
  absl::StatusOr<absl::string_view> token = TokenOf(authorization, &unused);
  if (!token.ok()) return token.status();
  return validator_->Validate(*token);
}

absl::Status CallAuthorizer::Authorize(
    absl::string_view path,
    const std::vector<absl::string_view>& authorization) const {
  Outcome outcome;
  std::string reason;
  absl::Status status = Decide(path, authorization, &outcome, &reason);
  if (observer_ != nullptr) observer_->OnDecision(path, outcome, reason);
  return status;
}

absl::Status CallAuthorizer::Decide(
    absl::string_view path, const std::vector<absl::string_view>& authorization,
    Outcome* outcome, std::string* reason) const {
  const MethodRule& rule = policy_.RuleFor(path);
  if (!rule.requires_token) {
    *outcome = Outcome::kOpen;
    return absl::OkStatus();
  }
  absl::StatusOr<absl::string_view> token = TokenOf(authorization, reason);
  if (!token.ok()) {
    *outcome = Outcome::kUnauthenticated;
    return token.status();
  }
  auto verified = validator_->Validate(*token);
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
            : online_->IsActive(*token);
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
