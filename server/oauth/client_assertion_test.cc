// private_key_jwt (RFC 7523 §2.2, §3; RFC 7521 §4.2; OIDC Core §9): each
// rule the server enforces on a client assertion, one test each, through
// the one path every endpoint uses (ResolveClientCredentials, then
// ClientAuthenticator).
#include "server/oauth/client_assertion.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/clock.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "jwt/jwt_signer.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials.h"
#include "server/oauth/client_jwks.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/client_secret.h"
#include "server/oauth/oauth_error.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

using jwt::Algorithm;
using jwt::Json;
using jwt::Jwk;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);
constexpr char kIssuer[] = "https://id.example";
constexpr char kTokenUrl[] = "https://id.example/token";

std::string JwksOf(const std::vector<const Jwk*>& keys) {
  Json set = {{"keys", Json::array()}};
  for (const Jwk* key : keys) set["keys"].push_back(key->ToPublicJson());
  return jwt::DumpJson(set);
}

class ClientAssertionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ClientRecord pk;
    pk.client_id = "svc";
    pk.grant_types = {"client_credentials"};
    pk.token_endpoint_auth_method = kAuthPrivateKeyJwt;
    pk.jwks = JwksOf({&key_});
    ASSERT_TRUE(store_.CreateClient(pk).ok());
    storage::ClientRecord secret;
    secret.client_id = "secret-client";
    secret.grant_types = {"client_credentials"};
    secret.secret_hash = hasher_.Hash("s3cret");
    // The secret client also has keys: they must not let it use assertions.
    secret.jwks = JwksOf({&key_});
    ASSERT_TRUE(store_.CreateClient(secret).ok());
  }

  Json Claims(const std::string& client_id = "svc") {
    return {{"iss", client_id},
            {"sub", client_id},
            {"aud", kTokenUrl},
            {"jti", absl::StrCat("jti-", ++serial_)},
            {"iat", absl::ToUnixSeconds(clock_.Now())},
            {"exp", absl::ToUnixSeconds(clock_.Now() + absl::Minutes(1))}};
  }
  std::string Sign(const Json& claims, const Jwk& key) {
    auto signer = jwt::JwtSigner::Create(key);
    EXPECT_TRUE(signer.ok()) << signer.status();
    return *signer->SignJson(claims);
  }
  std::string Sign(const Json& claims) { return Sign(claims, key_); }

  // What a face does with a form's parameters.
  absl::StatusOr<storage::ClientRecord> Present(PresentedCredentials p) {
    auto credentials = ResolveClientCredentials(p);
    if (!credentials.ok()) return credentials.status();
    return authenticator_.Authenticate(credentials->client_id,
                                       credentials->client_secret, "",
                                       credentials->client_assertion);
  }
  absl::StatusOr<storage::ClientRecord> PresentAssertion(
      const std::string& assertion) {
    return Present(
        {"", std::nullopt, std::nullopt, kJwtBearerAssertionType, assertion});
  }
  static void ExpectRefused(const absl::StatusOr<storage::ClientRecord>& r,
                            absl::string_view why = "") {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(OAuthErrorCodeOf(r.status()), "invalid_client") << r.status();
    EXPECT_TRUE(absl::StrContains(r.status().message(), why)) << r.status();
  }

  int serial_ = 0;
  jwt::FakeClock clock_{kNow};
  storage::MemoryStore store_;
  ClientSecretHasher hasher_ =
      *ClientSecretHasher::Create(std::string(32, 'h'));
  Jwk key_ = *Jwk::Generate(Algorithm::kES256, "k1");
  ClientAssertionVerifier verifier_ = *ClientAssertionVerifier::Create(
      {ClientAssertionAudiences(kIssuer), absl::Seconds(30), absl::Minutes(5),
       &clock_},
      &store_);
  ClientAuthenticator authenticator_{&store_, &hasher_, nullptr, &verifier_};
};

TEST_F(ClientAssertionTest, ValidAssertionAuthenticatesTheClient) {
  auto client = PresentAssertion(Sign(Claims()));
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->client_id, "svc");
}

