#include "server/oauth/client_jwks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "jwt/json.h"
#include "jwt/status.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status Invalid(absl::string_view why) {
  return OAuthFailure(OAuthError::kInvalidRequest, absl::StrCat("jwks: ", why));
}

// RFC 7518 §6.2.2, §6.3.2, RFC 8037 §2: the members of private keys.
constexpr const char* kPrivateMembers[] = {"d",  "p",  "q",   "dp",
                                           "dq", "qi", "oth", "k"};

absl::Status CheckKeyJson(const jwt::Json& key) {
  if (!key.is_object()) return Invalid("each key must be a JSON object");
  for (const char* member : kPrivateMembers) {
    if (key.contains(member)) {
      return Invalid("keys must be public: no private or secret members");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKey(const jwt::Jwk& key, size_t count) {
  if (key.is_symmetric() || key.is_private()) {
    return Invalid("keys must be public asymmetric keys");
  }
  if (key.use().has_value() && *key.use() != "sig") {
    return Invalid("a key's use must be sig");
  }
  const auto& allowed = ClientAssertionAlgorithms();
  if (key.alg().has_value() &&
      std::find(allowed.begin(), allowed.end(), *key.alg()) == allowed.end()) {
    return Invalid("a key's alg must be an asymmetric signing algorithm");
  }
  if (count > 1 && key.kid().empty()) {
    return Invalid("every key needs a kid when there are several");
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<jwt::Algorithm>& ClientAssertionAlgorithms() {
  static const auto* const kAlgorithms = [] {
    auto* algorithms = new std::vector<jwt::Algorithm>;
    for (jwt::Algorithm alg : jwt::AllAlgorithms()) {
      if (jwt::KeyTypeFor(alg) != jwt::KeyType::kOct) {
        algorithms->push_back(alg);
      }
    }
    return algorithms;
  }();
  return *kAlgorithms;
}

absl::StatusOr<jwt::Jwks> ParseClientJwks(absl::string_view text) {
  if (text.size() > kMaxClientJwksSize) {
    return Invalid(absl::StrCat("larger than ", kMaxClientJwksSize, " bytes"));
  }
  auto json = jwt::ParseJsonObject(text);
  if (!json.ok()) return Invalid("not a strict JSON object");
  auto keys = json->find("keys");
  if (keys == json->end() || !keys->is_array()) {
    return Invalid("a JWK Set needs a keys array");
  }
  if (keys->empty() || keys->size() > kMaxClientJwksKeys) {
    return Invalid(absl::StrCat("1 to ", kMaxClientJwksKeys, " keys"));
  }
  for (const jwt::Json& key : *keys) {
    if (absl::Status ok = CheckKeyJson(key); !ok.ok()) return ok;
  }
  auto jwks = jwt::Jwks::FromJson(*json);
  if (!jwks.ok()) {
    return Invalid(absl::StrCat("not a valid JWK Set (",
                                jwt::ReasonName(jwt::ReasonOf(jwks.status())),
                                ")"));
  }
  if (!jwks->skipped().empty()) {
    return Invalid(absl::StrCat(
        "a key is unusable (",
        jwt::ReasonName(jwt::ReasonOf(jwks->skipped().front().status)), ")"));
  }
  for (const jwt::Jwk& key : jwks->keys()) {
    if (absl::Status ok = CheckKey(key, jwks->keys().size()); !ok.ok()) {
      return ok;
    }
  }
  return jwks;
}

absl::StatusOr<std::string> CanonicalClientJwks(absl::string_view text) {
  auto jwks = ParseClientJwks(text);
  if (!jwks.ok()) return jwks.status();
  return jwt::DumpJson(jwks->ToPublicJson());
}

}  // namespace identity::server
