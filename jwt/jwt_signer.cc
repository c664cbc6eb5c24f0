#include "jwt/jwt_signer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/signature.h"
#include "jwt/status.h"

namespace identity::jwt {

absl::StatusOr<JwtSigner> JwtSigner::Create(Jwk key, SignerOptions options) {
  const std::optional<Algorithm> alg = key.SigningAlgorithm();
  if (!alg.has_value()) {
    return MakeError(Reason::kJwkInvalid,
                     "an RSA or oct signing key needs \"alg\"");
  }
  if (absl::Status status = key.CheckUsableFor(*alg, KeyOperation::kSign);
      !status.ok()) {
    return status;
  }
  Json header = {{"alg", AlgorithmName(*alg)}};
  if (!key.kid().empty()) header["kid"] = key.kid();
  if (!options.typ.empty()) header["typ"] = options.typ;
  std::string encoded = absl::StrCat(Base64UrlEncode(DumpJson(header)), ".");
  return JwtSigner(std::move(key), *alg, std::move(encoded));
}

absl::StatusOr<std::string> JwtSigner::Sign(const Claims& claims) const {
  return SignPayload(claims.Serialize());
}

absl::StatusOr<std::string> JwtSigner::SignJson(const Json& claims) const {
  if (auto typed = Claims::FromJson(claims); !typed.ok()) return typed.status();
  return SignPayload(DumpJson(claims));
}

absl::StatusOr<std::string> JwtSigner::SignPayload(
    absl::string_view payload) const {
  std::string token = absl::StrCat(encoded_header_, Base64UrlEncode(payload));
  auto signature = SignBytes(alg_, key_, token);
  if (!signature.ok()) return signature.status();
  absl::StrAppend(&token, ".", Base64UrlEncode(*signature));
  return token;
}

}  // namespace identity::jwt
