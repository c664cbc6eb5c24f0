// The rules of ValidateStandardClaims (OIDC Core §5.1): each claim's accepted
// shapes, and for every rule a value it refuses with the field named.
#include "server/users/standard_claims.h"

#include <functional>
#include <string>

#include "gtest/gtest.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

using storage::StandardClaims;

StandardClaims Every() {
  StandardClaims c;
  c.given_name = "Zoë";
  c.family_name = "Ñúñez";
  c.middle_name = "Q";
  c.nickname = "zo";
  c.profile = "https://example.com/zoe";
  c.picture = "http://cdn.example:8080/z.png?size=64#x";
  c.website = "https://zoe.example";
  c.gender = "female";
  c.birthdate = "1990-12-31";
  c.zoneinfo = "Europe/Paris";
  c.locale = "en-US";
  c.phone_number = "+14155550100";
  c.phone_number_verified = true;
  c.address.formatted = "1 Main St\r\nSpringfield\nUSA";
  c.address.street_address = "1 Main St\nApt 2";
  c.address.locality = "Springfield";
  c.address.region = "IL";
  c.address.postal_code = "62701";
  c.address.country = "United States";
  return c;
}

// The status of Every() with one change.
absl::Status With(const std::function<void(StandardClaims&)>& change) {
  StandardClaims c = Every();
  change(c);
  return ValidateStandardClaims(c);
}

// INVALID_ARGUMENT / invalid_request, the message starting with the field.
void ExpectRefused(const absl::Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_EQ(OAuthErrorOf(status), OAuthError::kInvalidRequest) << status;
  EXPECT_EQ(status.message().substr(0, field.size() + 1), field + " ")
      << status;
}

TEST(StandardClaimsTest, EveryClaimSetIsAccepted) {
  EXPECT_TRUE(ValidateStandardClaims(Every()).ok())
      << ValidateStandardClaims(Every());
}

TEST(StandardClaimsTest, NoClaimsAreAccepted) {
  EXPECT_TRUE(ValidateStandardClaims(StandardClaims()).ok());
}

TEST(StandardClaimsTest, NamesAreBoundedPrintableUtf8) {
  EXPECT_TRUE(With([](auto& c) { c.given_name = std::string(200, 'a'); }).ok());
  ExpectRefused(With([](auto& c) { c.given_name = std::string(201, 'a'); }),
                "given_name");
  ExpectRefused(With([](auto& c) { c.family_name = "a\tb"; }), "family_name");
  ExpectRefused(With([](auto& c) { c.middle_name = "\xC3"; }), "middle_name");
  ExpectRefused(With([](auto& c) { c.nickname = "a\nb"; }), "nickname");
  ExpectRefused(With([](auto& c) { c.gender = std::string(65, 'x'); }),
                "gender");
}

// OIDC Core §5.1: profile, picture and website are URLs.
TEST(StandardClaimsTest, UrlsAreAbsoluteHttpOrHttps) {
  for (const char* good : {"https://a.example", "http://a.example/p?q=1#f",
                           "https://[::1]:8443/", "https://a.example?x"}) {
    EXPECT_TRUE(IsHttpUrl(good)) << good;
  }
  for (const char* bad :
       {"a.example/p", "ftp://a.example/", "javascript:alert(1)", "https://",
        "https:///path", "https://user:pw@a.example/", "https://a.example/ p",
        "https://a.example/\xC3\xA9", "HTTPS//a.example", "https://:443/"}) {
    EXPECT_FALSE(IsHttpUrl(bad)) << bad;
  }
  EXPECT_FALSE(IsHttpUrl("https://a.example/" + std::string(2000, 'p')));
  ExpectRefused(With([](auto& c) { c.profile = "ftp://x"; }), "profile");
  ExpectRefused(With([](auto& c) { c.picture = "data:image/png,x"; }),
                "picture");
  ExpectRefused(With([](auto& c) { c.website = "//a.example"; }), "website");
}

