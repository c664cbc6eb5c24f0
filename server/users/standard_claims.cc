#include "server/users/standard_claims.h"

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

constexpr size_t kMaxNamePart = 200;
constexpr size_t kMaxGender = 64;
constexpr size_t kMaxUrl = 2000;
constexpr size_t kMaxZoneinfo = 64;
constexpr size_t kMaxLocale = 35;

absl::Status Invalid(absl::string_view field, absl::string_view rule) {
  return OAuthFailure(OAuthError::kInvalidRequest,
                      absl::StrCat(field, " must be ", rule));
}

bool AllDigits(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return !s.empty();
}

bool AllAlpha(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalpha(c)) return false;
  }
  return !s.empty();
}

bool AllAlnum(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c)) return false;
  }
  return !s.empty();
}

// Printable UTF-8 where each line break is "\n" or "\r\n".
bool IsPrintableLines(absl::string_view text) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::EndsWith(line, "\r")) line.remove_suffix(1);
    if (!IsPrintableUtf8(line)) return false;
  }
  return true;
}

// An optional text claim: empty, or at most `max` bytes of printable UTF-8
// (on several lines when `lines`).
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max, bool lines = false) {
  if (value.empty()) return absl::OkStatus();
  const bool ok = value.size() <= max &&
                  (lines ? IsPrintableLines(value) : IsPrintableUtf8(value));
  if (ok) return absl::OkStatus();
  return Invalid(field, absl::StrCat("at most ", max,
                                     " bytes of printable "
                                     "UTF-8",
                                     lines ? " (line breaks allowed)" : ""));
}

absl::Status CheckShape(absl::string_view field, absl::string_view value,
                        bool (*rule)(absl::string_view),
                        absl::string_view description) {
  if (value.empty() || rule(value)) return absl::OkStatus();
  return Invalid(field, description);
}

absl::Status CheckAddress(const storage::PostalAddress& address) {
  struct Part {
    const char* field;
    const std::string& value;
    size_t max;
    bool lines;
  };
  const Part parts[] = {
      {"address.formatted", address.formatted, 500, true},
      {"address.street_address", address.street_address, 300, true},
      {"address.locality", address.locality, 100, false},
      {"address.region", address.region, 100, false},
      {"address.postal_code", address.postal_code, 32, false},
      {"address.country", address.country, 100, false},
  };
  for (const Part& part : parts) {
    if (absl::Status s =
            CheckText(part.field, part.value, part.max, part.lines);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

}  // namespace

bool IsHttpUrl(absl::string_view url) {
  if (url.size() > kMaxUrl) return false;
  for (char c : url) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return false;
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://") &&
      !absl::ConsumePrefix(&rest, "http://")) {
    return false;
  }
  const absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // A host, and no "user:password@" (a credential in a published claim).
  return !authority.empty() && authority[0] != ':' &&
         authority.find('@') == absl::string_view::npos;
}

bool IsBirthdate(absl::string_view birthdate) {
  const std::vector<absl::string_view> parts = absl::StrSplit(birthdate, '-');
  int year = 0, month = 0, day = 0;
  if (parts[0].size() != 4 || !AllDigits(parts[0]) ||
      !absl::SimpleAtoi(parts[0], &year)) {
    return false;
  }
  // OIDC Core §5.1: "0000" means the year was omitted, so it needs MM-DD.
  if (parts.size() == 1) return year != 0;
  if (parts.size() != 3 || parts[1].size() != 2 || parts[2].size() != 2 ||
      !AllDigits(parts[1]) || !AllDigits(parts[2]) ||
      !absl::SimpleAtoi(parts[1], &month) ||
      !absl::SimpleAtoi(parts[2], &day)) {
    return false;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) {
    return false;
  }
  return !(month == 2 && day == 29 && year != 0 && !IsLeapYear(year));
}

bool IsZoneinfo(absl::string_view zoneinfo) {
  if (zoneinfo.empty() || zoneinfo.size() > kMaxZoneinfo) return false;
  const std::vector<absl::string_view> parts = absl::StrSplit(zoneinfo, '/');
  if (parts.size() > 4) return false;
  for (absl::string_view part : parts) {
    // The tz database's own rule for a name component: at most 14
    // characters; letters first (no ".", "..", or "-" start).
    if (part.empty() || part.size() > 14 || !absl::ascii_isalpha(part[0])) {
      return false;
    }
    for (char c : part) {
      if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '+' &&
          c != '-') {
        return false;
      }
    }
  }
  return true;
}

