#include "storage/testing/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/mutex.h"

namespace identity::storage::testing {
namespace {

// Whole microseconds: what both backends keep.
const absl::Time kT0 = absl::FromUnixMicros(1'800'000'000'123'456);
const absl::Duration kMicro = absl::Microseconds(1);

ClientRecord Client(const std::string& id) {
  ClientRecord c;
  c.client_id = id;
  c.name = "Client " + id + " — é";
  c.allowed_scopes = {"orders.read", "orders.write"};
  c.secret_hash = "v1:hash-of-" + id;
  c.grant_types = {"client_credentials"};
  c.created_at = kT0;
  c.updated_at = kT0;
  return c;
}

// A browser app: no secret, PKCE, codes and refresh tokens.
ClientRecord PublicClient(const std::string& id) {
  ClientRecord c = Client(id);
  c.secret_hash.clear();
  c.redirect_uris = {"https://app.example/callback",
                     "http://127.0.0.1:8080/cb?x=1"};
  c.grant_types = {"authorization_code", "refresh_token"};
  c.public_client = true;
  c.post_logout_redirect_uris = {"https://app.example/bye",
                                 "http://127.0.0.1:8080/out?x=1"};
  return c;
}

UserRecord User(const std::string& id, const std::string& username) {
  UserRecord u;
  u.user_id = id;
  u.username = username;
  u.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA";
  u.name = "Zoë " + username;
  u.email = username + "@example.com";
  u.email_verified = true;
  u.disabled = false;
  u.created_at = kT0;
  u.updated_at = kT0;
  u.claims_updated_at = kT0;
  return u;
}

// Every standard claim set, with characters a careless store would mangle.
StandardClaims AllClaims(const std::string& tag) {
  StandardClaims c;
  c.given_name = "Zoë " + tag;
  c.family_name = "O'Brien-\u00e9";
  c.middle_name = "Ünal";
  c.nickname = "z; DROP TABLE users";
  c.profile = "https://example.com/" + tag;
  c.picture = "https://example.com/p.png?s=1&t=2";
  c.website = "http://zoe.example";
  c.gender = "non-binary";
  c.birthdate = "0000-02-29";
  c.zoneinfo = "America/Argentina/Buenos_Aires";
  c.locale = "fr-CA";
  c.phone_number = "+15555550100;ext=42";
  c.phone_number_verified = true;
  c.address.formatted = "1 Main St\r\nSpringfield";
  c.address.street_address = "1 Main St\nApt 2";
  c.address.locality = "Springfield";
  c.address.region = "IL";
  c.address.postal_code = "62701";
  c.address.country = "US";
  return c;
}

AuthorizationCodeRecord Code(const std::string& hash) {
  AuthorizationCodeRecord code;
  code.code_hash = hash;
  code.grant_id = "grant-" + hash;
  code.client_id = "app";
  code.user_id = "u1";
  code.redirect_uri = "https://app.example/callback";
  code.scope = "openid profile";
  code.nonce = "n-0S6_WzA2Mj";
  code.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  code.code_challenge_method = "S256";
  code.auth_time = kT0 - absl::Minutes(1);
  code.expires_at = kT0 + absl::Minutes(1);
  code.sid = "sid-" + hash;
  return code;
}

RefreshTokenRecord Refresh(const std::string& hash,
                           const std::string& family = "family-1") {
  RefreshTokenRecord token;
  token.token_hash = hash;
  token.family_id = family;
  token.client_id = "app";
  token.user_id = "u1";
  token.scope = "openid offline_access";
  token.auth_time = kT0 - absl::Hours(1);
  token.created_at = kT0 - absl::Minutes(1);
  token.idle_expires_at = kT0 + absl::Hours(1);
  token.absolute_expires_at = kT0 + absl::Hours(24);
  token.sid = "sid-" + family;
  return token;
}

// What a rotation at `now` stores in place of a token of `family`.
RefreshTokenRecord Replacement(const std::string& hash, absl::Time now,
                               const std::string& family = "family-1") {
  RefreshTokenRecord token = Refresh(hash, family);
  token.created_at = now;
  token.idle_expires_at = now + absl::Hours(1);
  return token;
}

SigningKeyRecord Key(const std::string& kid, absl::Time created,
                     const std::string& alg = "ES256") {
  SigningKeyRecord key;
  key.kid = kid;
  key.alg = alg;
  key.public_jwk = R"({"kty":"EC","kid":")" + kid + R"("})";
  key.sealed_private_jwk = std::string("\x01\x00sealed\xff", 9) + kid;
  key.created_at = created;
  return key;
}

const SigningKeyRecord* Find(const std::vector<SigningKeyRecord>& keys,
                             const std::string& kid) {
  for (const auto& key : keys) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  stores_ = GetParam()();
  ASSERT_NE(stores_.clients, nullptr);
  ASSERT_NE(stores_.revocations, nullptr);
  ASSERT_NE(stores_.keys, nullptr);
  ASSERT_NE(stores_.users, nullptr);
  ASSERT_NE(stores_.grants, nullptr);
  ASSERT_NE(stores_.login_attempts, nullptr);
}

TEST_P(StoreConformanceTest, CreatedClientReadsBackUnchanged) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  auto got = stores_.clients->GetClient("a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Client("a"));
}

TEST_P(StoreConformanceTest, ClientWithoutScopesReadsBackEmpty) {
  ClientRecord c = Client("a");
  c.allowed_scopes.clear();
  ASSERT_TRUE(stores_.clients->CreateClient(c).ok());
  EXPECT_TRUE(stores_.clients->GetClient("a")->allowed_scopes.empty());
}

TEST_P(StoreConformanceTest, DuplicateClientIdIsAlreadyExists) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ClientRecord other = Client("a");
  other.name = "impostor";
  EXPECT_EQ(stores_.clients->CreateClient(other).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores_.clients->GetClient("a")->name, Client("a").name);
}

TEST_P(StoreConformanceTest, MissingClientIsNotFound) {
  EXPECT_EQ(stores_.clients->GetClient("nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.clients->UpdateClient(Client("nobody")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.clients->DeleteClient("nobody").code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, UpdateReplacesTheMutableFieldsOnly) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ClientRecord changed = Client("a");
  changed.name = "renamed";
  changed.allowed_scopes = {"x"};
  changed.redirect_uris = {"https://new.example/cb"};
  changed.grant_types = {"authorization_code", "refresh_token"};
  changed.pkce_optional = true;
  changed.id_token_signed_response_alg = "RS256";
  changed.require_pushed_authorization_requests = true;
  changed.third_party = true;
  changed.updated_at = kT0 + absl::Seconds(5);
  changed.secret_hash = "v1:must-not-change";
  changed.public_client = true;  // Must not change either.
  changed.created_at = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.clients->UpdateClient(changed).ok());
  ClientRecord expected = Client("a");
  expected.name = "renamed";
  expected.allowed_scopes = {"x"};
  expected.redirect_uris = {"https://new.example/cb"};
  expected.grant_types = {"authorization_code", "refresh_token"};
  expected.pkce_optional = true;
  expected.id_token_signed_response_alg = "RS256";
  expected.require_pushed_authorization_requests = true;
  expected.third_party = true;
  expected.updated_at = kT0 + absl::Seconds(5);
  EXPECT_EQ(*stores_.clients->GetClient("a"), expected);
  // And back to none.
  changed.redirect_uris.clear();
  changed.grant_types.clear();
  changed.pkce_optional = false;
  changed.id_token_signed_response_alg.clear();
  changed.require_pushed_authorization_requests = false;
  changed.third_party = false;
  ASSERT_TRUE(stores_.clients->UpdateClient(changed).ok());
  expected.redirect_uris.clear();
  expected.grant_types.clear();
  expected.pkce_optional = false;
  expected.id_token_signed_response_alg.clear();
  expected.require_pushed_authorization_requests = false;
  expected.third_party = false;
  EXPECT_EQ(*stores_.clients->GetClient("a"), expected);
}

// RFC 9449 §10.2: dpop_bound_access_tokens is stored on create and
// replaced by an update, both ways.
TEST_P(StoreConformanceTest, ClientDpopRequirementIsStoredAndUpdated) {
  ClientRecord client = Client("d");
  client.dpop_bound_access_tokens = true;
  ASSERT_TRUE(stores_.clients->CreateClient(client).ok());
  EXPECT_EQ(*stores_.clients->GetClient("d"), client);
  client.dpop_bound_access_tokens = false;
  ASSERT_TRUE(stores_.clients->UpdateClient(client).ok());
  EXPECT_FALSE(stores_.clients->GetClient("d")->dpop_bound_access_tokens);
  client.dpop_bound_access_tokens = true;
  ASSERT_TRUE(stores_.clients->UpdateClient(client).ok());
  EXPECT_TRUE(stores_.clients->GetClient("d")->dpop_bound_access_tokens);
}

// RFC 8693: a client's token exchange policy is stored on create, replaced
// on update (lists in order), and cleared back to all-off.
TEST_P(StoreConformanceTest, TokenExchangePolicyReadsBackAsWritten) {
  ClientRecord client = Client("exchanger");
  client.token_exchange.delegation = true;
  client.token_exchange.audiences = {"billing-api", "https://ledger.example"};
  ASSERT_TRUE(stores_.clients->CreateClient(client).ok());
  EXPECT_EQ(*stores_.clients->GetClient("exchanger"), client);
  client.token_exchange.delegation = false;
  client.token_exchange.impersonation = true;
  client.token_exchange.audiences = {"https://ledger.example", "a"};
  ASSERT_TRUE(stores_.clients->UpdateClient(client).ok());
  EXPECT_EQ(stores_.clients->GetClient("exchanger")->token_exchange,
            client.token_exchange);
  client.token_exchange = {};
  ASSERT_TRUE(stores_.clients->UpdateClient(client).ok());
  EXPECT_EQ(stores_.clients->GetClient("exchanger")->token_exchange,
            TokenExchangePolicy{});
}

TEST_P(StoreConformanceTest, PublicClientReadsBackUnchanged) {
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("spa")).ok());
  auto got = stores_.clients->GetClient("spa");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, PublicClient("spa"));
  EXPECT_TRUE(got->public_client);
  EXPECT_TRUE(got->secret_hash.empty());
  auto listed = stores_.clients->ListClients("", 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0], PublicClient("spa"));
}

