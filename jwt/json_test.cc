#include "jwt/json.h"

#include <string>

#include "gtest/gtest.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

Reason ParseReason(absl::string_view text) {
  return ReasonOf(ParseJsonObject(text).status());
}

TEST(JsonTest, ParsesObject) {
  auto json = ParseJsonObject(R"({"a":1,"b":[true,null,"x"],"c":{"d":"é"}})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)["c"]["d"], "é");
}

TEST(JsonTest, RejectsDuplicateMemberAtTopLevel) {
  // RFC 7515 §5.2 step 4: duplicate Header Parameter names are rejected.
  EXPECT_EQ(ParseReason(R"({"alg":"ES256","alg":"none"})"),
            Reason::kJsonDuplicateMember);
}

TEST(JsonTest, RejectsDuplicateMemberInNestedObject) {
  EXPECT_EQ(ParseReason(R"({"a":{"x":1,"x":2}})"),
            Reason::kJsonDuplicateMember);
  EXPECT_EQ(ParseReason(R"({"a":[{"x":1},{"x":1,"x":1}]})"),
            Reason::kJsonDuplicateMember);
}

TEST(JsonTest, SameNameInSiblingObjectsIsNotADuplicate) {
  EXPECT_TRUE(ParseJsonObject(R"({"a":{"x":1},"b":{"x":2},"x":3})").ok());
}

TEST(JsonTest, RejectsInvalidUtf8) {
  EXPECT_EQ(ParseReason("{\"a\":\"\xff\"}"), Reason::kJsonInvalidUtf8);
  EXPECT_EQ(ParseReason("{\"a\":\"\xc0\xaf\"}"),
            Reason::kJsonInvalidUtf8);  // overlong
  EXPECT_EQ(ParseReason("{\"a\":\"\xed\xa0\x80\"}"),
            Reason::kJsonInvalidUtf8);  // surrogate
  EXPECT_EQ(ParseReason("{\"a\":\"\xf4\x90\x80\x80\"}"),
            Reason::kJsonInvalidUtf8);  // > U+10FFFF
  EXPECT_EQ(ParseReason("{\"a\":\"\xe2\x82\"}"),
            Reason::kJsonInvalidUtf8);  // truncated
}

TEST(JsonTest, RejectsEscapedLoneSurrogate) {
  EXPECT_EQ(ParseReason(R"({"a":"\ud800"})"), Reason::kJsonMalformed);
  EXPECT_TRUE(ParseJsonObject(R"({"a":"\ud83d\ude00"})").ok());
}

TEST(JsonTest, RejectsMalformedText) {
  EXPECT_EQ(ParseReason(R"({"a":1,})"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(R"({"a":1} x)"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(R"({'a':1})"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(""), Reason::kJsonMalformed);
}

TEST(JsonTest, RejectsDeepNesting) {
  std::string deep =
      "{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_EQ(ReasonOf(ParseJsonObject(deep, 32).status()),
            Reason::kJsonMalformed);
  EXPECT_TRUE(ParseJsonObject(deep, 64).ok());
}

TEST(JsonTest, RejectsNonObjects) {
  EXPECT_EQ(ParseReason("[]"), Reason::kJsonNotObject);
  EXPECT_EQ(ParseReason("\"x\""), Reason::kJsonNotObject);
  EXPECT_EQ(ParseReason("1"), Reason::kJsonNotObject);
}

TEST(JsonTest, DuplicateDetectionComparesUnescapedNames) {
  EXPECT_EQ(ParseReason(R"({"alg":"ES256","\u0061lg":"none"})"),
            Reason::kJsonDuplicateMember);
}

TEST(JsonTest, DuplicateDetectionScalesToLargeObjects) {
  std::string text = "{";
  for (int i = 0; i < 2000; ++i) text += "\"k" + std::to_string(i) + "\":0,";
  text += "\"k7\":1}";
  EXPECT_EQ(ParseReason(text), Reason::kJsonDuplicateMember);
}

TEST(JsonTest, RejectsRawControlCharactersInStrings) {
  // RFC 8259 §7: U+0000 to U+001F must be escaped.
  EXPECT_EQ(ParseReason("{\"a\":\"x\ty\"}"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(std::string("{\"a\":\"\0\"}", 8)),
            Reason::kJsonMalformed);
  EXPECT_TRUE(ParseJsonObject(R"({"a":"x\ty\u0000"})").ok());
}

TEST(JsonTest, RejectsNumbersOutsideTheGrammarOrRange) {
  for (const char* bad :
       {R"({"a":01})", R"({"a":+1})", R"({"a":1.})", R"({"a":.5})",
        R"({"a":1e})", R"({"a":-})", R"({"a":1e400})", R"({"a":NaN})",
        R"({"a":Infinity})", R"({"a":0x10})"}) {
    EXPECT_EQ(ParseReason(bad), Reason::kJsonMalformed) << bad;
  }
}

TEST(JsonTest, TinyNumbersAreZero) {
  auto json = ParseJsonObject(R"({"a":1e-400,"b":-1e-400})");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)["a"].get<double>(), 0.0);
}

TEST(JsonTest, ValueOfRefusesWhatIsNotExactlyOneValue) {
  EXPECT_TRUE(JsonValueOf("tru").is_discarded());
  EXPECT_TRUE(JsonValueOf("1 x").is_discarded());
  EXPECT_EQ(JsonValueOf(" [1] "), Json::array({1}));
}

TEST(JsonTest, DepthIsClampedNotTrusted) {
  const std::string deep =
      "{\"a\":" + std::string(300, '[') + std::string(300, ']') + "}";
  EXPECT_EQ(ReasonOf(ParseJsonObject(deep, 100000).status()),
            Reason::kJsonMalformed);
}

TEST(JsonTest, NumbersKeepTheirKinds) {
  auto json = ParseJsonObject(
      R"({"u":18446744073709551615,"i":-5,"f":1.5,"big":1e30})");
  ASSERT_TRUE(json.ok());
  EXPECT_TRUE((*json)["u"].is_number_unsigned());
  EXPECT_EQ((*json)["u"].get<uint64_t>(), 18446744073709551615ull);
  EXPECT_EQ((*json)["i"].get<int64_t>(), -5);
  EXPECT_TRUE((*json)["f"].is_number_float());
  EXPECT_TRUE((*json)["big"].is_number_float());
}

TEST(JsonTest, UnescapesStringsAndSurrogatePairs) {
  auto json = ParseJsonObject(R"({"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"})");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ((*json)["s"], "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(ParseReason(R"({"s":"\x"})"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(R"({"s":"\u12"})"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(R"({"s":"\udc00"})"), Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(R"({"s":"\ud800\u0041"})"), Reason::kJsonMalformed);
}

TEST(JsonTest, MembersKeepTheirOrderAndText) {
  auto members = ParseJsonObjectMembers(R"( { "b" : [1, 2] , "a":"x" } )");
  ASSERT_TRUE(members.ok());
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].name, "b");
  EXPECT_EQ((*members)[0].value, "[1, 2]");
  EXPECT_EQ((*members)[1].value, R"("x")");
  std::string s;
  EXPECT_TRUE(JsonStringOf((*members)[1].value, &s));
  EXPECT_EQ(s, "x");
  EXPECT_FALSE(JsonStringOf((*members)[0].value, &s));
}

TEST(JsonTest, WriterRoundTrips) {
  const std::string text =
      R"({"a":[true,false,null,-1,18446744073709551615,0.25],"b":{"c":"q\"\\\n\u0001é"},"d":{}})";
  auto json = ParseJsonObject(text);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(DumpJson(*json), text);
  auto again = ParseJsonObject(DumpJson(*json));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *json);
}

