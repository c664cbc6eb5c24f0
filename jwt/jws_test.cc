#include "jwt/jws.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/signature.h"
#include "jwt/status.h"
#include "jwt/testing/test_data.h"

namespace identity::jwt {
namespace {

// RFC 7515 appendix A, RFC 7520 §4 and RFC 8037 appendix A
// (jwt/testdata/rfc_vectors.json).
TEST(JwsTest, RfcVectors) {
  const Json vectors = testing::ReadJsonFile("jwt/testdata/rfc_vectors.json");
  int valid = 0;
  for (const Json& vector : vectors["jws"]) {
    const std::string name = vector["name"].get<std::string>();
    SCOPED_TRACE(name);
    auto key = Jwk::FromJson(vector["jwk"]);
    ASSERT_TRUE(key.ok()) << key.status();
    auto jwks = Jwks::FromKeys({key->is_symmetric() ? *key : key->PublicKey()});
    ASSERT_TRUE(jwks.ok());
    const std::string token = vector["token"].get<std::string>();
    auto jws = Jws::Parse(token);
    if (vector["expect"] == "invalid") {
      // RFC 7515 A.5: the unsecured JWS must be rejected.
      EXPECT_EQ(ReasonOf(jws.status()), Reason::kAlgNone);
      continue;
    }
    ASSERT_TRUE(jws.ok()) << jws.status();
    auto verified = VerifyJws(*jws, *jwks, AllAlgorithms());
    EXPECT_TRUE(verified.ok()) << verified.status();
    ++valid;
    // Deterministic algorithms must reproduce the published signature byte for
    // byte.
    const Algorithm alg = jws->header().alg;
    if (alg == Algorithm::kRS256 || alg == Algorithm::kHS256 ||
        alg == Algorithm::kEdDSA) {
      auto signature = SignBytes(alg, *key, jws->signing_input());
      ASSERT_TRUE(signature.ok()) << signature.status();
      EXPECT_EQ(*signature, jws->signature());
    }
    // One flipped bit anywhere in the signature fails.
    std::string tampered = jws->signature();
    tampered[tampered.size() / 2] ^= 0x01;
    const std::string bad =
        absl::StrCat(jws->signing_input(), ".", Base64UrlEncode(tampered));
    auto bad_jws = Jws::Parse(bad);
    ASSERT_TRUE(bad_jws.ok());
    EXPECT_FALSE(VerifyJws(*bad_jws, *jwks, AllAlgorithms()).ok());
  }
  EXPECT_EQ(valid, 9);
}

class JwsRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *Jwk::Generate(Algorithm::kES256, "k1");
    jwks_ = *Jwks::FromKeys({key_.PublicKey()});
  }

  // A compact JWS with an arbitrary header, signed with key_ as ES256.
  std::string SignWithHeader(const std::string& header_json,
                             const std::string& payload = "{}") {
    const std::string input = absl::StrCat(Base64UrlEncode(header_json), ".",
                                           Base64UrlEncode(payload));
    return absl::StrCat(
        input, ".",
        Base64UrlEncode(*SignBytes(Algorithm::kES256, key_, input)));
  }

  Reason ParseReason(const std::string& token) {
    return ReasonOf(Jws::Parse(token).status());
  }

  Reason VerifyReason(
      const std::string& token,
      std::vector<Algorithm> allowed = DefaultAllowedAlgorithms()) {
    auto jws = Jws::Parse(token);
    if (!jws.ok()) return ReasonOf(jws.status());
    return ReasonOf(VerifyJws(*jws, jwks_, allowed).status());
  }

  Jwk key_ = *Jwk::Generate(Algorithm::kES256);
  Jwks jwks_ = *Jwks::FromKeys({});
};

TEST_F(JwsRulesTest, AcceptsWellFormedToken) {
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k1"})")),
            Reason::kOk);
}

TEST_F(JwsRulesTest, RejectsOversizedToken) {
  const std::string token = SignWithHeader(R"({"alg":"ES256","kid":"k1"})");
  EXPECT_EQ(ReasonOf(Jws::Parse(token, token.size() - 1).status()),
            Reason::kTokenTooLarge);
  EXPECT_TRUE(Jws::Parse(token, token.size()).ok());
}

TEST_F(JwsRulesTest, RejectsWrongNumberOfParts) {
  const std::string token = SignWithHeader(R"({"alg":"ES256","kid":"k1"})");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(ParseReason(absl::StrCat(parts[0], ".", parts[1])),
            Reason::kTokenMalformed);
  EXPECT_EQ(ParseReason(absl::StrCat(token, ".")), Reason::kTokenMalformed);
  // A JWE (RFC 7516 compact form has five parts).
  EXPECT_EQ(ParseReason(absl::StrCat(token, ".a.b")), Reason::kTokenMalformed);
  EXPECT_EQ(ParseReason(""), Reason::kTokenMalformed);
}

