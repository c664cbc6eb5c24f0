// OAuth error payloads and the one builder of error_description.
#include "server/oauth/oauth_error.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

// RFC 6749 §5.2: error_description = 1*( %x20-21 / %x23-5B / %x5D-7E ).
bool IsRfc6749Description(absl::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

TEST(ErrorDescriptionTest, AllowedCharactersAreKeptAsTheyAre) {
  std::string allowed;
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != '"' && c != '\\') allowed.push_back(static_cast<char>(c));
  }
  EXPECT_EQ(ErrorDescription(allowed), allowed);
  EXPECT_EQ(ErrorDescription("code_verifier does not match"),
            "code_verifier does not match");
}

TEST(ErrorDescriptionTest, QuoteAndBackslashAreReplaced) {
  EXPECT_EQ(ErrorDescription("response_type must be \"code\""),
            "response_type must be 'code'");
  EXPECT_EQ(ErrorDescription("a\\b"), "a/b");
}

TEST(ErrorDescriptionTest, SectionSignIsSpelledOut) {
  EXPECT_EQ(ErrorDescription("a character RFC 6749 \xc2\xa7"
                             "3.3 forbids"),
            "a character RFC 6749 section 3.3 forbids");
}

TEST(ErrorDescriptionTest, OtherNonAsciiIsOneQuestionMarkPerCharacter) {
  EXPECT_EQ(ErrorDescription("caf\xc3\xa9"), "caf?");  // é
  EXPECT_EQ(ErrorDescription("a\xe2\x80\x94"
                             "b"),
            "a?b");                                              // —
  EXPECT_EQ(ErrorDescription("\xf0\x9f\x94\x91 key"), "? key");  // 🔑
  // Stray and truncated bytes: each one '?'.
  EXPECT_EQ(ErrorDescription("\x80\xff"), "??");
  EXPECT_EQ(ErrorDescription("x\xe2\x80"), "x??");
  EXPECT_EQ(ErrorDescription("\xc3"
                             "A"),
            "?A");
}

TEST(ErrorDescriptionTest, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(ErrorDescription(std::string("a\nb\tc\x7f"
                                         "d\0e",
                                         9)),
            "a b c d e");
}

// Whatever the core's message holds (a grant_type or scope the client sent
// is echoed in some), the result is RFC-clean: every string of one and two
// bytes, and three- and four-byte ones around the UTF-8 boundaries.
TEST(ErrorDescriptionTest, EveryOutputIsRfc6749Clean) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const std::string in = {static_cast<char>(a), static_cast<char>(b)};
      ASSERT_TRUE(IsRfc6749Description(ErrorDescription(in))) << a << " " << b;
    }
  }
  const std::vector<int> edges = {0x00, 0x22, 0x5c, 0x7f, 0x80, 0xbf,
                                  0xc2, 0xe0, 0xef, 0xf0, 0xf4, 0xff};
  for (int a : edges) {
    for (int b : edges) {
      for (int c : edges) {
        for (int d : edges) {
          const std::string in = {static_cast<char>(a), static_cast<char>(b),
                                  static_cast<char>(c), static_cast<char>(d)};
          ASSERT_TRUE(IsRfc6749Description(ErrorDescription(in)));
          ASSERT_TRUE(IsRfc6749Description(ErrorDescription(in.substr(1))));
        }
      }
    }
  }
}

// --- Every message the server can send ------------------------------------

std::string ReadSource(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The C++ string literals (escapes decoded) in `code`, which starts just
// after an opening parenthesis, up to the matching closing one.
std::vector<std::string> LiteralsOfCall(absl::string_view code) {
  std::vector<std::string> literals;
  int depth = 1;
  for (size_t i = 0; i < code.size() && depth > 0; ++i) {
    const char c = code[i];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == '\'') {  // A character literal: skip it.
      i += code[i + 1] == '\\' ? 3 : 2;
      continue;
    }
    if (c != '"') continue;
    std::string literal;
    for (++i; i < code.size() && code[i] != '"'; ++i) {
      if (code[i] != '\\') {
        literal.push_back(code[i]);
        continue;
      }
      const char escaped = code[++i];
      if (escaped == 'x') {  // Two hex digits, as this tree writes them.
        literal.push_back(static_cast<char>(
            std::stoi(std::string(code.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        literal.push_back(escaped == 'n'   ? '\n'
                          : escaped == 't' ? '\t'
                                           : escaped);
      }
    }
    literals.push_back(std::move(literal));
  }
  return literals;
}

// Issue 13 item 9. The sources come in as data (every non-test .cc of the
// core, the faces and the users), so a message added anywhere is checked.
TEST(ErrorDescriptionTest, EveryOAuthFailureMessageInTheSourcesComesOutClean) {
  std::ifstream list("server/oauth/error_message_sources.txt");
  ASSERT_TRUE(list.good()) << "the list of sources is missing";
  int calls = 0;
  int rewritten = 0;
  std::string path;
  while (std::getline(list, path)) {
    const std::string code = ReadSource(path);
    ASSERT_FALSE(code.empty()) << path;
    for (size_t at = code.find("OAuthFailure("); at != std::string::npos;
         at = code.find("OAuthFailure(", at + 1)) {
      const std::vector<std::string> literals =
          LiteralsOfCall(absl::string_view(code).substr(at + 13));
      if (literals.empty()) continue;  // A declaration or a forwarded message.
      ++calls;
      std::string joined;
      for (const std::string& literal : literals) {
        absl::StrAppend(&joined, literal);
        EXPECT_TRUE(IsRfc6749Description(ErrorDescription(literal)))
            << path << ": " << literal;
      }
      if (!IsRfc6749Description(joined)) ++rewritten;
      EXPECT_TRUE(IsRfc6749Description(ErrorDescription(joined)))
          << path << ": " << joined;
    }
  }
  // The scan found the server's messages (there are some fifty), and the
  // ones that were not clean as written (a quote, a section sign).
  EXPECT_GT(calls, 40);
  ::testing::Test::RecordProperty("oauth_failure_messages", calls);
  ::testing::Test::RecordProperty("messages_rewritten", rewritten);
}

}  // namespace
}  // namespace identity::server
