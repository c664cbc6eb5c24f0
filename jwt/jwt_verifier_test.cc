#include "jwt/jwt_verifier.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/jwt_signer.h"
#include "jwt/signature.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

constexpr int64_t kNow = 1'800'000'000;

// Options of an access-token verifier: every required field set.
VerifierOptions AccessTokenOptions() {
  VerifierOptions options;
  options.issuer = "https://id.example";
  options.audiences = {"api", "other-api"};
  options.required_typ = "at+jwt";
  return options;
}

class JwtVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *Jwk::Generate(Algorithm::kES256, "k1");
    jwks_ = *Jwks::FromKeys({key_.PublicKey()});
    options_ = AccessTokenOptions();
    options_.clock = &clock_;
  }

  Claims GoodClaims() const {
    Claims claims;
    claims.iss = "https://id.example";
    claims.sub = "alice";
    claims.aud = {"api"};
    claims.iat = kNow - 10;
    claims.exp = kNow + 600;
    claims.other["scope"] = "read";
    return claims;
  }

  std::string Sign(const Claims& claims, const std::string& typ = "at+jwt") {
    auto signer = JwtSigner::Create(key_, SignerOptions{typ});
    EXPECT_TRUE(signer.ok()) << signer.status();
    return *signer->Sign(claims);
  }

  // Signs an arbitrary payload (for claims the Claims type would not produce).
  std::string SignPayload(const std::string& payload) {
    return *SignJws({{"typ", "at+jwt"}}, payload, key_, Algorithm::kES256);
  }

  Reason Verify(const std::string& token) {
    auto verifier = JwtVerifier::Create(options_);
    EXPECT_TRUE(verifier.ok()) << verifier.status();
    return ReasonOf(verifier->Verify(token, jwks_).status());
  }

  FakeClock clock_{absl::FromUnixSeconds(kNow)};
  VerifierOptions options_;
  Jwk key_ = *Jwk::Generate(Algorithm::kES256);
  Jwks jwks_ = *Jwks::FromKeys({});
};

TEST_F(JwtVerifierTest, AcceptsValidTokenAndReturnsClaims) {
  auto verifier = JwtVerifier::Create(options_);
  auto verified = verifier->Verify(Sign(GoodClaims()), jwks_);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->claims.sub, "alice");
  EXPECT_EQ(verified->claims.GetString("scope"), "read");
  EXPECT_EQ(verified->kid, "k1");
  EXPECT_EQ(verified->header.typ, "at+jwt");
}

TEST_F(JwtVerifierTest, ExpiredAtExactlyExp) {
  // RFC 7519 §4.1.4: the current time MUST be before exp.
  Claims claims = GoodClaims();
  claims.exp = kNow;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kExpired);
  claims.exp = kNow + 1;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
}

TEST_F(JwtVerifierTest, ExpZeroIsExpiredNotEternal) {
  // jwt_verify_lib treated exp == 0 as "never expires"; it is 1970.
  Claims claims = GoodClaims();
  claims.exp = 0;
  claims.iat.reset();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kExpired);
}

TEST_F(JwtVerifierTest, LeewayExtendsExp) {
  Claims claims = GoodClaims();
  claims.exp = kNow - 30;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kExpired);
  options_.leeway = absl::Seconds(31);
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  options_.leeway = absl::Seconds(30);
  EXPECT_EQ(Verify(Sign(claims)), Reason::kExpired);
}

TEST_F(JwtVerifierTest, ClockDecidesExpiry) {
  const std::string token = Sign(GoodClaims());
  EXPECT_EQ(Verify(token), Reason::kOk);
  clock_.Advance(absl::Seconds(600));
  EXPECT_EQ(Verify(token), Reason::kExpired);
}

TEST_F(JwtVerifierTest, MissingExpRefusedUnlessAllowed) {
  Claims claims = GoodClaims();
  claims.exp.reset();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kExpMissing);
  options_.require_exp = false;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
}

TEST_F(JwtVerifierTest, NotBeforeWithLeeway) {
  // RFC 7519 §4.1.5.
  Claims claims = GoodClaims();
  claims.nbf = kNow + 10;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kNotYetValid);
  claims.nbf = kNow;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.nbf = kNow + 10;
  options_.leeway = absl::Seconds(10);
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
}