TEST_F(JwsRulesTest, RejectsBadBase64InEachPart) {
  const std::string token = SignWithHeader(R"({"alg":"ES256","kid":"k1"})");
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  EXPECT_EQ(ParseReason(absl::StrCat(parts[0], "=.", parts[1], ".", parts[2])),
            Reason::kBase64Invalid);
  EXPECT_EQ(ParseReason(absl::StrCat(parts[0], ".", parts[1], "+.", parts[2])),
            Reason::kBase64Invalid);
  EXPECT_EQ(
      ParseReason(absl::StrCat(parts[0], ".", parts[1], ".", parts[2], "=")),
      Reason::kBase64Invalid);
  // A 64-byte ES256 signature ends in a character with four unused bits:
  // setting one spells the same signature a second way, which must be refused.
  std::string sig = parts[2];
  ASSERT_EQ(sig.size(), 86u);
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  sig.back() = alphabet[alphabet.find(sig.back()) | 1];
  EXPECT_EQ(ParseReason(absl::StrCat(parts[0], ".", parts[1], ".", sig)),
            Reason::kBase64Invalid);
}

TEST_F(JwsRulesTest, RejectsJsonSerialization) {
  // RFC 7515 §7.2: only the compact serialization is accepted.
  EXPECT_EQ(
      ParseReason(R"({"payload":"e30","protected":"eyJhbGciOiJFUzI1NiJ9",)"
                  R"("signature":"x"})"),
      Reason::kTokenMalformed);
}

TEST_F(JwsRulesTest, RejectsHeaderThatIsNotStrictJson) {
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","alg":"ES256"})")),
            Reason::kJsonDuplicateMember);
  EXPECT_EQ(ParseReason(SignWithHeader("{\"alg\":\"ES256\",\"kid\":\"\xff\"}")),
            Reason::kJsonInvalidUtf8);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256",)")),
            Reason::kJsonMalformed);
  EXPECT_EQ(ParseReason(SignWithHeader(R"(["ES256"])")),
            Reason::kJsonNotObject);
}

TEST_F(JwsRulesTest, RejectsMissingAlg) {
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"kid":"k1"})")),
            Reason::kAlgMissing);
}

TEST_F(JwsRulesTest, RejectsAlgNoneInAnySpelling) {
  // RFC 8725 §3.1; "None"/"NONE" tripped libraries that compared
  // case-sensitively.
  for (const char* none : {"none", "None", "NONE", "nOnE"}) {
    const std::string header = absl::StrCat(R"({"alg":")", none, R"("})");
    EXPECT_EQ(ParseReason(absl::StrCat(Base64UrlEncode(header), ".",
                                       Base64UrlEncode("{}"), ".")),
              Reason::kAlgNone)
        << none;
  }
}

TEST_F(JwsRulesTest, RejectsUnknownAlg) {
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"HS1"})")),
            Reason::kAlgUnsupported);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"es256"})")),
            Reason::kAlgUnsupported);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":256})")),
            Reason::kHeaderInvalid);
}

TEST_F(JwsRulesTest, RejectsAlgOutsideTheAllowlist) {
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k1"})"),
                         {Algorithm::kRS256}),
            Reason::kAlgNotAllowed);
}

TEST_F(JwsRulesTest, RejectsHmacSignedWithThePublicKey) {
  // The classic alg confusion: HS256 keyed with the verifier's public key
  // bytes. Refused by the default allowlist, and by key agreement even when
  // HS256 is allowed.
  const std::string header = R"({"alg":"HS256","kid":"k1"})";
  const std::string input =
      absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode("{}"));
  auto pem = key_.ToPublicPem();
  auto hmac_key = Jwk::FromJson({{"kty", "oct"}, {"k", Base64UrlEncode(*pem)}});
  ASSERT_TRUE(hmac_key.ok()) << hmac_key.status();
  const std::string token = absl::StrCat(
      input, ".",
      Base64UrlEncode(*SignBytes(Algorithm::kHS256, *hmac_key, input)));
  EXPECT_EQ(VerifyReason(token), Reason::kAlgNotAllowed);
  EXPECT_EQ(VerifyReason(token, AllAlgorithms()), Reason::kKeyAlgMismatch);
}

TEST_F(JwsRulesTest, RejectsNonStringHeaderParameters) {
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","kid":1})")),
            Reason::kHeaderInvalid);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","typ":["JWT"]})")),
            Reason::kHeaderInvalid);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","cty":{}})")),
            Reason::kHeaderInvalid);
}

