#include "jwt/jwk.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/jwks.h"
#include "jwt/signature.h"
#include "jwt/status.h"
#include "jwt/testing/test_data.h"

namespace identity::jwt {
namespace {

Json RfcVectors() {
  return testing::ReadJsonFile("jwt/testdata/rfc_vectors.json");
}

// RFC 7517 appendix A.1 EC public key.
Json Rfc7517EcPublic() {
  const Json vectors = RfcVectors();
  for (const Json& v : vectors["jwk"]) {
    if (v["name"] == "RFC 7517 A.1 EC public") return v["jwk"];
  }
  ADD_FAILURE() << "vector missing";
  return Json::object();
}

Reason KeyReason(const Json& json) {
  return ReasonOf(Jwk::FromJson(json).status());
}

TEST(JwkTest, Rfc7517AppendixKeys) {
  // RFC 7517 A.1-A.3 and B, RFC 8037 A.1/A.2, RFC 7638 §3.1.
  int checked = 0;
  const Json vectors = RfcVectors();
  for (const Json& vector : vectors["jwk"]) {
    SCOPED_TRACE(vector["name"].get<std::string>());
    auto key = Jwk::FromJson(vector["jwk"]);
    if (vector["expect"] == "valid") {
      ASSERT_TRUE(key.ok()) << key.status();
      EXPECT_EQ(key->is_private(),
                vector["jwk"].contains("d") || vector["jwk"].contains("k"));
      if (vector.contains("thumbprint")) {
        EXPECT_EQ(key->Thumbprint(), vector["thumbprint"]);
      }
      // Serialization round-trips the key material.
      if (!key->is_symmetric()) {
        auto again = Jwk::FromJson(key->ToPrivateJson());
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(again->Thumbprint(), key->Thumbprint());
      }
    } else {
      EXPECT_EQ(ReasonOf(key.status()), Reason::kJwkUnsupported);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 10);
}

TEST(JwkTest, PublicJsonNeverHoldsPrivateMembers) {
  for (Algorithm alg :
       {Algorithm::kES256, Algorithm::kRS256, Algorithm::kEdDSA}) {
    auto key = Jwk::Generate(alg, "k");
    ASSERT_TRUE(key.ok());
    const Json pub = key->ToPublicJson();
    for (const char* member : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      EXPECT_FALSE(pub.contains(member)) << AlgorithmName(alg) << " " << member;
    }
    EXPECT_FALSE(key->PublicKey().is_private());
    EXPECT_FALSE(key->PublicKey().ToPrivateJson().contains("d"));
  }
}

TEST(JwkTest, GeneratedKeysSignAndVerifyForEveryAlgorithm) {
  for (Algorithm alg : AllAlgorithms()) {
    SCOPED_TRACE(AlgorithmName(alg));
    auto key = Jwk::Generate(alg);
    ASSERT_TRUE(key.ok()) << key.status();
    EXPECT_EQ(key->kid(), key->Thumbprint());  // RFC 7638 kid by default.
    EXPECT_EQ(key->SigningAlgorithm(), alg);
    auto sig = SignBytes(alg, *key, "payload");
    ASSERT_TRUE(sig.ok()) << sig.status();
    EXPECT_TRUE(VerifyBytes(alg, key->PublicKey(), "payload", *sig).ok());
    EXPECT_EQ(ReasonOf(VerifyBytes(alg, key->PublicKey(), "payloaD", *sig)),
              Reason::kSignatureInvalid);
  }
}

TEST(JwkTest, PemRoundTripsForEveryKeyType) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kES384, Algorithm::kES512,
                        Algorithm::kRS256, Algorithm::kEdDSA}) {
    SCOPED_TRACE(AlgorithmName(alg));
    auto key = Jwk::Generate(alg, "kid-1");
    ASSERT_TRUE(key.ok());
    auto private_pem = key->ToPrivatePem();
    ASSERT_TRUE(private_pem.ok()) << private_pem.status();
    EXPECT_NE(private_pem->find("-----BEGIN PRIVATE KEY-----"),
              std::string::npos);
    auto imported = Jwk::FromPem(*private_pem, alg, "kid-1");
    ASSERT_TRUE(imported.ok()) << imported.status();
    EXPECT_TRUE(imported->is_private());
    EXPECT_EQ(imported->ToPrivateJson(), key->ToPrivateJson());

    auto public_pem = key->ToPublicPem();
    ASSERT_TRUE(public_pem.ok());
    auto imported_public = Jwk::FromPem(*public_pem, alg);
    ASSERT_TRUE(imported_public.ok()) << imported_public.status();
    EXPECT_FALSE(imported_public->is_private());
    EXPECT_EQ(imported_public->Thumbprint(), key->Thumbprint());
    EXPECT_EQ(imported_public->kid(),
              key->Thumbprint());  // No kid given: the thumbprint.
  }
}

