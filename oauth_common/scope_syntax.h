// The syntax of OAuth 2.0 scopes (RFC 6749 §3.3), for both sides of a token:
// the server that parses requested and allowed scopes (server/oauth/scope.h)
// and the interceptor that checks a method's required scopes
// (client/interceptor/method_policy.h).
//
// Why a package of its own: the rule is OAuth, not JOSE (jwt/ knows nothing of
// OAuth and is also built against BoringSSL for its own tests), and client/
// must not depend on server/ (docs/architecture.md). oauth_common/ depends on
// Abseil only, so both may link it without a new edge between them.
#ifndef IDENTITY_OAUTH_COMMON_SCOPE_SYNTAX_H_
#define IDENTITY_OAUTH_COMMON_SCOPE_SYNTAX_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::oauth_common {

// RFC 6749 §3.3 (and Appendix A.4): NQCHAR = %x21 / %x23-5B / %x5D-7E, that is
// printable ASCII without space, '"' and '\'.
bool IsScopeTokenChar(char c);

// RFC 6749 §3.3: scope-token = 1*NQCHAR. No length limit: the limits below are
// for untrusted scope strings.
bool IsScopeToken(absl::string_view token);

// Limits on what ParseScopeString accepts (its input is usually
// unauthenticated).
inline constexpr size_t kMaxScopeTokenLength = 256;
inline constexpr size_t kMaxScopeTokens = 256;

// Splits a space-delimited scope string (RFC 6749 §3.3: scope = scope-token
// *( SP scope-token )) into its tokens, in order, without duplicates (the
// order of scopes does not matter, so a repeat says nothing new). Lenient
// about spaces (leading, trailing or repeated %x20 separate nothing), strict
// about everything else: each token is a scope token of at most
// kMaxScopeTokenLength bytes, and there are at most kMaxScopeTokens distinct
// ones. "" gives no tokens.
// Errors: InvalidArgument, naming the rule broken (not the input). Thread-safe.
absl::StatusOr<std::vector<std::string>> ParseScopeString(
    absl::string_view scope);

}  // namespace identity::oauth_common

#endif  // IDENTITY_OAUTH_COMMON_SCOPE_SYNTAX_H_