// RFC 7523 §3 item 3: the token endpoint URL or the issuer; any endpoint of
// this server that authenticates clients; aud may be an array.
TEST_F(ClientAssertionTest, AudienceMayBeIssuerOrAnyClientEndpoint) {
  for (const std::string aud :
       {"https://id.example", "https://id.example/par",
        "https://id.example/introspect", "https://id.example/revoke",
        "https://id.example/device_authorization"}) {
    Json claims = Claims();
    claims["aud"] = aud;
    EXPECT_TRUE(PresentAssertion(Sign(claims)).ok()) << aud;
  }
  Json claims = Claims();
  claims["aud"] = {"https://other.example", kIssuer};
  EXPECT_TRUE(PresentAssertion(Sign(claims)).ok());
}

TEST_F(ClientAssertionTest, WrongAudienceIsRefused) {
  Json claims = Claims();
  claims["aud"] = "https://other.example/token";
  ExpectRefused(PresentAssertion(Sign(claims)), "audience_mismatch");
}

// RFC 7523 §3 item 1: iss is the client_id.
TEST_F(ClientAssertionTest, WrongIssuerIsRefused) {
  Json claims = Claims();
  claims["iss"] = "someone-else";
  ExpectRefused(PresentAssertion(Sign(claims)), "issuer_mismatch");
}

// RFC 7523 §3 item 2: sub is the client_id; a sub naming another client
// selects that client, whose keys did not sign it.
TEST_F(ClientAssertionTest, WrongSubjectIsRefused) {
  Json claims = Claims();
  claims["sub"] = "secret-client";
  ExpectRefused(PresentAssertion(Sign(claims)));
  claims = Claims();
  claims["sub"] = "nobody";
  ExpectRefused(PresentAssertion(Sign(claims)), "client authentication failed");
}

TEST_F(ClientAssertionTest, ClientIdParameterMustNameTheAssertionsClient) {
  const std::string assertion = Sign(Claims());
  ExpectRefused(Present({"", "secret-client", std::nullopt,
                         kJwtBearerAssertionType, assertion}),
                "client_id differs");
  EXPECT_TRUE(
      Present({"", "svc", std::nullopt, kJwtBearerAssertionType, assertion})
          .ok());
}

// RFC 7523 §3 item 4.
TEST_F(ClientAssertionTest, ExpiredAssertionIsRefused) {
  const std::string assertion = Sign(Claims());
  clock_.Advance(absl::Minutes(1) + absl::Seconds(30));
  ExpectRefused(PresentAssertion(assertion), "expired");
}

TEST_F(ClientAssertionTest, AssertionWithoutExpIsRefused) {
  Json claims = Claims();
  claims.erase("exp");
  ExpectRefused(PresentAssertion(Sign(claims)), "exp_missing");
}

TEST_F(ClientAssertionTest, ExpTooFarInTheFutureIsRefused) {
  Json claims = Claims();
  claims["exp"] = absl::ToUnixSeconds(kNow + absl::Minutes(6));
  ExpectRefused(PresentAssertion(Sign(claims)), "exp is too far");
  claims = Claims();
  claims["exp"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  EXPECT_TRUE(PresentAssertion(Sign(claims)).ok());
}

TEST_F(ClientAssertionTest, NotYetValidOrIssuedInTheFutureIsRefused) {
  Json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Seconds(31));
  ExpectRefused(PresentAssertion(Sign(claims)), "not_yet_valid");
  claims = Claims();
  claims["iat"] = absl::ToUnixSeconds(kNow + absl::Seconds(31));
  ExpectRefused(PresentAssertion(Sign(claims)), "issued_in_future");
}

// RFC 7523 §3 item 7: the server may require jti; this one does.
TEST_F(ClientAssertionTest, AssertionWithoutJtiIsRefused) {
  Json claims = Claims();
  claims.erase("jti");
  ExpectRefused(PresentAssertion(Sign(claims)), "jti");
  claims["jti"] = "";
  ExpectRefused(PresentAssertion(Sign(claims)), "jti");
  claims["jti"] = std::string(257, 'j');
  ExpectRefused(PresentAssertion(Sign(claims)), "jti");
}

TEST_F(ClientAssertionTest, ReplayedJtiIsRefusedUntilItExpires) {
  const std::string assertion = Sign(Claims());
  ASSERT_TRUE(PresentAssertion(assertion).ok());
  ExpectRefused(PresentAssertion(assertion), "already used");
  // A new assertion with the same jti is the same id.
  Json again = Claims();
  again["jti"] = "jti-1";
  ExpectRefused(PresentAssertion(Sign(again)), "already used");
}