TEST_F(JwtVerifierTest, IssuedInTheFuture) {
  Claims claims = GoodClaims();
  claims.iat = kNow + 5;
  EXPECT_EQ(Verify(Sign(claims)), Reason::kIssuedInFuture);
  options_.leeway = absl::Seconds(5);
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
}

TEST_F(JwtVerifierTest, IssuerMustMatchExactly) {
  Claims claims = GoodClaims();
  claims.iss = "https://id.example/";
  EXPECT_EQ(Verify(Sign(claims)), Reason::kIssuerMismatch);
  claims.iss = "HTTPS://ID.EXAMPLE";
  EXPECT_EQ(Verify(Sign(claims)), Reason::kIssuerMismatch);
  claims.iss.reset();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kIssuerMissing);
}

TEST_F(JwtVerifierTest, AudienceStringOrArray) {
  // RFC 7519 §4.1.3.
  Claims claims = GoodClaims();
  claims.aud = {"someone-else", "other-api"};
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.aud = {"someone-else"};
  EXPECT_EQ(Verify(Sign(claims)), Reason::kAudienceMismatch);
  claims.aud.clear();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kAudienceMissing);
  EXPECT_EQ(
      Verify(SignPayload(absl::StrCat(
          R"({"iss":"https://id.example","aud":[],"exp":)", kNow + 60, "}"))),
      Reason::kAudienceMissing);
}

TEST_F(JwtVerifierTest, CreateRefusesEachEmptyRequiredFieldNamingIt) {
  // RFC 8725 §3.11, RFC 9068 §4: an empty field never means "not checked".
  VerifierOptions options = AccessTokenOptions();
  options.issuer.clear();
  absl::Status status = JwtVerifier::Create(options).status();
  EXPECT_EQ(ReasonOf(status), Reason::kOptionsInvalid);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "issuer")) << status;
  options = AccessTokenOptions();
  options.audiences.clear();
  status = JwtVerifier::Create(options).status();
  EXPECT_EQ(ReasonOf(status), Reason::kOptionsInvalid);
  EXPECT_TRUE(absl::StrContains(status.message(), "audiences")) << status;
  options = AccessTokenOptions();
  options.required_typ.clear();
  status = JwtVerifier::Create(options).status();
  EXPECT_EQ(ReasonOf(status), Reason::kOptionsInvalid);
  EXPECT_TRUE(absl::StrContains(status.message(), "required_typ")) << status;
}

TEST_F(JwtVerifierTest, DefaultOptionsAreRefused) {
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(VerifierOptions()).status()),
            Reason::kOptionsInvalid);
}

TEST_F(JwtVerifierTest, CreateRefusesAFieldSetTogetherWithItsOptOut) {
  VerifierOptions options = AccessTokenOptions();
  options.skip_issuer_check = true;
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options = AccessTokenOptions();
  options.skip_audience_check = true;
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options = AccessTokenOptions();
  options.skip_typ_check = true;
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
}

TEST_F(JwtVerifierTest, CreateRefusesAnEmptyAudience) {
  // It would accept a token whose "aud" is "".
  VerifierOptions options = AccessTokenOptions();
  options.audiences = {"api", ""};
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
}

TEST_F(JwtVerifierTest, SkipIssuerCheckSkipsOnlyTheIssuer) {
  options_.issuer.clear();
  options_.skip_issuer_check = true;
  Claims claims = GoodClaims();
  claims.iss = "https://other.example";
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.iss.reset();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.aud = {"elsewhere"};
  EXPECT_EQ(Verify(Sign(claims)), Reason::kAudienceMismatch);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "JWT")), Reason::kTypMismatch);
}

TEST_F(JwtVerifierTest, SkipAudienceCheckSkipsOnlyTheAudience) {
  options_.audiences.clear();
  options_.skip_audience_check = true;
  Claims claims = GoodClaims();
  claims.aud = {"elsewhere"};
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.aud.clear();
  EXPECT_EQ(Verify(Sign(claims)), Reason::kOk);
  claims.iss = "https://other.example";
  EXPECT_EQ(Verify(Sign(claims)), Reason::kIssuerMismatch);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "JWT")), Reason::kTypMismatch);
}