// AppendJsonString: the one JSON string writer (JOSE and log lines).
std::string JsonString(absl::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

// Every string the writer produces is one valid JSON string that reads back.
void ExpectReadsBack(const std::string& literal) {
  auto json = ParseJsonObject("{\"k\":" + literal + "}");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE((*json)["k"].is_string());
}

TEST(JsonStringWriterTest, EscapesQuoteAndBackslash) {
  // RFC 8259 §7: quotation mark and reverse solidus must be escaped.
  EXPECT_EQ(JsonString("a\"b\\c"), R"("a\"b\\c")");
  ExpectReadsBack(JsonString("a\"b\\c"));
}

TEST(JsonStringWriterTest, EscapesEveryControlCharacterAndDel) {
  // RFC 8259 §7: U+0000..U+001F must be escaped; the short forms where they
  // exist. DEL is escaped too so that a log line shows it.
  EXPECT_EQ(JsonString("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(JsonString(std::string("\0\x01\x1f\x7f", 4)),
            R"("\u0000\u0001\u001f\u007f")");
  std::string all;
  for (int c = 0; c < 0x20; ++c) all.push_back(static_cast<char>(c));
  const std::string literal = JsonString(all);
  for (char c : literal) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
  auto json = ParseJsonObject("{\"k\":" + literal + "}");
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_EQ((*json)["k"], all);
}

TEST(JsonStringWriterTest, EscapesLineAndParagraphSeparators) {
  // U+2028 and U+2029 are valid in JSON strings but end a line in JavaScript
  // before ES2019 and in some log tools.
  EXPECT_EQ(JsonString("a\xe2\x80\xa8"
                       "b\xe2\x80\xa9"),
            R"("a\u2028b\u2029")");
  // Their neighbours are ordinary characters.
  EXPECT_EQ(JsonString("\xe2\x80\xa7\xe2\x80\xaa"),
            "\"\xe2\x80\xa7\xe2\x80\xaa\"");
}

TEST(JsonStringWriterTest, CopiesWellFormedUtf8) {
  const std::string text = "é✓😀\xef\xbf\xbf\xf4\x8f\xbf\xbf";
  EXPECT_EQ(JsonString(text), "\"" + text + "\"");
}

TEST(JsonStringWriterTest, ReplacesEachMaximalIllFormedSubpart) {
  // RFC 8259 §8.1 requires UTF-8; each maximal subpart (Unicode §3.9) becomes
  // one escaped U+FFFD, so the repair shows in the raw text.
  EXPECT_EQ(JsonString("a\xff"
                       "b"),
            R"("a\ufffdb")");
  // A lone continuation byte; an overlong '/' (C0 is never a lead: two).
  EXPECT_EQ(JsonString("\x80"), R"("\ufffd")");
  EXPECT_EQ(JsonString("\xc0\xaf"), R"("\ufffd\ufffd")");
  // A surrogate: ED A0 is ill-formed at its second byte, so three.
  EXPECT_EQ(JsonString("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");
  // A truncated sequence is one subpart, and the byte after it survives.
  EXPECT_EQ(JsonString("\xe2\x82"
                       "x"),
            R"("\ufffdx")");
  EXPECT_EQ(JsonString("\xf0\x9f\x98"), R"("\ufffd")");
  // Above U+10FFFF.
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");
  for (const char* bad :
       {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80"}) {
    ExpectReadsBack(JsonString(bad));
  }
}

TEST(JsonStringWriterTest, DumpJsonWritesStringsTheSameWay) {
  const Json value = {{"k\n", "v\xe2\x80\xa8\xff"}};
  EXPECT_EQ(DumpJson(value), R"({"k\n":"v\u2028\ufffd"})");
}

}  // namespace
}  // namespace identity::jwt