TEST_P(StoreConformanceTest, ClientCredentialsClientReadsBackAsBefore) {
  // The shape of every client stored before redirect URIs and grant types.
  ClientRecord c = Client("svc");
  ASSERT_TRUE(stores_.clients->CreateClient(c).ok());
  auto got = stores_.clients->GetClient("svc");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, c);
  EXPECT_EQ(got->grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_TRUE(got->redirect_uris.empty());
  EXPECT_FALSE(got->public_client);
  EXPECT_FALSE(got->pkce_optional);  // PKCE stays required unless set.
  EXPECT_TRUE(got->id_token_signed_response_alg.empty());    // The default.
  EXPECT_FALSE(got->require_pushed_authorization_requests);  // PAR optional.
  // A record with none of the new fields set reads back with none.
  ClientRecord bare = Client("bare");
  bare.grant_types.clear();
  ASSERT_TRUE(stores_.clients->CreateClient(bare).ok());
  EXPECT_EQ(*stores_.clients->GetClient("bare"), bare);
}

TEST_P(StoreConformanceTest, DeleteRemoves) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ASSERT_TRUE(stores_.clients->DeleteClient("a").ok());
  EXPECT_EQ(stores_.clients->GetClient("a").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
}

TEST_P(StoreConformanceTest, ListPagesInClientIdOrder) {
  for (const char* id : {"c", "a", "e", "b", "d"}) {
    ASSERT_TRUE(stores_.clients->CreateClient(Client(id)).ok());
  }
  auto first = stores_.clients->ListClients("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].client_id, "a");
  EXPECT_EQ((*first)[1].client_id, "b");
  auto rest = stores_.clients->ListClients("b", 10);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[2].client_id, "e");
  EXPECT_TRUE(stores_.clients->ListClients("e", 10)->empty());
}

ResourceRecord Resource(const std::string& indicator) {
  ResourceRecord r;
  r.resource = indicator;
  r.name = "Orders API — é";
  r.scopes = {"orders.read", "orders.write"};
  r.created_at = kT0;
  r.updated_at = kT0;
  return r;
}

TEST_P(StoreConformanceTest, CreatedResourceReadsBackUnchanged) {
  const ResourceRecord r = Resource("https://orders.example/api?v=1");
  ASSERT_TRUE(stores_.resources->CreateResource(r).ok());
  auto got = stores_.resources->GetResource(r.resource);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, r);
  EXPECT_EQ(stores_.resources->CreateResource(r).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores_.resources->GetResource("https://orders.example/API?v=1")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ResourceUpdateReplacesNameAndScopesOnly) {
  ASSERT_TRUE(stores_.resources->CreateResource(Resource("urn:a")).ok());
  ResourceRecord changed = Resource("urn:a");
  changed.name = "renamed";
  changed.scopes = {"a.x"};
  changed.created_at = kT0 + absl::Hours(1);  // Not replaced.
  changed.updated_at = kT0 + kMicro;
  ASSERT_TRUE(stores_.resources->UpdateResource(changed).ok());
  ResourceRecord expected = changed;
  expected.created_at = kT0;
  EXPECT_EQ(*stores_.resources->GetResource("urn:a"), expected);
  EXPECT_EQ(stores_.resources->UpdateResource(Resource("urn:none")).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ResourcesDeleteAndPageInIndicatorOrder) {
  for (const char* id : {"urn:c", "urn:a", "urn:e", "urn:b", "urn:d"}) {
    ASSERT_TRUE(stores_.resources->CreateResource(Resource(id)).ok());
  }
  auto first = stores_.resources->ListResources("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].resource, "urn:a");
  EXPECT_EQ((*first)[1].resource, "urn:b");
  ASSERT_TRUE(stores_.resources->DeleteResource("urn:d").ok());
  auto rest = stores_.resources->ListResources("urn:b", 10);
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[1].resource, "urn:e");
  EXPECT_EQ(stores_.resources->DeleteResource("urn:d").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.resources->GetResource("urn:d").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneIdHaveOneWinner) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, exists{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ClientRecord c = Client("race");
      c.name = absl::StrCat("writer ", i);
      const absl::Status s = stores_.clients->CreateClient(c);
      (s.ok() ? created : exists)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

TEST_P(StoreConformanceTest, RevocationIsRecordedAndPurgedAfterExpiry) {
  EXPECT_FALSE(*stores_.revocations->IsRevoked("jti-1"));
  ASSERT_TRUE(stores_.revocations->Revoke("jti-1", kT0).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("jti-2", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*stores_.revocations->IsRevoked("jti-1"));
  EXPECT_EQ(*stores_.revocations->PurgeExpired(kT0 + absl::Seconds(1)), 1);
  EXPECT_FALSE(*stores_.revocations->IsRevoked("jti-1"));
  EXPECT_TRUE(*stores_.revocations->IsRevoked("jti-2"));
}

TEST_P(StoreConformanceTest, ListsTheRevocationsNotYetExpired) {
  EXPECT_TRUE(stores_.revocations->ListRevoked(kT0)->empty());
  ASSERT_TRUE(stores_.revocations->Revoke("old", kT0).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("new", kT0 + absl::Hours(1)).ok());
  auto at_t0 = stores_.revocations->ListRevoked(kT0);
  ASSERT_TRUE(at_t0.ok()) << at_t0.status();
  std::sort(at_t0->begin(), at_t0->end());
  EXPECT_EQ(*at_t0, (std::vector<std::string>{"new", "old"}));  // >= now.
  EXPECT_EQ(*stores_.revocations->ListRevoked(kT0 + absl::Seconds(1)),
            std::vector<std::string>{"new"});
  EXPECT_TRUE(stores_.revocations->ListRevoked(kT0 + absl::Hours(2))->empty());
}

TEST_P(StoreConformanceTest, RevokingTwiceKeepsTheLaterExpiry) {
  ASSERT_TRUE(stores_.revocations->Revoke("j", kT0 + absl::Hours(2)).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("j", kT0).ok());
  EXPECT_EQ(*stores_.revocations->PurgeExpired(kT0 + absl::Hours(1)), 0);
  EXPECT_TRUE(*stores_.revocations->IsRevoked("j"));
}

// storage/replay_store.h: an id is used once until it expires.
TEST_P(StoreConformanceTest, ReplayClaimIsFirstUseOnceUntilExpiry) {
  ReplayStore& r = *stores_.replays;
  const absl::Time exp = kT0 + absl::Minutes(5);
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h1", exp, kT0),
            ReplayClaim::kFirstUse);
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h1", exp, kT0 + absl::Minutes(1)),
            ReplayClaim::kReplay);
  // Still a replay at the expiry itself; not after.
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h1", exp + absl::Hours(1), exp),
            ReplayClaim::kReplay);
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h1", exp + absl::Hours(1),
                         exp + kMicro),
            ReplayClaim::kFirstUse);
  // The replacement keeps its own, later expiry.
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h1", exp + absl::Hours(2),
                         exp + absl::Minutes(30)),
            ReplayClaim::kReplay);
}

TEST_P(StoreConformanceTest, ReplayKindsAreSeparateNamespaces) {
  ReplayStore& r = *stores_.replays;
  const absl::Time exp = kT0 + absl::Minutes(5);
  EXPECT_EQ(*r.ClaimOnce("client_assertion", "h", exp, kT0),
            ReplayClaim::kFirstUse);
  EXPECT_EQ(*r.ClaimOnce("dpop", "h", exp, kT0), ReplayClaim::kFirstUse);
  EXPECT_EQ(*r.ClaimOnce("dpop", "other", exp, kT0), ReplayClaim::kFirstUse);
  EXPECT_EQ(*r.ClaimOnce("dpop", "h", exp, kT0), ReplayClaim::kReplay);
}

TEST_P(StoreConformanceTest, ExpiredReplayClaimsArePurged) {
  ReplayStore& r = *stores_.replays;
  ASSERT_TRUE(r.ClaimOnce("k", "old", kT0, kT0 - absl::Minutes(1)).ok());
  ASSERT_TRUE(r.ClaimOnce("k", "new", kT0 + absl::Hours(1), kT0).ok());
  EXPECT_EQ(*r.PurgeExpiredClaims(kT0), 0);  // Expiry not yet passed.
  EXPECT_EQ(*r.PurgeExpiredClaims(kT0 + kMicro), 1);
  EXPECT_EQ(*r.PurgeExpiredClaims(kT0 + kMicro), 0);
  EXPECT_EQ(*r.ClaimOnce("k", "new", kT0 + absl::Hours(1), kT0 + kMicro),
            ReplayClaim::kReplay);
}