TEST_F(JwsRulesTest, RejectsCritExtensions) {
  // RFC 7515 §4.1.11: an extension listed in crit that is not understood is
  // fatal.
  EXPECT_EQ(
      ParseReason(SignWithHeader(R"({"alg":"ES256","crit":["exp"],"exp":1})")),
      Reason::kCritUnsupported);
  EXPECT_EQ(ParseReason(SignWithHeader(
                R"({"alg":"ES256","crit":["b64"],"b64":false})")),
            Reason::kCritUnsupported);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","crit":[]})")),
            Reason::kHeaderInvalid);
  EXPECT_EQ(ParseReason(SignWithHeader(R"({"alg":"ES256","crit":"exp"})")),
            Reason::kHeaderInvalid);
}

TEST_F(JwsRulesTest, KidSelectsTheKey) {
  auto other = Jwk::Generate(Algorithm::kES256, "k2");
  jwks_ = *Jwks::FromKeys({key_.PublicKey(), other->PublicKey()});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k1"})")),
            Reason::kOk);
  // Same signature presented as k2's: never retried with other keys.
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k2"})")),
            Reason::kSignatureInvalid);
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k3"})")),
            Reason::kKidUnknown);
}

TEST_F(JwsRulesTest, WithoutKidOnlyAnUnambiguousKeyIsUsed) {
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256"})")), Reason::kOk);
  auto other = Jwk::Generate(Algorithm::kES256, "k2");
  jwks_ = *Jwks::FromKeys({key_.PublicKey(), other->PublicKey()});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256"})")),
            Reason::kKidRequired);
  jwks_ = *Jwks::FromKeys({other->PublicKey()});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256"})")),
            Reason::kSignatureInvalid);
  jwks_ = *Jwks::FromKeys({*Jwk::Generate(Algorithm::kEdDSA, "ed")});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256"})")),
            Reason::kNoUsableKey);
}

TEST_F(JwsRulesTest, EmptyKidIsTreatedAsAbsent) {
  // Two keys without kid: "kid":"" must not pick the first of them.
  Json a = key_.PublicKey().ToPublicJson();
  a.erase("kid");
  Json b = Jwk::Generate(Algorithm::kES256)->PublicKey().ToPublicJson();
  b.erase("kid");
  jwks_ = *Jwks::FromJson({{"keys", {b, a}}});
  EXPECT_EQ(jwks_.FindByKid(""), nullptr);
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":""})")),
            Reason::kKidRequired);
  jwks_ = *Jwks::FromJson({{"keys", {a}}});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":""})")),
            Reason::kOk);
}

TEST_F(JwsRulesTest, KeyMustAgreeWithHeaderAlg) {
  Json pub = key_.PublicKey().ToPublicJson();
  pub["alg"] = "ES256";
  jwks_ = *Jwks::FromKeys({*Jwk::FromJson(pub)});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES384","kid":"k1"})")),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"RS256","kid":"k1"})")),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"EdDSA","kid":"k1"})")),
            Reason::kKeyAlgMismatch);
}

TEST_F(JwsRulesTest, KeyUseAndKeyOpsMustAllowVerification) {
  Json pub = key_.PublicKey().ToPublicJson();
  pub["use"] = "enc";
  jwks_ = *Jwks::FromKeys({*Jwk::FromJson(pub)});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k1"})")),
            Reason::kKeyUseMismatch);
  pub.erase("use");
  pub["key_ops"] = {"encrypt"};
  jwks_ = *Jwks::FromKeys({*Jwk::FromJson(pub)});
  EXPECT_EQ(VerifyReason(SignWithHeader(R"({"alg":"ES256","kid":"k1"})")),
            Reason::kKeyUseMismatch);
}

TEST_F(JwsRulesTest, EmbeddedKeysAndKeyUrlsAreIgnored) {
  // An attacker signs with their own key and offers it in "jwk"
  // (CVE-2018-0114), "jku" or "x5u".
  auto attacker = Jwk::Generate(Algorithm::kES256, "k1");
  const Json header = {{"alg", "ES256"},
                       {"kid", "k1"},
                       {"jwk", attacker->ToPublicJson()},
                       {"jku", "https://attacker.example/jwks"},
                       {"x5u", "https://attacker.example/cert"},
                       {"x5c", Json::array({"MIIB"})}};
  const std::string input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode("{}"));
  const std::string token = absl::StrCat(
      input, ".",
      Base64UrlEncode(*SignBytes(Algorithm::kES256, *attacker, input)));
  EXPECT_EQ(VerifyReason(token), Reason::kSignatureInvalid);
}