bool IsLanguageTag(absl::string_view locale) {
  if (locale.empty() || locale.size() > kMaxLocale) return false;
  const std::vector<absl::string_view> subtags = absl::StrSplit(locale, '-');
  // RFC 5646 §2.1: language = 2*3ALPHA [-extlang] / 4ALPHA / 5*8ALPHA.
  if (subtags[0].size() < 2 || subtags[0].size() > 8 || !AllAlpha(subtags[0])) {
    return false;
  }
  bool after_singleton = false;
  for (size_t i = 1; i < subtags.size(); ++i) {
    const absl::string_view subtag = subtags[i];
    if (subtag.size() > 8 || !AllAlnum(subtag)) return false;
    if (subtag.size() == 1) {
      // An extension or private use singleton ("u", "x") starts a run of
      // subtags of its own: it cannot end the tag or follow another.
      if (after_singleton || i + 1 == subtags.size()) return false;
      after_singleton = true;
    } else {
      after_singleton = false;
    }
  }
  return true;
}

bool IsPhoneNumber(absl::string_view phone_number) {
  absl::string_view rest = phone_number;
  if (!absl::ConsumePrefix(&rest, "+")) return false;
  absl::string_view number = rest;
  absl::string_view extension;
  if (const size_t semi = rest.find(';'); semi != absl::string_view::npos) {
    number = rest.substr(0, semi);
    extension = rest.substr(semi);
    // RFC 3966 §5.1.5: ";ext=" and the extension's digits.
    if (!absl::ConsumePrefix(&extension, ";ext=") || extension.size() > 10 ||
        !AllDigits(extension)) {
      return false;
    }
  }
  // E.164: at most 15 digits, a country code that does not start with 0.
  return number.size() >= 2 && number.size() <= 15 && AllDigits(number) &&
         number[0] != '0';
}

absl::Status ValidateStandardClaims(const storage::StandardClaims& claims) {
  struct Text {
    const char* field;
    const std::string& value;
    size_t max;
  };
  const Text texts[] = {
      {"given_name", claims.given_name, kMaxNamePart},
      {"family_name", claims.family_name, kMaxNamePart},
      {"middle_name", claims.middle_name, kMaxNamePart},
      {"nickname", claims.nickname, kMaxNamePart},
      {"gender", claims.gender, kMaxGender},
  };
  for (const Text& text : texts) {
    if (absl::Status s = CheckText(text.field, text.value, text.max); !s.ok()) {
      return s;
    }
  }
  const std::string url_rule = absl::StrCat(
      "an absolute http or https URL with a host and no user information, at "
      "most ",
      kMaxUrl, " characters of printable ASCII");
  struct Shape {
    const char* field;
    const std::string& value;
    bool (*rule)(absl::string_view);
    std::string description;
  };
  const Shape shapes[] = {
      {"profile", claims.profile, &IsHttpUrl, url_rule},
      {"picture", claims.picture, &IsHttpUrl, url_rule},
      {"website", claims.website, &IsHttpUrl, url_rule},
      {"birthdate", claims.birthdate, &IsBirthdate,
       "YYYY, YYYY-MM-DD or 0000-MM-DD (OIDC Core §5.1), a real date"},
      {"zoneinfo", claims.zoneinfo, &IsZoneinfo,
       "a tz database name such as Europe/Paris (components of "
       "[A-Za-z0-9._+-] separated by '/', each starting with a letter)"},
      {"locale", claims.locale, &IsLanguageTag,
       "a BCP 47 language tag such as en-US (at most 35 characters)"},
      {"phone_number", claims.phone_number, &IsPhoneNumber,
       "E.164: '+' then 2 to 15 digits without spaces, optionally ';ext=' "
       "and up to 10 digits"},
  };
  for (const Shape& shape : shapes) {
    if (absl::Status s =
            CheckShape(shape.field, shape.value, shape.rule, shape.description);
        !s.ok()) {
      return s;
    }
  }
  return CheckAddress(claims.address);
}

}  // namespace identity::server