TEST_P(StoreConformanceTest, ConcurrentClaimsOfOneIdHaveOneWinner) {
  constexpr int kCallers = 16;
  std::atomic<int> first_uses{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    threads.emplace_back([&] {
      auto claim = stores_.replays->ClaimOnce("client_assertion", "race",
                                              kT0 + absl::Minutes(5), kT0);
      if (claim.ok() && *claim == ReplayClaim::kFirstUse) ++first_uses;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(first_uses.load(), 1);
}

TEST_P(StoreConformanceTest, ClientAuthMethodAndJwksReadBack) {
  ClientRecord c = Client("pk");
  c.secret_hash.clear();
  c.token_endpoint_auth_method = "private_key_jwt";
  c.jwks = R"({"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc","kid":"k1"}]})";
  ASSERT_TRUE(stores_.clients->CreateClient(c).ok());
  EXPECT_EQ(*stores_.clients->GetClient("pk"), c);
  // Update replaces the keys, never the method.
  ClientRecord changed = c;
  changed.jwks = R"({"keys":[]})";
  changed.token_endpoint_auth_method = "client_secret_basic";
  ASSERT_TRUE(stores_.clients->UpdateClient(changed).ok());
  ClientRecord expected = c;
  expected.jwks = R"({"keys":[]})";
  EXPECT_EQ(*stores_.clients->GetClient("pk"), expected);
}

TEST_P(StoreConformanceTest, SigningKeysInitializeOnce) {
  EXPECT_TRUE(stores_.keys->ListSigningKeys()->empty());
  SigningKeyRecord current = Key("k1", kT0);
  current.activated_at = kT0;
  ASSERT_TRUE(
      stores_.keys
          ->InitializeSigningKeys(current, Key("k2", kT0 + absl::Seconds(1)))
          .ok());
  auto keys = stores_.keys->ListSigningKeys();
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "k2");  // Newest first.
  SigningKeyRecord expected_current = current;
  expected_current.state = KeyState::kCurrent;
  EXPECT_EQ(*Find(*keys, "k1"), expected_current);
  EXPECT_EQ(Find(*keys, "k2")->state, KeyState::kNext);
  EXPECT_EQ(Find(*keys, "k2")->sealed_private_jwk,
            Key("k2", kT0).sealed_private_jwk);
  EXPECT_EQ(stores_.keys->InitializeSigningKeys(Key("k3", kT0), Key("k4", kT0))
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(stores_.keys->ListSigningKeys()->size(), 2u);
}

// Several algorithms at once (OIDC Core §15.1 wants RS256 for ID tokens
// beside another algorithm): one CURRENT and one NEXT key per algorithm.
TEST_P(StoreConformanceTest, EachAlgorithmInitializesOnce) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("e1", kT0), Key("e2", kT0)).ok());
  ASSERT_TRUE(stores_.keys
                  ->InitializeSigningKeys(Key("r1", kT0, "RS256"),
                                          Key("r2", kT0, "RS256"))
                  .ok());
  EXPECT_EQ(stores_.keys
                ->InitializeSigningKeys(Key("r3", kT0, "RS256"),
                                        Key("r4", kT0, "RS256"))
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(stores_.keys
                ->InitializeSigningKeys(Key("p1", kT0, "PS256"),
                                        Key("p2", kT0, "ES256"))
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(Find(keys, "e1")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "r1")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "r1")->alg, "RS256");
  EXPECT_EQ(Find(keys, "r2")->state, KeyState::kNext);
}

TEST_P(StoreConformanceTest, RotatingOneAlgorithmLeavesTheOthers) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("e1", kT0), Key("e2", kT0)).ok());
  ASSERT_TRUE(stores_.keys
                  ->InitializeSigningKeys(Key("r1", kT0, "RS256"),
                                          Key("r2", kT0, "RS256"))
                  .ok());
  const absl::Time now = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.keys
                  ->RotateSigningKeys("r1", "r2", Key("r3", now, "RS256"), now,
                                      now + absl::Minutes(10))
                  .ok());
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_EQ(Find(keys, "e1")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "e2")->state, KeyState::kNext);
  EXPECT_EQ(Find(keys, "r1")->state, KeyState::kRetired);
  EXPECT_EQ(Find(keys, "r2")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "r3")->state, KeyState::kNext);
}

// An algorithm removed from the configuration: its keys stop signing and
// stay published until remove_at, then go.
TEST_P(StoreConformanceTest, RetiringAnUnusedAlgorithmsKeys) {
  ASSERT_TRUE(stores_.keys
                  ->InitializeSigningKeys(Key("r1", kT0, "RS256"),
                                          Key("r2", kT0, "RS256"))
                  .ok());
  const absl::Time now = kT0 + absl::Hours(1);
  const absl::Time remove_at = now + absl::Minutes(10);
  ASSERT_TRUE(stores_.keys->RetireSigningKey("r1", now, remove_at).ok());
  ASSERT_TRUE(stores_.keys->RetireSigningKey("r2", now, remove_at).ok());
  EXPECT_EQ(stores_.keys->RetireSigningKey("r1", now, remove_at).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(stores_.keys->RetireSigningKey("nope", now, remove_at).code(),
            absl::StatusCode::kAborted);
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_EQ(keys.size(), 2u);
  for (const SigningKeyRecord& key : keys) {
    EXPECT_EQ(key.state, KeyState::kRetired) << key.kid;
    EXPECT_EQ(key.retired_at, now) << key.kid;
    EXPECT_EQ(key.remove_at, remove_at) << key.kid;
  }
  // The algorithm can come back: its retired keys are no obstacle.
  EXPECT_TRUE(stores_.keys
                  ->InitializeSigningKeys(Key("r3", now, "RS256"),
                                          Key("r4", now, "RS256"))
                  .ok());
  EXPECT_EQ(
      *stores_.keys->RemoveExpiredSigningKeys(remove_at + absl::Seconds(1)), 2);
  EXPECT_EQ(stores_.keys->ListSigningKeys()->size(), 2u);
}

TEST_P(StoreConformanceTest, RotationMovesEveryStateInOneStep) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  const absl::Time now = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.keys
                  ->RotateSigningKeys("k1", "k2", Key("k3", now), now,
                                      now + absl::Minutes(10))
                  .ok());
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(Find(keys, "k1")->state, KeyState::kRetired);
  EXPECT_EQ(Find(keys, "k1")->retired_at, now);
  EXPECT_EQ(Find(keys, "k1")->remove_at, now + absl::Minutes(10));
  EXPECT_EQ(Find(keys, "k2")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "k2")->activated_at, now);
  EXPECT_EQ(Find(keys, "k3")->state, KeyState::kNext);
  EXPECT_FALSE(Find(keys, "k3")->activated_at.has_value());
}

TEST_P(StoreConformanceTest, StaleRotationIsAbortedAndChangesNothing) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  EXPECT_EQ(
      stores_.keys->RotateSigningKeys("k2", "k1", Key("k3", kT0), kT0, kT0)
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(
      stores_.keys->RotateSigningKeys("nope", "k2", Key("k3", kT0), kT0, kT0)
          .code(),
      absl::StatusCode::kAborted);
  auto keys = *stores_.keys->ListSigningKeys();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(Find(keys, "k1")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "k2")->state, KeyState::kNext);
}

