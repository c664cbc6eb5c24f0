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
  EXPECT_EQ(stored.rfind("v1:", 0), 0u);
  EXPECT_NE(stored, Hasher('b').Hash("s3cret"));
  EXPECT_FALSE(Hasher('b').Matches("s3cret", stored));
}

TEST(ClientSecretTest, KeyMustHave32Bytes) {
  EXPECT_FALSE(ClientSecretHasher::Create(std::string(31, 'k')).ok());
  EXPECT_TRUE(ClientSecretHasher::Create(std::string(64, 'k')).ok());
}

}  // namespace
}  // namespace identity::server
