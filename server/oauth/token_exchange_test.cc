// RFC 8693 token exchange in the OAuth core, on the in-memory store with a
// fake clock: one behaviour per test, the exact OAuth error asserted.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "jwt/dpop_proof.h"
#include "jwt/jwk.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/token_binding.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_exchange_grant.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {
namespace {

const absl::Time kNow = testing::kFixtureNow;
constexpr char kUrn[] = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr char kAt[] = "urn:ietf:params:oauth:token-type:access_token";
constexpr char kLedger[] = "https://ledger.example/api";

class TokenExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::TokenExchangePolicy delegation;
    delegation.delegation = true;
    delegation.audiences = {"billing-api", "ledger-api"};
    ASSERT_TRUE(AddClient("gateway", delegation).ok());
    storage::TokenExchangePolicy both = delegation;
    both.impersonation = true;
    ASSERT_TRUE(AddClient("trusted", both).ok());
    storage::TokenExchangePolicy impersonation;
    impersonation.impersonation = true;
    ASSERT_TRUE(AddClient("stand-in", impersonation).ok());
    // A client with the policy but without the grant type.
    ASSERT_TRUE(AddClient("no-grant", delegation, /*grant=*/false).ok());
    // The grant with neither mode (the registry refuses this; the store
    // may still hold it).
    ASSERT_TRUE(AddClient("no-mode", {}).ok());
    // A client whose policy names a registered resource.
    storage::TokenExchangePolicy to_resource = delegation;
    to_resource.audiences = {kLedger};
    ASSERT_TRUE(AddClient("resourceful", to_resource).ok());
  }

  absl::Status AddResource(const std::string& uri,
                           std::vector<std::string> scopes) {
    storage::ResourceRecord resource;
    resource.resource = uri;
    resource.name = uri;
    resource.scopes = std::move(scopes);
    resource.created_at = resource.updated_at = fixture_.clock.Now();
    return fixture_.store.CreateResource(resource);
  }

  // A confidential client allowed orders.read, orders.write and profile,
  // with secret "<id>-secret".
  absl::Status AddClient(const std::string& id,
                         storage::TokenExchangePolicy policy,
                         bool grant = true) {
    storage::ClientRecord client;
    client.client_id = id;
    client.name = id;
    client.allowed_scopes = {"orders.read", "orders.write", "profile"};
    client.grant_types = {"client_credentials"};
    if (grant) client.grant_types.push_back(kUrn);
    client.token_exchange = std::move(policy);
    client.secret_hash = fixture_.hasher.Hash(id + "-secret");
    client.created_at = client.updated_at = fixture_.clock.Now();
    return fixture_.store.CreateClient(client);
  }

  // An access token of this server for `user` issued to `client` now.
  std::string UserToken(const std::string& user,
                        const std::string& client = "webapp",
                        std::vector<std::string> scopes = {
                            "orders.read", "orders.write", "email"}) {
    UserAccessClaims c{client,
                       user,
                       std::move(scopes),
                       kNow - absl::Minutes(1),
                       "jti-" + user + "-" + std::to_string(++serial_),
                       fixture_.clock.Now(),
                       ""};
    return *minter_.AccessToken(c);
  }

  TokenRequestFields Request(const std::string& client,
                             const std::string& subject_token) {
    TokenRequestFields r{kUrn, client, client + "-secret", ""};
    r.subject_token = subject_token;
    r.subject_token_type = kAt;
    return r;
  }

  // The claims of an issued token, checked as this server checks its own.
  jwt::Claims ClaimsOf(const absl::StatusOr<IssuedToken>& issued) {
    EXPECT_TRUE(issued.ok()) << issued.status();
    if (!issued.ok()) return {};
    auto verified = fixture_.access_tokens.Check(issued->access_token);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? verified->claims : jwt::Claims{};
  }

  std::optional<OAuthError> ErrorOf(const TokenRequestFields& request) {
    auto issued = endpoint_.Exchange(request);
    EXPECT_FALSE(issued.ok());
    return OAuthErrorOf(issued.status());
  }

  testing::OAuthFixture fixture_;
  UserTokenMinter minter_{
      fixture_.keys.get(),
      UserTokenOptions{testing::kFixtureIssuer, testing::kFixtureAudience}};
  TokenExchangeGrant grant_{
      &fixture_.authenticator,
      &fixture_.access_tokens,
      fixture_.keys.get(),
      SystemRandom(),
      GrantOptions{testing::kFixtureIssuer, testing::kFixtureAudience,
                   absl::Minutes(10)},
      &fixture_.store};
  TokenEndpoint endpoint_{{{kUrn, &grant_}}, &fixture_.events};
  int serial_ = 0;
};