TEST_P(StoreConformanceTest, ConcurrentRotationsHaveOneWinner) {
  // Replicas whose timers fire together: exactly one rotation happens.
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  std::atomic<int> rotated{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const absl::Status s = stores_.keys->RotateSigningKeys(
          "k1", "k2", Key(absl::StrCat("new", i), kT0), kT0, kT0);
      if (s.ok()) {
        ++rotated;
      } else if (s.code() == absl::StatusCode::kAborted) {
        ++aborted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(aborted.load(), 3);
  EXPECT_EQ(stores_.keys->ListSigningKeys()->size(), 3u);
}

TEST_P(StoreConformanceTest, RetiredKeysAreRemovedAfterTheirTime) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  ASSERT_TRUE(stores_.keys
                  ->RotateSigningKeys("k1", "k2", Key("k3", kT0), kT0,
                                      kT0 + absl::Minutes(10))
                  .ok());
  EXPECT_EQ(*stores_.keys->RemoveExpiredSigningKeys(kT0 + absl::Minutes(5)), 0);
  EXPECT_EQ(*stores_.keys->RemoveExpiredSigningKeys(kT0 + absl::Minutes(11)),
            1);
  auto keys = *stores_.keys->ListSigningKeys();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(Find(keys, "k1"), nullptr);
}

// KEK rotation re-seals in place, compare-and-set, whatever else changes.
TEST_P(StoreConformanceTest, ResealReplacesTheSealedKeyOnlyIfUnchanged) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  const std::string old_sealed = Key("k1", kT0).sealed_private_jwk;
  const std::string resealed("\x02\x00resealed\xfe", 11);
  EXPECT_TRUE(stores_.keys->ResealSigningKey("k1", old_sealed, resealed).ok());
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_NE(Find(keys, "k1"), nullptr);
  EXPECT_EQ(Find(keys, "k1")->sealed_private_jwk, resealed);
  EXPECT_EQ(Find(keys, "k1")->state, KeyState::kCurrent);
  // A second replica that read the old value loses, and changes nothing.
  EXPECT_EQ(stores_.keys->ResealSigningKey("k1", old_sealed, "other").code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(Find(*stores_.keys->ListSigningKeys(), "k1")->sealed_private_jwk,
            resealed);
  EXPECT_EQ(stores_.keys->ResealSigningKey("nope", old_sealed, "x").code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, SealedSecretsAreCreatedOnceAndReadBack) {
  EXPECT_TRUE(stores_.keys->ListSealedSecrets()->empty());
  SealedSecretRecord b{"b-secret", std::string("\x02\x00b\xff", 4), kT0};
  SealedSecretRecord a{"a-secret", std::string("\x02\x01a\x00", 4),
                       kT0 + kMicro};
  ASSERT_TRUE(stores_.keys->CreateSealedSecret(b).ok());
  ASSERT_TRUE(stores_.keys->CreateSealedSecret(a).ok());
  SealedSecretRecord again = b;
  again.sealed = "other";
  EXPECT_EQ(stores_.keys->CreateSealedSecret(again).code(),
            absl::StatusCode::kAlreadyExists);
  auto secrets = stores_.keys->ListSealedSecrets();
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  ASSERT_EQ(secrets->size(), 2u);
  EXPECT_EQ((*secrets)[0], a);  // By name.
  EXPECT_EQ((*secrets)[1], b);
}

TEST_P(StoreConformanceTest, ResealSecretIsCompareAndSet) {
  SealedSecretRecord s{"s", "old", kT0};
  ASSERT_TRUE(stores_.keys->CreateSealedSecret(s).ok());
  EXPECT_TRUE(stores_.keys->ResealSecret("s", "old", "new").ok());
  EXPECT_EQ(stores_.keys->ResealSecret("s", "old", "newer").code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ((*stores_.keys->ListSealedSecrets())[0].sealed, "new");
  EXPECT_EQ(stores_.keys->ResealSecret("missing", "old", "new").code(),
            absl::StatusCode::kNotFound);
}

// --- Users -----------------------------------------------------------------

TEST_P(StoreConformanceTest, CreatedUserReadsBackUnchanged) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  auto by_id = stores_.users->GetUser("u1");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(*by_id, User("u1", "alice"));
  auto by_name = stores_.users->GetUserByUsername("alice");
  ASSERT_TRUE(by_name.ok()) << by_name.status();
  EXPECT_EQ(*by_name, User("u1", "alice"));
  UserRecord other = User("u2", "bob");
  other.email.clear();
  other.name.clear();
  other.email_verified = false;
  other.disabled = true;
  ASSERT_TRUE(stores_.users->CreateUser(other).ok());
  EXPECT_EQ(*stores_.users->GetUser("u2"), other);
}

TEST_P(StoreConformanceTest, UserWithEveryStandardClaimReadsBackUnchanged) {
  UserRecord user = User("u1", "alice");
  user.claims = AllClaims("alice");
  user.claims_updated_at = kT0 + absl::Microseconds(7);
  ASSERT_TRUE(stores_.users->CreateUser(user).ok());
  EXPECT_EQ(*stores_.users->GetUser("u1"), user);
  EXPECT_EQ(*stores_.users->GetUserByUsername("alice"), user);
  EXPECT_EQ(stores_.users->ListUsers("", 10)->at(0), user);
}

TEST_P(StoreConformanceTest, MissingUserIsNotFound) {
  EXPECT_EQ(stores_.users->GetUser("nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.users->GetUserByUsername("nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.users->UpdateUser(User("nobody", "x")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.users->SetPasswordHash("nobody", "$argon2id$x", kT0).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, TakenUserIdOrUsernameIsAlreadyExists) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  EXPECT_EQ(stores_.users->CreateUser(User("u1", "carol")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores_.users->CreateUser(User("u2", "alice")).code(),
            absl::StatusCode::kAlreadyExists);
  // Neither refused user left anything behind.
  EXPECT_EQ(stores_.users->GetUserByUsername("carol").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.users->GetUser("u2").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*stores_.users->GetUserByUsername("alice"), User("u1", "alice"));
  EXPECT_TRUE(stores_.users->CreateUser(User("u2", "carol")).ok());
}

TEST_P(StoreConformanceTest, UsernamesAreComparedExactly) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.users->CreateUser(User("u2", "Alice")).ok());
  EXPECT_EQ(stores_.users->GetUserByUsername("Alice")->user_id, "u2");
  EXPECT_EQ(stores_.users->GetUserByUsername("alice")->user_id, "u1");
  EXPECT_EQ(stores_.users->GetUserByUsername("ALICE").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.users->GetUserByUsername("alice ").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneUsernameHaveOneWinner) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, exists{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const absl::Status s =
          stores_.users->CreateUser(User(absl::StrCat("u", i), "race"));
      if (s.ok()) {
        ++created;
      } else if (s.code() == absl::StatusCode::kAlreadyExists) {
        ++exists;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), 7);
  EXPECT_EQ(stores_.users->ListUsers("", 100)->size(), 1u);
}

TEST_P(StoreConformanceTest, UpdateUserReplacesTheProfileOnly) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  UserRecord changed = User("u1", "alice");
  changed.name = "Alice Liddell";
  changed.email = "alice@wonderland.example";
  changed.email_verified = false;
  changed.claims = AllClaims("changed");
  changed.claims_updated_at = kT0 + absl::Seconds(4);
  changed.disabled = true;
  changed.updated_at = kT0 + absl::Seconds(5);
  changed.username = "must-not-change";
  changed.password_hash = "$argon2id$must-not-change";
  changed.created_at = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.users->UpdateUser(changed).ok());
  UserRecord expected = User("u1", "alice");
  expected.name = "Alice Liddell";
  expected.email = "alice@wonderland.example";
  expected.email_verified = false;
  expected.claims = AllClaims("changed");
  expected.claims_updated_at = kT0 + absl::Seconds(4);
  expected.disabled = true;
  expected.updated_at = kT0 + absl::Seconds(5);
  EXPECT_EQ(*stores_.users->GetUser("u1"), expected);
  EXPECT_EQ(*stores_.users->GetUserByUsername("alice"), expected);
  // And back to none: every claim can be cleared.
  expected.claims = StandardClaims();
  ASSERT_TRUE(stores_.users->UpdateUser(expected).ok());
  EXPECT_EQ(*stores_.users->GetUser("u1"), expected);
  EXPECT_EQ(stores_.users->GetUserByUsername("must-not-change").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, SetPasswordHashReplacesTheHashAndUpdatedAtOnly) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(
      stores_.users
          ->SetPasswordHash("u1", "$argon2id$v=19$new", kT0 + absl::Minutes(3))
          .ok());
  UserRecord expected = User("u1", "alice");
  expected.password_hash = "$argon2id$v=19$new";
  expected.updated_at = kT0 + absl::Minutes(3);
  EXPECT_EQ(*stores_.users->GetUser("u1"), expected);
}

TEST_P(StoreConformanceTest, ListUsersPagesInUserIdOrder) {
  EXPECT_TRUE(stores_.users->ListUsers("", 10)->empty());
  for (const char* id : {"c", "a", "e", "b", "d"}) {
    ASSERT_TRUE(
        stores_.users->CreateUser(User(id, absl::StrCat("n-", id))).ok());
  }
  auto first = stores_.users->ListUsers("", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0], User("a", "n-a"));
  EXPECT_EQ((*first)[1].user_id, "b");
  auto second = stores_.users->ListUsers("b", 2);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].user_id, "c");
  EXPECT_EQ((*second)[1].user_id, "d");
  auto rest = stores_.users->ListUsers("d", 10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ((*rest)[0].user_id, "e");
  EXPECT_TRUE(stores_.users->ListUsers("e", 10)->empty());
  EXPECT_TRUE(stores_.users->ListUsers("", 0)->empty());
}

// --- Authorization codes ---------------------------------------------------

TEST_P(StoreConformanceTest, CreatedCodeReadsBackUnchanged) {
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  auto got = stores_.grants->GetAuthorizationCode("c1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Code("c1"));
  EXPECT_FALSE(got->redeemed_at.has_value());
  // Empty optional parts (no nonce, plain PKCE) read back empty too.
  AuthorizationCodeRecord bare = Code("c2");
  bare.nonce.clear();
  bare.code_challenge_method = "plain";
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(bare).ok());
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c2"), bare);
}

TEST_P(StoreConformanceTest, CodeResourcesReadBackInOrder) {
  AuthorizationCodeRecord code = Code("c1");
  code.resources = {"https://orders.example/api", "urn:example:billing"};
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(code).ok());
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), code);
  auto redeemed = stores_.grants->RedeemAuthorizationCode(
      "c1", code.client_id, kT0, "jti-1", kT0 + absl::Minutes(10));
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  EXPECT_EQ(redeemed->resources, code.resources);
}

TEST_P(StoreConformanceTest, DuplicateCodeHashIsAlreadyExists) {
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  AuthorizationCodeRecord other = Code("c1");
  other.client_id = "impostor";
  EXPECT_EQ(stores_.grants->CreateAuthorizationCode(other).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), Code("c1"));
}

TEST_P(StoreConformanceTest, MissingCodeIsNotFound) {
  EXPECT_EQ(stores_.grants->GetAuthorizationCode("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("nope", "app", kT0, "at-1",
                                          kT0 + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CodeIsRedeemedOnce) {
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  auto redeemed = stores_.grants->RedeemAuthorizationCode(
      "c1", "app", kT0, "at-1", kT0 + absl::Hours(1));
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  AuthorizationCodeRecord expected = Code("c1");
  expected.redeemed_at = kT0;
  expected.access_token_jti = "at-1";
  expected.access_token_expires_at = kT0 + absl::Hours(1);
  EXPECT_EQ(*redeemed, expected);
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), expected);
  // A replay, by the same client, before expiry: refused, and what the first
  // redemption recorded stays.
  auto replay = stores_.grants->RedeemAuthorizationCode(
      "c1", "app", kT0 + absl::Seconds(1), "at-2", kT0 + absl::Hours(2));
  EXPECT_EQ(replay.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), expected);
  // Another client replaying it learns nothing.
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("c1", "other", kT0, "at-3",
                                          kT0 + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CodeOfAnotherClientIsNotFoundAndNotBurned) {
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("c1", "other", kT0, "at-x",
                                          kT0 + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), Code("c1"));
  auto redeemed = stores_.grants->RedeemAuthorizationCode(
      "c1", "app", kT0, "at-1", kT0 + absl::Hours(1));
  ASSERT_TRUE(redeemed.ok()) << redeemed.status();
  EXPECT_EQ(redeemed->access_token_jti, "at-1");
}

