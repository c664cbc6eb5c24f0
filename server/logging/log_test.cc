// The JSON log format: levels, fields, and escaping that keeps hostile
// values inside their field.
#include "server/logging/log.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace identity::logging {
namespace {

class LogTest : public ::testing::Test {
 protected:
  Logger MakeLogger(Level level) {
    return Logger(level, &clock_, [this](absl::string_view line) {
      lines_.emplace_back(line);
    });
  }

  jwt::FakeClock clock_{absl::FromUnixMillis(1'795'000'000'123)};
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  Logger logger = MakeLogger(Level::kInfo);
  logger.Info("started", {{"port", 50051},
                          {"store", "postgres"},
                          {"ratio", 0.25},
                          {"tls", false}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"info\","
            "\"msg\":\"started\",\"port\":50051,\"store\":\"postgres\","
            "\"ratio\":0.25,\"tls\":false}\n");
}

TEST_F(LogTest, DropsLinesBelowTheLevel) {
  Logger logger = MakeLogger(Level::kWarn);
  logger.Debug("d");
  logger.Info("i");
  logger.Warn("w");
  logger.Error("e");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find("\"level\":\"warn\""), std::string::npos);
  EXPECT_NE(lines_[1].find("\"level\":\"error\""), std::string::npos);
  EXPECT_FALSE(logger.Enabled(Level::kInfo));
  EXPECT_TRUE(logger.Enabled(Level::kError));
}

TEST_F(LogTest, HostileValuesStayInsideTheirField) {
  Logger logger = MakeLogger(Level::kDebug);
  // A newline, a quote closing the string, a backslash, DEL, NUL, bad UTF-8
  // (a lone continuation byte, an overlong '/', a surrogate) and good UTF-8.
  const std::string hostile = std::string("a\n{\"level\":\"error\"}\\\x7f") +
                              std::string(1, '\0') + "\x80" + "\xC0\xAF" +
                              "\xED\xA0\x80" + "é✓😀";
  logger.Info("m\r\t", {{"client_id", hostile}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"info\","
            "\"msg\":\"m\\r\\t\",\"client_id\":\"a\\n{\\\"level\\\":\\\"error\\"
            "\"}\\\\\\u007f\\u0000\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
            "é✓😀\"}\n");
  // Exactly one line, whatever the value held.
  EXPECT_EQ(lines_[0].find('\n'), lines_[0].size() - 1);
}

TEST_F(LogTest, SeparatorsAndTruncatedUtf8CannotSplitALine) {
  // U+2028/U+2029 end a line for some log tools: escaped. A truncated UTF-8
  // sequence is one U+FFFD and does not swallow the quote after it.
  Logger logger = MakeLogger(Level::kInfo);
  logger.Info(
      "m", {{"v", "a\xe2\x80\xa8{\"level\":\"error\"}\xe2\x80\xa9\xe2\x82"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0],
            "{\"time\":\"2026-11-18T11:06:40.123Z\",\"level\":\"info\","
            "\"msg\":\"m\",\"v\":\"a\\u2028{\\\"level\\\":\\\"error\\\"}"
            "\\u2029\\ufffd\"}\n");
}

TEST_F(LogTest, NonFiniteNumbersAreNull) {
  Logger logger = MakeLogger(Level::kInfo);
  logger.Info("x", {{"v", 1.0 / 0.0}});
  EXPECT_NE(lines_[0].find("\"v\":null"), std::string::npos);
}

TEST(LogLevelTest, ParsesNamesAndRefusesOthers) {
  EXPECT_EQ(*ParseLevel("debug"), Level::kDebug);
  EXPECT_EQ(*ParseLevel("INFO"), Level::kInfo);
  EXPECT_EQ(*ParseLevel("warning"), Level::kWarn);
  EXPECT_EQ(*ParseLevel("error"), Level::kError);
  for (const char* bad : {"", "trace", "verbose", "info "}) {
    EXPECT_EQ(ParseLevel(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

}  // namespace
}  // namespace identity::logging