// RFC 8693 §2.2.1: the response of a successful exchange.
TEST_F(TokenExchangeTest, IssuesAnAccessTokenForTheSubject) {
  auto issued = endpoint_.Exchange(Request("gateway", UserToken("alice")));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->issued_token_type, kAt);
  EXPECT_EQ(issued->token_type, "Bearer");
  EXPECT_EQ(issued->expires_in, 600);
  EXPECT_TRUE(issued->refresh_token.empty());
  EXPECT_TRUE(issued->id_token.empty());
  const jwt::Claims claims = ClaimsOf(issued);
  EXPECT_EQ(claims.sub, "alice");
  EXPECT_EQ(claims.GetString("client_id"), "gateway");
  EXPECT_EQ(claims.aud, std::vector<std::string>{testing::kFixtureAudience});
  EXPECT_EQ(claims.other["auth_time"],
            absl::ToUnixSeconds(kNow - absl::Minutes(1)));
  EXPECT_EQ(fixture_.events.Take(), std::vector<std::string>{absl::StrCat(
                                        "issued ", kUrn, " gateway")});
}

// RFC 8693 §4.1 with no actor token: the authenticated client acts.
TEST_F(TokenExchangeTest, DelegationWithoutActorTokenNamesTheClient) {
  const jwt::Claims claims =
      ClaimsOf(endpoint_.Exchange(Request("gateway", UserToken("alice"))));
  EXPECT_EQ(claims.other["act"], jwt::Json({{"sub", "gateway"}}));
}

// §4.1: with an actor token, its subject acts.
TEST_F(TokenExchangeTest, DelegationNamesTheActorTokensSubject) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.actor_token = UserToken("operator-bob", "gateway");
  r.actor_token_type = kAt;
  const jwt::Claims claims = ClaimsOf(endpoint_.Exchange(r));
  EXPECT_EQ(claims.sub, "alice");
  EXPECT_EQ(claims.other["act"], jwt::Json({{"sub", "operator-bob"}}));
}

// An actor token issued to another client proves nothing about this one.
TEST_F(TokenExchangeTest, ActorTokenOfAnotherClientIsInvalidRequest) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.actor_token = UserToken("operator-bob", "webapp");
  r.actor_token_type = kAt;
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
}

// §4.1: a delegated token exchanged again nests the earlier actor.
TEST_F(TokenExchangeTest, ChainNestsThePriorActor) {
  auto first = endpoint_.Exchange(Request("gateway", UserToken("alice")));
  ASSERT_TRUE(first.ok());
  const jwt::Claims claims =
      ClaimsOf(endpoint_.Exchange(Request("trusted", first->access_token)));
  // "trusted" may impersonate: no new actor, the chain kept.
  EXPECT_EQ(claims.other["act"], jwt::Json({{"sub", "gateway"}}));
  TokenRequestFields r = Request("trusted", first->access_token);
  r.actor_token = UserToken("trusted-svc", "trusted");
  r.actor_token_type = kAt;
  EXPECT_EQ(ClaimsOf(endpoint_.Exchange(r)).other["act"],
            jwt::Json({{"sub", "trusted-svc"}, {"act", {{"sub", "gateway"}}}}));
}

