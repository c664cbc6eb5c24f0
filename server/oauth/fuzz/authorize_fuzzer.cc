// libFuzzer target: the untrusted inputs of an authorization and a token
// request that the OAuth core parses itself: the PKCE challenge and verifier,
// redirect URIs (registration and matching), the scope string, and building
// the redirect. The input is split at newlines into those fields.
// Properties beyond "no crash": a URI always matches itself; a valid
// challenge's own verifier check never crashes; the redirect built on a
// URI starts with it and holds only URI characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "server/oauth/pkce.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/scope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::server;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> f = absl::StrSplit(text, '\n');
  f.resize(6);
  const absl::string_view challenge = f[0], method = f[1], verifier = f[2],
                          uri = f[3], other_uri = f[4], scope = f[5];
  (void)ValidateCodeChallenge(challenge, method, true);
  (void)ValidateCodeChallenge(challenge, method, false);
  (void)VerifyCodeVerifier(verifier, challenge, method);
  (void)VerifyCodeVerifier(verifier, S256Challenge(verifier), "S256");
  const bool valid_uri = ValidateRedirectUri(uri).ok();
  if (!RedirectUriMatches(uri, uri)) __builtin_trap();
  (void)RedirectUriMatches(uri, other_uri);
  (void)ParseScope(scope);
  const std::string redirect = AppendQuery(
      uri, {{"code", std::string(verifier)}, {"state", std::string(scope)}});
  if (!absl::StartsWith(redirect, uri)) __builtin_trap();
  if (valid_uri) {
    for (size_t i = uri.size(); i < redirect.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(redirect[i]);
      if (c <= 0x20 || c >= 0x7F) __builtin_trap();
    }
  }
  return 0;
}