TEST_F(ClientAssertionTest, RefusedAssertionsAreNotRecorded) {
  Json claims = Claims();
  claims["aud"] = "https://other.example";
  const std::string jti = claims["jti"];
  ExpectRefused(PresentAssertion(Sign(claims)));
  // Same jti, now right: a first use (the failed one stored nothing).
  claims["aud"] = kIssuer;
  EXPECT_TRUE(PresentAssertion(Sign(claims)).ok());
}

TEST_F(ClientAssertionTest, UnknownKidIsRefused) {
  Jwk other = *Jwk::Generate(Algorithm::kES256, "k2");
  ExpectRefused(PresentAssertion(Sign(Claims(), other)), "kid_unknown");
}

TEST_F(ClientAssertionTest, SignatureByAnotherKeyIsRefused) {
  Jwk impostor = *Jwk::Generate(Algorithm::kES256, "k1");  // Same kid.
  ExpectRefused(PresentAssertion(Sign(Claims(), impostor)),
                "signature_invalid");
}

// RFC 8725 §3.1, RFC 7518 §3.6: never "none".
TEST_F(ClientAssertionTest, AlgNoneIsRefused) {
  const std::string header = jwt::Base64UrlEncode(R"({"alg":"none"})");
  const std::string payload = jwt::Base64UrlEncode(jwt::DumpJson(Claims()));
  ExpectRefused(PresentAssertion(absl::StrCat(header, ".", payload, ".")),
                "alg_none");
}

// HMAC keyed with anything the attacker knows (the public key's bytes: alg
// confusion) is refused before any key is looked at.
TEST_F(ClientAssertionTest, HmacIsRefused) {
  Jwk hmac = *Jwk::Parse(
      R"({"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI",)"
      R"("alg":"HS256","kid":"k1"})");
  ExpectRefused(PresentAssertion(Sign(Claims(), hmac)), "alg_not_allowed");
}

TEST_F(ClientAssertionTest, MalformedOrOversizedAssertionIsRefused) {
  ExpectRefused(PresentAssertion("not.a.jwt"));
  ExpectRefused(PresentAssertion("a.b"));
  ExpectRefused(PresentAssertion(""));
  Json claims = Claims();
  claims["pad"] = std::string(kMaxClientAssertionSize, 'x');
  ExpectRefused(PresentAssertion(Sign(claims)), "token_too_large");
}

// RFC 7523 §2.2 with OIDC Dynamic Client Registration §2: one method per
// client.
TEST_F(ClientAssertionTest, SecretFromPrivateKeyJwtClientIsRefused) {
  ExpectRefused(authenticator_.Authenticate("svc", "anything"),
                "client authentication failed");
  ExpectRefused(authenticator_.AuthenticatePublicOrConfidential("svc", ""));
}

TEST_F(ClientAssertionTest, AssertionFromSecretClientIsRefused) {
  ExpectRefused(PresentAssertion(Sign(Claims("secret-client"))),
                "client authentication failed");
  EXPECT_TRUE(authenticator_.Authenticate("secret-client", "s3cret").ok());
}

// RFC 6749 §2.3: one authentication method per request.
TEST_F(ClientAssertionTest, AssertionWithSecretOrBasicIsInvalidRequest) {
  const std::string assertion = Sign(Claims());
  auto both = ResolveClientCredentials(
      {"", std::nullopt, "s3cret", kJwtBearerAssertionType, assertion});
  EXPECT_EQ(OAuthErrorCodeOf(both.status()), "invalid_request");
  auto basic =
      ResolveClientCredentials({"Basic c3ZjOng=", std::nullopt, std::nullopt,
                                kJwtBearerAssertionType, assertion});
  EXPECT_EQ(OAuthErrorCodeOf(basic.status()), "invalid_request");
}

// RFC 7521 §4.2: both parameters, and the JWT type.
TEST_F(ClientAssertionTest, AssertionTypeIsRequiredAndMustBeJwtBearer) {
  const std::string assertion = Sign(Claims());
  auto untyped = ResolveClientCredentials(
      {"", std::nullopt, std::nullopt, std::nullopt, assertion});
  EXPECT_EQ(OAuthErrorCodeOf(untyped.status()), "invalid_request");
  auto empty = ResolveClientCredentials(
      {"", std::nullopt, std::nullopt, kJwtBearerAssertionType, std::nullopt});
  EXPECT_EQ(OAuthErrorCodeOf(empty.status()), "invalid_request");
  auto saml = ResolveClientCredentials(
      {"", std::nullopt, std::nullopt,
       "urn:ietf:params:oauth:client-assertion-type:saml2-bearer", assertion});
  EXPECT_EQ(OAuthErrorCodeOf(saml.status()), "invalid_client");
}

