#include "jwt/algorithm.h"

namespace identity::jwt {
namespace {

struct AlgorithmInfo {
  Algorithm alg;
  absl::string_view name;
  KeyType kty;
  Digest digest;
  absl::string_view curve;
};

// Order matches the enum.
constexpr AlgorithmInfo kAlgorithms[] = {
    {Algorithm::kHS256, "HS256", KeyType::kOct, Digest::kSha256, ""},
    {Algorithm::kHS384, "HS384", KeyType::kOct, Digest::kSha384, ""},
    {Algorithm::kHS512, "HS512", KeyType::kOct, Digest::kSha512, ""},
    {Algorithm::kRS256, "RS256", KeyType::kRSA, Digest::kSha256, ""},
    {Algorithm::kRS384, "RS384", KeyType::kRSA, Digest::kSha384, ""},
    {Algorithm::kRS512, "RS512", KeyType::kRSA, Digest::kSha512, ""},
    {Algorithm::kPS256, "PS256", KeyType::kRSA, Digest::kSha256, ""},
    {Algorithm::kPS384, "PS384", KeyType::kRSA, Digest::kSha384, ""},
    {Algorithm::kPS512, "PS512", KeyType::kRSA, Digest::kSha512, ""},
    {Algorithm::kES256, "ES256", KeyType::kEC, Digest::kSha256, "P-256"},
    {Algorithm::kES384, "ES384", KeyType::kEC, Digest::kSha384, "P-384"},
    {Algorithm::kES512, "ES512", KeyType::kEC, Digest::kSha512, "P-521"},
    {Algorithm::kEdDSA, "EdDSA", KeyType::kOKP, Digest::kNone, ""},
};

const AlgorithmInfo& Info(Algorithm alg) {
  return kAlgorithms[static_cast<int>(alg)];
}

}  // namespace

absl::string_view AlgorithmName(Algorithm alg) { return Info(alg).name; }

std::optional<Algorithm> AlgorithmFromName(absl::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.name == name) return info.alg;
  }
  return std::nullopt;
}

KeyType KeyTypeFor(Algorithm alg) { return Info(alg).kty; }
Digest DigestFor(Algorithm alg) { return Info(alg).digest; }
absl::string_view CurveFor(Algorithm alg) { return Info(alg).curve; }

absl::string_view KeyTypeName(KeyType kty) {
  switch (kty) {
    case KeyType::kEC:
      return "EC";
    case KeyType::kRSA:
      return "RSA";
    case KeyType::kOKP:
      return "OKP";
    case KeyType::kOct:
      return "oct";
  }
  return "";
}

const std::vector<Algorithm>& DefaultAllowedAlgorithms() {
  static const auto* const kDefault = new std::vector<Algorithm>{
      Algorithm::kES256, Algorithm::kES384, Algorithm::kRS256,
      Algorithm::kPS256, Algorithm::kEdDSA};
  return *kDefault;
}

const std::vector<Algorithm>& AllAlgorithms() {
  static const auto* const kAll = [] {
    auto* all = new std::vector<Algorithm>;
    for (const AlgorithmInfo& info : kAlgorithms) all->push_back(info.alg);
    return all;
  }();
  return *kAll;
}

}  // namespace identity::jwt
