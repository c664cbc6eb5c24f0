#include "jwt/dpop_proof.h"

#include <openssl/sha.h>

#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/json.h"
#include "jwt/jws.h"
#include "jwt/signature.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

// RFC 7517 §4 and RFC 7518 §6: the members that make a JWK private.
constexpr const char* kPrivateMembers[] = {"d",  "p",  "q",   "dp",
                                           "dq", "qi", "oth", "k"};

bool IsUnreserved(char c) {
  // RFC 3986 §2.3.
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 §6.2.2.1 and §6.2.2.2 on a path: percent-encodings uppercased,
// those of unreserved characters decoded. False on a malformed encoding.
bool NormalizePercentEncoding(absl::string_view path, std::string* out) {
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c != '%') {
      out->push_back(c);
      continue;
    }
    if (i + 2 >= path.size() ||
        !absl::ascii_isxdigit(static_cast<unsigned char>(path[i + 1])) ||
        !absl::ascii_isxdigit(static_cast<unsigned char>(path[i + 2]))) {
      return false;
    }
    int value = 0;
    if (!absl::SimpleHexAtoi(path.substr(i + 1, 2), &value)) return false;
    const char decoded = static_cast<char>(value);
    if (IsUnreserved(decoded)) {
      out->push_back(decoded);
    } else {
      out->push_back('%');
      out->push_back(absl::ascii_toupper(path[i + 1]));
      out->push_back(absl::ascii_toupper(path[i + 2]));
    }
    i += 2;
  }
  return true;
}

// The key of the "jwk" header, public and asymmetric (RFC 9449 §4.3 item 7).
absl::StatusOr<Jwk> HeaderKey(const Json& header, Algorithm alg) {
  const auto it = header.find("jwk");
  if (it == header.end() || !it->is_object()) {
    return MakeError(Reason::kDpopKeyInvalid,
                     "the proof has no \"jwk\" header object");
  }
  for (const char* member : kPrivateMembers) {
    if (it->contains(member)) {
      return MakeError(
          Reason::kDpopKeyInvalid,
          absl::StrCat("the \"jwk\" header has the private member \"", member,
                       "\""));
    }
  }
  absl::StatusOr<Jwk> key = Jwk::FromJson(*it);
  if (!key.ok()) return key.status();
  if (key->is_symmetric()) {
    return MakeError(Reason::kDpopKeyInvalid,
                     "the \"jwk\" header is symmetric");
  }
  if (absl::Status usable = key->CheckUsableFor(alg, KeyOperation::kVerify);
      !usable.ok()) {
    return usable;
  }
  return key;
}

struct ProofClaims {
  std::string jti;
  std::string htm;
  std::string htu;
  double iat = 0;
  std::optional<std::string> ath;
  std::optional<std::string> nonce;
};

absl::Status ClaimError(absl::string_view what) {
  return MakeError(Reason::kClaimInvalid, what);
}

// RFC 9449 §4.2: the claims a proof must carry, with their types.
absl::StatusOr<ProofClaims> ReadClaims(absl::string_view payload) {
  absl::StatusOr<Json> json = ParseJsonObject(payload);
  if (!json.ok()) return json.status();
  ProofClaims claims;
  const auto string_claim = [&](const char* name,
                                std::string* out) -> absl::Status {
    const auto it = json->find(name);
    if (it == json->end() || !it->is_string()) {
      return ClaimError(absl::StrCat("\"", name, "\" must be a string"));
    }
    *out = it->get<std::string>();
    return absl::OkStatus();
  };
  if (absl::Status s = string_claim("jti", &claims.jti); !s.ok()) return s;
  if (claims.jti.empty() || claims.jti.size() > kMaxDpopJtiSize) {
    return ClaimError(
        absl::StrCat("\"jti\" must have 1 to ", kMaxDpopJtiSize, " bytes"));
  }
  if (absl::Status s = string_claim("htm", &claims.htm); !s.ok()) return s;
  if (absl::Status s = string_claim("htu", &claims.htu); !s.ok()) return s;
  const auto iat = json->find("iat");
  if (iat == json->end() || !iat->is_number() ||
      !std::isfinite(iat->get<double>()) || iat->get<double>() < 0 ||
      iat->get<double>() > 9007199254740992.0) {
    return ClaimError("\"iat\" must be a NumericDate");
  }
  claims.iat = iat->get<double>();
  for (const auto& [name, out] :
       {std::pair<const char*, std::optional<std::string>*>{"ath", &claims.ath},
        {"nonce", &claims.nonce}}) {
    const auto it = json->find(name);
    if (it == json->end()) continue;
    if (!it->is_string()) {
      return ClaimError(absl::StrCat("\"", name, "\" must be a string"));
    }
    *out = it->get<std::string>();
  }
  return claims;
}

