// The OAuth core for client_credentials and introspection, on the in-memory
// store with a fake clock.
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/introspector.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/scope.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/token_endpoint.h"

namespace identity::server {
namespace {

const absl::Time kNow = testing::kFixtureNow;
constexpr const char* kIssuer = testing::kFixtureIssuer;

class OAuthCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fixture_.AddClient("worker", "worker-secret").ok());
  }

  TokenRequestFields Request(const std::string& scope = "") {
    return {"client_credentials", "worker", "worker-secret", scope};
  }

  std::optional<OAuthError> ErrorOf(const TokenRequestFields& request) {
    return OAuthErrorOf(tokens_->Exchange(request).status());
  }

  testing::OAuthFixture fixture_;
  // Short names for the parts the tests use.
  storage::MemoryStore& store_ = fixture_.store;
  jwt::FakeClock& clock_ = fixture_.clock;
  KeyManager* keys_ = fixture_.keys.get();
  ClientAuthenticator& authenticator_ = fixture_.authenticator;
  const TokenEndpoint* tokens_ = &fixture_.tokens;
  const Introspector* introspector_ = &fixture_.introspector;
};

TEST_F(OAuthCoreTest, IssuesAnRfc9068AccessToken) {
  auto issued = tokens_->Exchange(Request("orders.read"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "Bearer");
  EXPECT_EQ(issued->expires_in, 600);
  EXPECT_EQ(issued->scope, "orders.read");
  auto jws = jwt::Jws::Parse(issued->access_token);
  ASSERT_TRUE(jws.ok());
  EXPECT_EQ(jws->header().typ, "at+jwt");
  EXPECT_EQ(jws->header().kid, keys_->snapshot()->signer->key().kid());
  jwt::VerifierOptions options;
  options.issuer = kIssuer;
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  options.clock = &clock_;
  auto verified = jwt::JwtVerifier::Create(options)->Verify(
      issued->access_token, *keys_->snapshot()->jwks);
  ASSERT_TRUE(verified.ok()) << verified.status();
  const jwt::Claims& claims = verified->claims;
  EXPECT_EQ(claims.sub, "worker");
  EXPECT_EQ(claims.GetString("client_id"), "worker");
  EXPECT_EQ(claims.GetString("scope"), "orders.read");
  EXPECT_EQ(claims.iat, absl::ToUnixSeconds(kNow));
  EXPECT_EQ(claims.exp, absl::ToUnixSeconds(kNow) + 600);
  EXPECT_TRUE(claims.jti.has_value());
}

TEST_F(OAuthCoreTest, NoScopeRequestedGrantsAllAllowed) {
  EXPECT_EQ(tokens_->Exchange(Request())->scope, "orders.read orders.write");
}

TEST_F(OAuthCoreTest, EveryTokenHasItsOwnJti) {
  auto a = jwt::Jws::Parse(tokens_->Exchange(Request())->access_token);
  auto b = jwt::Jws::Parse(tokens_->Exchange(Request())->access_token);
  EXPECT_NE(a->payload(), b->payload());
}

TEST_F(OAuthCoreTest, ScopeBeyondTheClientsIsInvalidScope) {
  // RFC 6749 §3.3 / SPEC: requested ⊆ allowed.
  EXPECT_EQ(ErrorOf(Request("orders.read admin")), OAuthError::kInvalidScope);
  EXPECT_EQ(ErrorOf(Request("bad\"scope")), OAuthError::kInvalidScope);
}

TEST_F(OAuthCoreTest, WrongOrMissingCredentialsAreInvalidClient) {
  TokenRequestFields request = Request();
  request.client_secret = "wrong";
  EXPECT_EQ(ErrorOf(request), OAuthError::kInvalidClient);
  request.client_secret.clear();
  EXPECT_EQ(ErrorOf(request), OAuthError::kInvalidClient);
  request = Request();
  request.client_id = "nobody";
  auto unknown = tokens_->Exchange(request).status();
  EXPECT_EQ(OAuthErrorOf(unknown), OAuthError::kInvalidClient);
  request = Request();
  request.client_secret = "wrong";
  // Same message for an unknown client and a wrong secret: no probing.
  EXPECT_EQ(unknown.message(), tokens_->Exchange(request).status().message());
}

TEST_F(OAuthCoreTest, OtherGrantTypesAreUnsupported) {
  TokenRequestFields request = Request();
  request.grant_type = "password";
  EXPECT_EQ(ErrorOf(request), OAuthError::kUnsupportedGrantType);
  request.grant_type = "Client_Credentials";  // Values are case-sensitive.
  EXPECT_EQ(ErrorOf(request), OAuthError::kUnsupportedGrantType);
  // RFC 6749 §5.2: a missing parameter is invalid_request.
  request.grant_type = "";
  EXPECT_EQ(ErrorOf(request), OAuthError::kInvalidRequest);
}

TEST_F(OAuthCoreTest, IntrospectsAnActiveToken) {
  const std::string token =
      tokens_->Exchange(Request("orders.write"))->access_token;
  auto result = introspector_->Introspect("worker", "worker-secret", token);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->active);
  EXPECT_EQ(result->scope, "orders.write");
  EXPECT_EQ(result->client_id, "worker");
  EXPECT_EQ(result->token_type, "Bearer");
  EXPECT_EQ(result->sub, "worker");
  EXPECT_EQ(result->iss, kIssuer);
  EXPECT_EQ(result->aud, std::vector<std::string>{"orders-api"});
  EXPECT_EQ(result->exp, absl::ToUnixSeconds(kNow) + 600);
  EXPECT_FALSE(result->jti.empty());
}