TEST_F(JwsRulesTest, EcdsaSignatureMustBeRawAndExactSize) {
  const std::string token = SignWithHeader(R"({"alg":"ES256","kid":"k1"})");
  auto jws = Jws::Parse(token);
  const std::string sig = jws->signature();
  ASSERT_EQ(sig.size(), 64u);
  auto with_sig = [&](const std::string& s) {
    return absl::StrCat(jws->signing_input(), ".", Base64UrlEncode(s));
  };
  EXPECT_EQ(VerifyReason(with_sig(sig.substr(0, 63))),
            Reason::kSignatureLengthInvalid);
  EXPECT_EQ(VerifyReason(with_sig(sig + '\0')),
            Reason::kSignatureLengthInvalid);
  EXPECT_EQ(VerifyReason(with_sig("")), Reason::kSignatureLengthInvalid);
}

TEST_F(JwsRulesTest, EcdsaRAndSMustBeInRange) {
  // CVE-2022-21449 "psychic signatures": r = s = 0.
  const std::string header = Base64UrlEncode(R"({"alg":"ES256","kid":"k1"})");
  const std::string input = absl::StrCat(header, ".", Base64UrlEncode("{}"));
  EXPECT_EQ(VerifyReason(absl::StrCat(input, ".",
                                      Base64UrlEncode(std::string(64, '\0')))),
            Reason::kSignatureRangeInvalid);
  // r = n (the P-256 group order) is out of range too.
  const std::string order(
      "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"
      "\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2\xfc\x63\x25\x51",
      32);
  EXPECT_EQ(
      VerifyReason(absl::StrCat(
          input, ".", Base64UrlEncode(order + std::string(31, '\0') + "\x01"))),
      Reason::kSignatureRangeInvalid);
  // s = 0 alone, and s = n.
  const std::string one = std::string(31, '\0') + "\x01";
  EXPECT_EQ(VerifyReason(absl::StrCat(
                input, ".", Base64UrlEncode(one + std::string(32, '\0')))),
            Reason::kSignatureRangeInvalid);
  EXPECT_EQ(
      VerifyReason(absl::StrCat(input, ".", Base64UrlEncode(one + order))),
      Reason::kSignatureRangeInvalid);
  // r = n - 1, s = 1 is in range: it reaches (and fails) the real verification.
  std::string below = order;
  below.back() -= 1;
  EXPECT_EQ(
      VerifyReason(absl::StrCat(input, ".", Base64UrlEncode(below + one))),
      Reason::kSignatureInvalid);
}

TEST(JwsEcdsaRangeTest, LargerCurvesCheckRangeAndLength) {
  for (Algorithm alg : {Algorithm::kES384, Algorithm::kES512}) {
    SCOPED_TRACE(AlgorithmName(alg));
    auto key = Jwk::Generate(alg, "k");
    const size_t size = alg == Algorithm::kES384 ? 48 : 66;
    auto sig = SignBytes(alg, *key, "data");
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(sig->size(), 2 * size);
    const Jwk pub = key->PublicKey();
    EXPECT_TRUE(VerifyBytes(alg, pub, "data", *sig).ok());
    EXPECT_EQ(
        ReasonOf(VerifyBytes(alg, pub, "data", std::string(2 * size, '\0'))),
        Reason::kSignatureRangeInvalid);
    EXPECT_EQ(
        ReasonOf(VerifyBytes(alg, pub, "data",
                             sig->substr(0, size) + std::string(size, '\xff'))),
        Reason::kSignatureRangeInvalid);
    EXPECT_EQ(ReasonOf(VerifyBytes(alg, pub, "data", sig->substr(1))),
              Reason::kSignatureLengthInvalid);
  }
}

TEST_F(JwsRulesTest, RejectsTamperedPayload) {
  const std::string token =
      SignWithHeader(R"({"alg":"ES256","kid":"k1"})", R"({"a":1})");
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  parts[1] = Base64UrlEncode(R"({"a":2})");
  EXPECT_EQ(VerifyReason(absl::StrJoin(parts, ".")), Reason::kSignatureInvalid);
}

TEST_F(JwsRulesTest, SignJwsSetsAlgAndKid) {
  auto token = SignJws({{"typ", "JWT"}}, "hello", key_, Algorithm::kES256);
  ASSERT_TRUE(token.ok());
  auto jws = Jws::Parse(*token);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->header().kid, "k1");
  EXPECT_EQ(jws->header().typ, "JWT");
  EXPECT_EQ(jws->payload(), "hello");
  EXPECT_TRUE(VerifyJws(*jws, jwks_, DefaultAllowedAlgorithms()).ok());
  EXPECT_EQ(
      ReasonOf(SignJws({}, "x", key_.PublicKey(), Algorithm::kES256).status()),
      Reason::kKeyNotPrivate);
  EXPECT_EQ(ReasonOf(SignJws({}, "x", key_, Algorithm::kES384).status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(
      ReasonOf(SignJws(Json::array(), "x", key_, Algorithm::kES256).status()),
      Reason::kHeaderInvalid);
}

}  // namespace
}  // namespace identity::jwt
