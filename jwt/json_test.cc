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

}  // namespace
}  // namespace identity::jwt