TEST_F(TokenExchangeTest, ChainLongerThanTheBoundIsInvalidRequest) {
  std::string token = UserToken("alice");
  for (int i = 0; i < kMaxActorChainDepth; ++i) {
    auto next = endpoint_.Exchange(Request("gateway", token));
    ASSERT_TRUE(next.ok()) << i << ": " << next.status();
    token = next->access_token;
  }
  auto verified = fixture_.access_tokens.Check(token);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(*ActorChainDepth(verified->claims), kMaxActorChainDepth);
  EXPECT_EQ(ErrorOf(Request("gateway", token)), OAuthError::kInvalidRequest);
}

TEST_F(TokenExchangeTest, ActClaimThatIsNotAnObjectIsInvalidRequest) {
  jwt::Claims claims;
  claims.iss = testing::kFixtureIssuer;
  claims.sub = "alice";
  claims.aud = {testing::kFixtureAudience};
  claims.iat = absl::ToUnixSeconds(kNow);
  claims.exp = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  claims.jti = "odd-act";
  claims.other["client_id"] = "webapp";
  claims.other["act"] = "gateway";
  auto token = fixture_.keys->snapshot()->signer->Sign(claims);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(ErrorOf(Request("gateway", *token)), OAuthError::kInvalidRequest);
}

// RFC 9449: an exchange never turns a DPoP-bound token into a Bearer one.
// A bound subject token is exchanged only with a proof (the new token is
// then bound to the exchanging client's key); a bound actor token, the
// client's own, only with a proof by its key.
TEST_F(TokenExchangeTest, BoundTokensAreExchangedOnlyWithTheirBinding) {
  const jwt::Jwk user_key = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  const jwt::Jwk gateway_key = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  UserAccessClaims c{"webapp",
                     "alice",
                     {"orders.read"},
                     kNow - absl::Minutes(1),
                     "jti-bound",
                     fixture_.clock.Now(),
                     ""};
  c.dpop_jkt = user_key.Thumbprint();
  const std::string bound = *minter_.AccessToken(c);
  auto refused = endpoint_.Exchange(Request("gateway", bound));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kInvalidRequest);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "DPoP-bound"))
      << refused.status();

  TokenEndpoint with_dpop{{{kUrn, &grant_}}, &fixture_.events, &fixture_.dpop};
  auto proof = [&](const jwt::Jwk& key, const std::string& jti) {
    jwt::DpopProofClaims claims;
    claims.method = "POST";
    claims.uri = "https://id.example/token";
    claims.jti = jti;
    claims.issued_at = fixture_.clock.Now();
    return *jwt::SignDpopProof(key, claims);
  };
  TokenRequestFields request = Request("gateway", bound);
  request.dpop_proofs = {proof(gateway_key, "1")};
  request.dpop_uri = "https://id.example/token";
  auto issued = with_dpop.Exchange(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "DPoP");
  EXPECT_EQ(ConfirmedJkt(ClaimsOf(issued)), gateway_key.Thumbprint());

  // The gateway's own bound token as actor: a proof by another key is
  // refused, a proof by its key accepted.
  UserAccessClaims own{"gateway",
                       "svc-gateway",
                       {"orders.read"},
                       kNow - absl::Minutes(1),
                       "jti-actor",
                       fixture_.clock.Now(),
                       ""};
  own.dpop_jkt = gateway_key.Thumbprint();
  request.actor_token = *minter_.AccessToken(own);
  request.actor_token_type = kAt;
  request.dpop_proofs = {proof(user_key, "2")};
  auto wrong = with_dpop.Exchange(request);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(OAuthErrorOf(wrong.status()), OAuthError::kInvalidRequest);
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "actor_token"))
      << wrong.status();
  request.dpop_proofs = {proof(gateway_key, "3")};
  EXPECT_TRUE(with_dpop.Exchange(request).ok());
}

// §1.1 impersonation: the token is the subject's, with no act.
TEST_F(TokenExchangeTest, ImpersonationWhenAllowedHasNoActClaim) {
  const jwt::Claims claims =
      ClaimsOf(endpoint_.Exchange(Request("stand-in", UserToken("alice"))));
  EXPECT_EQ(claims.sub, "alice");
  EXPECT_EQ(claims.GetString("client_id"), "stand-in");
  EXPECT_FALSE(claims.other.contains("act"));
}

