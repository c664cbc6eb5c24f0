#include "server/oauth/pkce.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <string>

#include "jwt/base64url.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

bool IsVerifierSyntax(absl::string_view s) {
  if (s.size() < 43 || s.size() > 128) return false;
  for (char c : s) {
    if (!IsUnreserved(c)) return false;
  }
  return true;
}

bool IsBase64Url(absl::string_view s) {
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() &&
         CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::string S256Challenge(absl::string_view verifier) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()),
         verifier.size(), digest);
  return jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::Status ValidateCodeChallenge(absl::string_view challenge,
                                   absl::string_view method, bool allow_plain) {
  if (challenge.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "code_challenge is required (PKCE, RFC 7636)");
  }
  if (method == "S256") {
    // A SHA-256 digest is 32 bytes: 43 base64url characters, no padding.
    if (challenge.size() != 43 || !IsBase64Url(challenge)) {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "code_challenge must be 43 base64url characters "
                          "for S256");
    }
    return absl::OkStatus();
  }
  if (method == "plain" && allow_plain) {
    if (!IsVerifierSyntax(challenge)) {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "a plain code_challenge must be 43 to 128 "
                          "characters of [A-Za-z0-9-._~]");
    }
    return absl::OkStatus();
  }
  return OAuthFailure(OAuthError::kInvalidRequest,
                      allow_plain
                          ? "code_challenge_method must be S256 or plain"
                          : "code_challenge_method must be S256");
}

absl::Status VerifyCodeVerifier(absl::string_view verifier,
                                absl::string_view challenge,
                                absl::string_view method) {
  if (verifier.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "code_verifier is required");
  }
  if (!IsVerifierSyntax(verifier)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "code_verifier must be 43 to 128 characters of "
                        "[A-Za-z0-9-._~]");
  }
  const bool matches =
      method == "S256" ? ConstantTimeEquals(S256Challenge(verifier), challenge)
      : method == "plain" ? ConstantTimeEquals(verifier, challenge)
                          : false;
  if (!matches) {
    return OAuthFailure(OAuthError::kInvalidGrant,
                        "code_verifier does not match the code_challenge");
  }
  return absl::OkStatus();
}

}  // namespace identity::server