TEST_F(JwtVerifierTest, SkipTypCheckSkipsOnlyTheTyp) {
  options_.required_typ.clear();
  options_.skip_typ_check = true;
  EXPECT_EQ(Verify(Sign(GoodClaims(), "JWT")), Reason::kOk);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "")), Reason::kOk);
  Claims claims = GoodClaims();
  claims.iss = "https://other.example";
  EXPECT_EQ(Verify(Sign(claims, "JWT")), Reason::kIssuerMismatch);
  claims = GoodClaims();
  claims.aud = {"elsewhere"};
  EXPECT_EQ(Verify(Sign(claims, "JWT")), Reason::kAudienceMismatch);
}

TEST_F(JwtVerifierTest, IdTokenIsRefusedAsAnAccessToken) {
  // RFC 9068 §4, RFC 8725 §3.11: an OpenID Connect ID token of the same
  // issuer, even one whose "aud" names this resource server (a client id
  // equal to the API's audience), is not an access token: its "typ" is JWT.
  Claims id_token = GoodClaims();
  id_token.other.clear();
  id_token.other["nonce"] = "n-0S6_WzA2Mj";
  EXPECT_EQ(Verify(Sign(id_token, "JWT")), Reason::kTypMismatch);
  EXPECT_EQ(Verify(Sign(id_token, "")), Reason::kTypMissing);
}

TEST_F(JwtVerifierTest, RegisteredClaimsMustHaveTheirTypes) {
  const std::string tail =
      absl::StrCat(R"("iss":"https://id.example","aud":"api")");
  EXPECT_EQ(
      Verify(SignPayload(absl::StrCat("{", tail, R"(,"exp":"1900000000"})"))),
      Reason::kClaimInvalid);
  EXPECT_EQ(Verify(SignPayload(absl::StrCat("{", tail, R"(,"exp":true})"))),
            Reason::kClaimInvalid);
  EXPECT_EQ(Verify(SignPayload(absl::StrCat("{", tail, R"(,"exp":-1})"))),
            Reason::kClaimInvalid);
  EXPECT_EQ(Verify(SignPayload(absl::StrCat("{", tail, R"(,"exp":1e300})"))),
            Reason::kClaimInvalid);
  EXPECT_EQ(Verify(SignPayload(absl::StrCat(R"({"iss":7,"aud":"api","exp":)",
                                            kNow + 60, "}"))),
            Reason::kClaimInvalid);
  EXPECT_EQ(
      Verify(SignPayload(absl::StrCat(
          R"({"iss":"https://id.example","aud":[1],"exp":)", kNow + 60, "}"))),
      Reason::kClaimInvalid);
}

TEST_F(JwtVerifierTest, FractionalNumericDateIsAccepted) {
  // RFC 7519 §2: NumericDate may be non-integer.
  EXPECT_EQ(Verify(SignPayload(absl::StrCat(
                R"({"iss":"https://id.example","aud":"api","exp":)", kNow + 60,
                ".5}"))),
            Reason::kOk);
}

TEST_F(JwtVerifierTest, ClaimsMustBeStrictJsonObject) {
  EXPECT_EQ(Verify(SignPayload(R"({"exp":1,"exp":2})")),
            Reason::kJsonDuplicateMember);
  EXPECT_EQ(Verify(SignPayload("[1]")), Reason::kJsonNotObject);
  EXPECT_EQ(Verify(SignPayload("not json")), Reason::kJsonMalformed);
  EXPECT_EQ(Verify(SignPayload("{\"sub\":\"\xc3\"}")),
            Reason::kJsonInvalidUtf8);
}

TEST_F(JwtVerifierTest, RequiredTypIsChecked) {
  // RFC 8725 §3.11, RFC 9068 §4.
  options_.required_typ = "at+jwt";
  EXPECT_EQ(Verify(Sign(GoodClaims(), "at+jwt")), Reason::kOk);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "application/AT+JWT")), Reason::kOk);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "JWT")), Reason::kTypMismatch);
  EXPECT_EQ(Verify(Sign(GoodClaims(), "")), Reason::kTypMissing);
}

TEST_F(JwtVerifierTest, TypMatchingRules) {
  EXPECT_TRUE(TypMatches("at+jwt", "at+jwt"));
  EXPECT_TRUE(TypMatches("application/at+jwt", "at+jwt"));
  EXPECT_TRUE(TypMatches("AT+JWT", "application/at+jwt"));
  EXPECT_FALSE(TypMatches("jwt", "at+jwt"));
  EXPECT_FALSE(TypMatches("application/", "at+jwt"));
}

