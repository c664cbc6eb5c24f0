// RFC 6749 §3.3 scope syntax, shared by the server and the interceptor.
#include "oauth_common/scope_syntax.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace identity::oauth_common {
namespace {

using Tokens = std::vector<std::string>;

TEST(ScopeSyntaxTest, NqCharIsExactlyTheRfcRanges) {
  // RFC 6749 §3.3: NQCHAR = %x21 / %x23-5B / %x5D-7E. Every byte value.
  for (int b = 0; b < 256; ++b) {
    const bool in_rfc =
        b == 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e);
    EXPECT_EQ(IsScopeTokenChar(static_cast<char>(b)), in_rfc) << "byte " << b;
  }
}

TEST(ScopeSyntaxTest, NqCharExcludesSpaceQuoteBackslashControlsAndNonAscii) {
  for (char c : {' ', '"', '\\', '\t', '\n', '\0', '\x7f', '\x80', '\xff'}) {
    EXPECT_FALSE(IsScopeTokenChar(c)) << static_cast<int>(c);
  }
  for (char c : {'!', '#', '[', ']', '~', 'a', '.', ':', '/'}) {
    EXPECT_TRUE(IsScopeTokenChar(c)) << c;
  }
}

TEST(ScopeSyntaxTest, ScopeTokenIsOneOrMoreNqChars) {
  EXPECT_TRUE(IsScopeToken("orders.read"));
  EXPECT_TRUE(IsScopeToken("https://api.example/orders:write"));
  EXPECT_FALSE(IsScopeToken(""));
  EXPECT_FALSE(IsScopeToken("orders read"));
  EXPECT_FALSE(IsScopeToken("caf\xc3\xa9"));
  // No length limit on the token rule itself.
  EXPECT_TRUE(IsScopeToken(std::string(kMaxScopeTokenLength + 1, 'a')));
}

TEST(ScopeSyntaxTest, ParseSplitsOnSpacesKeepingOrderAndDroppingRepeats) {
  EXPECT_EQ(*ParseScopeString("b a b c"), (Tokens{"b", "a", "c"}));
}

TEST(ScopeSyntaxTest, ParseIgnoresLeadingTrailingAndRepeatedSpaces) {
  EXPECT_EQ(*ParseScopeString("  a b  a c "), (Tokens{"a", "b", "c"}));
  EXPECT_TRUE(ParseScopeString("")->empty());
  EXPECT_TRUE(ParseScopeString("   ")->empty());
}

TEST(ScopeSyntaxTest, ParseRefusesACharacterOutsideNqChar) {
  // Only %x20 separates scope tokens: a tab is part of a (bad) token.
  for (const char* bad : {"a\\b", "a\"b", "a\tb", "caf\xc3\xa9", "ok\x7f"}) {
    const auto parsed = ParseScopeString(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    EXPECT_EQ(parsed.status().message(),
              "a scope token has a character RFC 6749 §3.3 does not allow");
  }
}

TEST(ScopeSyntaxTest, ParseBoundsTokenLength) {
  EXPECT_TRUE(ParseScopeString(std::string(kMaxScopeTokenLength, 'a')).ok());
  const auto parsed =
      ParseScopeString(std::string(kMaxScopeTokenLength + 1, 'a'));
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(),
            "a scope token is longer than 256 bytes");
}

TEST(ScopeSyntaxTest, ParseBoundsDistinctTokensButNotRepeats) {
  std::string many, repeated;
  for (size_t i = 0; i < kMaxScopeTokens; ++i) {
    many += "s" + std::to_string(i) + " ";
    repeated += "same same ";
  }
  EXPECT_EQ(ParseScopeString(many)->size(), kMaxScopeTokens);
  const auto parsed = ParseScopeString(many + "one-more");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parsed.status().message(), "more than 256 distinct scopes");
  EXPECT_EQ(*ParseScopeString(repeated), Tokens{"same"});
}

}  // namespace
}  // namespace identity::oauth_common