TEST_F(OAuthCoreTest, ExpiredForgedOrRevokedTokensAreInactive) {
  const std::string token = tokens_->Exchange(Request())->access_token;
  std::string forged = token;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", forged)->active);
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", "garbage")->active);

  auto active = introspector_->Introspect("worker", "worker-secret", token);
  ASSERT_TRUE(active->active);
  ASSERT_TRUE(store_.Revoke(active->jti, kNow + absl::Hours(1)).ok());
  auto revoked = introspector_->Introspect("worker", "worker-secret", token);
  EXPECT_FALSE(revoked->active);
  EXPECT_TRUE(revoked->scope.empty());  // Nothing else disclosed.

  // Expired: past exp plus the replicas' clock leeway (and not before).
  const std::string later = tokens_->Exchange(Request())->access_token;
  clock_.Advance(absl::Minutes(10) + kReplicaClockLeeway - absl::Seconds(1));
  EXPECT_TRUE(
      introspector_->Introspect("worker", "worker-secret", later)->active);
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", later)->active);
}

TEST_F(OAuthCoreTest, ReportsEachTokenRequestAndIntrospectionToTheEvents) {
  const std::string token =
      tokens_->Exchange(Request("orders.read"))->access_token;
  EXPECT_FALSE(
      tokens_->Exchange({"client_credentials", "worker", "wrong", ""}).ok());
  EXPECT_FALSE(tokens_->Exchange(Request("admin")).ok());
  EXPECT_FALSE(tokens_->Exchange({"", "worker", "worker-secret", ""}).ok());
  // The request chooses grant_type: anything unknown is one label.
  EXPECT_FALSE(
      tokens_->Exchange({"urn:x:\n\"", "worker", "worker-secret", ""}).ok());
  EXPECT_EQ(fixture_.events.Take(),
            (std::vector<std::string>{
                "issued client_credentials worker",
                "refused client_credentials invalid_client",
                "refused client_credentials invalid_scope",
                "refused none invalid_request",
                "refused other unsupported_grant_type",
            }));

  ASSERT_TRUE(
      introspector_->Introspect("worker", "worker-secret", token)->active);
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", "garbage")->active);
  auto jti = introspector_->Introspect("worker", "worker-secret", token)->jti;
  ASSERT_TRUE(store_.Revoke(jti, kNow + absl::Hours(1)).ok());
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", token)->active);
  clock_.Advance(absl::Hours(1));
  EXPECT_FALSE(
      introspector_->Introspect("worker", "worker-secret", token)->active);
  // A caller that fails authentication is an error, not a validation.
  EXPECT_FALSE(introspector_->Introspect("worker", "wrong", token).ok());
  EXPECT_EQ(fixture_.events.Take(), (std::vector<std::string>{
                                        "validated active ok",
                                        "validated inactive token_malformed",
                                        "validated active ok",
                                        "validated inactive revoked",
                                        "validated inactive expired",
                                    }));
}

