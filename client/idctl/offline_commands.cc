#include "client/idctl/offline_commands.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/idctl/exit_code.h"
#include "jwt/algorithm.h"
#include "jwt/base64url.h"
#include "jwt/claims.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "jwt/jws.h"
#include "jwt/jwt_signer.h"
#include "jwt/jwt_verifier.h"

namespace identity::idctl {
namespace {

using jwt::Json;

absl::StatusOr<jwt::Algorithm> ParseAlg(const std::string& name) {
  auto alg = jwt::AlgorithmFromName(name);
  if (!alg.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown algorithm \"", name, "\""));
  }
  return *alg;
}

absl::StatusOr<jwt::Jwk> ReadKey(const std::string& path, Console& console) {
  auto text = console.ReadInput(path);
  if (!text.ok()) return text.status();
  return jwt::Jwk::Parse(*text);
}

// The verifier options of `jwt verify` from its flags; InvalidArgument with a
// message for the user when one is unusable. `jwt verify` is an inspection
// tool: a check whose flag is absent (--iss, --aud, --typ) is skipped, an
// explicit opt-out that JwtVerifier requires, and JwtVerify says so on
// stderr. A service must not verify like this (RFC 8725 §3.11).
absl::StatusOr<jwt::VerifierOptions> VerifierOptionsFrom(
    const ParsedArgs& args) {
  jwt::VerifierOptions options;
  options.issuer = args.Get("iss").value_or("");
  options.skip_issuer_check = !args.Get("iss").has_value();
  options.audiences = args.GetAll("aud");
  options.skip_audience_check = options.audiences.empty();
  if (auto leeway = args.Get("leeway")) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(*leeway, &seconds) || seconds < 0) {
      return absl::InvalidArgumentError(
          "--leeway must be a non-negative number of seconds");
    }
    options.leeway = absl::Seconds(seconds);
  }
  options.required_typ = args.Get("typ").value_or("");
  options.skip_typ_check = !args.Get("typ").has_value();
  const bool empty_aud =
      std::find(options.audiences.begin(), options.audiences.end(), "") !=
      options.audiences.end();
  if (args.Get("iss") == "" || args.Get("typ") == "" || empty_aud) {
    return absl::InvalidArgumentError(
        "--iss, --aud and --typ take a non-empty value (leave a flag out to "
        "skip its check)");
  }
  if (auto max_size = args.Get("max-size")) {
    if (!absl::SimpleAtoi(*max_size, &options.max_token_size) ||
        options.max_token_size == 0) {
      return absl::InvalidArgumentError(
          "--max-size must be a positive number of bytes");
    }
  }
  if (auto algs = args.GetAll("alg"); !algs.empty()) {
    options.allowed_algorithms.clear();
    for (const std::string& name : algs) {
      auto alg = ParseAlg(name);
      if (!alg.ok()) return alg.status();
      options.allowed_algorithms.push_back(*alg);
    }
  }
  return options;
}

// The checks `options` skips, as their flags ("--iss --aud"), or "".
std::string SkippedChecks(const jwt::VerifierOptions& options) {
  std::vector<absl::string_view> flags;
  if (options.skip_issuer_check) flags.push_back("--iss");
  if (options.skip_audience_check) flags.push_back("--aud");
  if (options.skip_typ_check) flags.push_back("--typ");
  return absl::StrJoin(flags, " ");
}