TEST_F(ClientAssertionTest, WithoutAVerifierEveryAssertionIsRefused) {
  ClientAuthenticator plain{&store_, &hasher_};
  auto client = plain.Authenticate("svc", "", "", Sign(Claims()));
  ExpectRefused(client);
}

TEST_F(ClientAssertionTest, EveryAsymmetricAlgorithmIsAccepted) {
  for (Algorithm alg : {Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES384,
                        Algorithm::kEdDSA}) {
    Jwk key = *Jwk::Generate(alg, "k-" + std::string(jwt::AlgorithmName(alg)));
    storage::ClientRecord client = *store_.GetClient("svc");
    client.jwks = JwksOf({&key_, &key});
    ASSERT_TRUE(store_.UpdateClient(client).ok());
    EXPECT_TRUE(PresentAssertion(Sign(Claims(), key)).ok())
        << jwt::AlgorithmName(alg);
  }
}

// --- The registered key set (client_jwks.h) -------------------------------

TEST(ClientJwksTest, PublicAsymmetricKeysAreAccepted) {
  Jwk ec = *Jwk::Generate(Algorithm::kES256, "a");
  Jwk ed = *Jwk::Generate(Algorithm::kEdDSA, "b");
  auto canonical = CanonicalClientJwks(JwksOf({&ec, &ed}));
  ASSERT_TRUE(canonical.ok()) << canonical.status();
  EXPECT_EQ(ParseClientJwks(*canonical)->keys().size(), 2u);
}

TEST(ClientJwksTest, PrivateOrSymmetricKeysAreRefused) {
  Jwk ec = *Jwk::Generate(Algorithm::kES256, "a");
  const std::string with_private =
      jwt::DumpJson(Json{{"keys", Json::array({ec.ToPrivateJson()})}});
  EXPECT_EQ(OAuthErrorCodeOf(ParseClientJwks(with_private).status()),
            "invalid_request");
  EXPECT_FALSE(
      ParseClientJwks(
          R"({"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0","kid":"s"}]})")
          .ok());
}

TEST(ClientJwksTest, MalformedDuplicateOrTooManyKeysAreRefused) {
  Jwk a = *Jwk::Generate(Algorithm::kES256, "a");
  Jwk a2 = *Jwk::Generate(Algorithm::kES256, "a");
  EXPECT_FALSE(ParseClientJwks(JwksOf({&a, &a2})).ok());  // Duplicate kid.
  EXPECT_FALSE(ParseClientJwks("{\"keys\":[]}").ok());
  EXPECT_FALSE(ParseClientJwks("{\"keys\":{}}").ok());
  EXPECT_FALSE(ParseClientJwks("[]").ok());
  EXPECT_FALSE(ParseClientJwks("{\"keys\":[1]}").ok());
  std::vector<Jwk> many;
  std::vector<const Jwk*> pointers;
  for (size_t i = 0; i <= kMaxClientJwksKeys; ++i) {
    many.push_back(*Jwk::Generate(Algorithm::kEdDSA, absl::StrCat("k", i)));
  }
  for (const Jwk& key : many) pointers.push_back(&key);
  EXPECT_FALSE(ParseClientJwks(JwksOf(pointers)).ok());
  pointers.pop_back();
  EXPECT_TRUE(ParseClientJwks(JwksOf(pointers)).ok());
  EXPECT_FALSE(ParseClientJwks(std::string(kMaxClientJwksSize + 1, ' ')).ok());
}