TEST(JwkTest, EncryptedPemIsRefused) {
  // An encrypted key is refused. (That no password is ever asked for, which
  // OpenSSL's default callback would do on a terminal, cannot be observed
  // here: tests have no terminal. jwk.cc passes a callback that supplies none.)
  constexpr char kEncrypted[] = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgaTfsmZ2cZTQICCAAw
DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEECZmplOQDMdw74tvnG4a4okEgZAq
zofgXPaQnHlh/GA5jypi4OkI3t4hVhF5ndm+bbK3FTiKJvEU8gyLH0EJvSpAr1yC
RQE7zfkEclvKWTMFS/i5nuO/wWXnYIzM/CAw+7VyjygfSVWsk2n8tNP/IGuhcPhV
ixeAnC78hS4kSOdGU7krWU/Q5NSvtRCcvWXgb3ghlLBbREdBQgXzzP/IENsqI2I=
-----END ENCRYPTED PRIVATE KEY-----
)";
  EXPECT_EQ(ReasonOf(Jwk::FromPem(kEncrypted, Algorithm::kES256).status()),
            Reason::kPemInvalid);
}

TEST(JwkTest, HmacKeyMustCoverTheHashOfTheAlgorithmUsed) {
  // RFC 7518 §3.2. A 32-byte key without "alg" is fine for HS256 but not for
  // HS512.
  auto key = Jwk::FromJson(
      {{"kty", "oct"}, {"k", Base64UrlEncode(std::string(32, 'k'))}});
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(
      key->CheckUsableFor(Algorithm::kHS256, KeyOperation::kVerify).ok());
  EXPECT_EQ(
      ReasonOf(key->CheckUsableFor(Algorithm::kHS512, KeyOperation::kVerify)),
      Reason::kJwkWeakKey);
  EXPECT_EQ(
      ReasonOf(key->CheckUsableFor(Algorithm::kHS384, KeyOperation::kSign)),
      Reason::kJwkWeakKey);
}

TEST(JwkTest, RejectsBadPem) {
  EXPECT_EQ(ReasonOf(Jwk::FromPem("not pem", std::nullopt).status()),
            Reason::kPemInvalid);
  EXPECT_EQ(
      ReasonOf(
          Jwk::FromPem(
              "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
              std::nullopt)
              .status()),
      Reason::kPemInvalid);
}

TEST(JwkTest, RejectsMissingOrUnknownKty) {
  EXPECT_EQ(KeyReason({{"crv", "P-256"}}), Reason::kJwkInvalid);
  EXPECT_EQ(KeyReason({{"kty", "DSA"}}), Reason::kJwkUnsupported);
  EXPECT_EQ(KeyReason({{"kty", 1}}), Reason::kJwkInvalid);
  EXPECT_EQ(KeyReason(Json::array()), Reason::kJwkInvalid);
}

