#include "jwt/jws.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/signature.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

absl::StatusOr<std::optional<std::string>> OptionalHeaderString(const Json& header,
                                                                absl::string_view name) {
  auto it = header.find(std::string(name));
  if (it == header.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return MakeError(Reason::kHeaderInvalid, absl::StrCat("\"", name, "\" must be a string"));
  }
  return std::optional<std::string>(it->get<std::string>());
}

}  // namespace

absl::StatusOr<Jws> Jws::Parse(absl::string_view compact, size_t max_size) {
  if (compact.size() > max_size) {
    return MakeError(Reason::kTokenTooLarge,
                     absl::StrCat("token is ", compact.size(), " bytes; the limit is ", max_size));
  }
  const size_t first = compact.find('.');
  const size_t second = first == absl::string_view::npos ? first : compact.find('.', first + 1);
  if (second == absl::string_view::npos ||
      compact.find('.', second + 1) != absl::string_view::npos) {
    return MakeError(Reason::kTokenMalformed, "a compact JWS has exactly three parts");
  }
  Jws jws;
  auto header_bytes = Base64UrlDecode(compact.substr(0, first));
  if (!header_bytes.ok()) return header_bytes.status();
  auto header = ParseJsonObject(*header_bytes);
  if (!header.ok()) return header.status();

  auto alg = header->find("alg");
  if (alg == header->end()) return MakeError(Reason::kAlgMissing, "the header has no \"alg\"");
  if (!alg->is_string()) return MakeError(Reason::kHeaderInvalid, "\"alg\" must be a string");
  const std::string& alg_name = alg->get_ref<const std::string&>();
  // RFC 8725 §3.1: never accept unsecured JWS. Any spelling of "none" is refused.
  std::string lower = alg_name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "none") return MakeError(Reason::kAlgNone, "unsecured JWS (alg none) refused");
  auto parsed_alg = AlgorithmFromName(alg_name);
  if (!parsed_alg.has_value()) {
    return MakeError(Reason::kAlgUnsupported, "the header's \"alg\" is not implemented");
  }
  jws.header_.alg = *parsed_alg;

  auto kid = OptionalHeaderString(*header, "kid");
  if (!kid.ok()) return kid.status();
  jws.header_.kid = *std::move(kid);
  auto typ = OptionalHeaderString(*header, "typ");
  if (!typ.ok()) return typ.status();
  jws.header_.typ = *std::move(typ);
  if (auto cty = OptionalHeaderString(*header, "cty"); !cty.ok()) return cty.status();

  if (auto crit = header->find("crit"); crit != header->end()) {
    // RFC 7515 §4.1.11: a non-empty array of strings; we understand no extension.
    if (!crit->is_array() || crit->empty() ||
        !std::all_of(crit->begin(), crit->end(), [](const Json& v) { return v.is_string(); })) {
      return MakeError(Reason::kHeaderInvalid, "\"crit\" must be a non-empty array of names");
    }
    return MakeError(Reason::kCritUnsupported,
                     absl::StrCat("critical extension \"", (*crit)[0].get<std::string>(),
                                  "\" is not understood"));
  }
  jws.header_.json = *std::move(header);

  auto payload = Base64UrlDecode(compact.substr(first + 1, second - first - 1));
  if (!payload.ok()) return payload.status();
  auto signature = Base64UrlDecode(compact.substr(second + 1));
  if (!signature.ok()) return signature.status();
  jws.payload_ = *std::move(payload);
  jws.signature_ = *std::move(signature);
  jws.compact_ = std::string(compact);
  jws.signing_input_size_ = second;
  return jws;
}

absl::StatusOr<const Jwk*> VerifyJws(const Jws& jws, const Jwks& jwks,
                                     absl::Span<const Algorithm> allowed) {
  const Algorithm alg = jws.header().alg;
  if (std::find(allowed.begin(), allowed.end(), alg) == allowed.end()) {
    return MakeError(Reason::kAlgNotAllowed,
                     absl::StrCat(AlgorithmName(alg), " is not an allowed algorithm"));
  }
  auto key = jwks.SelectForVerification(alg, jws.header().kid);
  if (!key.ok()) return key.status();
  if (absl::Status status = VerifyBytes(alg, **key, jws.signing_input(), jws.signature());
      !status.ok()) {
    return status;
  }
  return *key;
}

absl::StatusOr<std::string> SignJws(Json header, absl::string_view payload, const Jwk& key,
                                    Algorithm alg) {
  if (absl::Status status = key.CheckUsableFor(alg, KeyOperation::kSign); !status.ok()) {
    return status;
  }
  header["alg"] = AlgorithmName(alg);
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string compact =
      absl::StrCat(Base64UrlEncode(DumpJson(header)), ".", Base64UrlEncode(payload));
  auto signature = SignBytes(alg, key, compact);
  if (!signature.ok()) return signature.status();
  absl::StrAppend(&compact, ".", Base64UrlEncode(*signature));
  return compact;
}

}  // namespace identity::jwt