TEST_F(OAuthCoreTest, TokensOfAnotherIssuerAreInactive) {
  auto other_tokens =
      OwnAccessTokens::Create("https://other.example", &clock_, keys_, &store_);
  ASSERT_TRUE(other_tokens.ok());
  Introspector other(&authenticator_, &*other_tokens, &store_);
  const std::string token = tokens_->Exchange(Request())->access_token;
  EXPECT_FALSE(other.Introspect("worker", "worker-secret", token)->active);
}

TEST_F(OAuthCoreTest, IntrospectionCallerMustAuthenticate) {
  const std::string token = tokens_->Exchange(Request())->access_token;
  EXPECT_EQ(
      OAuthErrorOf(introspector_->Introspect("worker", "nope", token).status()),
      OAuthError::kInvalidClient);
  EXPECT_EQ(
      OAuthErrorOf(
          introspector_->Introspect("worker", "worker-secret", "").status()),
      OAuthError::kInvalidRequest);
}

// Issue 13 item 4, the core's part: every client authentication goes
// through the throttle with its source (the token endpoint's grants via
// TokenRequestFields::source, introspection), and a throttled attempt is
// temporarily_unavailable with retry_after_seconds, even with the right
// secret, while the same client from another source is not held back.
TEST_F(OAuthCoreTest, FailedClientAuthenticationBacksOffPerSource) {
  ClientAuthThrottleOptions options;
  options.clock = &clock_;
  auto throttle = ClientAuthThrottle::Create(options);
  ASSERT_TRUE(throttle.ok());
  ClientAuthenticator authenticator(&store_, &fixture_.hasher, throttle->get());
  ClientCredentialsGrant grant(
      &authenticator, keys_, &clock_, SystemRandom(),
      GrantOptions{kIssuer, testing::kFixtureAudience, absl::Minutes(10)});
  Introspector introspector(&authenticator, &fixture_.access_tokens,
                            &fixture_.store);
  TokenRequestFields wrong = Request();
  wrong.client_secret = "guess";
  wrong.source = "203.0.113.7";
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(OAuthErrorOf(grant.Exchange(wrong).status()),
              OAuthError::kInvalidClient)
        << i;
  }
  TokenRequestFields right = Request();
  right.source = "203.0.113.7";
  const absl::Status throttled = grant.Exchange(right).status();
  EXPECT_EQ(OAuthErrorOf(throttled), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(throttled.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorDetailsOf(throttled)["retry_after_seconds"], "1");
  const std::string token = tokens_->Exchange(Request())->access_token;
  EXPECT_EQ(OAuthErrorOf(
                introspector
                    .Introspect("worker", "worker-secret", token, "203.0.113.7")
                    .status()),
            OAuthError::kTemporarilyUnavailable);
  right.source = "198.51.100.1";
  EXPECT_TRUE(grant.Exchange(right).ok());
  EXPECT_TRUE(
      introspector.Introspect("worker", "worker-secret", token, "198.51.100.1")
          ->active);
}

TEST_F(OAuthCoreTest, TokensSurviveARotation) {
  const std::string token = tokens_->Exchange(Request())->access_token;
  ASSERT_TRUE(keys_->RotateNow().ok());
  EXPECT_TRUE(
      introspector_->Introspect("worker", "worker-secret", token)->active);
}

// What the gRPC face asks to decide whether a call runs on the thread that
// read it (server/grpc/call_runner.h). The fixture's store is in memory, so
// only the request's shape makes a call blocking here; a store behind a
// read cache is judged by storage/cache/caching_store_test.cc, and the
// authenticator passes its word on (ClientSecretsOfAStoreThatDoesIo below).
TEST_F(OAuthCoreTest, OnlyRequestsAnsweredFromMemoryAreNonBlocking) {
  EXPECT_FALSE(tokens_->MayBlock(Request()));
  EXPECT_FALSE(tokens_->MayBlock(Request("orders.read")));
  TokenRequestFields asserted = Request();
  asserted.client_secret.clear();
  asserted.client_assertion = "header.claims.signature";
  EXPECT_TRUE(tokens_->MayBlock(asserted)) << "its jti is claimed in the store";
  TokenRequestFields resource = Request();
  resource.resource = {"https://orders.example"};
  EXPECT_TRUE(tokens_->MayBlock(resource)) << "the registry reads the store";
  TokenRequestFields proof = Request();
  proof.dpop_proofs = {"a.b.c"};
  EXPECT_TRUE(tokens_->MayBlock(proof)) << "its jti is claimed in the store";
  EXPECT_FALSE(tokens_->MayBlock({"", "worker", "worker-secret", ""}))
      << "refused before any grant";
  EXPECT_FALSE(tokens_->MayBlock({"password", "worker", "worker-secret", ""}))
      << "refused before any grant";

  const std::string token = tokens_->Exchange(Request())->access_token;
  EXPECT_FALSE(introspector_->MayBlock("worker", token, ""));
  EXPECT_TRUE(introspector_->MayBlock("worker", token, "an.assertion.jwt"));
  EXPECT_TRUE(introspector_->MayBlock("worker", "an-opaque-refresh-token", ""))
      << "refresh tokens are looked up in the store";
}