TEST(JwkTest, RejectsUnsupportedCurves) {
  Json ec = Rfc7517EcPublic();
  ec["crv"] = "secp256k1";
  EXPECT_EQ(KeyReason(ec), Reason::kJwkUnsupported);
  EXPECT_EQ(KeyReason({{"kty", "OKP"},
                       {"crv", "X25519"},
                       {"x", Base64UrlEncode(std::string(32, 'a'))}}),
            Reason::kJwkUnsupported);
  EXPECT_EQ(KeyReason({{"kty", "OKP"},
                       {"crv", "Ed448"},
                       {"x", Base64UrlEncode(std::string(57, 'a'))}}),
            Reason::kJwkUnsupported);
}

TEST(JwkTest, RejectsAlgThatContradictsKtyOrCurve) {
  Json ec = Rfc7517EcPublic();
  ec["alg"] = "RS256";
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec["alg"] = "ES384";  // P-256 key.
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec["alg"] = "A128KW";  // Not a signature algorithm.
  EXPECT_EQ(KeyReason(ec), Reason::kJwkUnsupported);
}

TEST(JwkTest, RejectsEcPointOffTheCurve) {
  Json ec = Rfc7517EcPublic();
  std::string y = *Base64UrlDecode(ec["y"].get<std::string>());
  y.back() ^= 1;
  ec["y"] = Base64UrlEncode(y);
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalidKey);
}

TEST(JwkTest, RejectsEcCoordinatesOfTheWrongLength) {
  // RFC 7518 §6.2.1.2: the full coordinate size, even with leading zeros.
  Json ec = Rfc7517EcPublic();
  std::string x = *Base64UrlDecode(ec["x"].get<std::string>());
  ec["x"] = Base64UrlEncode(std::string(1, '\0') + x);
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec["x"] = Base64UrlEncode(x.substr(1));
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
}

TEST(JwkTest, RejectsEcPrivateScalarThatDoesNotMatch) {
  auto a = Jwk::Generate(Algorithm::kES256);
  auto b = Jwk::Generate(Algorithm::kES256);
  Json mixed = a->ToPrivateJson();
  mixed["d"] = b->ToPrivateJson()["d"];
  EXPECT_EQ(KeyReason(mixed), Reason::kJwkInvalidKey);
}

TEST(JwkTest, RejectsEd25519PrivateKeyThatDoesNotMatch) {
  auto a = Jwk::Generate(Algorithm::kEdDSA);
  auto b = Jwk::Generate(Algorithm::kEdDSA);
  Json mixed = a->ToPrivateJson();
  mixed["d"] = b->ToPrivateJson()["d"];
  EXPECT_EQ(KeyReason(mixed), Reason::kJwkInvalidKey);
  Json short_x = a->ToPublicJson();
  short_x["x"] = Base64UrlEncode(std::string(31, 'a'));
  EXPECT_EQ(KeyReason(short_x), Reason::kJwkInvalid);
}

TEST(JwkTest, RejectsMembersWithBadEncoding) {
  Json ec = Rfc7517EcPublic();
  ec["x"] = ec["x"].get<std::string>() + "=";
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec = Rfc7517EcPublic();
  ec["x"] = 5;
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec = Rfc7517EcPublic();
  ec.erase("y");
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
}

TEST(JwkTest, RejectsDuplicateKeyOps) {
  // RFC 7517 §4.3.
  Json ec = Rfc7517EcPublic();
  ec["key_ops"] = {"verify", "verify"};
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
  ec["key_ops"] = "verify";
  EXPECT_EQ(KeyReason(ec), Reason::kJwkInvalid);
}

class RsaJwkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new Json(Jwk::Generate(Algorithm::kRS256)->ToPrivateJson());
  }
  static void TearDownTestSuite() { delete key_; }
  static Json* key_;
};
Json* RsaJwkTest::key_ = nullptr;

TEST_F(RsaJwkTest, RejectsModulusUnder2048Bits) {
  // RFC 7518 §3.3. A 1024-bit modulus (RFC 7520 would not help: its key is
  // 2048).
  Json pub = {{"kty", "RSA"},
              {"e", "AQAB"},
              {"n", Base64UrlEncode("\x80" + std::string(127, '\x01'))}};
  EXPECT_EQ(KeyReason(pub), Reason::kJwkWeakKey);
}

