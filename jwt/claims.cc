#include "jwt/claims.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

constexpr double kMaxNumericDate =
    9007199254740992.0;  // 2^53: exact in a double.

enum class Rounding { kDown, kUp };

bool IsRegistered(absl::string_view name) {
  return name == "iss" || name == "sub" || name == "aud" || name == "exp" ||
         name == "nbf" || name == "iat" || name == "jti";
}

absl::Status NotAString(absl::string_view name) {
  return MakeError(Reason::kClaimInvalid,
                   absl::StrCat("\"", name, "\" must be a string"));
}

absl::Status ReadString(const char* name, Json& value,
                        std::optional<std::string>* out) {
  if (!value.is_string()) return NotAString(name);
  *out = std::move(value.get_ref<std::string&>());
  return absl::OkStatus();
}

// The typed field of a registered string claim, or null.
std::optional<std::string>* StringClaim(absl::string_view name,
                                        Claims* claims) {
  if (name == "iss") return &claims->iss;
  if (name == "sub") return &claims->sub;
  if (name == "jti") return &claims->jti;
  return nullptr;
}

absl::Status ReadNumericDate(const char* name, const Json& value,
                             Rounding rounding, std::optional<int64_t>* out) {
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(kMaxNumericDate)) {
      return MakeError(Reason::kClaimInvalid,
                       absl::StrCat("\"", name, "\" is out of range"));
    }
    *out = static_cast<int64_t>(v);
  } else if (value.is_number_integer()) {
    // Signed: a value built in C++, or negative text.
    const int64_t v = value.get<int64_t>();
    if (v < 0) {
      return MakeError(Reason::kClaimInvalid,
                       absl::StrCat("\"", name, "\" is negative"));
    }
    if (v > static_cast<int64_t>(kMaxNumericDate)) {
      return MakeError(Reason::kClaimInvalid,
                       absl::StrCat("\"", name, "\" is out of range"));
    }
    *out = v;
  } else if (value.is_number_float()) {
    // RFC 7519 §2: a NumericDate may have a fraction.
    const double v = value.get<double>();
    if (!std::isfinite(v) || v < 0 || v > kMaxNumericDate) {
      return MakeError(Reason::kClaimInvalid,
                       absl::StrCat("\"", name, "\" is out of range"));
    }
    *out = static_cast<int64_t>(rounding == Rounding::kDown ? std::floor(v)
                                                            : std::ceil(v));
  } else {
    return MakeError(Reason::kClaimInvalid,
                     absl::StrCat("\"", name, "\" must be a NumericDate"));
  }
  return absl::OkStatus();
}

absl::Status ReadAudience(const Json& value, Claims* claims) {
  if (value.is_string()) {
    claims->aud.push_back(value.get<std::string>());
    return absl::OkStatus();
  }
  if (!value.is_array()) {
    return MakeError(Reason::kClaimInvalid,
                     "\"aud\" must be a string or an array");
  }
  claims->aud_as_array = true;
  for (const Json& element : value) {
    if (!element.is_string()) {
      return MakeError(Reason::kClaimInvalid, "\"aud\" must hold only strings");
    }
    claims->aud.push_back(element.get<std::string>());
  }
  return absl::OkStatus();
}

// Stores one member of a claims set: a registered claim into its typed field,
// anything else into `other`.
absl::Status SetMember(std::string name, Json value, Claims* claims) {
  if (name.size() == 3) {
    if (name == "iss") return ReadString("iss", value, &claims->iss);
    if (name == "sub") return ReadString("sub", value, &claims->sub);
    if (name == "jti") return ReadString("jti", value, &claims->jti);
    if (name == "aud") return ReadAudience(value, claims);
    if (name == "exp") {
      return ReadNumericDate("exp", value, Rounding::kDown, &claims->exp);
    }
    if (name == "nbf") {
      return ReadNumericDate("nbf", value, Rounding::kUp, &claims->nbf);
    }
    if (name == "iat") {
      return ReadNumericDate("iat", value, Rounding::kUp, &claims->iat);
    }
  }
  claims->other.emplace(std::move(name), std::move(value));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Claims> Claims::FromJson(const Json& json) {
  if (!json.is_object()) {
    return MakeError(Reason::kJsonNotObject, "claims must be an object");
  }
  Claims claims;
  for (const auto& [name, value] : json.items()) {
    if (absl::Status status = SetMember(name, Json(value), &claims);
        !status.ok())
      return status;
  }
  return claims;
}

absl::StatusOr<Claims> Claims::Parse(absl::string_view text) {
  // Straight from text to typed fields: no intermediate document for the
  // registered claims.
  auto members = ParseJsonObjectMembers(text);
  if (!members.ok()) return members.status();
  Claims claims;
  for (JsonMember& member : *members) {
    if (std::optional<std::string>* field = StringClaim(member.name, &claims)) {
      std::string value;
      if (!JsonStringOf(member.value, &value)) return NotAString(member.name);
      *field = std::move(value);
      continue;
    }
    absl::Status status =
        SetMember(std::move(member.name), JsonValueOf(member.value), &claims);
    if (!status.ok()) return status;
  }
  return claims;
}

std::string Claims::Serialize() const {
  // Written directly rather than through ToJson(): this is the signing hot
  // path.
  std::string out = "{";
  const auto name = [&out](absl::string_view member) {
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    out.append(member.data(), member.size());
    out.append("\":");
  };
  if (iss) name("iss"), AppendJsonString(*iss, &out);
  if (sub) name("sub"), AppendJsonString(*sub, &out);
  if (aud.size() == 1 && !aud_as_array) {
    name("aud"), AppendJsonString(aud[0], &out);
  } else if (!aud.empty()) {
    name("aud");
    out.push_back('[');
    for (size_t i = 0; i < aud.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendJsonString(aud[i], &out);
    }
    out.push_back(']');
  }
  if (exp) name("exp"), absl::StrAppend(&out, *exp);
  if (nbf) name("nbf"), absl::StrAppend(&out, *nbf);
  if (iat) name("iat"), absl::StrAppend(&out, *iat);
  if (jti) name("jti"), AppendJsonString(*jti, &out);
  if (other.is_object()) {
    for (const auto& [member, value] : other.items()) {
      if (IsRegistered(member)) continue;  // The typed field is authoritative.
      if (out.size() > 1) out.push_back(',');
      AppendJsonString(member, &out);
      out.push_back(':');
      AppendJson(value, &out);
    }
  }
  out.push_back('}');
  return out;
}

Json Claims::ToJson() const {
  Json json = Json::object();
  if (other.is_object()) {
    for (const auto& [member, value] : other.items()) {
      if (!IsRegistered(member)) json[member] = value;
    }
  }
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
