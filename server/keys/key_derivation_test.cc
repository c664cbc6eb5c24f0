#include "server/keys/key_derivation.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

TEST(KeyDerivationTest, MatchesRfc5869TestCase1) {
  // RFC 5869 A.1: the first 32 bytes of OKM are T(1) = HKDF-Expand's first
  // block for this PRK and info.
  const std::string prk = absl::HexStringToBytes(
      "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const std::string info = absl::HexStringToBytes("f0f1f2f3f4f5f6f7f8f9");
  EXPECT_EQ(absl::BytesToHexString(DeriveSubkey(prk, info)),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf");
}

TEST(KeyDerivationTest, LabelsAndKeysSeparateSubkeys) {
  const std::string kek(32, 'k');
  EXPECT_EQ(DeriveSubkey(kek, "a").size(), 32u);
  EXPECT_NE(DeriveSubkey(kek, "a"), DeriveSubkey(kek, "b"));
  EXPECT_NE(DeriveSubkey(kek, "a"), DeriveSubkey(std::string(32, 'j'), "a"));
  EXPECT_NE(DeriveSubkey(kek, "a"), kek);
}

}  // namespace
}  // namespace identity::server