TEST_F(RsaJwkTest, RejectsBadPublicExponent) {
  Json pub = Jwk::FromJson(*key_)->ToPublicJson();
  pub["e"] = "AQ";  // e = 1
  EXPECT_EQ(KeyReason(pub), Reason::kJwkWeakKey);
  pub["e"] = "AQAA";  // e = 65536: even
  EXPECT_EQ(KeyReason(pub), Reason::kJwkWeakKey);
}

TEST_F(RsaJwkTest, RejectsPrivateKeyWithoutCrtMembers) {
  Json priv = *key_;
  priv.erase("qi");
  EXPECT_EQ(KeyReason(priv), Reason::kJwkUnsupported);
}

TEST_F(RsaJwkTest, RejectsInconsistentPrivateKey) {
  Json priv = *key_;
  std::string d = *Base64UrlDecode(priv["d"].get<std::string>());
  d.back() ^= 2;
  priv["d"] = Base64UrlEncode(d);
  EXPECT_EQ(KeyReason(priv), Reason::kJwkInvalidKey);
}

TEST_F(RsaJwkTest, RejectsMultiPrimeKeys) {
  Json pub = Jwk::FromJson(*key_)->ToPublicJson();
  pub["oth"] = Json::array();
  EXPECT_EQ(KeyReason(pub), Reason::kJwkUnsupported);
}

TEST(JwkTest, RejectsRocaModulus) {
  // CVE-2017-15361: the modulus of Wycheproof's jws_rsa_roca_key.
  const Json vectors =
      testing::ReadJsonFile("tests/vectors/wycheproof/json_web_key_test.json");
  for (const Json& group : vectors["testGroups"]) {
    if (group["comment"] != "jws_rsa_roca_key") continue;
    EXPECT_EQ(KeyReason(group["public"]["keys"][0]), Reason::kJwkWeakKey);
    return;
  }
  FAIL() << "ROCA vector not found";
}

TEST(JwkTest, RejectsShortHmacKeys) {
  // RFC 7518 §3.2: at least the hash size.
  EXPECT_EQ(KeyReason({{"kty", "oct"}, {"k", ""}}), Reason::kJwkWeakKey);
  EXPECT_EQ(
      KeyReason({{"kty", "oct"}, {"k", Base64UrlEncode(std::string(31, 'k'))}}),
      Reason::kJwkWeakKey);
  EXPECT_EQ(KeyReason({{"kty", "oct"},
                       {"alg", "HS512"},
                       {"k", Base64UrlEncode(std::string(48, 'k'))}}),
            Reason::kJwkWeakKey);
  EXPECT_TRUE(Jwk::FromJson({{"kty", "oct"},
                             {"alg", "HS512"},
                             {"k", Base64UrlEncode(std::string(64, 'k'))}})
                  .ok());
}

TEST(JwkTest, CheckUsableForEnforcesAlgUseAndKeyOps) {
  auto key = Jwk::Generate(Algorithm::kES256, "k");
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(key->CheckUsableFor(Algorithm::kES256, KeyOperation::kSign).ok());
  EXPECT_EQ(
      ReasonOf(key->CheckUsableFor(Algorithm::kES384, KeyOperation::kVerify)),
      Reason::kKeyAlgMismatch);
  EXPECT_EQ(
      ReasonOf(key->CheckUsableFor(Algorithm::kRS256, KeyOperation::kVerify)),
      Reason::kKeyAlgMismatch);
  EXPECT_EQ(ReasonOf(key->PublicKey().CheckUsableFor(Algorithm::kES256,
                                                     KeyOperation::kSign)),
            Reason::kKeyNotPrivate);

  Json json = key->ToPublicJson();
  json["use"] = "enc";
  EXPECT_EQ(ReasonOf(Jwk::FromJson(json)->CheckUsableFor(
                Algorithm::kES256, KeyOperation::kVerify)),
            Reason::kKeyUseMismatch);
  json.erase("use");
  json["key_ops"] = {"sign"};
  EXPECT_EQ(ReasonOf(Jwk::FromJson(json)->CheckUsableFor(
                Algorithm::kES256, KeyOperation::kVerify)),
            Reason::kKeyUseMismatch);
  json["key_ops"] = {"verify"};
  EXPECT_TRUE(Jwk::FromJson(json)
                  ->CheckUsableFor(Algorithm::kES256, KeyOperation::kVerify)
                  .ok());
}