TEST_P(StoreConformanceTest, ExpiredCodeIsFailedPreconditionAndUnchanged) {
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c2")).ok());
  const absl::Time expiry = Code("c1").expires_at;
  // expires_at <= now: expired at the very microsecond.
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("c1", "app", expiry, "at-1",
                                          expiry + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("c1", "app", expiry + absl::Hours(1),
                                          "at-1", expiry + absl::Hours(2))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*stores_.grants->GetAuthorizationCode("c1"), Code("c1"));
  // Another client's expired code is still NotFound.
  EXPECT_EQ(stores_.grants
                ->RedeemAuthorizationCode("c1", "other", expiry, "at-1",
                                          expiry + absl::Hours(1))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // One microsecond before, it works.
  EXPECT_TRUE(stores_.grants
                  ->RedeemAuthorizationCode("c2", "app",
                                            expiry - absl::Microseconds(1),
                                            "at-2", expiry + absl::Hours(1))
                  .ok());
}

TEST_P(StoreConformanceTest, ConcurrentRedemptionsHaveOneWinner) {
  // Replicas receiving the same code at once (or an attacker racing the
  // client): exactly one access token is issued.
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("c1")).ok());
  constexpr int kThreads = 16;
  absl::Barrier start(kThreads);
  std::atomic<int> redeemed{0}, refused{0}, other{0};
  absl::Mutex mu;
  std::string winner;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string jti = absl::StrCat("at-", i);
      start.Block();
      auto result = stores_.grants->RedeemAuthorizationCode(
          "c1", "app", kT0, jti, kT0 + absl::Hours(1));
      if (result.ok()) {
        ++redeemed;
        absl::MutexLock lock(&mu);
        winner = jti;
        EXPECT_EQ(result->access_token_jti, jti);
      } else if (result.status().code() ==
                 absl::StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ++other;
        ADD_FAILURE() << result.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(redeemed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  auto stored = stores_.grants->GetAuthorizationCode("c1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->access_token_jti, winner);
  EXPECT_EQ(stored->redeemed_at, kT0);
}

TEST_P(StoreConformanceTest, ExpiredCodesArePurged) {
  AuthorizationCodeRecord old = Code("old");
  old.expires_at = kT0;
  AuthorizationCodeRecord redeemed_old = Code("redeemed-old");
  redeemed_old.expires_at = kT0;
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(old).ok());
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(redeemed_old).ok());
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(Code("new")).ok());
  ASSERT_TRUE(stores_.grants
                  ->RedeemAuthorizationCode("redeemed-old", "app",
                                            kT0 - absl::Seconds(1), "at-1",
                                            kT0 + absl::Hours(1))
                  .ok());
  EXPECT_EQ(*stores_.grants->PurgeExpiredCodes(kT0), 0);  // Before: strictly.
  EXPECT_EQ(*stores_.grants->PurgeExpiredCodes(kT0 + absl::Seconds(1)), 2);
  EXPECT_EQ(stores_.grants->GetAuthorizationCode("old").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      stores_.grants->GetAuthorizationCode("redeemed-old").status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.grants->GetAuthorizationCode("new").ok());
  EXPECT_EQ(*stores_.grants->PurgeExpiredCodes(kT0 + absl::Seconds(1)), 0);
}

// --- Pushed authorization requests (RFC 9126) -----------------------------

namespace {

PushedRequestRecord Pushed(const std::string& hash) {
  PushedRequestRecord pushed;
  pushed.request_uri_hash = hash;
  pushed.client_id = "app";
  pushed.parameters = "response_type=code&scope=openid&state=s%201";
  pushed.expires_at = kT0 + absl::Seconds(60);
  return pushed;
}

}  // namespace

TEST_P(StoreConformanceTest, PushedRequestIsConsumedOnceByItsClient) {
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p1")).ok());
  auto consumed = stores_.grants->ConsumePushedRequest("p1", "app", kT0);
  ASSERT_TRUE(consumed.ok()) << consumed.status();
  EXPECT_EQ(*consumed, Pushed("p1"));
  // RFC 9126 §4: a second use finds nothing.
  EXPECT_EQ(
      stores_.grants->ConsumePushedRequest("p1", "app", kT0).status().code(),
      absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, PushedRequestOfAnotherClientIsNotFoundNotBurned) {
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p1")).ok());
  EXPECT_EQ(
      stores_.grants->ConsumePushedRequest("p1", "other", kT0).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.grants->ConsumePushedRequest("p1", "app", kT0).ok());
}

TEST_P(StoreConformanceTest, ExpiredOrUnknownPushedRequestIsNotFound) {
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p1")).ok());
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p2")).ok());
  const absl::Time expiry = Pushed("p1").expires_at;
  // expires_at <= now: expired at the very microsecond.
  EXPECT_EQ(
      stores_.grants->ConsumePushedRequest("p1", "app", expiry).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(
      stores_.grants->ConsumePushedRequest("nope", "app", kT0).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_TRUE(
      stores_.grants
          ->ConsumePushedRequest("p2", "app", expiry - absl::Microseconds(1))
          .ok());
}

TEST_P(StoreConformanceTest, DuplicatePushedRequestHashIsAlreadyExists) {
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p1")).ok());
  PushedRequestRecord other = Pushed("p1");
  other.client_id = "impostor";
  EXPECT_EQ(stores_.grants->CreatePushedRequest(other).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*stores_.grants->ConsumePushedRequest("p1", "app", kT0),
            Pushed("p1"));
}

TEST_P(StoreConformanceTest, ConcurrentConsumersOfAPushedRequestHaveOneWinner) {
  // Replicas receiving the same request_uri at once: one of them proceeds.
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("p1")).ok());
  constexpr int kThreads = 16;
  absl::Barrier start(kThreads);
  std::atomic<int> consumed{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.Block();
      auto result = stores_.grants->ConsumePushedRequest("p1", "app", kT0);
      if (result.ok()) {
        ++consumed;
      } else if (result.status().code() == absl::StatusCode::kNotFound) {
        ++refused;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_P(StoreConformanceTest, ExpiredPushedRequestsArePurged) {
  PushedRequestRecord old = Pushed("old");
  old.expires_at = kT0;
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(old).ok());
  ASSERT_TRUE(stores_.grants->CreatePushedRequest(Pushed("new")).ok());
  EXPECT_EQ(*stores_.grants->PurgeExpiredPushedRequests(kT0), 0);  // Strictly.
  EXPECT_EQ(*stores_.grants->PurgeExpiredPushedRequests(kT0 + absl::Seconds(1)),
            1);
  EXPECT_TRUE(
      stores_.grants->ConsumePushedRequest("new", "app", kT0 + absl::Seconds(1))
          .ok());
}

// --- Refresh tokens --------------------------------------------------------

TEST_P(StoreConformanceTest, CreatedRefreshTokenReadsBackUnchanged) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  auto got = stores_.grants->GetRefreshToken("r1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Refresh("r1"));
  EXPECT_FALSE(got->rotated_at.has_value());
  EXPECT_FALSE(got->revoked);
}

TEST_P(StoreConformanceTest, RefreshResourcesSurviveRotation) {
  RefreshTokenRecord first = Refresh("r1");
  first.resources = {"https://orders.example/api", "urn:example:billing"};
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(first).ok());
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), first);
  RefreshTokenRecord replacement = Replacement("r2", kT0);
  replacement.resources = first.resources;
  ASSERT_TRUE(
      stores_.grants->RotateRefreshToken("r1", "app", kT0, replacement).ok());
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2")->resources, first.resources);
}

// RFC 9449 §5: the DPoP key a public client's family is bound to is stored
// and carried to the replacement.
TEST_P(StoreConformanceTest, RefreshDpopBindingSurvivesRotation) {
  RefreshTokenRecord first = Refresh("r1");
  first.dpop_jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(first).ok());
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), first);
  RefreshTokenRecord replacement = Replacement("r2", kT0);
  replacement.dpop_jkt = first.dpop_jkt;
  ASSERT_TRUE(
      stores_.grants->RotateRefreshToken("r1", "app", kT0, replacement).ok());
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2")->dpop_jkt, first.dpop_jkt);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r1")->dpop_jkt, first.dpop_jkt);
}

TEST_P(StoreConformanceTest, DuplicateRefreshHashIsAlreadyExists) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  RefreshTokenRecord other = Refresh("r1", "family-2");
  EXPECT_EQ(stores_.grants->CreateRefreshToken(other).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), Refresh("r1"));
}

TEST_P(StoreConformanceTest, MissingRefreshTokenIsNotFound) {
  EXPECT_EQ(stores_.grants->GetRefreshToken("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("nope", "app", kT0, Replacement("r2", kT0))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, RefreshTokenRotatesOnce) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  auto old = stores_.grants->RotateRefreshToken("r1", "app", kT0,
                                                Replacement("r2", kT0));
  ASSERT_TRUE(old.ok()) << old.status();
  RefreshTokenRecord expected_old = Refresh("r1");
  expected_old.rotated_at = kT0;
  EXPECT_EQ(*old, expected_old);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), expected_old);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r2"), Replacement("r2", kT0));
  // The old token again: refused, and no second replacement is stored.
  const absl::Time later = kT0 + absl::Seconds(1);
  EXPECT_EQ(
      stores_.grants
          ->RotateRefreshToken("r1", "app", later, Replacement("r3", later))
          .status()
          .code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r3").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), expected_old);
  // The replacement rotates in turn.
  auto next = stores_.grants->RotateRefreshToken("r2", "app", later,
                                                 Replacement("r3", later));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->token_hash, "r2");
  EXPECT_EQ(next->rotated_at, later);
  EXPECT_TRUE(stores_.grants->GetRefreshToken("r3").ok());
}

