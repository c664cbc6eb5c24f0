#include "jwt/base64url.h"

#include "gtest/gtest.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

TEST(Base64UrlTest, RoundTripsEveryLength) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    data.push_back(static_cast<char>(i * 37 + 11));
    auto decoded = Base64UrlDecode(Base64UrlEncode(data));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, data);
  }
}

TEST(Base64UrlTest, EncodesRfc4648Vectors) {
  // RFC 4648 §10, in the URL alphabet and without padding.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64UrlTest, RejectsPadding) {
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zg==").status()), Reason::kBase64Invalid);
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zm8=").status()), Reason::kBase64Invalid);
}

TEST(Base64UrlTest, RejectsStandardAlphabetAndWhitespace) {
  EXPECT_EQ(ReasonOf(Base64UrlDecode("-_8+").status()), Reason::kBase64Invalid);
  EXPECT_EQ(ReasonOf(Base64UrlDecode("ab/c").status()), Reason::kBase64Invalid);
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zm9v ").status()),
            Reason::kBase64Invalid);
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zm\n9v").status()),
            Reason::kBase64Invalid);
  EXPECT_EQ(ReasonOf(Base64UrlDecode(absl::string_view("Zm\0v", 4)).status()),
            Reason::kBase64Invalid);
}

TEST(Base64UrlTest, RejectsImpossibleLength) {
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zm9vY").status()),
            Reason::kBase64Invalid);
}

TEST(Base64UrlTest, RejectsNonCanonicalTrailingBits) {
  // "Zh" and "Zg" both carry 'f' in their first 8 bits; only "Zg" has zero
  // unused bits.
  EXPECT_TRUE(Base64UrlDecode("Zg").ok());
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zh").status()), Reason::kBase64Invalid);
  EXPECT_TRUE(Base64UrlDecode("Zm8").ok());
  EXPECT_EQ(ReasonOf(Base64UrlDecode("Zm9").status()), Reason::kBase64Invalid);
}

}  // namespace
}  // namespace identity::jwt