// OIDC Core §5.1 birthdate: "YYYY-MM-DD ... 0000 indicates that it was
// omitted ... only the year ... YYYY".
TEST(StandardClaimsTest, BirthdateIsYearDateOrDateWithoutYear) {
  for (const char* good :
       {"1990", "1990-01-31", "0000-02-29", "2000-02-29", "9999-12-31"}) {
    EXPECT_TRUE(IsBirthdate(good)) << good;
  }
  for (const char* bad :
       {"0000", "90", "19900", "1990-1-31", "1990-13-01", "1990-00-10",
        "1990-04-31", "1990-01-00", "1900-02-29", "1990-02", "1990/01/31",
        "1990-01-31T00:00", "+990-01-01", "1990-01-3a", "-"}) {
    EXPECT_FALSE(IsBirthdate(bad)) << bad;
  }
  ExpectRefused(With([](auto& c) { c.birthdate = "31.12.1990"; }), "birthdate");
}

TEST(StandardClaimsTest, ZoneinfoHasTheShapeOfATzName) {
  for (const char* good :
       {"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires",
        "America/Port-au-Prince", "Etc/GMT+5", "EST5EDT"}) {
    EXPECT_TRUE(IsZoneinfo(good)) << good;
  }
  for (const char* bad :
       {"/Europe/Paris", "Europe/", "Europe//Paris", "../etc/passwd",
        "Europe/.hidden", "+05:00", "Europe/Paris Time", "A/B/C/D/E",
        "Europe/ABCDEFGHIJKLMNO", "Europe\\Paris"}) {
    EXPECT_FALSE(IsZoneinfo(bad)) << bad;
  }
  EXPECT_FALSE(IsZoneinfo(std::string(65, 'A')));
  ExpectRefused(With([](auto& c) { c.zoneinfo = "GMT +1"; }), "zoneinfo");
}

// RFC 5646 §2.1 (BCP 47), as OIDC Core §5.1 locale asks.
TEST(StandardClaimsTest, LocaleHasTheShapeOfALanguageTag) {
  for (const char* good : {"en", "en-US", "fr-CA", "zh-Hant-TW", "de-CH-1901",
                           "es-419", "en-US-u-ca-gregory", "sgn-BE-FR"}) {
    EXPECT_TRUE(IsLanguageTag(good)) << good;
  }
  for (const char* bad :
       {"e", "en_US", "en-", "-en", "en--US", "en-US-u", "en-a-b-c", "123",
        "en-toolongsubtag", "en US", "en-US-\xC3\xA9"}) {
    EXPECT_FALSE(IsLanguageTag(bad)) << bad;
  }
  EXPECT_FALSE(IsLanguageTag("en-" + std::string(33, 'a')));
  ExpectRefused(With([](auto& c) { c.locale = "en_US"; }), "locale");
}

// OIDC Core §5.1 phone_number: E.164 recommended, RFC 3966 extensions.
TEST(StandardClaimsTest, PhoneNumberIsE164WithAnOptionalExtension) {
  for (const char* good : {"+14155550100", "+33123456789", "+12",
                           "+123456789012345", "+14155550100;ext=5678"}) {
    EXPECT_TRUE(IsPhoneNumber(good)) << good;
  }
  for (const char* bad :
       {"14155550100", "+1 415 555 0100", "+1-415-555-0100", "+0123456", "+1",
        "+1234567890123456", "+14155550100;ext=", "+14155550100;x=1",
        "+14155550100;ext=12345678901", "+1415555010a", "+"}) {
    EXPECT_FALSE(IsPhoneNumber(bad)) << bad;
  }
  ExpectRefused(With([](auto& c) { c.phone_number = "(415) 555-0100"; }),
                "phone_number");
}

// OIDC Core §5.1.1: formatted and street_address may hold line breaks.
TEST(StandardClaimsTest, AddressPartsAreBoundedAndOnlyTwoMayHoldLines) {
  ExpectRefused(With([](auto& c) { c.address.formatted = "a\rb"; }),
                "address.formatted");
  ExpectRefused(
      With([](auto& c) { c.address.formatted = std::string(501, 'a'); }),
      "address.formatted");
  ExpectRefused(With([](auto& c) { c.address.street_address = "a\tb"; }),
                "address.street_address");
  ExpectRefused(With([](auto& c) { c.address.locality = "a\nb"; }),
                "address.locality");
  ExpectRefused(With([](auto& c) { c.address.region = std::string(101, 'r'); }),
                "address.region");
  ExpectRefused(
      With([](auto& c) { c.address.postal_code = std::string(33, '1'); }),
      "address.postal_code");
  ExpectRefused(With([](auto& c) { c.address.country = "\x7F"; }),
                "address.country");
}

}  // namespace
}  // namespace identity::server