// The key set of `jwt verify --jwks`; a single JWK is a set of one. Unusable
// keys in the set are reported on stderr and skipped. Returns the exit status
// when the file cannot be used.
std::variant<jwt::Jwks, int> ReadJwks(const std::string& path,
                                      Console& console) {
  auto text = console.ReadInput(path);
  if (!text.ok()) return console.Fail("cannot read --jwks", text.status());
  auto json = jwt::ParseJsonObject(*text);
  if (!json.ok()) return console.Fail("--jwks is not JSON", json.status());
  if (!json->contains("keys")) *json = Json{{"keys", Json::array({*json})}};
  auto jwks = jwt::Jwks::FromJson(*json);
  if (!jwks.ok()) {
    return console.Fail("--jwks is not a usable key set", jwks.status());
  }
  for (const auto& skipped : jwks->skipped()) {
    console.err() << "idctl: warning: key " << skipped.index
                  << (skipped.kid.empty()
                          ? ""
                          : absl::StrCat(" (kid \"", skipped.kid, "\")"))
                  << " ignored: " << skipped.status.message() << "\n";
  }
  return *std::move(jwks);
}

}  // namespace

int KeysGenerate(const ParsedArgs& args, Console& console) {
  auto alg = ParseAlg(*args.Get("alg"));
  if (!alg.ok()) return console.Usage(alg.status().message());
  int bits = 2048;
  if (auto value = args.Get("bits");
      value && !absl::SimpleAtoi(*value, &bits)) {
    return console.Usage("--bits must be a number");
  }
  auto key = jwt::Jwk::Generate(*alg, args.Get("kid").value_or(""), bits);
  if (!key.ok()) return console.Fail("cannot generate the key", key.status());
  console.PrintJson(key->ToPrivateJson());
  return kExitOk;
}

int KeysPublic(const ParsedArgs& args, Console& console) {
  auto key = ReadKey(args.positional()[0], console);
  if (!key.ok()) return console.Fail("cannot use the key", key.status());
  if (key->is_symmetric()) {
    return console.Usage("an oct (HMAC) key has no public part");
  }
  console.PrintJson(key->ToPublicJson());
  return kExitOk;
}

int KeysJwksFromFiles(const ParsedArgs& args, Console& console) {
  std::vector<jwt::Jwk> keys;
  for (const std::string& path : args.positional()) {
    auto key = ReadKey(path, console);
    if (!key.ok()) {
      return console.Fail(absl::StrCat("cannot use ", path), key.status());
    }
    if (key->is_symmetric()) {
      return console.Usage(absl::StrCat(path, " is an oct key: not published"));
    }
    keys.push_back(key->PublicKey());
  }
  auto jwks = jwt::Jwks::FromKeys(std::move(keys));
  if (!jwks.ok()) return console.Fail("cannot build the set", jwks.status());
  console.PrintJson(jwks->ToPublicJson());
  return kExitOk;
}

int KeysToPem(const ParsedArgs& args, Console& console) {
  auto key = ReadKey(args.positional()[0], console);
  if (!key.ok()) return console.Fail("cannot use the key", key.status());
  auto pem = args.Has("private") ? key->ToPrivatePem() : key->ToPublicPem();
  if (!pem.ok()) return console.Fail("cannot export the key", pem.status());
  console.out() << *pem;
  return kExitOk;
}

int KeysFromPem(const ParsedArgs& args, Console& console) {
  std::optional<jwt::Algorithm> alg;
  if (auto name = args.Get("alg")) {
    auto parsed = ParseAlg(*name);
    if (!parsed.ok()) return console.Usage(parsed.status().message());
    alg = *parsed;
  }
  auto pem = console.ReadInput(args.positional()[0]);
  if (!pem.ok()) return console.Fail("cannot read the PEM file", pem.status());
  auto key = jwt::Jwk::FromPem(*pem, alg, args.Get("kid").value_or(""));
  if (!key.ok()) return console.Fail("cannot use the PEM key", key.status());
  console.PrintJson(key->is_private() ? key->ToPrivateJson()
                                      : key->ToPublicJson());
  return kExitOk;
}