TEST(JwksTest, KeepsUsableKeysAndReportsSkippedOnes) {
  auto es = Jwk::Generate(Algorithm::kES256, "es");
  Json set = {{"keys",
               {es->ToPublicJson(),
                {{"kty", "RSA"},
                 {"kid", "enc"},
                 {"alg", "RSA-OAEP"},
                 {"n", "AQAB"},
                 {"e", "AQAB"}},
                {{"kty", "EC"}, {"kid", "bad"}, {"crv", "P-256"}}}}};
  auto jwks = Jwks::FromJson(set);
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  ASSERT_EQ(jwks->keys().size(), 1u);
  ASSERT_EQ(jwks->skipped().size(), 2u);
  EXPECT_EQ(jwks->skipped()[0].kid, "enc");
  EXPECT_EQ(ReasonOf(jwks->skipped()[0].status), Reason::kJwkUnsupported);
  EXPECT_EQ(ReasonOf(jwks->skipped()[1].status), Reason::kJwkInvalid);
  EXPECT_NE(jwks->FindByKid("es"), nullptr);
  EXPECT_EQ(jwks->FindByKid("enc"), nullptr);
}

TEST(JwksTest, RejectsDuplicateKid) {
  auto a = Jwk::Generate(Algorithm::kES256, "same");
  auto b = Jwk::Generate(Algorithm::kEdDSA, "same");
  EXPECT_EQ(ReasonOf(Jwks::FromJson(
                         {{"keys", {a->ToPublicJson(), b->ToPublicJson()}}})
                         .status()),
            Reason::kJwksDuplicateKid);
  EXPECT_EQ(ReasonOf(Jwks::FromKeys({*a, *b}).status()),
            Reason::kJwksDuplicateKid);
}

TEST(JwksTest, RejectsMixedSymmetricAndAsymmetricKeys) {
  auto a = Jwk::Generate(Algorithm::kES256, "a");
  auto b = Jwk::Generate(Algorithm::kHS256, "b");
  EXPECT_EQ(ReasonOf(Jwks::FromJson(
                         {{"keys", {a->ToPublicJson(), b->ToPrivateJson()}}})
                         .status()),
            Reason::kJwksMixedKeyTypes);
}

TEST(JwksTest, RejectsWrongShape) {
  EXPECT_EQ(ReasonOf(Jwks::FromJson(Json::array()).status()),
            Reason::kJwksInvalid);
  EXPECT_EQ(ReasonOf(Jwks::FromJson({{"key", Json::array()}}).status()),
            Reason::kJwksInvalid);
  EXPECT_EQ(ReasonOf(Jwks::FromJson({{"keys", {1}}}).status()),
            Reason::kJwksInvalid);
  EXPECT_EQ(ReasonOf(Jwks::Parse(R"({"keys":[],"keys":[]})").status()),
            Reason::kJsonDuplicateMember);
}

TEST(JwksTest, PublicJsonLeavesOutSymmetricKeys) {
  auto a = Jwk::Generate(Algorithm::kHS256, "a");
  auto jwks = Jwks::FromKeys({*a});
  ASSERT_TRUE(jwks.ok());
  EXPECT_TRUE(jwks->ToPublicJson()["keys"].empty());
}

}  // namespace
}  // namespace identity::jwt
