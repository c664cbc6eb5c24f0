#include "jwt/dpop_proof.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/jws.h"
#include "jwt/status.h"
#include "jwt/testing/test_data.h"

namespace identity::jwt {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr char kTokenUri[] = "https://id.example/token";

// RFC 9449 §4.2 Figure 2 (ES256, made by the RFC's authors), and the
// thumbprint of its key from §6.1.
constexpr char kRfcProof[] =
    "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwi"
    "eCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5"
    "IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNy"
    "diI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCI"
    "sImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTY"
    "yMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiO"
    "SsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
constexpr char kRfcJkt[] = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";

class DpopProofTest : public ::testing::Test {
 protected:
  DpopProofClaims GoodClaims() const {
    DpopProofClaims claims;
    claims.method = "POST";
    claims.uri = kTokenUri;
    claims.jti = "jti-1";
    claims.issued_at = absl::FromUnixSeconds(kNow - 2);
    return claims;
  }

  DpopRequest TokenRequest() const {
    DpopRequest request;
    request.method = "POST";
    request.uri = kTokenUri;
    return request;
  }

  DpopProofVerifier Verifier() const {
    DpopProofOptions options;
    options.clock = &clock_;
    return *DpopProofVerifier::Create(options);
  }

  absl::StatusOr<DpopProof> Verify(const std::string& proof,
                                   const DpopRequest& request) const {
    return Verifier().Verify(proof, request);
  }

  Reason ReasonFor(const std::string& proof, const DpopRequest& request) const {
    return ReasonOf(Verify(proof, request).status());
  }
  Reason ReasonFor(const std::string& proof) const {
    return ReasonFor(proof, TokenRequest());
  }

  // A proof with a header and payload of the test's choosing.
  std::string SignRaw(Json header, const Json& payload, const Jwk& key,
                      Algorithm alg = Algorithm::kES256) const {
    auto proof = SignJws(std::move(header), DumpJson(payload), key, alg);
    EXPECT_TRUE(proof.ok()) << proof.status();
    return proof.value_or("");
  }
  Json GoodHeader() const {
    return {{"typ", "dpop+jwt"}, {"jwk", key_.PublicKey().ToPublicJson()}};
  }
  Json GoodPayload() const {
    return {{"jti", "jti-1"},
            {"htm", "POST"},
            {"htu", kTokenUri},
            {"iat", kNow - 2}};
  }

  FakeClock clock_{absl::FromUnixSeconds(kNow)};
  Jwk key_ = *Jwk::Generate(Algorithm::kES256);
};

TEST_F(DpopProofTest, RfcExampleVerifiesWithItsThumbprint) {
  clock_.Set(absl::FromUnixSeconds(1562262616));
  DpopRequest request;
  request.method = "POST";
  request.uri = "https://server.example.com/token";
  auto proof = Verify(kRfcProof, request);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->jkt, kRfcJkt);
  EXPECT_EQ(proof->jti, "-BwC3ESc6acc2lTc");
  EXPECT_EQ(proof->issued_at, absl::FromUnixSeconds(1562262616));
  EXPECT_EQ(proof->accepted_until, absl::FromUnixSeconds(1562262616 + 60));
}

// Proofs made by npm jose (jwt/testdata/make_dpop_jose.mjs), an independent
// implementation, for every asymmetric algorithm family, with "ath" and an
// "htu" with a query; jose's own RFC 7638 thumbprints.
TEST_F(DpopProofTest, JoseProofsVerifyWithJoseThumbprints) {
  const Json data = testing::ReadJsonFile("jwt/testdata/dpop_jose.json");
  ASSERT_TRUE(data.is_object()) << "jwt/testdata/dpop_jose.json unreadable";
  clock_.Set(absl::FromUnixSeconds(data["iat"].get<int64_t>()));
  DpopRequest request;
  request.method = "POST";
  request.uri = data["htu"].get<std::string>();
  request.access_token = data["access_token"].get<std::string>();
  ASSERT_GE(data["proofs"].size(), 7u);
  for (const Json& entry : data["proofs"]) {
    const std::string alg = entry["alg"].get<std::string>();
    auto proof = Verify(entry["proof"].get<std::string>(), request);
    ASSERT_TRUE(proof.ok()) << alg << ": " << proof.status();
    EXPECT_EQ(proof->jkt, entry["jkt"].get<std::string>()) << alg;
    EXPECT_EQ(proof->jti, "jose-" + alg);
    DpopRequest other_token = request;
    other_token.access_token = "another-token";
    EXPECT_EQ(ReasonFor(entry["proof"].get<std::string>(), other_token),
              Reason::kDpopAthMismatch)
        << alg;
  }
}

