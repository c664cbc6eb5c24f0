#include "client/interceptor/call_authorizer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
CallAuthorizer::VerifiedCaller(
    const std::vector<absl::string_view>& authorization) const {
  if (authorization.empty()) {
    return absl::UnauthenticatedError(
        "missing authorization metadata: this method needs "
        "\"authorization: Bearer <access token>\"");
  }
  if (authorization.size() > 1) {
    return absl::UnauthenticatedError(
        "more than one authorization metadata value");
  }
  std::optional<absl::string_view> token = BearerToken(authorization.front());
  if (!token.has_value()) {
    return absl::UnauthenticatedError(
        "authorization metadata is not \"Bearer <access token>\"");
  }
  return validator_->Validate(*token);
}

absl::Status CallAuthorizer::Authorize(
    absl::string_view path,
    const std::vector<absl::string_view>& authorization) const {
  const MethodRule& rule = policy_.RuleFor(path);
  if (!rule.requires_token) return absl::OkStatus();
  auto verified = VerifiedCaller(authorization);
  if (!verified.ok()) return verified.status();
  const std::vector<std::string>& scopes = (*verified)->scopes;
  for (const std::string& scope : rule.required_scopes) {
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
      return absl::PermissionDeniedError(
          absl::StrCat("the token lacks scope \"", scope, "\""));
    }
  }
  return absl::OkStatus();
}

}  // namespace identity::interceptor
