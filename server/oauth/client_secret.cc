#include "server/oauth/client_secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"

namespace identity::server {
namespace {

constexpr absl::string_view kPrefix = "v1:";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMinKeyBytes = 32;

}  // namespace

std::string GenerateClientSecret(const RandomSource& random) {
  return jwt::Base64UrlEncode(RandomBytes(random, kSecretBytes));
}

absl::StatusOr<ClientSecretHasher> ClientSecretHasher::Create(std::string key) {
  if (key.size() < kMinKeyBytes) {
    return absl::InvalidArgumentError(
        "the client-secret hashing key must have at least 32 bytes");
  }
  return ClientSecretHasher(std::move(key));
}

std::string ClientSecretHasher::Hash(absl::string_view secret) const {
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const uint8_t*>(secret.data()), secret.size(), mac,
       &len);
  return absl::StrCat(kPrefix, jwt::Base64UrlEncode(absl::string_view(
                                   reinterpret_cast<char*>(mac), len)));
}

bool ClientSecretHasher::Matches(absl::string_view secret,
                                 absl::string_view stored) const {
  if (!absl::StartsWith(stored, kPrefix)) return false;
  const std::string expected = Hash(secret);
  // Both are fixed-length for a well-formed `stored`; only the length of a
  // malformed one can leak, which says nothing about any secret.
  return expected.size() == stored.size() &&
         CRYPTO_memcmp(expected.data(), stored.data(), stored.size()) == 0;
}

}  // namespace identity::server