TEST_F(DpopProofTest, SignedProofVerifiesWithKeyThumbprint) {
  for (Algorithm alg : {Algorithm::kES256, Algorithm::kEdDSA, Algorithm::kPS256,
                        Algorithm::kES384}) {
    Jwk key = *Jwk::Generate(alg);
    auto proof = SignDpopProof(key, GoodClaims());
    ASSERT_TRUE(proof.ok()) << proof.status();
    auto verified = Verify(*proof, TokenRequest());
    ASSERT_TRUE(verified.ok()) << AlgorithmName(alg) << verified.status();
    EXPECT_EQ(verified->jkt, key.PublicKey().Thumbprint());
    EXPECT_EQ(verified->jti, "jti-1");
  }
}

// RFC 9449 §4.3 item 4: "typ" is "dpop+jwt".
TEST_F(DpopProofTest, TypMissingOrOtherIsRefused) {
  Json header = GoodHeader();
  header.erase("typ");
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kTypMissing);
  header["typ"] = "JWT";
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kTypMismatch);
}

// RFC 9449 §4.3 item 5: an asymmetric algorithm, never none or MAC.
TEST_F(DpopProofTest, SymmetricAlgorithmIsRefused) {
  Jwk secret = *Jwk::FromJson(
      {{"kty", "oct"}, {"k", Base64UrlEncode(std::string(32, 'k'))}});
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), GoodPayload(), secret,
                              Algorithm::kHS256)),
            Reason::kAlgNotAllowed);
}

TEST_F(DpopProofTest, AlgNoneIsRefused) {
  const std::string proof =
      absl::StrCat(Base64UrlEncode(R"({"typ":"dpop+jwt","alg":"none"})"), ".",
                   Base64UrlEncode(DumpJson(GoodPayload())), ".");
  EXPECT_EQ(ReasonFor(proof), Reason::kAlgNone);
}

TEST_F(DpopProofTest, VerifierOptionsRefuseSymmetricAlgorithms) {
  DpopProofOptions options;
  options.allowed_algorithms = {Algorithm::kES256, Algorithm::kHS256};
  EXPECT_EQ(ReasonOf(DpopProofVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
  options.allowed_algorithms = {};
  options.leeway = absl::Minutes(10);
  EXPECT_EQ(ReasonOf(DpopProofVerifier::Create(options).status()),
            Reason::kOptionsInvalid);
}

TEST_F(DpopProofTest, AlgorithmOutsideAllowlistIsRefused) {
  DpopProofOptions options;
  options.clock = &clock_;
  options.allowed_algorithms = {Algorithm::kEdDSA};
  auto verifier = *DpopProofVerifier::Create(options);
  EXPECT_EQ(
      ReasonOf(
          verifier.Verify(*SignDpopProof(key_, GoodClaims()), TokenRequest())
              .status()),
      Reason::kAlgNotAllowed);
}

// RFC 9449 §4.3 item 6/7: "jwk" is a public key.
TEST_F(DpopProofTest, JwkMissingIsRefused) {
  Json header = GoodHeader();
  header.erase("jwk");
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kDpopKeyInvalid);
  header["jwk"] = "not an object";
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kDpopKeyInvalid);
}

TEST_F(DpopProofTest, JwkWithPrivateMembersIsRefused) {
  Json header = GoodHeader();
  header["jwk"] = key_.ToPrivateJson();
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kDpopKeyInvalid);
}

TEST_F(DpopProofTest, SymmetricJwkIsRefused) {
  Json header = GoodHeader();
  // An oct key is its secret "k": a private member (RFC 7518 §6.4.1).
  header["jwk"] = {{"kty", "oct"},
                   {"k", Base64UrlEncode(std::string(32, 'k'))}};
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kDpopKeyInvalid);
  header["jwk"] = {{"kty", "oct"}};
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kJwkInvalid);
}

