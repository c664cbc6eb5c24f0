#include "server/keys/key_sealer.h"

#include <cstring>
#include <string>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

std::string Kek(char fill) { return std::string(KeySealer::kKekSize, fill); }

KeySealer MakeSealer(char fill = 'k') { return *KeySealer::Create(Kek(fill)); }

TEST(KeySealerTest, OpensWhatItSealed) {
  KeySealer sealer = MakeSealer();
  auto sealed = sealer.Seal("private key bytes", "kid-1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 1 + 12 + 17 + 16u);
  EXPECT_EQ(sealed->find("private key bytes"), std::string::npos);
  auto opened = sealer.Open(*sealed, "kid-1");
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(*opened, "private key bytes");
}

TEST(KeySealerTest, EveryNonceIsFresh) {
  KeySealer sealer = MakeSealer();
  EXPECT_NE(*sealer.Seal("same", "kid"), *sealer.Seal("same", "kid"));
}

TEST(KeySealerTest, UsesTheInjectedRandomSource) {
  auto sealer = KeySealer::Create(Kek('k'), [](uint8_t* out, size_t size) {
    std::memset(out, 0x42, size);
  });
  ASSERT_TRUE(sealer.ok());
  const std::string sealed = *sealer->Seal("x", "kid");
  EXPECT_EQ(sealed.substr(1, 12), std::string(12, '\x42'));
  EXPECT_EQ(sealed, *sealer->Seal("x", "kid"));  // Same nonce, same output.
}

TEST(KeySealerTest, RefusesAlteredValues) {
  KeySealer sealer = MakeSealer();
  const std::string sealed = *sealer.Seal("secret", "kid");
  for (size_t i = 1; i < sealed.size(); ++i) {
    std::string altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_EQ(sealer.Open(altered, "kid").status().code(),
              absl::StatusCode::kDataLoss)
        << "byte " << i;
  }
}

TEST(KeySealerTest, RefusesAnotherContextOrKek) {
  const std::string sealed = *MakeSealer('a').Seal("secret", "kid-1");
  EXPECT_EQ(MakeSealer('a').Open(sealed, "kid-2").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(MakeSealer('b').Open(sealed, "kid-1").status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(KeySealerTest, RefusesTruncatedOrUnknownVersion) {
  KeySealer sealer = MakeSealer();
  std::string sealed = *sealer.Seal("secret", "kid");
  EXPECT_EQ(sealer.Open(sealed.substr(0, 28), "kid").status().code(),
            absl::StatusCode::kInvalidArgument);
  sealed[0] = 0x02;
  EXPECT_EQ(sealer.Open(sealed, "kid").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(KeySealerTest, KekMustBe32Bytes) {
  EXPECT_FALSE(KeySealer::Create(std::string(31, 'k')).ok());
  EXPECT_FALSE(KeySealer::Create(std::string(33, 'k')).ok());
  EXPECT_FALSE(KeySealer::Create("").ok());
}

TEST(KeySealerTest, ParsesKekAsHexOrBase64Url) {
  const std::string hex(64, 'a');
  auto from_hex = KeySealer::ParseKek("  " + hex + "\n");
  ASSERT_TRUE(from_hex.ok());
  EXPECT_EQ(*from_hex, std::string(32, '\xaa'));
  auto from_b64 =
      KeySealer::ParseKek("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo");
  ASSERT_TRUE(from_b64.ok()) << from_b64.status();
  EXPECT_EQ(*from_b64, std::string(32, '\xaa'));
  EXPECT_FALSE(KeySealer::ParseKek("short").ok());
  EXPECT_FALSE(KeySealer::ParseKek(std::string(62, 'a')).ok());
  EXPECT_FALSE(KeySealer::ParseKek("").ok());
  // The error never echoes the text.
  const std::string bogus = "not-a-key-but-maybe-a-secret!";
  EXPECT_EQ(KeySealer::ParseKek(bogus).status().message().find(bogus),
            std::string::npos);
}

}  // namespace
}  // namespace identity::server
