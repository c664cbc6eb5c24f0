#include "jwt/claims.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

constexpr double kMaxNumericDate = 9007199254740992.0;  // 2^53: exact in a double.

absl::Status ReadString(Json& json, const char* name, std::optional<std::string>* out) {
  auto it = json.find(name);
  if (it == json.end()) return absl::OkStatus();
  if (!it->is_string()) {
    return MakeError(Reason::kClaimInvalid, absl::StrCat("\"", name, "\" must be a string"));
  }
  *out = it->get<std::string>();
  json.erase(it);
  return absl::OkStatus();
}

enum class Rounding { kDown, kUp };

absl::Status ReadNumericDate(Json& json, const char* name, Rounding rounding,
                             std::optional<int64_t>* out) {
  auto it = json.find(name);
  if (it == json.end()) return absl::OkStatus();
  if (!it->is_number()) {
    return MakeError(Reason::kClaimInvalid, absl::StrCat("\"", name, "\" must be a NumericDate"));
  }
  if (it->is_number_unsigned() || it->is_number_integer()) {
    if (it->is_number_integer() && !it->is_number_unsigned() && it->get<int64_t>() < 0) {
      return MakeError(Reason::kClaimInvalid, absl::StrCat("\"", name, "\" is negative"));
    }
    const uint64_t value = it->is_number_unsigned() ? it->get<uint64_t>()
                                                    : static_cast<uint64_t>(it->get<int64_t>());
    if (value > static_cast<uint64_t>(kMaxNumericDate)) {
      return MakeError(Reason::kClaimInvalid, absl::StrCat("\"", name, "\" is out of range"));
    }
    *out = static_cast<int64_t>(value);
  } else {
    // RFC 7519 §2: a NumericDate may have a fraction.
    const double value = it->get<double>();
    if (!std::isfinite(value) || value < 0 || value > kMaxNumericDate) {
      return MakeError(Reason::kClaimInvalid, absl::StrCat("\"", name, "\" is out of range"));
    }
    *out = static_cast<int64_t>(rounding == Rounding::kDown ? std::floor(value)
                                                             : std::ceil(value));
  }
  json.erase(it);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Claims> Claims::FromJson(const Json& json) {
  if (!json.is_object()) return MakeError(Reason::kJsonNotObject, "claims must be an object");
  Claims claims;
  Json rest = json;
  for (const auto& [name, field] :
       {std::pair{"iss", &claims.iss}, std::pair{"sub", &claims.sub},
        std::pair{"jti", &claims.jti}}) {
    if (absl::Status s = ReadString(rest, name, field); !s.ok()) return s;
  }
  if (absl::Status s = ReadNumericDate(rest, "exp", Rounding::kDown, &claims.exp); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadNumericDate(rest, "nbf", Rounding::kUp, &claims.nbf); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReadNumericDate(rest, "iat", Rounding::kDown, &claims.iat); !s.ok()) {
    return s;
  }
  if (auto aud = rest.find("aud"); aud != rest.end()) {
    if (aud->is_string()) {
      claims.aud.push_back(aud->get<std::string>());
    } else if (aud->is_array()) {
      claims.aud_as_array = true;
      for (const Json& value : *aud) {
        if (!value.is_string()) {
          return MakeError(Reason::kClaimInvalid, "\"aud\" must hold only strings");
        }
        claims.aud.push_back(value.get<std::string>());
      }
    } else {
      return MakeError(Reason::kClaimInvalid, "\"aud\" must be a string or an array");
    }
    rest.erase(aud);
  }
  claims.other = std::move(rest);
  return claims;
}

absl::StatusOr<Claims> Claims::Parse(absl::string_view text) {
  auto json = ParseJsonObject(text);
  if (!json.ok()) return json.status();
  return FromJson(*json);
}

Json Claims::ToJson() const {
  Json json = other.is_object() ? other : Json::object();
  if (iss) json["iss"] = *iss;
  if (sub) json["sub"] = *sub;
  if (aud.size() == 1 && !aud_as_array) {
    json["aud"] = aud[0];
  } else if (!aud.empty()) {
    json["aud"] = aud;
  }
  if (exp) json["exp"] = *exp;
  if (nbf) json["nbf"] = *nbf;
  if (iat) json["iat"] = *iat;
  if (jti) json["jti"] = *jti;
  return json;
}

std::optional<std::string> Claims::GetString(absl::string_view name) const {
  auto it = other.find(std::string(name));
  if (it == other.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace identity::jwt