TEST_F(DpopProofTest, MalformedJwkIsRefused) {
  Json header = GoodHeader();
  header["jwk"]["x"] = "AAAA";
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kJwkInvalid);
}

TEST_F(DpopProofTest, JwkThatCannotDoAlgIsRefused) {
  Json header = GoodHeader();
  header["jwk"] = Jwk::Generate(Algorithm::kEdDSA)->PublicKey().ToPublicJson();
  EXPECT_EQ(ReasonFor(SignRaw(header, GoodPayload(), key_)),
            Reason::kKeyAlgMismatch);
}

// RFC 9449 §4.3 item 7: the signature verifies with the "jwk" key.
TEST_F(DpopProofTest, SignatureByAnotherKeyIsRefused) {
  Jwk other = *Jwk::Generate(Algorithm::kES256);
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), GoodPayload(), other)),
            Reason::kSignatureInvalid);
}

// RFC 9449 §4.2: jti, htm, htu, iat are required, with their types.
TEST_F(DpopProofTest, EachRequiredClaimMissingIsRefused) {
  for (const char* name : {"jti", "htm", "htu", "iat"}) {
    Json payload = GoodPayload();
    payload.erase(name);
    EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
              Reason::kClaimInvalid)
        << name;
    payload[name] = Json::array();
    EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
              Reason::kClaimInvalid)
        << name;
  }
}

TEST_F(DpopProofTest, EmptyOrOversizedJtiIsRefused) {
  Json payload = GoodPayload();
  payload["jti"] = "";
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
            Reason::kClaimInvalid);
  payload["jti"] = std::string(kMaxDpopJtiSize + 1, 'j');
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
            Reason::kClaimInvalid);
}

TEST_F(DpopProofTest, OversizedProofIsRefused) {
  Json payload = GoodPayload();
  payload["pad"] = std::string(kMaxDpopProofSize, 'p');
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
            Reason::kTokenTooLarge);
}

// RFC 9449 §4.3 item 8: "htm" is the request's method, exactly.
TEST_F(DpopProofTest, MethodMismatchIsRefused) {
  DpopProofClaims claims = GoodClaims();
  claims.method = "GET";
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims)),
            Reason::kDpopMethodMismatch);
  claims.method = "post";
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims)),
            Reason::kDpopMethodMismatch);
}

// RFC 9449 §4.3 item 9: "htu" matches without query and fragment.
TEST_F(DpopProofTest, UriMismatchIsRefused) {
  for (const char* uri :
       {"https://id.example/token2", "https://id.example/Token",
        "http://id.example/token", "https://id.example:8443/token",
        "https://other.example/token", "https://id.example/", "not a uri",
        "https://user@id.example/token"}) {
    DpopProofClaims claims = GoodClaims();
    claims.uri = uri;
    EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims)), Reason::kDpopUriMismatch)
        << uri;
  }
}

TEST_F(DpopProofTest, UriMatchesAfterNormalization) {
  for (const char* uri :
       {"https://id.example/token?x=1", "https://id.example/token#f",
        "HTTPS://ID.Example/token", "https://id.example:443/token",
        "https://id.example:/token", "https://id.example/%74oken"}) {
    DpopProofClaims claims = GoodClaims();
    claims.uri = uri;
    EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), TokenRequest()).ok())
        << uri;
  }
}

TEST(DpopNormalizeUriTest, Forms) {
  EXPECT_EQ(*DpopNormalizeUri("http://A.b:80"), "http://a.b/");
  EXPECT_EQ(*DpopNormalizeUri("https://[::1]:443/p%2f"), "https://[::1]/p%2F");
  EXPECT_EQ(*DpopNormalizeUri("https://h/a%7e?q"), "https://h/a~");
  EXPECT_FALSE(DpopNormalizeUri("https://h/%zz").ok());
  EXPECT_FALSE(DpopNormalizeUri("https://h/%4").ok());
  EXPECT_FALSE(DpopNormalizeUri("ftp://h/").ok());
  EXPECT_FALSE(DpopNormalizeUri("https:///x").ok());
  EXPECT_EQ(*DpopNormalizeUri("https://a:8443"), "https://a:8443/");
  EXPECT_EQ(*DpopNormalizeUri("https://a:0443/"), "https://a:0443/");
  for (const char* bad :
       {"https://h:443:443/", "https://h:x/", "https://:1/", "https://[::1/",
        "https://[]/", "https://h]/", "https://[::1]x/"}) {
    EXPECT_FALSE(DpopNormalizeUri(bad).ok()) << bad;
  }
}