// Without impersonation in its policy a client never impersonates: with no
// actor token it acts itself (delegation).
TEST_F(TokenExchangeTest, ImpersonationNotAllowedFallsBackToDelegation) {
  const jwt::Claims claims =
      ClaimsOf(endpoint_.Exchange(Request("gateway", UserToken("alice"))));
  EXPECT_TRUE(claims.other.contains("act"));
}

TEST_F(TokenExchangeTest, DelegationNotAllowedIsUnauthorizedClient) {
  TokenRequestFields r = Request("stand-in", UserToken("alice"));
  r.actor_token = UserToken("svc", "stand-in");
  r.actor_token_type = kAt;
  EXPECT_EQ(ErrorOf(r), OAuthError::kUnauthorizedClient);
}

TEST_F(TokenExchangeTest, NeitherModeAllowedIsUnauthorizedClient) {
  EXPECT_EQ(ErrorOf(Request("no-mode", UserToken("alice"))),
            OAuthError::kUnauthorizedClient);
}

TEST_F(TokenExchangeTest, ClientWithoutTheGrantTypeIsUnauthorizedClient) {
  EXPECT_EQ(ErrorOf(Request("no-grant", UserToken("alice"))),
            OAuthError::kUnauthorizedClient);
}

TEST_F(TokenExchangeTest, WrongSecretIsInvalidClient) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.client_secret = "wrong";
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidClient);
}

// §2.1 audience, narrowed to the client's policy.
TEST_F(TokenExchangeTest, RequestedAudienceWithinThePolicyIsTheAud) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.audience = {"ledger-api"};
  EXPECT_EQ(ClaimsOf(endpoint_.Exchange(r)).aud,
            std::vector<std::string>{"ledger-api"});
}

// §2.2.2: invalid_target.
TEST_F(TokenExchangeTest, AudienceOutsideThePolicyIsInvalidTarget) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.audience = {"payroll-api"};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidTarget);
}

// RFC 9700 §2.3: one audience per token, even when the policy allows each
// (and even when they repeat one: the request is refused, not tidied).
TEST_F(TokenExchangeTest, SeveralAudiencesAreInvalidTarget) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.audience = {"ledger-api", "billing-api"};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidTarget);
  r.audience = {"ledger-api", "ledger-api"};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidTarget);
}

// RFC 8707 §2.2: an audience that is a registered resource narrows the
// scopes to the resource's, as at every other grant: requested ∩ subject's
// ∩ client's ∩ resource's.
TEST_F(TokenExchangeTest, AudienceThatIsAResourceNarrowsToItsScopes) {
  ASSERT_TRUE(AddResource(kLedger, {"orders.read", "ledger.write"}).ok());
  TokenRequestFields r = Request("resourceful", UserToken("alice"));
  r.audience = {kLedger};
  auto issued = endpoint_.Exchange(r);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "orders.read");
  jwt::Claims claims = ClaimsOf(issued);
  EXPECT_EQ(claims.aud, std::vector<std::string>{kLedger});
  EXPECT_EQ(claims.GetString("scope"), "orders.read");
  // Asking for a scope the resource does not define gets none of it.
  r.scope = "orders.read orders.write";
  EXPECT_EQ(endpoint_.Exchange(r)->scope, "orders.read");
  // Nothing of the resource's left: invalid_scope, no scopeless token.
  r.scope = "orders.write";
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidScope);
}