// A grant that cannot tell says it may block.
TEST_F(OAuthCoreTest, GrantsBlockUnlessTheySayOtherwise) {
  struct Opaque final : TokenGrant {
    absl::StatusOr<IssuedToken> Exchange(
        const TokenRequestFields&) const override {
      return IssuedToken();
    }
  } opaque;
  const TokenEndpoint tokens({{"refresh_token", &opaque}});
  EXPECT_TRUE(
      tokens.MayBlock({"refresh_token", "worker", "worker-secret", ""}));
}

// The client store as a database: its AnswersFromMemory is the interface's
// false, so every secret check may block.
TEST_F(OAuthCoreTest, ClientSecretsOfAStoreThatDoesIo) {
  class Database final : public storage::ClientStore {
   public:
    explicit Database(storage::ClientStore* store) : store_(store) {}
    absl::Status CreateClient(const storage::ClientRecord& client) override {
      return store_->CreateClient(client);
    }
    absl::StatusOr<storage::ClientRecord> GetClient(
        absl::string_view id) override {
      return store_->GetClient(id);
    }
    absl::StatusOr<std::vector<storage::ClientRecord>> ListClients(
        absl::string_view after, int limit) override {
      return store_->ListClients(after, limit);
    }
    absl::Status UpdateClient(const storage::ClientRecord& client) override {
      return store_->UpdateClient(client);
    }
    absl::Status DeleteClient(absl::string_view id) override {
      return store_->DeleteClient(id);
    }

   private:
    storage::ClientStore* const store_;
  } database(&store_);
  const ClientAuthenticator authenticator(&database, &fixture_.hasher);
  EXPECT_TRUE(authenticator.MayBlock("worker", ""));
  EXPECT_FALSE(authenticator_.MayBlock("worker", ""));
  EXPECT_TRUE(authenticator_.MayBlock("worker", "an.assertion.jwt"));
}

TEST(ScopeTest, ParsesDeduplicatesAndRejectsBadCharacters) {
  EXPECT_EQ(*ParseScope("  a b  a c "),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(ParseScope("")->empty());
  EXPECT_EQ(OAuthErrorOf(ParseScope("a\\b").status()),
            OAuthError::kInvalidScope);
  EXPECT_EQ(OAuthErrorOf(ParseScope("caf\xc3\xa9").status()),
            OAuthError::kInvalidScope);
}

TEST(ScopeTest, BoundsWhatAnUnauthenticatedRequestCanMakeItDo) {
  EXPECT_TRUE(ParseScope(std::string(kMaxScopeTokenLength, 'a')).ok());
  EXPECT_EQ(
      OAuthErrorOf(
          ParseScope(std::string(kMaxScopeTokenLength + 1, 'a')).status()),
      OAuthError::kInvalidScope);
  std::string many, repeated;
  for (size_t i = 0; i <= kMaxScopeTokens; ++i) {
    many += "s" + std::to_string(i) + " ";
    repeated += "same ";
  }
  EXPECT_EQ(OAuthErrorOf(ParseScope(many).status()), OAuthError::kInvalidScope);
  // Duplicates do not count: they are dropped.
  EXPECT_EQ(*ParseScope(repeated), std::vector<std::string>{"same"});
}

TEST(OAuthErrorTest, CodesAndStatusCodes) {
  const absl::Status status = OAuthFailure(OAuthError::kInvalidClient, "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(OAuthErrorCode(*OAuthErrorOf(status)), "invalid_client");
  EXPECT_EQ(OAuthErrorOf(absl::UnavailableError("db")), std::nullopt);
}

}  // namespace
}  // namespace identity::server
