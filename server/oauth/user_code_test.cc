// RFC 8628 §6.1: user codes are short, from an alphabet of 20 consonants,
// shown as XXXX-XXXX, and read back whatever the case and punctuation.
#include "server/oauth/user_code.h"

#include <string>

#include "gtest/gtest.h"
#include "server/random_source.h"

namespace identity::server {
namespace {

TEST(UserCodeTest, NewCodeIsEightAlphabetLettersWithADash) {
  const std::string code = NewUserCode(SystemRandom());
  ASSERT_EQ(code.size(), 9u);
  EXPECT_EQ(code[4], '-');
  for (size_t i = 0; i < code.size(); ++i) {
    if (i == 4) continue;
    EXPECT_NE(kUserCodeAlphabet.find(code[i]), absl::string_view::npos) << code;
  }
}

TEST(UserCodeTest, BytesPastTheLastWholeMultipleAreSkipped) {
  // 240 = 12 * 20: bytes 240-255 would favour the first 16 letters, so they
  // are drawn again (no modulo bias); byte 19 (and 239) is the last letter.
  int calls = 0;
  RandomSource biased = [&](uint8_t* out, size_t size) {
    for (size_t i = 0; i < size; ++i) {
      out[i] = calls == 0 ? static_cast<uint8_t>(240 + i % 16)
                          : (i % 2 == 0 ? 19 : 239);
    }
    ++calls;
  };
  EXPECT_EQ(NewUserCode(biased), "ZZZZ-ZZZZ");
  EXPECT_EQ(calls, 2);
}

TEST(UserCodeTest, TypedCodeIsNormalized) {
  EXPECT_EQ(NormalizeUserCode("BCDF-GHJK"), "BCDFGHJK");
  EXPECT_EQ(NormalizeUserCode("bcdf-ghjk"), "BCDFGHJK");
  EXPECT_EQ(NormalizeUserCode(" bcdf ghjk "), "BCDFGHJK");
  EXPECT_EQ(NormalizeUserCode("BCDFGHJK"), "BCDFGHJK");
}

TEST(UserCodeTest, OtherInputIsRefused) {
  EXPECT_EQ(NormalizeUserCode(""), std::nullopt);
  EXPECT_EQ(NormalizeUserCode("BCDF-GHJ"), std::nullopt);    // 7 letters.
  EXPECT_EQ(NormalizeUserCode("BCDF-GHJKL"), std::nullopt);  // 9 letters.
  EXPECT_EQ(NormalizeUserCode("BCDF-GHJA"), std::nullopt);   // A vowel.
  EXPECT_EQ(NormalizeUserCode("BCDF-GHJ1"), std::nullopt);   // A digit.
  EXPECT_EQ(NormalizeUserCode("BCDF_GHJK"), std::nullopt);   // Not a dash.
  EXPECT_EQ(NormalizeUserCode(std::string(100, '-') + "BCDFGHJK"),
            std::nullopt);  // Too long to be typed.
}

TEST(UserCodeTest, DisplayAddsTheDash) {
  EXPECT_EQ(DisplayUserCode("BCDFGHJK"), "BCDF-GHJK");
}

}  // namespace
}  // namespace identity::server