// A subject token for a resource is not retargeted to the default audience
// when the request names none: refused.
TEST_F(TokenExchangeTest, ResourceBoundSubjectWithoutAudienceIsInvalidTarget) {
  ASSERT_TRUE(AddResource(kLedger, {"orders.read"}).ok());
  UserAccessClaims c;
  c.client_id = "webapp";
  c.user_id = "alice";
  c.scopes = {"orders.read"};
  c.auth_time = kNow;
  c.jti = "jti-resource-bound";
  c.now = fixture_.clock.Now();
  c.audience = kLedger;
  c.access_scopes = std::vector<std::string>{"orders.read"};
  const std::string subject = *minter_.AccessToken(c);
  EXPECT_EQ(ErrorOf(Request("resourceful", subject)),
            OAuthError::kInvalidTarget);
  // Naming it (the policy allows it) keeps it.
  TokenRequestFields r = Request("resourceful", subject);
  r.audience = {kLedger};
  EXPECT_EQ(ClaimsOf(endpoint_.Exchange(r)).aud,
            std::vector<std::string>{kLedger});
}

TEST_F(TokenExchangeTest, ScopeDefaultsToSubjectsWithinTheClients) {
  auto issued = endpoint_.Exchange(Request("gateway", UserToken("alice")));
  ASSERT_TRUE(issued.ok());
  // The subject has orders.read orders.write email; the client no email.
  EXPECT_EQ(issued->scope, "orders.read orders.write");
  EXPECT_EQ(ClaimsOf(issued).GetString("scope"), "orders.read orders.write");
}

TEST_F(TokenExchangeTest, NarrowerScopeIsGranted) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.scope = "orders.read";
  EXPECT_EQ(ClaimsOf(endpoint_.Exchange(r)).GetString("scope"), "orders.read");
}

// An exchange never widens the subject's grant...
TEST_F(TokenExchangeTest, ScopeBeyondTheSubjectTokensIsInvalidScope) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.scope = "orders.read profile";  // The client has profile, alice's no.
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidScope);
}

// ...nor the client's.
TEST_F(TokenExchangeTest, ScopeBeyondTheClientsIsInvalidScope) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.scope = "email";  // alice's token has email, the client not.
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidScope);
}

TEST_F(TokenExchangeTest, RevokedSubjectTokenIsInvalidRequest) {
  const std::string subject = UserToken("alice");
  auto claims = fixture_.access_tokens.Check(subject);
  ASSERT_TRUE(claims.ok());
  ASSERT_TRUE(fixture_.access_tokens
                  .Revoke(*claims->claims.jti,
                          absl::FromUnixSeconds(*claims->claims.exp))
                  .ok());
  EXPECT_EQ(ErrorOf(Request("gateway", subject)), OAuthError::kInvalidRequest);
}

TEST_F(TokenExchangeTest, ExpiredSubjectTokenIsInvalidRequest) {
  const std::string subject = UserToken("alice");
  fixture_.clock.Advance(absl::Minutes(11));
  EXPECT_EQ(ErrorOf(Request("gateway", subject)), OAuthError::kInvalidRequest);
}

// Within the verifier's replica leeway the token still verifies, but a new
// token could only be issued already expired.
TEST_F(TokenExchangeTest, SubjectTokenPastExpWithinLeewayIsInvalidRequest) {
  const std::string subject = UserToken("alice");
  fixture_.clock.Advance(absl::Minutes(10) + absl::Seconds(2));
  EXPECT_EQ(ErrorOf(Request("gateway", subject)), OAuthError::kInvalidRequest);
}

// The new token's exp never passes the subject token's.
TEST_F(TokenExchangeTest, ExpiryIsClampedToTheSubjectTokens) {
  const std::string subject = UserToken("alice");
  fixture_.clock.Advance(absl::Minutes(8));
  auto issued = endpoint_.Exchange(Request("gateway", subject));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_in, 120);
  EXPECT_EQ(ClaimsOf(issued).exp,
            absl::ToUnixSeconds(kNow + absl::Minutes(10)));
}

// Nor the actor token's.
TEST_F(TokenExchangeTest, ExpiryIsClampedToTheActorTokens) {
  const std::string actor = UserToken("svc", "gateway");
  fixture_.clock.Advance(absl::Minutes(7));
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.actor_token = actor;
  r.actor_token_type = kAt;
  auto issued = endpoint_.Exchange(r);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_in, 180);
}