bool UriMatches(absl::string_view htu, absl::string_view request_uri) {
  absl::StatusOr<std::string> claimed = DpopNormalizeUri(htu);
  absl::StatusOr<std::string> actual = DpopNormalizeUri(request_uri);
  return claimed.ok() && actual.ok() && *claimed == *actual;
}

// RFC 9449 §4.3 items 8 to 12 on the claims of a verified signature.
absl::Status CheckRequest(const ProofClaims& claims, const DpopRequest& request,
                          const DpopProofOptions& options,
                          absl::Time issued_at) {
  if (claims.htm != request.method) {
    return MakeError(Reason::kDpopMethodMismatch,
                     "\"htm\" is not the request's method");
  }
  if (!UriMatches(claims.htu, request.uri)) {
    return MakeError(Reason::kDpopUriMismatch,
                     "\"htu\" is not the request's URI");
  }
  const absl::Time now = options.clock->Now();
  if (issued_at > now + options.leeway) {
    return MakeError(Reason::kIssuedInFuture, "\"iat\" is in the future");
  }
  if (now > issued_at + options.max_age) {
    return MakeError(Reason::kDpopProofTooOld,
                     "\"iat\" is older than the accepted age");
  }
  if (request.access_token.has_value() &&
      claims.ath != DpopAccessTokenHash(*request.access_token)) {
    return MakeError(Reason::kDpopAthMismatch,
                     "\"ath\" is not the access token's hash");
  }
  if (request.nonce.has_value() && claims.nonce != request.nonce) {
    return MakeError(Reason::kDpopNonceMismatch,
                     "\"nonce\" is not the one demanded");
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<Algorithm>& DpopAlgorithms() {
  static const std::vector<Algorithm>* const kAlgorithms = [] {
    auto* algorithms = new std::vector<Algorithm>();
    for (Algorithm alg : AllAlgorithms()) {
      if (KeyTypeFor(alg) != KeyType::kOct) algorithms->push_back(alg);
    }
    return algorithms;
  }();
  return *kAlgorithms;
}

std::string DpopAccessTokenHash(absl::string_view access_token) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(access_token.data()),
         access_token.size(), digest);
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string DpopGrpcUri(absl::string_view authority,
                        absl::string_view method_path) {
  return absl::StrCat("https://", authority, method_path);
}

absl::StatusOr<std::string> DpopNormalizeUri(absl::string_view uri) {
  // The query and fragment are not compared (RFC 9449 §4.3 item 9).
  uri = uri.substr(0, uri.find_first_of("?#"));
  const size_t colon = uri.find("://");
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError("not an absolute http(s) URI");
  }
  const std::string scheme = absl::AsciiStrToLower(uri.substr(0, colon));
  if (scheme != "https" && scheme != "http") {
    return absl::InvalidArgumentError("not an http or https URI");
  }
  absl::string_view rest = uri.substr(colon + 3);
  const size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  const absl::string_view path =
      slash == absl::string_view::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError("no host, or userinfo");
  }
  // host [":" port] (RFC 3986 §3.2.2, §3.2.3); an IPv6 literal is bracketed.
  const bool literal = authority.front() == '[';
  const size_t close = authority.find(']');
  const size_t host_end = literal ? close + 1 : authority.find(':');
  if ((literal && (close == absl::string_view::npos || close < 2)) ||
      (!literal && close != absl::string_view::npos) || host_end == 0) {
    return absl::InvalidArgumentError("a malformed host");
  }
  const absl::string_view host_part = authority.substr(0, host_end);
  absl::string_view port = host_end >= authority.size()
                               ? absl::string_view()
                               : authority.substr(host_end);
  if (!port.empty() && port.front() != ':') {
    return absl::InvalidArgumentError("a malformed host");
  }
  if (!port.empty()) port.remove_prefix(1);
  for (char c : port) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("a malformed port");
    }
  }
  // RFC 3986 §6.2.3: an empty port, or the scheme's default, is the same URI.
  std::string host = absl::AsciiStrToLower(host_part);
  if (!port.empty() && port != (scheme == "https" ? "443" : "80")) {
    absl::StrAppend(&host, ":", port);
  }
  std::string out = absl::StrCat(scheme, "://", host);
  if (!NormalizePercentEncoding(path, &out)) {
    return absl::InvalidArgumentError("a malformed percent-encoding");
  }
  return out;
}

