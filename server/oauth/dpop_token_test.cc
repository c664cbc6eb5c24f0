// DPoP at the token endpoint (RFC 9449 §5, §6.1, §10.2, §11.1): one rule
// each, through TokenEndpoint with the grants wired as the server wires
// them, on the in-memory store with a fake clock.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "jwt/dpop_proof.h"
#include "jwt/jwk.h"
#include "jwt/jws.h"
#include "server/oauth/introspector.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/testing/user_flows_fixture.h"
#include "server/oauth/token_binding.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/userinfo_endpoint.h"

namespace identity::server {
namespace {

constexpr char kTokenUri[] = "https://id.example/token";
constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kVerifier[] =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-dpop-test-verifier";

class DpopTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.AddClient("worker", "worker-secret").ok());
    AddClient("web", false);
    AddClient("spa", true);
    auto alice = u_.users.Create({"alice@example.com", "correct horse",
                                  "Alice A.", "alice@example.com", true});
    ASSERT_TRUE(alice.ok()) << alice.status();
  }

  void AddClient(const std::string& id, bool is_public) {
    storage::ClientRecord client;
    client.client_id = id;
    client.allowed_scopes = {"openid", "orders.read"};
    client.grant_types = {"authorization_code", "refresh_token"};
    client.redirect_uris = {kRedirect};
    client.public_client = is_public;
    if (!is_public) client.secret_hash = f_.hasher.Hash(id + "-secret");
    client.created_at = client.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(client).ok());
  }

  std::string Proof(const jwt::Jwk& key, const std::string& jti,
                    const std::string& uri = kTokenUri) const {
    jwt::DpopProofClaims claims;
    claims.method = "POST";
    claims.uri = uri;
    claims.jti = jti;
    claims.issued_at = f_.clock.Now();
    return *jwt::SignDpopProof(key, claims);
  }

  TokenRequestFields ClientCredentials(std::vector<std::string> proofs) {
    TokenRequestFields request;
    request.grant_type = "client_credentials";
    request.client_id = "worker";
    request.client_secret = "worker-secret";
    request.dpop_proofs = std::move(proofs);
    request.dpop_uri = kTokenUri;
    return request;
  }

  TokenRequestFields CodeExchange(const std::string& client,
                                  std::vector<std::string> proofs) {
    AuthorizationRequest authorize;
    authorize.response_type = "code";
    authorize.client_id = client;
    authorize.redirect_uri = kRedirect;
    authorize.scope = "openid orders.read";
    authorize.state = "s";
    authorize.code_challenge = S256Challenge(kVerifier);
    authorize.code_challenge_method = "S256";
    auto code = u_.authorization.Authorize(authorize, "alice@example.com",
                                           "correct horse", "10.0.0.1");
    EXPECT_TRUE(code.ok()) << code.status();
    TokenRequestFields request;
    request.grant_type = "authorization_code";
    request.client_id = client;
    request.client_secret = client == "spa" ? "" : client + "-secret";
    request.code = code.ok() ? code->code : "";
    request.redirect_uri = kRedirect;
    request.code_verifier = kVerifier;
    request.dpop_proofs = std::move(proofs);
    request.dpop_uri = kTokenUri;
    return request;
  }

  TokenRequestFields Refresh(const std::string& client,
                             const std::string& refresh_token,
                             std::vector<std::string> proofs) {
    TokenRequestFields request;
    request.grant_type = "refresh_token";
    request.client_id = client;
    request.client_secret = client == "spa" ? "" : client + "-secret";
    request.refresh_token = refresh_token;
    request.dpop_proofs = std::move(proofs);
    request.dpop_uri = kTokenUri;
    return request;
  }

  // The "cnf"."jkt" of an access token of this server; "" for none.
  std::string JktOf(const std::string& access_token) {
    auto verified = f_.access_tokens.Verify(access_token);
    EXPECT_TRUE(verified.ok()) << verified.status();
    if (!verified.ok()) return "";
    auto cnf = verified->claims.other.find("cnf");
    if (cnf == verified->claims.other.end()) return "";
    return cnf->value("jkt", "");
  }

  static void ExpectError(const absl::StatusOr<IssuedToken>& result,
                          absl::string_view code, absl::string_view why = "") {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(OAuthErrorCodeOf(result.status()), code) << result.status();
    EXPECT_TRUE(absl::StrContains(result.status().message(), why))
        << result.status();
  }

  void RequireDpop(const std::string& client_id) {
    auto client = *f_.store.GetClient(client_id);
    client.dpop_bound_access_tokens = true;
    ASSERT_TRUE(f_.store.UpdateClient(client).ok());
  }

  testing::UserFlowsFixture u_;
  testing::OAuthFixture& f_ = u_.f;
  TokenEndpoint& tokens_ = u_.tokens;
  jwt::Jwk key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  jwt::Jwk other_key_ = *jwt::Jwk::Generate(jwt::Algorithm::kEdDSA);
};