TEST_F(TokenExchangeTest, SubjectTokenOfAnotherSignerIsInvalidRequest) {
  testing::OAuthFixture other;  // Same issuer, its own keys.
  UserTokenMinter foreign(
      other.keys.get(),
      UserTokenOptions{testing::kFixtureIssuer, testing::kFixtureAudience});
  auto token = foreign.AccessToken(UserAccessClaims{
      "webapp", "alice", {"orders.read"}, kNow, "foreign", kNow, ""});
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(ErrorOf(Request("gateway", *token)), OAuthError::kInvalidRequest);
}

TEST_F(TokenExchangeTest, IdTokenAsSubjectTokenIsInvalidRequest) {
  storage::UserRecord alice;
  alice.user_id = "alice";
  alice.username = "alice";
  auto id_token = minter_.IdToken(alice, "gateway", {"openid"}, kNow, "",
                                  UserToken("alice"), kNow);
  ASSERT_TRUE(id_token.ok()) << id_token.status();
  EXPECT_EQ(ErrorOf(Request("gateway", *id_token)),
            OAuthError::kInvalidRequest);
}

TEST_F(TokenExchangeTest, RefreshTokenAsSubjectTokenIsInvalidRequest) {
  EXPECT_EQ(ErrorOf(Request("gateway", NewOpaqueToken(SystemRandom()))),
            OAuthError::kInvalidRequest);
}

// §3: only access tokens are exchanged here.
TEST_F(TokenExchangeTest, OtherSubjectTokenTypesAreInvalidRequest) {
  for (const char* type : {"urn:ietf:params:oauth:token-type:id_token",
                           "urn:ietf:params:oauth:token-type:refresh_token",
                           "urn:ietf:params:oauth:token-type:jwt", ""}) {
    TokenRequestFields r = Request("gateway", UserToken("alice"));
    r.subject_token_type = type;
    EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest) << type;
  }
}

// RFC 8707 resources are not a target of exchange yet: refused, never
// silently replaced by the default audience.
TEST_F(TokenExchangeTest, ResourceIsInvalidTarget) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.resource = {"https://api.example/"};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidTarget);
}

TEST_F(TokenExchangeTest, MissingSubjectTokenIsInvalidRequest) {
  EXPECT_EQ(ErrorOf(Request("gateway", "")), OAuthError::kInvalidRequest);
}

// §2.1: actor_token_type is required with actor_token, and not without.
TEST_F(TokenExchangeTest, ActorTokenAndTypeGoTogether) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.actor_token = UserToken("svc", "gateway");
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
  r.actor_token.clear();
  r.actor_token_type = kAt;
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
}

TEST_F(TokenExchangeTest, InvalidActorTokenIsInvalidRequest) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.actor_token = "not.a.token";
  r.actor_token_type = kAt;
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
  const std::string actor = UserToken("svc", "gateway");
  auto claims = fixture_.access_tokens.Check(actor);
  ASSERT_TRUE(fixture_.access_tokens
                  .Revoke(*claims->claims.jti,
                          absl::FromUnixSeconds(*claims->claims.exp))
                  .ok());
  r.actor_token = actor;
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
}

// §2.2.2: a requested_token_type the server cannot issue is invalid_request.
TEST_F(TokenExchangeTest, UnsupportedRequestedTokenTypeIsInvalidRequest) {
  for (const char* type : {"urn:ietf:params:oauth:token-type:id_token",
                           "urn:ietf:params:oauth:token-type:refresh_token",
                           "urn:ietf:params:oauth:token-type:saml2"}) {
    TokenRequestFields r = Request("gateway", UserToken("alice"));
    r.requested_token_type = type;
    EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest) << type;
  }
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.requested_token_type = kAt;
  EXPECT_TRUE(endpoint_.Exchange(r).ok());
}

TEST_F(TokenExchangeTest, EmptyAudienceIsInvalidRequest) {
  TokenRequestFields r = Request("gateway", UserToken("alice"));
  r.audience = {""};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
  r.audience = {"billing-api", ""};
  EXPECT_EQ(ErrorOf(r), OAuthError::kInvalidRequest);
}

}  // namespace
}  // namespace identity::server
