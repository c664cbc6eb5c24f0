// OAuth 2.0 scope strings (RFC 6749 §3.3).
#ifndef IDENTITY_SERVER_OAUTH_SCOPE_H_
#define IDENTITY_SERVER_OAUTH_SCOPE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oauth_common/scope_syntax.h"

namespace identity::server {

// Limits on what ParseScope accepts (the input is unauthenticated).
inline constexpr size_t kMaxScopeTokenLength =
    oauth_common::kMaxScopeTokenLength;
inline constexpr size_t kMaxScopeTokens = oauth_common::kMaxScopeTokens;

// Splits a space-delimited scope string into its tokens, without duplicates,
// in order. Each token is 1*NQCHAR (%x21 / %x23-5B / %x5D-7E), at most
// kMaxScopeTokenLength bytes; at most kMaxScopeTokens distinct tokens. The
// rule is oauth_common::ParseScopeString (oauth_common/scope_syntax.h), whose
// token rule the interceptor shares; this adds the OAuth error.
// Errors: kInvalidScope (oauth_error.h) for a malformed token or too many.
absl::StatusOr<std::vector<std::string>> ParseScope(absl::string_view scope);

// The scopes to grant: `requested` when each is in `allowed` (else
// kInvalidScope naming the first that is not), or all of `allowed` when
// nothing was requested (RFC 6749 §3.3 lets the server choose a default).
absl::StatusOr<std::vector<std::string>> GrantScopes(
    const std::vector<std::string>& requested,
    const std::vector<std::string>& allowed);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_SCOPE_H_