int JwtSign(const ParsedArgs& args, Console& console) {
  auto key = ReadKey(*args.Get("key"), console);
  if (!key.ok()) return console.Fail("cannot use the key", key.status());
  auto claims = jwt::ParseJsonObject(*args.Get("claims"));
  if (!claims.ok()) {
    return console.Fail("--claims is not a JSON object", claims.status());
  }
  jwt::SignerOptions options;
  if (auto typ = args.Get("typ")) options.typ = *typ;
  auto signer = jwt::JwtSigner::Create(*std::move(key), options);
  if (!signer.ok()) {
    return console.Fail("cannot sign with this key", signer.status());
  }
  // Signed as given: numbers and "aud" keep their form.
  auto token = signer->SignJson(*claims);
  if (!token.ok()) {
    return console.Fail("cannot sign these claims", token.status());
  }
  console.out() << *token << "\n";
  return kExitOk;
}

int JwtDecode(const ParsedArgs& args, Console& console) {
  auto token = console.ReadToken(args.positional()[0]);
  if (!token.ok()) return console.Fail("cannot read the token", token.status());
  // Decoding is deliberately unsized and unverified: it is a debugging aid.
  auto jws = jwt::Jws::Parse(*token, token->size());
  if (!jws.ok()) return console.Fail("cannot decode the token", jws.status());
  auto claims = jwt::ParseJsonObject(jws->payload());
  Json result = {{"header", jws->header().ToJson()}};
  if (claims.ok()) {
    result["claims"] = *claims;
  } else {
    result["payload"] = jwt::Base64UrlEncode(jws->payload());
  }
  console.err()
      << "idctl: NOT VERIFIED: the signature and claims were not checked\n";
  console.PrintJson(result);
  return kExitOk;
}

int JwtVerify(const ParsedArgs& args, Console& console) {
  auto options = VerifierOptionsFrom(args);
  if (!options.ok()) return console.Usage(options.status().message());
  auto verifier = jwt::JwtVerifier::Create(*options);
  if (!verifier.ok()) return console.Usage(verifier.status().message());
  if (const std::string skipped = SkippedChecks(*options); !skipped.empty()) {
    console.err() << "idctl: not checked (no flag given): " << skipped << "\n";
  }
  auto jwks = ReadJwks(*args.Get("jwks"), console);
  if (const int* exit = std::get_if<int>(&jwks)) return *exit;
  auto token = console.ReadToken(args.positional()[0]);
  if (!token.ok()) return console.Fail("cannot read the token", token.status());
  auto verified = verifier->Verify(*token, std::get<jwt::Jwks>(jwks));
  if (!verified.ok()) {
    console.err() << "invalid token: " << verified.status().message() << "\n";
    return kExitInvalid;
  }
  // The claims exactly as signed (already parsed strictly by the verifier).
  console.PrintJson(
      Json::parse(verified->payload, nullptr, /*allow_exceptions=*/false));
  return kExitOk;
}

int DpopProof(const ParsedArgs& args, Console& console) {
  auto key = ReadKey(*args.Get("key"), console);
  if (!key.ok()) return console.Fail("cannot read the DPoP key", key.status());
  if (!key->is_private()) {
    return console.Usage("--key must be a private JWK (it signs the proof)");
  }
  jwt::DpopProofClaims claims;
  claims.method = args.Get("htm").value_or("POST");
  claims.uri = *args.Get("htu");
  if (!jwt::DpopNormalizeUri(claims.uri).ok()) {
    return console.Usage("--htu must be an absolute http(s) URI");
  }
  if (args.Has("ath-token")) {
    auto token = console.ReadToken(*args.Get("ath-token"));
    if (!token.ok()) {
      return console.Fail("cannot read the access token", token.status());
    }
    claims.access_token = *std::move(token);
  }
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return console.Fail("cannot make a jti",
                        absl::InternalError("no random bytes"));
  }
  claims.jti = jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  claims.issued_at = absl::Now();
  auto proof = jwt::SignDpopProof(*key, claims);
  if (!proof.ok()) return console.Fail("cannot sign the proof", proof.status());
  console.out() << *proof << "\n";
  return kExitOk;
}

}  // namespace identity::idctl