TEST_F(JwtVerifierTest, SizeLimitComesFromOptions) {
  const std::string token = Sign(GoodClaims());
  options_.max_token_size = token.size() - 1;
  EXPECT_EQ(Verify(token), Reason::kTokenTooLarge);
}

TEST_F(JwtVerifierTest, SignatureCheckedBeforeClaims) {
  // An expired token with a bad signature reports the signature: claims of an
  // unverified token are never interpreted.
  Claims claims = GoodClaims();
  claims.exp = kNow - 100;
  std::string token = Sign(claims);
  token[token.size() - 3] = token[token.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Verify(token), Reason::kSignatureInvalid);
}

TEST_F(JwtVerifierTest, CreateRejectsBadOptions) {
  for (absl::Duration leeway : {absl::Seconds(-1), absl::Milliseconds(1500),
                                absl::Hours(25), absl::InfiniteDuration()}) {
    VerifierOptions options = AccessTokenOptions();
    options.leeway = leeway;
    EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
              Reason::kOptionsInvalid);
  }
  VerifierOptions options = AccessTokenOptions();
  options.allowed_algorithms.clear();
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options = AccessTokenOptions();
  options.clock = nullptr;
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options = AccessTokenOptions();
  options.max_token_size = 0;
  EXPECT_EQ(ReasonOf(JwtVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options = AccessTokenOptions();
  options.leeway = kMaxLeeway;
  EXPECT_TRUE(JwtVerifier::Create(options).ok());
}

TEST_F(JwtVerifierTest, ExtremeClocksDoNotOverflow) {
  options_.leeway = kMaxLeeway;
  const std::string token = Sign(GoodClaims());
  clock_.Set(absl::InfiniteFuture());
  EXPECT_EQ(Verify(token), Reason::kExpired);
  clock_.Set(absl::InfinitePast());
  EXPECT_EQ(Verify(token), Reason::kIssuedInFuture);
}

TEST(JwtSignerTest, RefusesPublicKeys) {
  auto key = Jwk::Generate(Algorithm::kES256);
  EXPECT_EQ(ReasonOf(JwtSigner::Create(key->PublicKey()).status()),
            Reason::kKeyNotPrivate);
}

TEST(JwtSignerTest, RefusesKeysWhoseKeyOpsForbidSigning) {
  auto key = Jwk::Generate(Algorithm::kES256);
  Json json = key->ToPrivateJson();
  json["key_ops"] = {"verify"};
  EXPECT_EQ(ReasonOf(JwtSigner::Create(*Jwk::FromJson(json)).status()),
            Reason::kKeyUseMismatch);
}

TEST(JwtSignerTest, RsaKeyNeedsAlg) {
  auto key = Jwk::Generate(Algorithm::kPS256);
  Json json = key->ToPrivateJson();
  json.erase("alg");
  EXPECT_EQ(ReasonOf(JwtSigner::Create(*Jwk::FromJson(json)).status()),
            Reason::kJwkInvalid);
}

TEST(JwtSignerTest, SignsWithEveryAlgorithmAndVerifies) {
  for (Algorithm alg : AllAlgorithms()) {
    SCOPED_TRACE(AlgorithmName(alg));
    auto key = Jwk::Generate(alg, "kid");
    auto signer = JwtSigner::Create(*key);
    ASSERT_TRUE(signer.ok()) << signer.status();
    Claims claims;
    claims.sub = "s";
    claims.exp = kNow + 60;
    claims.other["name"] = "Zoë";
    auto token = signer->Sign(claims);
    ASSERT_TRUE(token.ok());
    FakeClock clock(absl::FromUnixSeconds(kNow));
    // Only the signature is under test: the claims name no issuer or
    // audience, and "typ" is the signer's default.
    VerifierOptions options;
    options.skip_issuer_check = true;
    options.skip_audience_check = true;
    options.required_typ = "JWT";
    options.allowed_algorithms = {alg};
    options.clock = &clock;
    auto jwks = Jwks::FromKeys({key->is_symmetric() ? *key : key->PublicKey()});
    auto verified = JwtVerifier::Create(options)->Verify(*token, *jwks);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(verified->claims.ToJson(), claims.ToJson());
    EXPECT_EQ(verified->header.typ, "JWT");
  }
}

}  // namespace
}  // namespace identity::jwt
