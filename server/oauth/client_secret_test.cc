#include "server/oauth/client_secret.h"

#include <cstring>
#include <set>

#include "gtest/gtest.h"
#include "jwt/base64url.h"

namespace identity::server {
namespace {

ClientSecretHasher Hasher(char fill = 'h') {
  return *ClientSecretHasher::Create(std::string(32, fill));
}

TEST(ClientSecretTest, GeneratedSecretsCarry256Bits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string secret = GenerateClientSecret(SystemRandom());
    EXPECT_EQ(secret.size(), 43u);
    EXPECT_EQ(jwt::Base64UrlDecode(secret)->size(), 32u);
    EXPECT_TRUE(seen.insert(secret).second);
  }
}

TEST(ClientSecretTest, GenerationUsesTheInjectedRandomSource) {
  const RandomSource zeros = [](uint8_t* out, size_t size) {
    std::memset(out, 0, size);
  };
  EXPECT_EQ(GenerateClientSecret(zeros), std::string(43, 'A'));
}

TEST(ClientSecretTest, MatchesOnlyTheRightSecret) {
  const ClientSecretHasher hasher = Hasher();
  const std::string stored = hasher.Hash("s3cret");
  EXPECT_TRUE(hasher.Matches("s3cret", stored));
  EXPECT_FALSE(hasher.Matches("s3creT", stored));
  EXPECT_FALSE(hasher.Matches("", stored));
  EXPECT_FALSE(hasher.Matches("s3cret", stored.substr(0, stored.size() - 1)));
  EXPECT_FALSE(hasher.Matches("s3cret", "s3cret"));  // Never a clear secret.
  EXPECT_FALSE(hasher.Matches("s3cret", ""));
}

TEST(ClientSecretTest, StoredValueIsKeyedAndNeverTheSecret) {
  const std::string stored = Hasher('a').Hash("s3cret");
  EXPECT_EQ(stored.find("s3cret"), std::string::npos);
  EXPECT_EQ(stored.rfind("v2:", 0), 0u);
  EXPECT_NE(stored, Hasher('b').Hash("s3cret"));
  EXPECT_FALSE(Hasher('b').Matches("s3cret", stored));
}

// KEK rotation: hashes made before it existed ("v1:", under the key then
// derived from the KEK) keep verifying with that key kept aside.
TEST(ClientSecretTest, LegacyHashesVerifyUnderTheLegacyKeyOnly) {
  const std::string legacy_key(32, 'L');
  // A "v1:" hash as the server wrote it before: HMAC under the legacy key.
  const std::string v1 =
      "v1:" + Hasher('L').Hash("s3cret").substr(3);  // Same HMAC, old prefix.
  auto hasher = ClientSecretHasher::Create(std::string(32, 'n'), legacy_key);
  ASSERT_TRUE(hasher.ok());
  EXPECT_TRUE(hasher->Matches("s3cret", v1));
  EXPECT_FALSE(hasher->Matches("s3creT", v1));
  // New hashes are v2 under the new key; the legacy key does not check them.
  const std::string v2 = hasher->Hash("s3cret");
  EXPECT_EQ(v2.rfind("v2:", 0), 0u);
  EXPECT_TRUE(hasher->Matches("s3cret", v2));
  EXPECT_FALSE(hasher->Matches("s3cret", "v2:" + v1.substr(3)));
  // Without the legacy key a v1 hash never matches.
  EXPECT_FALSE(Hasher('n').Matches("s3cret", v1));
  EXPECT_FALSE(hasher->Matches("s3cret", "v3:" + v2.substr(3)));
}

TEST(ClientSecretTest, KeyMustHave32Bytes) {
  EXPECT_FALSE(
      ClientSecretHasher::Create(std::string(32, 'k'), std::string(31, 'l'))
          .ok());
  EXPECT_FALSE(ClientSecretHasher::Create(std::string(31, 'k')).ok());
  EXPECT_TRUE(ClientSecretHasher::Create(std::string(64, 'k')).ok());
}

}  // namespace
}  // namespace identity::server