// A gRPC call is a POST to /<package.Service>/<Method> on its authority.
TEST_F(DpopProofTest, GrpcCallUri) {
  EXPECT_EQ(DpopGrpcUri("orders.example:8443", "/shop.v1.Orders/Get"),
            "https://orders.example:8443/shop.v1.Orders/Get");
  DpopProofClaims claims = GoodClaims();
  claims.uri = "https://ID.example:443/identity.v1.TokenService/Token";
  DpopRequest request = TokenRequest();
  request.uri = DpopGrpcUri("id.example", "/identity.v1.TokenService/Token");
  EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), request).ok());
  request.uri = DpopGrpcUri("id.example", "/identity.v1.TokenService/Revoke");
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims), request),
            Reason::kDpopUriMismatch);
}

// RFC 9449 §4.3 item 11: "iat" within an acceptable window.
TEST_F(DpopProofTest, IatTooOldIsRefused) {
  DpopProofClaims claims = GoodClaims();
  claims.issued_at = absl::FromUnixSeconds(kNow - 60);
  EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), TokenRequest()).ok());
  claims.issued_at = absl::FromUnixSeconds(kNow - 61);
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims)), Reason::kDpopProofTooOld);
}

TEST_F(DpopProofTest, IatInFutureBeyondLeewayIsRefused) {
  DpopProofClaims claims = GoodClaims();
  claims.issued_at = absl::FromUnixSeconds(kNow + 5);
  EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), TokenRequest()).ok());
  claims.issued_at = absl::FromUnixSeconds(kNow + 6);
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims)), Reason::kIssuedInFuture);
}

TEST_F(DpopProofTest, FractionalIatRoundsUp) {
  Json payload = GoodPayload();
  payload["iat"] = kNow - 60 - 0.5;  // Counts as kNow - 60: still accepted.
  auto proof = Verify(SignRaw(GoodHeader(), payload, key_), TokenRequest());
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->accepted_until, absl::FromUnixSeconds(kNow));
  payload["iat"] = -1;
  EXPECT_EQ(ReasonFor(SignRaw(GoodHeader(), payload, key_)),
            Reason::kClaimInvalid);
}

// RFC 9449 §4.3 item 12 and §7.1: "ath" is the hash of the token presented.
TEST_F(DpopProofTest, AthMissingOrWrongIsRefused) {
  DpopRequest request = TokenRequest();
  request.access_token = "the-token";
  DpopProofClaims claims = GoodClaims();
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims), request),
            Reason::kDpopAthMismatch);
  claims.access_token = "another-token";
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims), request),
            Reason::kDpopAthMismatch);
  claims.access_token = "the-token";
  EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), request).ok());
}

TEST(DpopAccessTokenHashTest, RfcExample) {
  // RFC 9449 §7.1 Figure 13: the access token of Figure 7 and its "ath".
  EXPECT_EQ(DpopAccessTokenHash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
}

// RFC 9449 §8 and §9: a demanded nonce must come back.
TEST_F(DpopProofTest, NonceMissingOrWrongIsRefused) {
  DpopRequest request = TokenRequest();
  request.nonce = "n-1";
  DpopProofClaims claims = GoodClaims();
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims), request),
            Reason::kDpopNonceMismatch);
  claims.nonce = "n-2";
  EXPECT_EQ(ReasonFor(*SignDpopProof(key_, claims), request),
            Reason::kDpopNonceMismatch);
  claims.nonce = "n-1";
  EXPECT_TRUE(Verify(*SignDpopProof(key_, claims), request).ok());
}

TEST_F(DpopProofTest, SignRefusesSymmetricKey) {
  Jwk secret = *Jwk::FromJson(
      {{"kty", "oct"}, {"k", Base64UrlEncode(std::string(32, 'k'))}});
  EXPECT_EQ(ReasonOf(SignDpopProof(secret, GoodClaims()).status()),
            Reason::kAlgNotAllowed);
}

}  // namespace
}  // namespace identity::jwt