TEST_P(StoreConformanceTest, RefreshTokenOfAnotherClientIsNotFoundNotRotated) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("r1", "other", kT0, Replacement("r2", kT0))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), Refresh("r1"));
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2").status().code(),
            absl::StatusCode::kNotFound);
  // A rotated token of another client is NotFound too, not
  // FailedPrecondition.
  ASSERT_TRUE(stores_.grants
                  ->RotateRefreshToken("r1", "app", kT0, Replacement("r2", kT0))
                  .ok());
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("r1", "other", kT0, Replacement("r3", kT0))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, IdleExpiredRefreshTokenIsFailedPrecondition) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  const absl::Time idle = Refresh("r1").idle_expires_at;
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("r1", "app", idle, Replacement("r2", idle))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), Refresh("r1"));
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2").status().code(),
            absl::StatusCode::kNotFound);
  const absl::Time just_before = idle - absl::Microseconds(1);
  EXPECT_TRUE(stores_.grants
                  ->RotateRefreshToken("r1", "app", just_before,
                                       Replacement("r2", just_before))
                  .ok());
}

TEST_P(StoreConformanceTest,
       AbsolutelyExpiredRefreshTokenIsFailedPrecondition) {
  // Recently used (idle expiry far ahead), but the family's lifetime is over.
  RefreshTokenRecord token = Refresh("r1");
  token.idle_expires_at = kT0 + absl::Hours(2);
  token.absolute_expires_at = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(token).ok());
  const absl::Time end = token.absolute_expires_at;
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("r1", "app", end, Replacement("r2", end))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), token);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, RevokedFamilyCannotRotate) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  ASSERT_TRUE(stores_.grants
                  ->RotateRefreshToken("r1", "app", kT0, Replacement("r2", kT0))
                  .ok());
  ASSERT_TRUE(
      stores_.grants->CreateRefreshToken(Refresh("x1", "family-2")).ok());
  // r1 was rotated; r2 is the one live token.
  EXPECT_EQ(*stores_.grants->RevokeRefreshFamily("family-1"), 1);
  EXPECT_TRUE(stores_.grants->GetRefreshToken("r1")->revoked);
  EXPECT_TRUE(stores_.grants->GetRefreshToken("r2")->revoked);
  EXPECT_FALSE(stores_.grants->GetRefreshToken("x1")->revoked);
  EXPECT_EQ(stores_.grants
                ->RotateRefreshToken("r2", "app", kT0, Replacement("r3", kT0))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r3").status().code(),
            absl::StatusCode::kNotFound);
  RefreshTokenRecord r2 = Replacement("r2", kT0);
  r2.revoked = true;
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r2"), r2);
  // Revoking again finds nothing live; an unknown family neither.
  EXPECT_EQ(*stores_.grants->RevokeRefreshFamily("family-1"), 0);
  EXPECT_EQ(*stores_.grants->RevokeRefreshFamily("no-such-family"), 0);
  // The other family still rotates.
  EXPECT_TRUE(stores_.grants
                  ->RotateRefreshToken("x1", "app", kT0,
                                       Replacement("x2", kT0, "family-2"))
                  .ok());
}

TEST_P(StoreConformanceTest, RevokeRefreshFamilyCountsTheLiveTokens) {
  // Two live tokens in one family (two branches), one rotated, one already
  // revoked by hand: 2 live.
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("a")).ok());
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("b")).ok());
  RefreshTokenRecord revoked = Refresh("c");
  revoked.revoked = true;
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(revoked).ok());
  ASSERT_TRUE(stores_.grants
                  ->RotateRefreshToken("a", "app", kT0, Replacement("a2", kT0))
                  .ok());
  EXPECT_EQ(*stores_.grants->RevokeRefreshFamily("family-1"), 2);
  for (const char* hash : {"a", "a2", "b", "c"}) {
    EXPECT_TRUE(stores_.grants->GetRefreshToken(hash)->revoked) << hash;
  }
}

// Each refresh token keeps the access token minted with it; a grant's
// access tokens are its code's and its refresh tokens', while unexpired.
TEST_P(StoreConformanceTest, GrantAccessTokensAreTheCodesAndEachRotations) {
  AuthorizationCodeRecord code = Code("c1");
  code.grant_id = "family-1";
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(code).ok());
  ASSERT_TRUE(stores_.grants
                  ->RedeemAuthorizationCode("c1", "app", kT0, "jti-code",
                                            kT0 + absl::Minutes(10))
                  .ok());
  RefreshTokenRecord first = Refresh("r1");
  first.access_token_jti = "jti-code";
  first.access_token_expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(first).ok());
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), first);
  RefreshTokenRecord second = Replacement("r2", kT0 + absl::Minutes(20));
  second.access_token_jti = "jti-refresh";
  second.access_token_expires_at = kT0 + absl::Minutes(30);
  ASSERT_TRUE(
      stores_.grants
          ->RotateRefreshToken("r1", "app", kT0 + absl::Minutes(20), second)
          .ok());
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r2"), second);
  // Another family's token is not the grant's.
  RefreshTokenRecord other = Refresh("x1", "family-2");
  other.access_token_jti = "jti-other";
  other.access_token_expires_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(other).ok());

  auto jtis = [&](absl::Time now) {
    std::set<std::string> found;
    auto tokens = stores_.grants->GrantAccessTokens("family-1", now);
    EXPECT_TRUE(tokens.ok()) << tokens.status();
    if (!tokens.ok()) return found;
    for (const IssuedAccessToken& token : *tokens) found.insert(token.jti);
    return found;
  };
  EXPECT_EQ(jtis(kT0),
            (std::set<std::string>{std::string("jti-code"), "jti-refresh"}));
  // Expired ones are of no more use to the revocation list.
  EXPECT_EQ(jtis(kT0 + absl::Minutes(15)),
            (std::set<std::string>{std::string("jti-refresh")}));
  EXPECT_TRUE(stores_.grants->GrantAccessTokens("nope", kT0)->empty());
}

TEST_P(StoreConformanceTest, UserGrantsAreThoseThatMayStillHoldATokenValid) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1", "fam-a")).ok());
  RefreshTokenRecord expired = Refresh("r2", "fam-old");
  expired.absolute_expires_at = kT0 - absl::Minutes(1);
  expired.idle_expires_at = kT0 - absl::Minutes(2);
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(expired).ok());
  RefreshTokenRecord someone_else = Refresh("r3", "fam-b");
  someone_else.user_id = "u2";
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(someone_else).ok());
  // A redeemed code without refresh tokens: its access token counts.
  AuthorizationCodeRecord code = Code("c1");
  code.grant_id = "fam-code";
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(code).ok());
  ASSERT_TRUE(stores_.grants
                  ->RedeemAuthorizationCode("c1", "app", kT0, "jti",
                                            kT0 + absl::Minutes(10))
                  .ok());
  // An unredeemed one issued nothing.
  AuthorizationCodeRecord unused = Code("c2");
  unused.grant_id = "fam-unused";
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(unused).ok());

  auto grants = stores_.grants->UserGrants("u1", kT0);
  ASSERT_TRUE(grants.ok()) << grants.status();
  EXPECT_EQ(std::set<std::string>(grants->begin(), grants->end()),
            (std::set<std::string>{std::string("fam-a"), "fam-code"}));
  EXPECT_EQ(grants->size(), 2u);  // Distinct.
  EXPECT_TRUE(stores_.grants->UserGrants("nobody", kT0)->empty());
}

// A withdrawn consent revokes the grants of one client only.
TEST_P(StoreConformanceTest, UserClientGrantsAreThoseOfOneClient) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1", "fam-a")).ok());
  RefreshTokenRecord other_client = Refresh("r2", "fam-b");
  other_client.client_id = "other";
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(other_client).ok());
  AuthorizationCodeRecord code = Code("c1");
  code.grant_id = "fam-code";
  ASSERT_TRUE(stores_.grants->CreateAuthorizationCode(code).ok());
  ASSERT_TRUE(stores_.grants
                  ->RedeemAuthorizationCode("c1", "app", kT0, "jti",
                                            kT0 + absl::Minutes(10))
                  .ok());
  auto grants = stores_.grants->UserClientGrants("u1", "app", kT0);
  ASSERT_TRUE(grants.ok()) << grants.status();
  EXPECT_EQ(std::set<std::string>(grants->begin(), grants->end()),
            (std::set<std::string>{std::string("fam-a"), "fam-code"}));
  EXPECT_EQ(*stores_.grants->UserClientGrants("u1", "other", kT0),
            (std::vector<std::string>{"fam-b"}));
  EXPECT_TRUE(stores_.grants->UserClientGrants("u2", "app", kT0)->empty());
}

TEST_P(StoreConformanceTest, TakenReplacementHashRotatesNothing) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("taken")).ok());
  EXPECT_EQ(
      stores_.grants
          ->RotateRefreshToken("r1", "app", kT0, Replacement("taken", kT0))
          .status()
          .code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(*stores_.grants->GetRefreshToken("r1"), Refresh("r1"));
  EXPECT_EQ(*stores_.grants->GetRefreshToken("taken"), Refresh("taken"));
  EXPECT_TRUE(stores_.grants
                  ->RotateRefreshToken("r1", "app", kT0, Replacement("r2", kT0))
                  .ok());
}