absl::StatusOr<DpopProofVerifier> DpopProofVerifier::Create(
    DpopProofOptions options) {
  if (options.allowed_algorithms.empty()) {
    options.allowed_algorithms = DpopAlgorithms();
  }
  if (options.max_age <= absl::ZeroDuration() ||
      options.leeway < absl::ZeroDuration() ||
      options.leeway > options.max_age || options.clock == nullptr) {
    return MakeError(Reason::kOptionsInvalid,
                     "max_age must be positive, leeway in [0, max_age], and "
                     "a clock given");
  }
  for (Algorithm alg : options.allowed_algorithms) {
    if (KeyTypeFor(alg) == KeyType::kOct) {
      return MakeError(Reason::kOptionsInvalid,
                       "DPoP proofs are signed with asymmetric keys only");
    }
  }
  return DpopProofVerifier(std::move(options));
}

absl::StatusOr<DpopProof> DpopProofVerifier::Verify(
    absl::string_view proof, const DpopRequest& request) const {
  absl::StatusOr<Jws> jws = Jws::Parse(proof, kMaxDpopProofSize);
  if (!jws.ok()) return jws.status();
  const JwsHeader& header = jws->header();
  if (!header.typ.has_value()) {
    return MakeError(Reason::kTypMissing, "a DPoP proof needs \"typ\"");
  }
  if (*header.typ != kDpopProofType) {
    return MakeError(Reason::kTypMismatch, "\"typ\" is not \"dpop+jwt\"");
  }
  bool allowed = false;
  for (Algorithm alg : options_.allowed_algorithms) {
    allowed = allowed || alg == header.alg;
  }
  if (!allowed) {
    return MakeError(Reason::kAlgNotAllowed,
                     absl::StrCat("\"alg\" ", AlgorithmName(header.alg),
                                  " is not allowed for DPoP proofs"));
  }
  absl::StatusOr<Jwk> key = HeaderKey(header.ToJson(), header.alg);
  if (!key.ok()) return key.status();
  if (absl::Status signature =
          VerifyBytes(header.alg, *key, jws->signing_input(), jws->signature());
      !signature.ok()) {
    return signature;
  }
  absl::StatusOr<ProofClaims> claims = ReadClaims(jws->payload());
  if (!claims.ok()) return claims.status();
  // Whole seconds, rounded up: a fractional "iat" is never older than sent.
  const absl::Time issued_at =
      absl::FromUnixSeconds(static_cast<int64_t>(std::ceil(claims->iat)));
  if (absl::Status status = CheckRequest(*claims, request, options_, issued_at);
      !status.ok()) {
    return status;
  }
  DpopProof out{key->Thumbprint(), std::move(claims->jti), issued_at,
                issued_at + options_.max_age, *std::move(key)};
  return out;
}

absl::StatusOr<std::string> SignDpopProof(const Jwk& private_key,
                                          const DpopProofClaims& claims) {
  const std::optional<Algorithm> alg = private_key.SigningAlgorithm();
  if (!alg.has_value() || KeyTypeFor(*alg) == KeyType::kOct) {
    return MakeError(Reason::kAlgNotAllowed,
                     "a DPoP key is asymmetric with a known algorithm");
  }
  Json header = Json::object();
  header["typ"] = kDpopProofType;
  header["jwk"] = private_key.PublicKey().ToPublicJson();
  Json payload = Json::object();
  payload["jti"] = claims.jti;
  payload["htm"] = claims.method;
  payload["htu"] = claims.uri;
  payload["iat"] = absl::ToUnixSeconds(claims.issued_at);
  if (claims.access_token.has_value()) {
    payload["ath"] = DpopAccessTokenHash(*claims.access_token);
  }
  if (claims.nonce.has_value()) payload["nonce"] = *claims.nonce;
  return SignJws(std::move(header), DumpJson(payload), private_key, *alg);
}

}  // namespace identity::jwt
