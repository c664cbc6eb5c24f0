// The release table (OIDC Core §5.4): each scope releases its claims and no
// other's, absent values are omitted, ID tokens carry the small set.
#include "server/oauth/claim_release.h"

#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

storage::UserRecord Everything() {
  storage::UserRecord u;
  u.user_id = "u1";
  u.username = "zoe";
  u.name = "Zoë Q. Example";
  u.email = "zoe@example.com";
  u.email_verified = true;
  storage::StandardClaims& c = u.claims;
  c.given_name = "Zoë";
  c.family_name = "Example";
  c.middle_name = "Q.";
  c.nickname = "zo";
  c.profile = "https://example.com/zoe";
  c.picture = "https://example.com/zoe.png";
  c.website = "https://zoe.example";
  c.gender = "female";
  c.birthdate = "0000-12-31";
  c.zoneinfo = "Europe/Paris";
  c.locale = "fr-FR";
  c.phone_number = "+33123456789";
  c.phone_number_verified = false;
  c.address.formatted = "1 rue X\n75001 Paris";
  c.address.street_address = "1 rue X";
  c.address.locality = "Paris";
  c.address.region = "IDF";
  c.address.postal_code = "75001";
  c.address.country = "FR";
  u.claims_updated_at = absl::FromUnixSeconds(1'800'000'123);
  return u;
}

std::set<std::string> Names(const jwt::Json& claims) {
  std::set<std::string> names;
  for (const auto& [name, value] : claims.items()) names.insert(name);
  return names;
}

const std::set<std::string> kProfile = {
    "name",        "family_name", "given_name",
    "middle_name", "nickname",    "preferred_username",
    "profile",     "picture",     "website",
    "gender",      "birthdate",   "zoneinfo",
    "locale",      "updated_at"};

TEST(ClaimReleaseTest, ProfileReleasesTheProfileClaimsOnly) {
  const jwt::Json c = ReleaseClaims(Everything(), {"openid", "profile"},
                                    ClaimTarget::kUserInfo);
  EXPECT_EQ(Names(c), kProfile);
  EXPECT_EQ(c["given_name"], "Zoë");
  EXPECT_EQ(c["preferred_username"], "zoe");
  EXPECT_EQ(c["birthdate"], "0000-12-31");
  // OIDC Core §5.1: updated_at is a JSON number of seconds.
  EXPECT_EQ(c["updated_at"], 1'800'000'123);
}

TEST(ClaimReleaseTest, EmailReleasesEmailAndItsVerification) {
  const jwt::Json c =
      ReleaseClaims(Everything(), {"openid", "email"}, ClaimTarget::kUserInfo);
  EXPECT_EQ(
      c, jwt::Json({{"email", "zoe@example.com"}, {"email_verified", true}}));
}

// OIDC Core §5.1.1: address is a JSON object.
TEST(ClaimReleaseTest, AddressReleasesTheStructuredAddress) {
  const jwt::Json c = ReleaseClaims(Everything(), {"openid", "address"},
                                    ClaimTarget::kUserInfo);
  EXPECT_EQ(c, jwt::Json({{"address",
                           {{"formatted", "1 rue X\n75001 Paris"},
                            {"street_address", "1 rue X"},
                            {"locality", "Paris"},
                            {"region", "IDF"},
                            {"postal_code", "75001"},
                            {"country", "FR"}}}}));
}

TEST(ClaimReleaseTest, PhoneReleasesTheNumberAndItsVerification) {
  const jwt::Json c =
      ReleaseClaims(Everything(), {"openid", "phone"}, ClaimTarget::kUserInfo);
  EXPECT_EQ(c, jwt::Json({{"phone_number", "+33123456789"},
                          {"phone_number_verified", false}}));
}

TEST(ClaimReleaseTest, OpenidAloneReleasesNothing) {
  EXPECT_EQ(ReleaseClaims(Everything(), {"openid"}, ClaimTarget::kUserInfo),
            jwt::Json::object());
  EXPECT_EQ(ReleaseClaims(Everything(), {"openid", "orders.read"},
                          ClaimTarget::kUserInfo),
            jwt::Json::object());
}

TEST(ClaimReleaseTest, AllScopesReleaseEveryClaimOfTheTable) {
  const jwt::Json c = ReleaseClaims(
      Everything(), {"openid", "profile", "email", "address", "phone"},
      ClaimTarget::kUserInfo);
  std::set<std::string> expected = kProfile;
  expected.insert({"email", "email_verified", "address", "phone_number",
                   "phone_number_verified"});
  EXPECT_EQ(Names(c), expected);
  EXPECT_EQ(c.size(), ReleasableClaims().size());
}

// Absent values are omitted: never "" or null (OIDC Core §5.3.2).
TEST(ClaimReleaseTest, AbsentValuesAreOmitted) {
  storage::UserRecord bare;
  bare.user_id = "u2";
  bare.username = "bare";
  bare.claims_updated_at = absl::FromUnixSeconds(1'800'000'000);
  bare.claims.address.locality = "Paris";  // The only part of the address.
  const jwt::Json c =
      ReleaseClaims(bare, {"openid", "profile", "email", "address", "phone"},
                    ClaimTarget::kUserInfo);
  EXPECT_EQ(c, jwt::Json({{"preferred_username", "bare"},
                          {"updated_at", 1'800'000'000},
                          {"address", {{"locality", "Paris"}}}}));
  bare.claims.address = storage::PostalAddress();
  EXPECT_FALSE(ReleaseClaims(bare, {"address"}, ClaimTarget::kUserInfo)
                   .contains("address"));
}

// OIDC Core §5.4: with an access token issued, the scopes' claims come from
// UserInfo; the ID token keeps the small set it always had.
TEST(ClaimReleaseTest, IdTokensCarryTheSmallSetOnly) {
  const jwt::Json c = ReleaseClaims(
      Everything(), {"openid", "profile", "email", "address", "phone"},
      ClaimTarget::kIdToken);
  EXPECT_EQ(Names(c), (std::set<std::string>{"name", "preferred_username",
                                             "email", "email_verified"}));
}

TEST(ClaimReleaseTest, SupportedClaimsNameEveryReleasableClaimOnce) {
  const std::vector<std::string> supported = SupportedClaims();
  const std::set<std::string> unique(supported.begin(), supported.end());
  EXPECT_EQ(unique.size(), supported.size());
  for (const ReleasableClaim& claim : ReleasableClaims()) {
    EXPECT_EQ(unique.count(claim.name), 1u) << claim.name;
    EXPECT_EQ(
        std::count(ClaimScopes().begin(), ClaimScopes().end(), claim.scope), 1)
        << claim.scope;
  }
  for (const char* registered : {"sub", "iss", "aud", "exp", "iat", "auth_time",
                                 "nonce", "at_hash", "azp"}) {
    EXPECT_EQ(unique.count(registered), 1u) << registered;
  }
}

}  // namespace
}  // namespace identity::server