TEST_F(DpopTokenTest, AProofBindsTheAccessTokenToItsKey) {
  auto issued = tokens_.Exchange(ClientCredentials({Proof(key_, "1")}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "DPoP");
  EXPECT_EQ(JktOf(issued->access_token), key_.Thumbprint());
}

// RFC 9449 §6.2: introspection tells the binding.
TEST_F(DpopTokenTest, IntrospectionShowsTheBinding) {
  auto bound = tokens_.Exchange(ClientCredentials({Proof(key_, "1")}));
  ASSERT_TRUE(bound.ok()) << bound.status();
  auto info = f_.introspector.Introspect("worker", "worker-secret",
                                         bound->access_token);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->active);
  EXPECT_EQ(info->token_type, "DPoP");
  EXPECT_EQ(info->cnf_jkt, key_.Thumbprint());
  auto bearer = tokens_.Exchange(ClientCredentials({}));
  ASSERT_TRUE(bearer.ok());
  info = f_.introspector.Introspect("worker", "worker-secret",
                                    bearer->access_token);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->token_type, "Bearer");
  EXPECT_EQ(info->cnf_jkt, "");
}

TEST_F(DpopTokenTest, WithoutAProofTheTokenIsBearerWithoutCnf) {
  auto issued = tokens_.Exchange(ClientCredentials({}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "Bearer");
  EXPECT_EQ(JktOf(issued->access_token), "");
}

TEST_F(DpopTokenTest, MoreThanOneProofIsRefused) {
  ExpectError(
      tokens_.Exchange(ClientCredentials({Proof(key_, "1"), Proof(key_, "2")})),
      "invalid_dpop_proof", "more than one");
}

TEST_F(DpopTokenTest, MalformedOrMisdirectedProofsAreRefused) {
  ExpectError(tokens_.Exchange(ClientCredentials({"not.a.proof"})),
              "invalid_dpop_proof");
  ExpectError(tokens_.Exchange(ClientCredentials({""})), "invalid_dpop_proof");
  ExpectError(tokens_.Exchange(ClientCredentials(
                  {Proof(key_, "1", "https://id.example/other")})),
              "invalid_dpop_proof", "htu");
}

TEST_F(DpopTokenTest, AnOldProofIsRefused) {
  const std::string proof = Proof(key_, "1");
  f_.clock.Advance(absl::Seconds(61));
  ExpectError(tokens_.Exchange(ClientCredentials({proof})),
              "invalid_dpop_proof");
}

TEST_F(DpopTokenTest, AProofIsUsedOnce) {
  const std::string proof = Proof(key_, "1");
  ASSERT_TRUE(tokens_.Exchange(ClientCredentials({proof})).ok());
  ExpectError(tokens_.Exchange(ClientCredentials({proof})),
              "invalid_dpop_proof", "replayed");
  // The same jti from another key is another proof.
  EXPECT_TRUE(
      tokens_.Exchange(ClientCredentials({Proof(other_key_, "1")})).ok());
}

TEST_F(DpopTokenTest, AnUnauthenticatedRequestDoesNotUseUpTheProof) {
  const std::string proof = Proof(key_, "1");
  TokenRequestFields wrong = ClientCredentials({proof});
  wrong.client_secret = "wrong";
  ExpectError(tokens_.Exchange(wrong), "invalid_client");
  // Not claimed by the refused request: the client's own request succeeds.
  EXPECT_TRUE(tokens_.Exchange(ClientCredentials({proof})).ok());
}

TEST_F(DpopTokenTest, AClientThatMustUseDpopIsRefusedWithoutAProof) {
  RequireDpop("worker");
  ExpectError(tokens_.Exchange(ClientCredentials({})), "invalid_dpop_proof",
              "must send a DPoP proof");
  auto issued = tokens_.Exchange(ClientCredentials({Proof(key_, "1")}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "DPoP");
  // For every grant: the code exchange too.
  RequireDpop("web");
  ExpectError(tokens_.Exchange(CodeExchange("web", {})), "invalid_dpop_proof");
}

TEST_F(DpopTokenTest, APublicClientsRefreshTokenNeedsTheSameKey) {
  auto first = tokens_.Exchange(CodeExchange("spa", {Proof(key_, "1")}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->token_type, "DPoP");
  EXPECT_EQ(JktOf(first->access_token), key_.Thumbprint());
  ASSERT_FALSE(first->refresh_token.empty());
  ExpectError(tokens_.Exchange(Refresh("spa", first->refresh_token, {})),
              "invalid_grant", "DPoP-bound");
  ExpectError(tokens_.Exchange(Refresh("spa", first->refresh_token,
                                       {Proof(other_key_, "2")})),
              "invalid_grant", "another DPoP key");
  auto second = tokens_.Exchange(
      Refresh("spa", first->refresh_token, {Proof(key_, "3")}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->token_type, "DPoP");
  EXPECT_EQ(JktOf(second->access_token), key_.Thumbprint());
  // The rotated token keeps the binding.
  ExpectError(tokens_.Exchange(Refresh("spa", second->refresh_token, {})),
              "invalid_grant", "DPoP-bound");
  EXPECT_TRUE(
      tokens_
          .Exchange(Refresh("spa", second->refresh_token, {Proof(key_, "4")}))
          .ok());
}

// Without the key, an old (rotated) token of a bound family is refused for
// its binding before reuse detection: a thief revokes nothing.
TEST_F(DpopTokenTest, AnOldBoundRefreshTokenWithoutItsKeyRevokesNothing) {
  auto first = tokens_.Exchange(CodeExchange("spa", {Proof(key_, "1")}));
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = tokens_.Exchange(
      Refresh("spa", first->refresh_token, {Proof(key_, "2")}));
  ASSERT_TRUE(second.ok()) << second.status();
  ExpectError(tokens_.Exchange(Refresh("spa", first->refresh_token, {})),
              "invalid_grant", "DPoP-bound");
  ExpectError(tokens_.Exchange(Refresh("spa", first->refresh_token,
                                       {Proof(other_key_, "3")})),
              "invalid_grant", "another DPoP key");
  EXPECT_TRUE(
      tokens_
          .Exchange(Refresh("spa", second->refresh_token, {Proof(key_, "4")}))
          .ok());
}

// A public client's id authenticates nothing: its proof is claimed only
// once the code, refresh token or device code checked out, so junk
// credentials write nothing to the replay store.
TEST_F(DpopTokenTest, APublicClientsJunkGrantDoesNotUseUpTheProof) {
  const std::string proof = Proof(key_, "1");
  ExpectError(tokens_.Exchange(Refresh("spa", "junk", {proof})),
              "invalid_grant");
  TokenRequestFields junk_code = CodeExchange("spa", {proof});
  junk_code.code = "junk";
  ExpectError(tokens_.Exchange(junk_code), "invalid_grant");
  auto issued = tokens_.Exchange(CodeExchange("spa", {proof}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token_type, "DPoP");
  ExpectError(tokens_.Exchange(CodeExchange("spa", {proof})),
              "invalid_dpop_proof", "replayed");
}

TEST_F(DpopTokenTest, AConfidentialClientsRefreshTokenIsNotBound) {
  auto first = tokens_.Exchange(CodeExchange("web", {Proof(key_, "1")}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->token_type, "DPoP");
  // RFC 9449 §5: bound by the client's authentication instead.
  auto second = tokens_.Exchange(Refresh("web", first->refresh_token, {}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->token_type, "Bearer");
  EXPECT_EQ(JktOf(second->access_token), "");
}

TEST_F(DpopTokenTest, AnUnboundPublicRefreshTokenStaysUnbound) {
  auto first = tokens_.Exchange(CodeExchange("spa", {}));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->token_type, "Bearer");
  auto second = tokens_.Exchange(
      Refresh("spa", first->refresh_token, {Proof(key_, "1")}));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->token_type, "DPoP");
  EXPECT_TRUE(tokens_.Exchange(Refresh("spa", second->refresh_token, {})).ok());
}

TEST_F(DpopTokenTest, AnEndpointWithoutDpopRefusesProofs) {
  TokenEndpoint plain({{"client_credentials", &f_.grant}});
  ExpectError(plain.Exchange(ClientCredentials({Proof(key_, "1")})),
              "invalid_dpop_proof", "no DPoP");
}

TEST_F(DpopTokenTest, ABindingNobodyVerifiedIsNeverIssued) {
  TokenRequestFields forged = ClientCredentials({});
  forged.dpop_jkt = key_.Thumbprint();  // No proof, no confirmation.
  auto issued = tokens_.Exchange(forged);
  ASSERT_FALSE(issued.ok());
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kInternal);
}

// RFC 9449 §7 at UserInfo, a protected resource of this server.
class DpopUserInfoTest : public DpopTokenTest {
 protected:
  void SetUp() override {
    DpopTokenTest::SetUp();
    auto issued = tokens_.Exchange(CodeExchange("spa", {Proof(key_, "t")}));
    ASSERT_TRUE(issued.ok()) << issued.status();
    bound_ = issued->access_token;
  }

  std::string ResourceProof(const jwt::Jwk& key, const std::string& jti,
                            const std::string& token) const {
    jwt::DpopProofClaims claims;
    claims.method = "GET";
    claims.uri = kUserInfoUri;
    claims.jti = jti;
    claims.issued_at = f_.clock.Now();
    claims.access_token = token;
    return *jwt::SignDpopProof(key, claims);
  }

  TokenPresentation Dpop(const std::string& token,
                         std::vector<std::string> proofs) const {
    TokenPresentation presented;
    presented.access_token = token;
    presented.dpop_scheme = true;
    presented.dpop_proofs = std::move(proofs);
    presented.method = "GET";
    presented.uri = kUserInfoUri;
    return presented;
  }

  static void ExpectCode(const absl::StatusOr<UserInfo>& result,
                         absl::string_view code) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(OAuthErrorCodeOf(result.status()), code) << result.status();
  }

  static constexpr char kUserInfoUri[] = "https://id.example/userinfo";
  std::string bound_;
};

TEST_F(DpopUserInfoTest, ABoundTokenWithItsProofIsServed) {
  auto info = u_.userinfo.Get(Dpop(bound_, {ResourceProof(key_, "1", bound_)}));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(info->sub.empty());
}

TEST_F(DpopUserInfoTest, ABoundTokenPresentedAsBearerIsRefused) {
  ExpectCode(u_.userinfo.Get(bound_), "invalid_token");
}

TEST_F(DpopUserInfoTest, AnUnboundTokenWithTheDpopSchemeIsRefused) {
  auto bearer = tokens_.Exchange(CodeExchange("spa", {}));
  ASSERT_TRUE(bearer.ok());
  ExpectCode(
      u_.userinfo.Get(Dpop(bearer->access_token,
                           {ResourceProof(key_, "1", bearer->access_token)})),
      "invalid_token");
  EXPECT_TRUE(u_.userinfo.Get(bearer->access_token).ok());
}

TEST_F(DpopUserInfoTest, EveryProofRuleHasItsError) {
  ExpectCode(u_.userinfo.Get(Dpop(bound_, {})), "invalid_dpop_proof");
  ExpectCode(u_.userinfo.Get(Dpop(bound_, {ResourceProof(key_, "1", bound_),
                                           ResourceProof(key_, "2", bound_)})),
             "invalid_dpop_proof");
  // Another key than the token's.
  ExpectCode(
      u_.userinfo.Get(Dpop(bound_, {ResourceProof(other_key_, "3", bound_)})),
      "invalid_dpop_proof");
  // "ath" of another token.
  ExpectCode(u_.userinfo.Get(Dpop(bound_, {ResourceProof(key_, "4", "x")})),
             "invalid_dpop_proof");
  // A token endpoint proof (no ath, htm POST).
  ExpectCode(u_.userinfo.Get(Dpop(bound_, {Proof(key_, "5")})),
             "invalid_dpop_proof");
  // Used once.
  const std::string proof = ResourceProof(key_, "6", bound_);
  ASSERT_TRUE(u_.userinfo.Get(Dpop(bound_, {proof})).ok());
  ExpectCode(u_.userinfo.Get(Dpop(bound_, {proof})), "invalid_dpop_proof");
}

TEST(TokenBindingTest, ConfirmationClaimIsCnfJkt) {
  jwt::Claims claims;
  AddConfirmation(claims, "");
  EXPECT_FALSE(claims.other.contains("cnf"));
  AddConfirmation(claims, "abc");
  EXPECT_EQ(claims.other["cnf"], (jwt::Json{{"jkt", "abc"}}));
  storage::ClientRecord client;
  EXPECT_EQ(RefreshTokenBinding(client, "abc"), "");
  client.public_client = true;
  EXPECT_EQ(RefreshTokenBinding(client, "abc"), "abc");
}

}  // namespace
}  // namespace identity::server
