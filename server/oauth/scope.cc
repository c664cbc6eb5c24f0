#include "server/oauth/scope.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

bool IsNqChar(unsigned char c) {
  return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseScope(absl::string_view scope) {
  std::vector<std::string> tokens;
  absl::flat_hash_set<absl::string_view> seen;
  for (absl::string_view token :
       absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    if (!std::all_of(token.begin(), token.end(),
                     [](char c) { return IsNqChar(c); })) {
      return OAuthFailure(OAuthError::kInvalidScope,
                          "a scope token has a character RFC 6749 §3.3 "
                          "does not allow");
    }
    if (token.size() > kMaxScopeTokenLength) {
      return OAuthFailure(OAuthError::kInvalidScope,
                          absl::StrCat("a scope token is longer than ",
                                       kMaxScopeTokenLength, " bytes"));
    }
    if (!seen.insert(token).second) continue;
    if (seen.size() > kMaxScopeTokens) {
      return OAuthFailure(
          OAuthError::kInvalidScope,
          absl::StrCat("more than ", kMaxScopeTokens, " distinct scopes"));
    }
    tokens.emplace_back(token);
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
