#include "server/oauth/claim_release.h"

#include <algorithm>

#include "absl/time/time.h"

namespace identity::server {
namespace {

using storage::UserRecord;

std::optional<jwt::Json> Text(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return jwt::Json(value);
}

// OIDC Core §5.1.1: the address members the user has.
std::optional<jwt::Json> Address(const UserRecord& user) {
  const storage::PostalAddress& a = user.claims.address;
  jwt::Json out = jwt::Json::object();
  const std::pair<const char*, const std::string*> parts[] = {
      {"formatted", &a.formatted},     {"street_address", &a.street_address},
      {"locality", &a.locality},       {"region", &a.region},
      {"postal_code", &a.postal_code}, {"country", &a.country},
  };
  for (const auto& [name, value] : parts) {
    if (!value->empty()) out[name] = *value;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

const std::vector<ReleasableClaim>& ReleasableClaims() {
  using U = const UserRecord&;
  static const auto* const kTable = new std::vector<ReleasableClaim>{
      // OIDC Core §5.4: profile.
      {"name", "profile", true, [](U u) { return Text(u.name); }},
      {"family_name", "profile", false,
       [](U u) { return Text(u.claims.family_name); }},
      {"given_name", "profile", false,
       [](U u) { return Text(u.claims.given_name); }},
      {"middle_name", "profile", false,
       [](U u) { return Text(u.claims.middle_name); }},
      {"nickname", "profile", false,
       [](U u) { return Text(u.claims.nickname); }},
      // The username: unique, chosen by the user or the admin.
      {"preferred_username", "profile", true,
       [](U u) { return Text(u.username); }},
      {"profile", "profile", false, [](U u) { return Text(u.claims.profile); }},
      {"picture", "profile", false, [](U u) { return Text(u.claims.picture); }},
      {"website", "profile", false, [](U u) { return Text(u.claims.website); }},
      {"gender", "profile", false, [](U u) { return Text(u.claims.gender); }},
      {"birthdate", "profile", false,
       [](U u) { return Text(u.claims.birthdate); }},
      {"zoneinfo", "profile", false,
       [](U u) { return Text(u.claims.zoneinfo); }},
      {"locale", "profile", false, [](U u) { return Text(u.claims.locale); }},
      {"updated_at", "profile", false,
       [](U u) -> std::optional<jwt::Json> {
         return jwt::Json(absl::ToUnixSeconds(u.claims_updated_at));
       }},
      // email.
      {"email", "email", true, [](U u) { return Text(u.email); }},
      {"email_verified", "email", true,
       [](U u) -> std::optional<jwt::Json> {
         if (u.email.empty()) return std::nullopt;
         return jwt::Json(u.email_verified);
       }},
      // address.
      {"address", "address", false, &Address},
      // phone.
      {"phone_number", "phone", false,
       [](U u) { return Text(u.claims.phone_number); }},
      {"phone_number_verified", "phone", false,
       [](U u) -> std::optional<jwt::Json> {
         if (u.claims.phone_number.empty()) return std::nullopt;
         return jwt::Json(u.claims.phone_number_verified);
       }},
  };
  return *kTable;
}

const std::vector<std::string>& ClaimScopes() {
  static const auto* const kScopes =
      new std::vector<std::string>{"profile", "email", "address", "phone"};
  return *kScopes;
}

std::vector<std::string> SupportedClaims() {
  // OIDC Core §2 and §3.1.3.6: what every ID token of this server holds.
  std::vector<std::string> names = {"sub",   "iss",     "aud",
                                    "exp",   "iat",     "auth_time",
                                    "nonce", "at_hash", "azp"};
  for (const ReleasableClaim& claim : ReleasableClaims()) {
    names.push_back(claim.name);
  }
  return names;
}

jwt::Json ReleaseClaims(const UserRecord& user,
                        const std::vector<std::string>& scopes,
                        ClaimTarget target) {
  jwt::Json out = jwt::Json::object();
  for (const ReleasableClaim& claim : ReleasableClaims()) {
    if (target == ClaimTarget::kIdToken && !claim.in_id_token) continue;
    if (std::find(scopes.begin(), scopes.end(), claim.scope) == scopes.end()) {
      continue;
    }
    if (std::optional<jwt::Json> value = claim.value(user)) {
      out[claim.name] = *std::move(value);
    }
  }
  return out;
}

}  // namespace identity::server
