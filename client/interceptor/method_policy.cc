#include "client/interceptor/method_policy.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "identity/v1/auth.pb.h"
#include "oauth_common/scope_syntax.h"

namespace identity::interceptor {
namespace {

// A proto full name segment: letters, digits, '_' and '.' (package dots).
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.';
}

bool IsName(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

}  // namespace

MethodPolicy MethodPolicy::RequireTokenByDefault() {
  return MethodPolicy(MethodRule{true, {}});
}

MethodPolicy MethodPolicy::OpenByDefault() {
  return MethodPolicy(MethodRule{false, {}});
}

absl::Status MethodPolicy::SetRule(absl::string_view pattern, MethodRule rule) {
  const size_t slash = pattern.rfind('/');
  if (pattern.size() < 4 || pattern[0] != '/' || slash == 0 ||
      !IsName(pattern.substr(1, slash - 1))) {
    return absl::InvalidArgumentError(
        absl::StrCat("method pattern \"", pattern,
                     "\" is not /package.Service/Method or "
                     "/package.Service/*"));
  }
  const absl::string_view method = pattern.substr(slash + 1);
  const bool whole_service = method == "*";
  if (!whole_service && !IsName(method)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "method pattern \"", pattern, "\" has a malformed method name"));
  }
  // RFC 6749 §3.3: each required scope is one scope-token (1*NQCHAR), the
  // same rule the server applies to the scopes it grants.
  for (const std::string& scope : rule.required_scopes) {
    if (!oauth_common::IsScopeToken(scope)) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", scope, "\" is not a scope token (RFC 6749 §3.3)"));
    }
  }
  if (!rule.requires_token && rule.online_check) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rule for ", pattern, " asks for an online check but no token"));
  }
  if (!rule.requires_token && !rule.required_scopes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rule for ", pattern, " requires scopes but no token"));
  }
  auto& rules = whole_service ? services_ : methods_;
  const std::string key(whole_service ? pattern.substr(0, slash + 1) : pattern);
  if (!rules.emplace(key, std::move(rule)).second) {
    return absl::InvalidArgumentError(
        absl::StrCat("method pattern ", pattern, " is set twice"));
  }
  return absl::OkStatus();
}

absl::Status MethodPolicy::AddRulesFromService(
    const google::protobuf::ServiceDescriptor& service) {
  for (int i = 0; i < service.method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service.method(i);
    if (!method.options().HasExtension(v1::auth)) continue;
    const v1::MethodAuth& auth = method.options().GetExtension(v1::auth);
    MethodRule rule;
    rule.requires_token = !auth.open();
    rule.required_scopes.assign(auth.scopes().begin(), auth.scopes().end());
    rule.online_check = auth.revocation_sensitive();
    if (absl::Status s =
            SetRule(absl::StrCat("/", service.full_name(), "/", method.name()),
                    std::move(rule));
        !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "(identity.v1.auth) of ", method.full_name(), ": ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status MethodPolicy::AddRulesFromService(absl::string_view full_name) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          std::string(full_name));
  if (service == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "no service \"", full_name, "\" in the generated descriptor pool"));
  }
  return AddRulesFromService(*service);
}

const MethodRule& MethodPolicy::RuleFor(absl::string_view path) const {
  if (auto it = methods_.find(path); it != methods_.end()) return it->second;
  const size_t slash = path.rfind('/');
  if (slash != absl::string_view::npos) {
    auto it = services_.find(path.substr(0, slash + 1));
    if (it != services_.end()) return it->second;
  }
  return default_rule_;
}

}  // namespace identity::interceptor
