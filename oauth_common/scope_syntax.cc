#include "oauth_common/scope_syntax.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::oauth_common {

bool IsScopeTokenChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u <= 0x5b) || (u >= 0x5d && u <= 0x7e);
}

bool IsScopeToken(absl::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), IsScopeTokenChar);
}

absl::StatusOr<std::vector<std::string>> ParseScopeString(
    absl::string_view scope) {
  std::vector<std::string> tokens;
  absl::flat_hash_set<absl::string_view> seen;
  for (absl::string_view token :
       absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    if (!IsScopeToken(token)) {
      return absl::InvalidArgumentError(
          "a scope token has a character RFC 6749 §3.3 does not allow");
    }
    if (token.size() > kMaxScopeTokenLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a scope token is longer than ", kMaxScopeTokenLength, " bytes"));
    }
    if (!seen.insert(token).second) continue;
    if (seen.size() > kMaxScopeTokens) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxScopeTokens, " distinct scopes"));
    }
    tokens.emplace_back(token);
  }
  return tokens;
}

}  // namespace identity::oauth_common
