#include "jwt/jwks.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::jwt {

absl::Status Jwks::CheckSet(const std::vector<Jwk>& keys) {
  std::set<std::string> kids;
  bool symmetric = false;
  bool asymmetric = false;
  for (const Jwk& key : keys) {
    if (!key.kid().empty() && !kids.insert(key.kid()).second) {
      return MakeError(Reason::kJwksDuplicateKid,
                       absl::StrCat("two keys have kid \"", key.kid(), "\""));
    }
    (key.is_symmetric() ? symmetric : asymmetric) = true;
  }
  if (symmetric && asymmetric) {
    return MakeError(Reason::kJwksMixedKeyTypes,
                     "a key set must not mix symmetric and asymmetric keys");
  }
  return absl::OkStatus();
}

absl::StatusOr<Jwks> Jwks::FromJson(const Json& json) {
  if (!json.is_object()) {
    return MakeError(Reason::kJwksInvalid, "a JWKS must be a JSON object");
  }
  auto it = json.find("keys");
  if (it == json.end() || !it->is_array()) {
    return MakeError(Reason::kJwksInvalid, "a JWKS needs a \"keys\" array");
  }
  Jwks set;
  std::set<std::string> kids;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    if (!entry.is_object()) {
      return MakeError(Reason::kJwksInvalid,
                       "every entry of \"keys\" must be an object");
    }
    // Duplicates count among all entries, usable or not: a kid must name one
    // key.
    auto kid = entry.find("kid");
    if (kid != entry.end() && kid->is_string() &&
        !kids.insert(kid->get<std::string>()).second) {
      return MakeError(
          Reason::kJwksDuplicateKid,
          absl::StrCat("two keys have kid \"", kid->get<std::string>(), "\""));
    }
    auto key = Jwk::FromJson(entry);
    if (key.ok()) {
      set.keys_.push_back(*std::move(key));
    } else {
      set.skipped_.push_back({i,
                              kid != entry.end() && kid->is_string()
                                  ? kid->get<std::string>()
                                  : "",
                              key.status()});
    }
  }
  if (absl::Status status = CheckSet(set.keys_); !status.ok()) return status;
  return set;
}

absl::StatusOr<Jwks> Jwks::Parse(absl::string_view text) {
  auto json = ParseJsonObject(text);
  if (!json.ok()) return json.status();
  return FromJson(*json);
}

absl::StatusOr<Jwks> Jwks::FromKeys(std::vector<Jwk> keys) {
  if (absl::Status status = CheckSet(keys); !status.ok()) return status;
  Jwks set;
  set.keys_ = std::move(keys);
  return set;
}

Json Jwks::ToPublicJson() const {
  Json keys = Json::array();
  for (const Jwk& key : keys_) {
    if (!key.is_symmetric()) keys.push_back(key.ToPublicJson());
  }
  return Json{{"keys", std::move(keys)}};
}

const Jwk* Jwks::FindByKid(absl::string_view kid) const {
  if (kid.empty()) {
    return nullptr;  // Keys without a kid are found only by elimination.
  }
  for (const Jwk& key : keys_) {
    if (key.kid() == kid) return &key;
  }
  return nullptr;
}

absl::StatusOr<const Jwk*> Jwks::SelectForVerification(
    Algorithm alg, const std::optional<std::string>& kid) const {
  // An empty "kid" names nothing: it is treated as absent, so it cannot pick a
  // key that has none.
  if (kid.has_value() && !kid->empty()) {
    const Jwk* key = FindByKid(*kid);
    if (key == nullptr) {
      return MakeError(Reason::kKidUnknown, "no key has the token's kid");
    }
    if (absl::Status status = key->CheckUsableFor(alg, KeyOperation::kVerify);
        !status.ok()) {
      return status;
    }
    return key;
  }
  const Jwk* found = nullptr;
  for (const Jwk& key : keys_) {
    if (!key.CheckUsableFor(alg, KeyOperation::kVerify).ok()) continue;
    if (found != nullptr) {
      return MakeError(Reason::kKidRequired,
                       "the token has no kid and several keys could verify it");
    }
    found = &key;
  }
  if (found == nullptr) {
    return MakeError(Reason::kNoUsableKey,
                     absl::StrCat("no key can verify ", AlgorithmName(alg)));
  }
  return found;
}

}  // namespace identity::jwt
