#include "server/oauth/client_secret.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"

namespace identity::server {
namespace {

constexpr absl::string_view kPrefix = "v2:";
constexpr absl::string_view kLegacyPrefix = "v1:";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMinKeyBytes = 32;

}  // namespace

std::string GenerateClientSecret(const RandomSource& random) {
  return jwt::Base64UrlEncode(RandomBytes(random, kSecretBytes));
}

absl::StatusOr<ClientSecretHasher> ClientSecretHasher::Create(
    std::string key, std::string legacy_key) {
  if (key.size() < kMinKeyBytes ||
      (!legacy_key.empty() && legacy_key.size() < kMinKeyBytes)) {
    return absl::InvalidArgumentError(
        "the client-secret hashing key must have at least 32 bytes");
  }
  return ClientSecretHasher(key, legacy_key);
}

namespace {

std::string KeyedHash(absl::string_view prefix, const HmacSha256& key,
                      absl::string_view secret) {
  const Sha256Digest mac = key.Mac(secret);
  return absl::StrCat(
      prefix, jwt::Base64UrlEncode(absl::string_view(
                  reinterpret_cast<const char*>(mac.data()), mac.size())));
}

}  // namespace

std::string ClientSecretHasher::Hash(absl::string_view secret) const {
  return KeyedHash(kPrefix, mac_, secret);
}

bool ClientSecretHasher::Matches(absl::string_view secret,
                                 absl::string_view stored) const {
  std::string expected;
  if (absl::StartsWith(stored, kPrefix)) {
    expected = Hash(secret);
  } else if (absl::StartsWith(stored, kLegacyPrefix) &&
             legacy_mac_.has_value()) {
    expected = KeyedHash(kLegacyPrefix, *legacy_mac_, secret);
  } else {
    return false;
  }
  // Both are fixed-length for a well-formed `stored`; only the length of a
  // malformed one can leak, which says nothing about any secret.
  return expected.size() == stored.size() &&
         CRYPTO_memcmp(expected.data(), stored.data(), stored.size()) == 0;
}

}  // namespace identity::server