TEST_P(StoreConformanceTest, ConcurrentRotationsHaveOneWinnerAndOneSuccessor) {
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("r1")).ok());
  constexpr int kThreads = 16;
  absl::Barrier start(kThreads);
  std::atomic<int> rotated{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const RefreshTokenRecord replacement =
          Replacement(absl::StrCat("new-", i), kT0);
      start.Block();
      auto result =
          stores_.grants->RotateRefreshToken("r1", "app", kT0, replacement);
      if (result.ok()) {
        ++rotated;
      } else if (result.status().code() ==
                 absl::StatusCode::kFailedPrecondition) {
        ++refused;
      } else {
        ++other;
        ADD_FAILURE() << result.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(refused.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  int successors = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (stores_.grants->GetRefreshToken(absl::StrCat("new-", i)).ok()) {
      ++successors;
    }
  }
  EXPECT_EQ(successors, 1);
  EXPECT_EQ(stores_.grants->GetRefreshToken("r1")->rotated_at, kT0);
}

TEST_P(StoreConformanceTest, RevokingAFamilyWhileItRotatesLeavesNothingLive) {
  // A replayed token revokes the family while the legitimate client keeps
  // rotating: whatever interleaving, no token of the family stays usable.
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("t0")).ok());
  constexpr int kMaxRotations = 1'000'000;  // Ends at the revocation.
  std::atomic<int> rotations{0};
  std::atomic<bool> revoking{false}, done{false};
  std::thread rotator([&] {
    for (int i = 0; i < kMaxRotations; ++i) {
      const absl::Time now = kT0 + absl::Microseconds(i);
      auto result = stores_.grants->RotateRefreshToken(
          absl::StrCat("t", i), "app", now,
          Replacement(absl::StrCat("t", i + 1), now));
      if (!result.ok()) {
        EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition)
            << result.status();
        EXPECT_TRUE(revoking.load());
        break;
      }
      ++rotations;
    }
    done = true;
  });
  while (rotations.load() < 5 && !done.load()) std::this_thread::yield();
  revoking = true;
  auto live = stores_.grants->RevokeRefreshFamily("family-1");
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(*live, 1);  // The tip of the chain, whichever it was.
  rotator.join();
  const int last = rotations.load();
  EXPECT_LT(last, kMaxRotations) << "the revocation never took";
  for (int i = 0; i <= last; ++i) {
    auto token = stores_.grants->GetRefreshToken(absl::StrCat("t", i));
    ASSERT_TRUE(token.ok()) << i << ": " << token.status();
    EXPECT_TRUE(token->revoked) << "t" << i;
  }
}

TEST_P(StoreConformanceTest, ExpiredRefreshTokensArePurged) {
  RefreshTokenRecord old = Refresh("old");
  old.absolute_expires_at = kT0;
  old.idle_expires_at = kT0;
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(old).ok());
  // Idle-expired but within its absolute lifetime: kept (the family's replay
  // detection still needs it).
  RefreshTokenRecord idle = Refresh("idle");
  idle.idle_expires_at = kT0;
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(idle).ok());
  ASSERT_TRUE(stores_.grants->CreateRefreshToken(Refresh("new")).ok());
  EXPECT_EQ(*stores_.grants->PurgeExpiredRefreshTokens(kT0), 0);
  EXPECT_EQ(*stores_.grants->PurgeExpiredRefreshTokens(kT0 + absl::Seconds(1)),
            1);
  EXPECT_EQ(stores_.grants->GetRefreshToken("old").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.grants->GetRefreshToken("idle").ok());
  EXPECT_TRUE(stores_.grants->GetRefreshToken("new").ok());
}

// The login throttle's counters (storage/login_attempt_store.h).

namespace {

LoginAttempts Attempts(int failures, absl::Time expires_at) {
  LoginAttempts a;
  a.failures = failures;
  a.lockouts = 2;
  a.window_start = kT0;
  a.last_failure = kT0 + absl::Seconds(1);
  a.locked_until = kT0 + absl::Minutes(2);
  a.expires_at = expires_at;
  return a;
}

}  // namespace

TEST_P(StoreConformanceTest, LoginAttemptsStartAbsentAndReadBackUnchanged) {
  LoginAttemptStore& store = *stores_.login_attempts;
  std::vector<LoginAttemptStore::Counters> seen;
  ASSERT_TRUE(store
                  .UpdateLoginAttempts({"user:a", "source:b"},
                                       [&](LoginAttemptStore::Counters& c) {
                                         seen.push_back(c);
                                         c[0] = Attempts(3, kT0);
                                         return absl::OkStatus();
                                       })
                  .ok());
  ASSERT_EQ(seen.size(), 1u);  // Called once.
  EXPECT_EQ(seen[0], LoginAttemptStore::Counters(2));
  auto got = store.GetLoginAttempts({"source:b", "user:a", "user:c"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, (LoginAttemptStore::Counters{std::nullopt, Attempts(3, kT0),
                                               std::nullopt}));
}

TEST_P(StoreConformanceTest, LoginAttemptsUpdateSeesTheStoredCounters) {
  LoginAttemptStore& store = *stores_.login_attempts;
  auto set = [&](const std::vector<std::string>& keys,
                 LoginAttemptStore::Counters to) {
    return store.UpdateLoginAttempts(keys, [&](LoginAttemptStore::Counters& c) {
      c = to;
      return absl::OkStatus();
    });
  };
  ASSERT_TRUE(set({"k1", "k2"}, {Attempts(1, kT0), Attempts(2, kT0)}).ok());
  LoginAttemptStore::Counters seen;
  ASSERT_TRUE(store
                  .UpdateLoginAttempts({"k2", "k1"},
                                       [&](LoginAttemptStore::Counters& c) {
                                         seen = c;
                                         c[0].reset();  // Deletes k2.
                                         return absl::OkStatus();
                                       })
                  .ok());
  EXPECT_EQ(seen,
            (LoginAttemptStore::Counters{Attempts(2, kT0), Attempts(1, kT0)}));
  EXPECT_EQ(*store.GetLoginAttempts({"k1", "k2"}),
            (LoginAttemptStore::Counters{Attempts(1, kT0), std::nullopt}));
}

TEST_P(StoreConformanceTest, LoginAttemptsRefusedUpdateStoresNothing) {
  LoginAttemptStore& store = *stores_.login_attempts;
  const absl::Status refused = absl::ResourceExhaustedError("locked");
  EXPECT_EQ(store.UpdateLoginAttempts({"k1"},
                                      [&](LoginAttemptStore::Counters& c) {
                                        c[0] = Attempts(1, kT0);
                                        return refused;
                                      }),
            refused);
  EXPECT_EQ(*store.GetLoginAttempts({"k1"}),
            LoginAttemptStore::Counters{std::nullopt});
}

// The throttle's limits rest on this: concurrent read-modify-writes of one
// key lose no update.
TEST_P(StoreConformanceTest, ConcurrentLoginAttemptUpdatesAreAllCounted) {
  LoginAttemptStore& store = *stores_.login_attempts;
  constexpr int kThreads = 16;
  constexpr int kEach = 10;
  absl::Barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Half name the keys in the other order: no deadlock either way.
      const std::vector<std::string> keys =
          t % 2 == 0 ? std::vector<std::string>{"user:x", "source:y"}
                     : std::vector<std::string>{"source:y", "user:x"};
      start.Block();
      for (int i = 0; i < kEach; ++i) {
        absl::Status status =
            store.UpdateLoginAttempts(keys, [](LoginAttemptStore::Counters& c) {
              for (auto& counter : c) {
                if (!counter.has_value()) counter = Attempts(0, kT0);
                ++counter->failures;
              }
              return absl::OkStatus();
            });
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  for (auto& t : threads) t.join();
  auto got = store.GetLoginAttempts({"user:x", "source:y"});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)[0]->failures, kThreads * kEach);
  EXPECT_EQ((*got)[1]->failures, kThreads * kEach);
}

TEST_P(StoreConformanceTest, ExpiredLoginAttemptsArePurged) {
  LoginAttemptStore& store = *stores_.login_attempts;
  ASSERT_TRUE(store
                  .UpdateLoginAttempts({"old", "now", "new"},
                                       [](LoginAttemptStore::Counters& c) {
                                         c[0] = Attempts(1, kT0 - kMicro);
                                         c[1] = Attempts(1, kT0);
                                         c[2] = Attempts(1, kT0 + kMicro);
                                         return absl::OkStatus();
                                       })
                  .ok());
  EXPECT_EQ(*store.PurgeExpiredLoginAttempts(kT0), 1);
  auto got = store.GetLoginAttempts({"old", "now", "new"});
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE((*got)[0].has_value());
  EXPECT_TRUE((*got)[1].has_value());
  EXPECT_TRUE((*got)[2].has_value());
}

// --- Login sessions --------------------------------------------------------

namespace {

SessionRecord LoginSession(const std::string& sid,
                           const std::string& user = "u1") {
  SessionRecord session;
  session.sid = sid;
  session.secret_hash = "secret-hash-of-" + sid;
  session.user_id = user;
  session.auth_time = kT0 - absl::Minutes(5);
  session.created_at = kT0 - absl::Minutes(5) + kMicro;
  session.expires_at = kT0 + absl::Hours(12);
  return session;
}

}  // namespace

TEST_P(StoreConformanceTest, CreatedSessionReadsBackBySidAndBySecret) {
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  auto by_sid = stores_.sessions->GetSession("s1");
  ASSERT_TRUE(by_sid.ok()) << by_sid.status();
  EXPECT_EQ(*by_sid, LoginSession("s1"));
  auto by_secret = stores_.sessions->GetSessionBySecret("secret-hash-of-s1");
  ASSERT_TRUE(by_secret.ok()) << by_secret.status();
  EXPECT_EQ(*by_secret, LoginSession("s1"));
}