TEST(ClientJwksTest, KeysForOtherUsesOrAlgorithmsAreRefused) {
  Jwk a = *Jwk::Generate(Algorithm::kES256, "a");
  Json enc = a.ToPublicJson();
  enc["use"] = "enc";
  EXPECT_FALSE(ParseClientJwks(jwt::DumpJson(Json{{"keys", {enc}}})).ok());
  Jwk b = *Jwk::Generate(Algorithm::kES256, "");
  Json no_kid = b.ToPublicJson();
  no_kid.erase("kid");
  EXPECT_TRUE(ParseClientJwks(jwt::DumpJson(Json{{"keys", {no_kid}}})).ok());
  EXPECT_FALSE(
      ParseClientJwks(jwt::DumpJson(Json{{"keys", {no_kid, a.ToPublicJson()}}}))
          .ok());
}

// --- Registration (client_registry.h) ------------------------------------

class ClientRegistrationTest : public ::testing::Test {
 protected:
  storage::MemoryStore store_;
  jwt::FakeClock clock_{kNow};
  ClientSecretHasher hasher_ =
      *ClientSecretHasher::Create(std::string(32, 'h'));
  ClientRegistry registry_{
      &store_, &hasher_, &clock_, SystemRandom(), {"ES256"}};
  Jwk key_ = *Jwk::Generate(Algorithm::kES256, "k1");
};

TEST_F(ClientRegistrationTest, PrivateKeyJwtClientGetsNoSecret) {
  ClientSpec spec;
  spec.client_id = "svc";
  spec.token_endpoint_auth_method = "private_key_jwt";
  spec.jwks = JwksOf({&key_});
  auto created = registry_.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->client_secret.empty());
  EXPECT_TRUE(created->client.secret_hash.empty());
  EXPECT_EQ(created->client.token_endpoint_auth_method, "private_key_jwt");
  EXPECT_EQ(ParseClientJwks(created->client.jwks)->keys().size(), 1u);
}

TEST_F(ClientRegistrationTest, PrivateKeyJwtNeedsJwksAndOnlyItHasThem) {
  ClientSpec spec;
  spec.client_id = "svc";
  spec.token_endpoint_auth_method = "private_key_jwt";
  EXPECT_EQ(OAuthErrorCodeOf(registry_.Create(spec).status()),
            "invalid_request");
  spec.token_endpoint_auth_method = "client_secret_basic";
  spec.jwks = JwksOf({&key_});
  EXPECT_EQ(OAuthErrorCodeOf(registry_.Create(spec).status()),
            "invalid_request");
}

TEST_F(ClientRegistrationTest, MethodNoneIsForPublicClientsOnly) {
  ClientSpec spec;
  spec.client_id = "c";
  spec.token_endpoint_auth_method = "none";
  EXPECT_FALSE(registry_.Create(spec).ok());
  spec.token_endpoint_auth_method = "client_secret_jwt";  // Not offered.
  EXPECT_FALSE(registry_.Create(spec).ok());
  spec.token_endpoint_auth_method = "";
  auto created = registry_.Create(spec);
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->client.token_endpoint_auth_method, "client_secret_basic");
  EXPECT_FALSE(created->client_secret.empty());
}

TEST_F(ClientRegistrationTest, UpdateReplacesTheKeys) {
  ClientSpec spec;
  spec.client_id = "svc";
  spec.token_endpoint_auth_method = "private_key_jwt";
  spec.jwks = JwksOf({&key_});
  ASSERT_TRUE(registry_.Create(spec).ok());
  Jwk next = *Jwk::Generate(Algorithm::kEdDSA, "k2");
  ClientSpec update;
  update.client_id = "svc";
  update.jwks = JwksOf({&key_, &next});
  auto updated = registry_.Update(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(ParseClientJwks(updated->jwks)->keys().size(), 2u);
  update.jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}";
  EXPECT_FALSE(registry_.Update(update).ok());
}

// An update that leaves the keys out keeps them (narrowing a client's
// scopes must not need its key set sent again).
TEST_F(ClientRegistrationTest, UpdateWithoutKeysKeepsThem) {
  ClientSpec spec;
  spec.client_id = "svc";
  spec.token_endpoint_auth_method = "private_key_jwt";
  spec.jwks = JwksOf({&key_});
  ASSERT_TRUE(registry_.Create(spec).ok());
  ClientSpec update;
  update.client_id = "svc";
  update.name = "narrowed";
  auto updated = registry_.Update(update);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(ParseClientJwks(updated->jwks)->keys().size(), 1u);
  update.jwks = "";
  EXPECT_FALSE(registry_.Update(update).ok());  // Emptied: refused.
}

}  // namespace
}  // namespace identity::server
