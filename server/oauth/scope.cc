#include "server/oauth/scope.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::StatusOr<std::vector<std::string>> ParseScope(absl::string_view scope) {
  auto tokens = oauth_common::ParseScopeString(scope);
  if (!tokens.ok()) {
    return OAuthFailure(OAuthError::kInvalidScope, tokens.status().message());
  }
  return tokens;
}

absl::StatusOr<std::vector<std::string>> GrantScopes(
    const std::vector<std::string>& requested,
    const std::vector<std::string>& allowed) {
  if (requested.empty()) return allowed;
  for (const std::string& scope : requested) {
    if (std::find(allowed.begin(), allowed.end(), scope) == allowed.end()) {
      return OAuthFailure(
          OAuthError::kInvalidScope,
          absl::StrCat("scope \"", scope, "\" is not allowed for this client"));
    }
  }
  return requested;
}

}  // namespace identity::server