TEST_P(StoreConformanceTest, DuplicateSidOrSecretIsAlreadyExists) {
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  SessionRecord same_secret = LoginSession("s2");
  same_secret.secret_hash = "secret-hash-of-s1";
  EXPECT_EQ(stores_.sessions->CreateSession(same_secret).code(),
            absl::StatusCode::kAlreadyExists);
  SessionRecord same_sid = LoginSession("s1");
  same_sid.secret_hash = "another";
  EXPECT_EQ(stores_.sessions->CreateSession(same_sid).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores_.sessions->GetSession("s2").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, MissingSessionIsNotFound) {
  EXPECT_EQ(stores_.sessions->GetSession("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.sessions->GetSessionBySecret("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.sessions->EndSession("nope", kT0).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, SessionEndsOnceAndStaysEnded) {
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  auto ended = stores_.sessions->EndSession("s1", kT0);
  ASSERT_TRUE(ended.ok()) << ended.status();
  EXPECT_EQ(ended->ended_at, kT0);
  EXPECT_FALSE(ended->LiveAt(kT0));
  EXPECT_EQ(stores_.sessions->EndSession("s1", kT0 + kMicro).status().code(),
            absl::StatusCode::kFailedPrecondition);
  auto stored = stores_.sessions->GetSessionBySecret("secret-hash-of-s1");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->ended_at, kT0);  // The first end is kept.
}

TEST_P(StoreConformanceTest, ExpiredSessionCannotBeEndedNorListed) {
  SessionRecord session = LoginSession("s1");
  session.expires_at = kT0;
  ASSERT_TRUE(stores_.sessions->CreateSession(session).ok());
  EXPECT_EQ(stores_.sessions->EndSession("s1", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(stores_.sessions->ListUserSessions("u1", kT0)->empty());
  EXPECT_FALSE(stores_.sessions->GetSession("s1")->ended_at.has_value());
}

TEST_P(StoreConformanceTest, UserSessionsAreTheLiveOnesOldestFirst) {
  SessionRecord newer = LoginSession("s-newer");
  newer.created_at = kT0;
  ASSERT_TRUE(stores_.sessions->CreateSession(newer).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s-older")).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s-ended")).ok());
  ASSERT_TRUE(stores_.sessions->EndSession("s-ended", kT0).ok());
  ASSERT_TRUE(
      stores_.sessions->CreateSession(LoginSession("s-other", "u2")).ok());
  auto listed = stores_.sessions->ListUserSessions("u1", kT0 + kMicro);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].sid, "s-older");
  EXPECT_EQ((*listed)[1].sid, "s-newer");
}

TEST_P(StoreConformanceTest, EndUserSessionsEndsOnlyThatUsersLiveSessions) {
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s2")).ok());
  ASSERT_TRUE(stores_.sessions->EndSession("s2", kT0).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s3", "u2")).ok());
  auto ended = stores_.sessions->EndUserSessions("u1", kT0 + kMicro);
  ASSERT_TRUE(ended.ok()) << ended.status();
  ASSERT_EQ(ended->size(), 1u);
  EXPECT_EQ((*ended)[0].sid, "s1");
  EXPECT_EQ((*ended)[0].ended_at, kT0 + kMicro);
  EXPECT_EQ(stores_.sessions->GetSession("s2")->ended_at, kT0);
  EXPECT_TRUE(stores_.sessions->GetSession("s3")->LiveAt(kT0 + kMicro));
}

TEST_P(StoreConformanceTest, ConcurrentEndsHaveOneWinner) {
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  constexpr int kThreads = 8;
  absl::Barrier barrier(kThreads);
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      barrier.Block();
      auto ended = stores_.sessions->EndSession("s1", kT0 + i * kMicro);
      if (ended.ok()) ++won;
      if (ended.status().code() == absl::StatusCode::kFailedPrecondition) {
        ++lost;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
}

TEST_P(StoreConformanceTest, ExpiredSessionsArePurged) {
  SessionRecord old = LoginSession("s-old");
  old.expires_at = kT0 - kMicro;
  ASSERT_TRUE(stores_.sessions->CreateSession(old).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s-new")).ok());
  EXPECT_EQ(*stores_.sessions->PurgeExpiredSessions(kT0), 1);
  EXPECT_EQ(stores_.sessions->GetSessionBySecret("secret-hash-of-s-old")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.sessions->GetSession("s-new").ok());
}

// Back-Channel Logout: the clients issued codes in a live session, recorded
// once each, listed sorted, refused for an unknown, ended or expired
// session, gone with it.
TEST_P(StoreConformanceTest, SessionClientsAreRecordedOnceAndPurgedWithIt) {
  SessionRecord old = LoginSession("s-old");
  old.expires_at = kT0 - kMicro;
  ASSERT_TRUE(stores_.sessions->CreateSession(old).ok());
  ASSERT_TRUE(stores_.sessions->CreateSession(LoginSession("s1")).ok());
  for (const char* client : {"web", "api", "web"}) {
    ASSERT_TRUE(stores_.sessions->AddSessionClient("s1", client, kT0).ok());
  }
  EXPECT_EQ(stores_.sessions->AddSessionClient("s-old", "web", kT0).code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(
      stores_.sessions->AddSessionClient("s-old", "web", kT0 - kMicro * 2)
          .ok());
  EXPECT_EQ(*stores_.sessions->ListSessionClients("s1"),
            (std::vector<std::string>{"api", "web"}));
  EXPECT_TRUE(stores_.sessions->ListSessionClients("nope")->empty());
  EXPECT_EQ(stores_.sessions->AddSessionClient("nope", "web", kT0).code(),
            absl::StatusCode::kNotFound);
  // An ended session keeps its clients (the logout notices need them), and
  // takes no more.
  ASSERT_TRUE(stores_.sessions->EndSession("s1", kT0).ok());
  EXPECT_EQ(stores_.sessions->AddSessionClient("s1", "late", kT0).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(stores_.sessions->ListSessionClients("s1")->size(), 2u);
  EXPECT_EQ(*stores_.sessions->PurgeExpiredSessions(kT0), 1);
  EXPECT_TRUE(stores_.sessions->ListSessionClients("s-old")->empty());
}

// Consent (OIDC Core §3.1.2.4): per user and client, the union of the
// scopes granted, sorted, with the time of the last grant.
TEST_P(StoreConformanceTest, ConsentGrantsAddToTheScopesKept) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("web")).ok());
  EXPECT_EQ(stores_.consents->GetConsent("u1", "web").status().code(),
            absl::StatusCode::kNotFound);
  auto first =
      stores_.consents->GrantConsent("u1", "web", {"profile", "openid"}, kT0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->scopes, (std::vector<std::string>{"openid", "profile"}));
  auto second = stores_.consents->GrantConsent(
      "u1", "web", {"offline_access", "openid"}, kT0 + absl::Seconds(7));
  ASSERT_TRUE(second.ok()) << second.status();
  ConsentRecord expected{"u1",
                         "web",
                         {"offline_access", "openid", "profile"},
                         kT0 + absl::Seconds(7)};
  EXPECT_EQ(*second, expected);
  EXPECT_EQ(*stores_.consents->GetConsent("u1", "web"), expected);
}

TEST_P(StoreConformanceTest, ConsentToAnUnknownUserOrClientIsNotFound) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("web")).ok());
  EXPECT_EQ(stores_.consents->GrantConsent("u1", "nope", {"openid"}, kT0)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.consents->GrantConsent("nope", "web", {"openid"}, kT0)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.consents->ListUserConsents("u1")->empty());
}

TEST_P(StoreConformanceTest, ConsentsAreListedPerUserAndRevokedOneByOne) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.users->CreateUser(User("u2", "bob")).ok());
  for (const char* id : {"web", "app", "other"}) {
    ASSERT_TRUE(stores_.clients->CreateClient(PublicClient(id)).ok());
  }
  ASSERT_TRUE(stores_.consents->GrantConsent("u1", "web", {"a"}, kT0).ok());
  ASSERT_TRUE(stores_.consents->GrantConsent("u1", "app", {"b"}, kT0).ok());
  ASSERT_TRUE(stores_.consents->GrantConsent("u2", "other", {"c"}, kT0).ok());
  auto listed = stores_.consents->ListUserConsents("u1");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].client_id, "app");
  EXPECT_EQ((*listed)[1].client_id, "web");
  ASSERT_TRUE(stores_.consents->RevokeConsent("u1", "web").ok());
  EXPECT_EQ(stores_.consents->RevokeConsent("u1", "web").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.consents->GetConsent("u1", "web").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.consents->ListUserConsents("u1")->size(), 1u);
  EXPECT_EQ(stores_.consents->ListUserConsents("u2")->size(), 1u);
}

// A deleted client's consents go with it (a new client of the same id does
// not inherit them).
TEST_P(StoreConformanceTest, ConsentsGoWithTheirClient) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("web")).ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("app")).ok());
  ASSERT_TRUE(stores_.consents->GrantConsent("u1", "web", {"a"}, kT0).ok());
  ASSERT_TRUE(stores_.consents->GrantConsent("u1", "app", {"a"}, kT0).ok());
  ASSERT_TRUE(stores_.clients->DeleteClient("web").ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("web")).ok());
  EXPECT_EQ(stores_.consents->GetConsent("u1", "web").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.consents->GetConsent("u1", "app").ok());
}

// Concurrent grants of different scopes all land in the union.
TEST_P(StoreConformanceTest, ConcurrentConsentGrantsAllLand) {
  ASSERT_TRUE(stores_.users->CreateUser(User("u1", "alice")).ok());
  ASSERT_TRUE(stores_.clients->CreateClient(PublicClient("web")).ok());
  constexpr int kThreads = 8;
  absl::Barrier barrier(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      barrier.Block();
      EXPECT_TRUE(stores_.consents
                      ->GrantConsent("u1", "web", {absl::StrCat("s", i)}, kT0)
                      .ok());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(stores_.consents->GetConsent("u1", "web")->scopes.size(),
            static_cast<size_t>(kThreads));
}

}  // namespace identity::storage::testing
