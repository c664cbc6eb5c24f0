#include "jwt/claims.h"

#include "gtest/gtest.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

TEST(ClaimsTest, SerializeMeansWhatToJsonMeans) {
  Claims claims;
  claims.iss = "https://id.example";
  claims.sub = "al\"ice\n";
  claims.aud = {"a"};
  claims.aud_as_array = true;
  claims.exp = 4000000000;
  claims.nbf = 0;
  claims.iat = 12;
  claims.jti = "j";
  claims.other["scope"] = "read write";
  claims.other["n"] = 1.5;
  claims.other["nested"] = {{"k", Json::array({1, "two", nullptr, true})}};
  claims.other["iss"] = "ignored: the typed field wins";
  auto reparsed = ParseJsonObject(claims.Serialize());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(*reparsed, claims.ToJson());
  EXPECT_EQ((*reparsed)["iss"], "https://id.example");
  EXPECT_EQ((*reparsed)["aud"], Json::array({"a"}));
}

TEST(ClaimsTest, RoundTripsThroughText) {
  const std::string text =
      R"({"aud":["x","y"],"exp":10,"iat":5,"iss":"i","jti":"j","nbf":1,"sub":"s","z":{"a":[]}})";
  auto claims = Claims::Parse(text);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->aud.size(), 2u);
  EXPECT_EQ(DumpJson(claims->ToJson()), text);
}

TEST(ClaimsTest, FractionalDatesRoundTowardTheStricterSide) {
  auto claims = Claims::Parse(R"({"exp":10.5,"nbf":3.2,"iat":4.1})");
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->exp, 10);  // Expires earlier.
  EXPECT_EQ(claims->nbf, 4);   // Valid later.
  EXPECT_EQ(claims->iat, 5);   // "Issued in the future" sooner.
}

TEST(ClaimsTest, RegisteredClaimsFromCxxValues) {
  // Values built in C++ are signed integers; positive ones are valid dates.
  EXPECT_TRUE(Claims::FromJson({{"exp", 5}}).ok());
  EXPECT_EQ(ReasonOf(Claims::FromJson({{"exp", -5}}).status()),
            Reason::kClaimInvalid);
  EXPECT_EQ(ReasonOf(Claims::FromJson({{"sub", 5}}).status()),
            Reason::kClaimInvalid);
  EXPECT_EQ(ReasonOf(Claims::FromJson(Json::array()).status()),
            Reason::kJsonNotObject);
}

}  // namespace
}  // namespace identity::jwt
