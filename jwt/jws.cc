#include "jwt/jws.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/signature.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

absl::Status HeaderString(const JsonMember& member,
                          std::optional<std::string>* out) {
  std::string value;
  if (!JsonStringOf(member.value, &value)) {
    return MakeError(Reason::kHeaderInvalid,
                     absl::StrCat("\"", member.name, "\" must be a string"));
  }
  *out = std::move(value);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Jws> Jws::Parse(absl::string_view compact, size_t max_size) {
  if (compact.size() > max_size) {
    return MakeError(Reason::kTokenTooLarge,
                     absl::StrCat("token is ", compact.size(),
                                  " bytes; the limit is ", max_size));
  }
  const size_t first = compact.find('.');
  const size_t second =
      first == absl::string_view::npos ? first : compact.find('.', first + 1);
  if (second == absl::string_view::npos ||
      compact.find('.', second + 1) != absl::string_view::npos) {
    return MakeError(Reason::kTokenMalformed,
                     "a compact JWS has exactly three parts");
  }
  Jws jws;
  auto header_bytes = Base64UrlDecode(compact.substr(0, first));
  if (!header_bytes.ok()) return header_bytes.status();
  auto members = ParseJsonObjectMembers(*header_bytes);
  if (!members.ok()) return members.status();

  // Header parameters read straight from the member texts: no document is
  // built.
  std::optional<std::string> alg_name;
  std::optional<std::string> cty;
  const JsonMember* crit = nullptr;
  for (const JsonMember& member : *members) {
    absl::Status status;
    if (member.name == "alg") {
      status = HeaderString(member, &alg_name);
    } else if (member.name == "kid") {
      status = HeaderString(member, &jws.header_.kid);
    } else if (member.name == "typ") {
      status = HeaderString(member, &jws.header_.typ);
    } else if (member.name == "cty") {
      status = HeaderString(member, &cty);
    } else if (member.name == "crit") {
      crit = &member;
    }
    if (!status.ok()) return status;
  }
  if (!alg_name.has_value()) {
    return MakeError(Reason::kAlgMissing, "the header has no \"alg\"");
  }
  // RFC 8725 §3.1: never accept unsecured JWS. Any spelling of "none" is
  // refused.
  if (absl::EqualsIgnoreCase(*alg_name, "none")) {
    return MakeError(Reason::kAlgNone, "unsecured JWS (alg none) refused");
  }
  auto parsed_alg = AlgorithmFromName(*alg_name);
  if (!parsed_alg.has_value()) {
    return MakeError(Reason::kAlgUnsupported,
                     "the header's \"alg\" is not implemented");
  }
  jws.header_.alg = *parsed_alg;

  if (crit != nullptr) {
    // RFC 7515 §4.1.11: a non-empty array of strings; we understand no
    // extension.
    const Json names = JsonValueOf(crit->value);
    if (!names.is_array() || names.empty() ||
        !std::all_of(names.begin(), names.end(),
                     [](const Json& v) { return v.is_string(); })) {
      return MakeError(Reason::kHeaderInvalid,
                       "\"crit\" must be a non-empty array of names");
    }
    return MakeError(
        Reason::kCritUnsupported,
        absl::StrCat("critical extension \"", names[0].get<std::string>(),
                     "\" is not understood"));
  }
  jws.header_.raw = *std::move(header_bytes);

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
    return MakeError(
        Reason::kAlgNotAllowed,
        absl::StrCat(AlgorithmName(alg), " is not an allowed algorithm"));
  }
  auto key = jwks.SelectForVerification(alg, jws.header().kid);
  if (!key.ok()) return key.status();
  if (absl::Status status =
          VerifyBytes(alg, **key, jws.signing_input(), jws.signature());
      !status.ok()) {
    return status;
  }
  return *key;
}

absl::StatusOr<std::string> SignJws(Json header, absl::string_view payload,
                                    const Jwk& key, Algorithm alg) {
  if (header.is_null()) header = Json::object();  // `{}` in C++ is null.
  if (!header.is_object()) {
    return MakeError(Reason::kHeaderInvalid, "a JOSE header is a JSON object");
  }
  if (absl::Status status = key.CheckUsableFor(alg, KeyOperation::kSign);
      !status.ok()) {
    return status;
  }
  header["alg"] = AlgorithmName(alg);
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string compact = absl::StrCat(Base64UrlEncode(DumpJson(header)), ".",
                                     Base64UrlEncode(payload));
  auto signature = SignBytes(alg, key, compact);
  if (!signature.ok()) return signature.status();
  absl::StrAppend(&compact, ".", Base64UrlEncode(*signature));
  return compact;
}

}  // namespace identity::jwt
