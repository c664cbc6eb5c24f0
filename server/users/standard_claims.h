// The rules for a user's standard claims (OIDC Core §5.1) beyond name and
// email: what AdminService may store, each value bounded and of the shape
// the claim's definition gives.
#ifndef IDENTITY_SERVER_USERS_STANDARD_CLAIMS_H_
#define IDENTITY_SERVER_USERS_STANDARD_CLAIMS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "storage/user_store.h"

namespace identity::server {

// OK when every claim is empty (not set) or valid; else kInvalidRequest
// (oauth_error.h, INVALID_ARGUMENT) whose message names the first bad field
// and its rule:
// - given_name, family_name, middle_name, nickname: at most 200 bytes of
//   printable UTF-8 (client_registry.h IsPrintableUtf8); gender at most 64.
// - profile, picture, website: an absolute http or https URL with a host and
//   no user information, at most 2000 characters of printable ASCII.
// - birthdate: YYYY (not 0000), YYYY-MM-DD or 0000-MM-DD (year omitted), a
//   real date (February 29 only in leap years or with 0000).
// - zoneinfo: the shape of a tz database name ("Europe/Paris", "UTC",
//   "America/Argentina/Buenos_Aires", "Etc/GMT+5"): 1 to 4 components
//   separated by '/', each 1 to 14 characters of [A-Za-z0-9._+-] starting
//   with a letter; at most 64 characters. Not checked against a tz database.
// - locale: the shape of a BCP 47 language tag (RFC 5646 §2.1): subtags of
//   1 to 8 ASCII letters or digits separated by '-', the first 2 to 8
//   letters, a singleton followed by at least one subtag; at most 35
//   characters ("en-US", "zh-Hant-TW", "de-CH-1901"). '_' is refused.
// - phone_number: E.164 ("+" then 2 to 15 digits, the first not 0), with an
//   optional RFC 3966 extension ";ext=" and 1 to 10 digits. No spaces or
//   punctuation: the stored form is the one relying parties can dial.
// - address: formatted (at most 500 bytes) and street_address (300) are
//   printable UTF-8 with line breaks ("\n" or "\r\n", OIDC Core §5.1.1);
//   locality, region and country at most 100 bytes, postal_code at most 32,
//   printable UTF-8 on one line.
absl::Status ValidateStandardClaims(const storage::StandardClaims& claims);

// The single rules, for tests and other callers.
bool IsHttpUrl(absl::string_view url);
bool IsBirthdate(absl::string_view birthdate);
bool IsZoneinfo(absl::string_view zoneinfo);
bool IsLanguageTag(absl::string_view locale);
bool IsPhoneNumber(absl::string_view phone_number);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_STANDARD_CLAIMS_H_
