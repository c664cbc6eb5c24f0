// Resource indicators (RFC 8707; RFC 9700 §2.3 audience restriction): the
// syntax of an indicator, the registry, and every rule at the authorization
// request, PAR and the token endpoint (client_credentials,
// authorization_code, refresh_token), each refusal asserted by its error.
#include "server/oauth/resource_indicators.h"

#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/authorization.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/resource_registry.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using testing::kFixtureAudience;
using testing::kFixtureIssuer;

constexpr char kOrders[] = "https://orders.example/api";
constexpr char kBilling[] = "https://billing.example/";
constexpr char kAdminApi[] = "urn:example:admin";
constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::optional<OAuthError> ErrorOf(const absl::Status& status) {
  return OAuthErrorOf(status);
}

// --- Syntax (RFC 8707 §2) ---

TEST(CheckResourceIndicatorTest, AbsoluteUrisWithoutFragmentPass) {
  for (const char* ok :
       {"https://orders.example/api", "https://orders.example/api?v=2",
        "urn:example:orders", "http://127.0.0.1:8080/", "x-y.z+w:thing"}) {
    EXPECT_TRUE(CheckResourceIndicator(ok).ok()) << ok;
  }
}

TEST(CheckResourceIndicatorTest, RelativeFragmentOrMalformedIsInvalidTarget) {
  for (const std::string& bad : std::vector<std::string>{
           "", "/api", "orders.example/api", "//orders.example/api",
           "https://orders.example/api#frag", "https://orders.example/a b",
           "1https://x", "https:", ":x", "https://orders.example/\x01",
           "https://orders.example/\xc3\xa9",
           "https://x/" + std::string(kMaxResourceIndicatorLength, 'a')}) {
    EXPECT_EQ(ErrorOf(CheckResourceIndicator(bad)), OAuthError::kInvalidTarget)
        << bad;
  }
  // At the bound exactly: accepted.
  const std::string longest =
      "urn:" + std::string(kMaxResourceIndicatorLength - 4, 'a');
  EXPECT_TRUE(CheckResourceIndicator(longest).ok());
}

// --- The registry (AdminService) ---

class ResourceRegistryTest : public ::testing::Test {
 protected:
  storage::MemoryStore store_;
  jwt::FakeClock clock_{testing::kFixtureNow};
  ResourceRegistry registry_{&store_, &clock_};
};

TEST_F(ResourceRegistryTest, CreateGetUpdateDelete) {
  auto created = registry_.Create(
      {kOrders, "Orders", {"orders.read", "orders.write", "orders.read"}});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->scopes,
            (std::vector<std::string>{"orders.read", "orders.write"}));
  EXPECT_EQ(*registry_.Get(kOrders), *created);
  EXPECT_EQ(registry_.Create({kOrders, "again", {"x"}}).status().code(),
            absl::StatusCode::kAlreadyExists);
  clock_.Advance(absl::Seconds(5));
  auto updated = registry_.Update({kOrders, "Orders v2", {"orders.read"}});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->created_at, created->created_at);
  EXPECT_EQ(updated->updated_at, clock_.Now());
  EXPECT_EQ(registry_.Get(kOrders)->scopes,
            std::vector<std::string>{"orders.read"});
  ASSERT_TRUE(registry_.Delete(kOrders).ok());
  EXPECT_EQ(registry_.Get(kOrders).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_.Update({kOrders, "x", {"x"}}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ResourceRegistryTest, BadSpecsAreInvalidRequest) {
  const std::vector<ResourceSpec> bad = {
      {"/relative", "n", {"a"}},
      {"https://x/#f", "n", {"a"}},
      {kOrders, "n", {}},               // No scope: nobody may have it.
      {kOrders, "n", {"two words"}},    // Not one scope token.
      {kOrders, "bad\x01name", {"a"}},  // Control character.
      {kOrders, std::string(201, 'n'), {"a"}},
      // This server's own scopes: it accepts its tokens whatever their aud.
      {kOrders, "n", {"orders.read", "identity.admin"}},
      {kOrders, "n", {"openid"}},
      {kOrders, "n", {"profile"}},
      {kOrders, "n", {"offline_access"}},
  };
  for (const ResourceSpec& spec : bad) {
    EXPECT_EQ(ErrorOf(registry_.Create(spec).status()),
              OAuthError::kInvalidRequest)
        << spec.resource << " " << spec.name;
  }
  EXPECT_TRUE(store_.ListResources("", 10)->empty());
}

TEST_F(ResourceRegistryTest, ListPages) {
  for (const char* r : {"urn:c", "urn:a", "urn:b"}) {
    ASSERT_TRUE(registry_.Create({r, "", {"s"}}).ok());
  }
  auto first = registry_.List(2, "");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->resources.size(), 2u);
  EXPECT_FALSE(first->next_page_token.empty());
  auto rest = registry_.List(2, first->next_page_token);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->resources.size(), 1u);
  EXPECT_EQ(rest->resources[0].resource, "urn:c");
  EXPECT_TRUE(rest->next_page_token.empty());
  EXPECT_EQ(ErrorOf(registry_.List(2, "not base64!").status()),
            OAuthError::kInvalidRequest);
}

// --- The rules, through the flows ---

class ResourceFlowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ResourceRegistry registry(&f_.store, &f_.clock);
    ASSERT_TRUE(
        registry.Create({kOrders, "Orders", {"orders.read", "orders.write"}})
            .ok());
    ASSERT_TRUE(registry.Create({kBilling, "Billing", {"billing.read"}}).ok());
    ASSERT_TRUE(registry.Create({kAdminApi, "Admin", {"admin.all"}}).ok());
    // worker: orders.read orders.write (client_credentials).
    ASSERT_TRUE(f_.AddClient("worker", "worker-secret").ok());
    storage::ClientRecord web;
    web.client_id = "web";
    web.allowed_scopes = {"orders.read", "orders.write", "billing.read"};
    web.grant_types = {"authorization_code", "refresh_token",
                       "client_credentials"};
    web.redirect_uris = {kRedirect};
    web.secret_hash = f_.hasher.Hash("web-secret");
    web.created_at = web.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(web).ok());
    auto alice = u_.users.Create({"alice@example.com", "correct horse", "Alice",
                                  "alice@example.com", true});
    ASSERT_TRUE(alice.ok()) << alice.status();
  }

  TokenRequestFields ClientCredentials(std::vector<std::string> resource,
                                       const std::string& scope = "") {
    TokenRequestFields request;
    request.grant_type = "client_credentials";
    request.client_id = "worker";
    request.client_secret = "worker-secret";
    request.scope = scope;
    request.resource = std::move(resource);
    return request;
  }

  AuthorizationRequest Request(std::vector<std::string> resource) {
    AuthorizationRequest request;
    request.response_type = "code";
    request.client_id = "web";
    request.redirect_uri = kRedirect;
    request.scope = "openid orders.read billing.read";
    request.code_challenge = S256Challenge(kVerifier);
    request.code_challenge_method = "S256";
    request.resource = std::move(resource);
    return request;
  }

  absl::StatusOr<IssuedCode> Authorize(const AuthorizationRequest& request) {
    return u_.authorization.Authorize(request, "alice@example.com",
                                      "correct horse", "10.0.0.1");
  }

  TokenRequestFields Exchange(const std::string& code,
                              std::vector<std::string> resource) {
    TokenRequestFields request;
    request.grant_type = "authorization_code";
    request.client_id = "web";
    request.client_secret = "web-secret";
    request.code = code;
    request.redirect_uri = kRedirect;
    request.code_verifier = kVerifier;
    request.resource = std::move(resource);
    return request;
  }

  TokenRequestFields Refresh(const std::string& token,
                             std::vector<std::string> resource,
                             const std::string& scope = "") {
    TokenRequestFields request;
    request.grant_type = "refresh_token";
    request.client_id = "web";
    request.client_secret = "web-secret";
    request.refresh_token = token;
    request.scope = scope;
    request.resource = std::move(resource);
    return request;
  }

  // The access token verified for `audience` (and only it): its claims.
  absl::StatusOr<jwt::Claims> VerifyFor(const std::string& token,
                                        const std::string& audience) {
    jwt::VerifierOptions options;
    options.clock = &f_.clock;
    options.issuer = kFixtureIssuer;
    options.audiences = {audience};
    options.required_typ = "at+jwt";
    options.allowed_algorithms = f_.keys->snapshot()->SigningAlgorithms();
    auto verified = jwt::JwtVerifier::Create(options)->Verify(
        token, *f_.keys->snapshot()->jwks);
    if (!verified.ok()) return verified.status();
    return verified->claims;
  }

  std::string ScopeOf(const jwt::Claims& claims) {
    auto it = claims.other.find("scope");
    return it == claims.other.end() ? "" : it->get<std::string>();
  }

  // A refresh token of a grant authorized for `resources`.
  std::string RefreshTokenFor(std::vector<std::string> resources) {
    auto code = Authorize(Request(resources));
    EXPECT_TRUE(code.ok()) << code.status();
    if (!code.ok()) return "";
    auto issued = u_.tokens.Exchange(Exchange(code->code, {resources[0]}));
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->refresh_token : "";
  }

  testing::UserFlowsFixture u_;
  testing::OAuthFixture& f_ = u_.f;
};

// client_credentials ---------------------------------------------------------

TEST_F(ResourceFlowsTest, ClientCredentialsTokenIsForTheResourceOnly) {
  auto issued = f_.tokens.Exchange(ClientCredentials({kOrders}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  auto claims = VerifyFor(issued->access_token, kOrders);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->aud, std::vector<std::string>{kOrders});
  EXPECT_EQ(ScopeOf(*claims), "orders.read orders.write");
  // RFC 9700 §2.3: not accepted where the default audience is expected.
  EXPECT_FALSE(VerifyFor(issued->access_token, kFixtureAudience).ok());
}

TEST_F(ResourceFlowsTest, WithoutResourceTheConfiguredAudienceStays) {
  auto issued = f_.tokens.Exchange(ClientCredentials({}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(VerifyFor(issued->access_token, kFixtureAudience).ok());
}

// RFC 8707 §2.2: the token's scope is requested ∩ the client's ∩ the
// resource's.
TEST_F(ResourceFlowsTest, ScopesAreNarrowedToTheResource) {
  ResourceRegistry registry(&f_.store, &f_.clock);
  ASSERT_TRUE(
      registry.Update({kOrders, "Orders", {"orders.read", "orders.audit"}})
          .ok());
  auto issued = f_.tokens.Exchange(ClientCredentials({kOrders}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "orders.read");
  EXPECT_EQ(ScopeOf(*VerifyFor(issued->access_token, kOrders)), "orders.read");
  // Asking only for a scope the resource does not define: nothing to grant.
  EXPECT_EQ(
      ErrorOf(f_.tokens.Exchange(ClientCredentials({kOrders}, "orders.write"))
                  .status()),
      OAuthError::kInvalidScope);
}

TEST_F(ResourceFlowsTest, ClientCredentialsRefusals) {
  struct Case {
    std::vector<std::string> resource;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {{"https://unknown.example/"}, "unknown"},
           {{"/api"}, "relative"},
           {{"https://orders.example/api#x"}, "fragment"},
           {{kBilling}, "not the client's (no scope in common)"},
           {{kOrders, kBilling}, "several"},
       }) {
    auto refused = f_.tokens.Exchange(ClientCredentials(c.resource));
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidTarget) << c.why;
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << c.why;
  }
  // The same resource twice is one resource.
  EXPECT_TRUE(f_.tokens.Exchange(ClientCredentials({kOrders, kOrders})).ok());
}

// Authorization request ------------------------------------------------------

TEST_F(ResourceFlowsTest, CodeRecordsItsResources) {
  auto code = Authorize(Request({kOrders, kBilling, kOrders}));
  ASSERT_TRUE(code.ok()) << code.status();
  auto stored = f_.store.GetAuthorizationCode(HashOpaqueToken(code->code));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->resources, (std::vector<std::string>{kOrders, kBilling}));
}

TEST_F(ResourceFlowsTest, AuthorizationRefusalsAreRedirectedInvalidTarget) {
  for (const std::vector<std::string>& resource :
       std::vector<std::vector<std::string>>{
           {"https://unknown.example/"},
           {"relative/path"},
           {"https://orders.example/api#x"},
           {kAdminApi},  // No scope of it is the client's.
           {kOrders, "https://unknown.example/"}}) {
    auto refused = Authorize(Request(resource));
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidTarget)
        << resource.back();
    const auto details = ErrorDetailsOf(refused.status());
    ASSERT_EQ(details.count("redirect_uri"), 1u);
    EXPECT_NE(details.at("redirect_uri").find("error=invalid_target"),
              std::string::npos);
  }
  std::vector<std::string> many;
  for (size_t i = 0; i <= kMaxResourcesPerAuthorization; ++i) {
    many.push_back("urn:r" + std::to_string(i));
  }
  EXPECT_EQ(ErrorOf(Authorize(Request(many)).status()),
            OAuthError::kInvalidTarget);
}

TEST_F(ResourceFlowsTest, PushedRequestKeepsItsResources) {
  PushRequestFields push;
  push.client_id = "web";
  push.client_secret = "web-secret";
  push.request = Request({kOrders, kBilling});
  auto pushed = u_.pushed.Push(push);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  AuthorizationRequest by_reference;
  by_reference.client_id = "web";
  by_reference.request_uri = pushed->request_uri;
  auto code = Authorize(by_reference);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(
      f_.store.GetAuthorizationCode(HashOpaqueToken(code->code))->resources,
      (std::vector<std::string>{kOrders, kBilling}));
  // A pushed request naming an unknown resource is refused at /par.
  push.request = Request({"https://unknown.example/"});
  EXPECT_EQ(ErrorOf(u_.pushed.Push(push).status()), OAuthError::kInvalidTarget);
}

// authorization_code ---------------------------------------------------------

TEST_F(ResourceFlowsTest, CodeForOneResourceGivesItsToken) {
  auto code = Authorize(Request({kOrders}));
  ASSERT_TRUE(code.ok()) << code.status();
  // No resource at the token endpoint: the code's one resource.
  auto issued = u_.tokens.Exchange(Exchange(code->code, {}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  auto claims = VerifyFor(issued->access_token, kOrders);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(ScopeOf(*claims), "orders.read");
  EXPECT_EQ(issued->scope, "orders.read");
  // The ID token still answers openid: it is the client's, not the API's.
  EXPECT_FALSE(issued->id_token.empty());
}

TEST_F(ResourceFlowsTest, CodeExchangedForAResourceNotAuthorizedIsRefused) {
  auto code = Authorize(Request({kOrders}));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Exchange(code->code, {kBilling})).status()),
      OAuthError::kInvalidTarget);
  // Refused before redemption: the code still gives its token.
  EXPECT_TRUE(u_.tokens.Exchange(Exchange(code->code, {kOrders})).ok());
}

TEST_F(ResourceFlowsTest, CodeWithoutResourcesServesNoResource) {
  auto code = Authorize(Request({}));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Exchange(code->code, {kOrders})).status()),
      OAuthError::kInvalidTarget);
  auto issued = u_.tokens.Exchange(Exchange(code->code, {}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(VerifyFor(issued->access_token, kFixtureAudience).ok());
}

TEST_F(ResourceFlowsTest, CodeOfSeveralResourcesNeedsOneNamed) {
  auto code = Authorize(Request({kOrders, kBilling}));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(ErrorOf(u_.tokens.Exchange(Exchange(code->code, {})).status()),
            OAuthError::kInvalidTarget);
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Exchange(code->code, {kOrders, kBilling}))
                  .status()),
      OAuthError::kInvalidTarget);
  auto issued = u_.tokens.Exchange(Exchange(code->code, {kBilling}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(ScopeOf(*VerifyFor(issued->access_token, kBilling)),
            "billing.read");
}

// A resource deleted, or changed so the client has none of its scopes,
// since the code was issued: refused at the token endpoint.
TEST_F(ResourceFlowsTest, ResourceGoneSinceTheCodeIsRefused) {
  auto code = Authorize(Request({kOrders, kBilling}));
  ASSERT_TRUE(code.ok()) << code.status();
  ResourceRegistry registry(&f_.store, &f_.clock);
  ASSERT_TRUE(registry.Delete(kBilling).ok());
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Exchange(code->code, {kBilling})).status()),
      OAuthError::kInvalidTarget);
  ASSERT_TRUE(registry.Update({kOrders, "Orders", {"orders.audit"}}).ok());
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Exchange(code->code, {kOrders})).status()),
      OAuthError::kInvalidTarget);
}

// refresh_token ---------------------------------------------------------------

// RFC 8707 §2.2: one refresh token, a token for each resource in turn.
TEST_F(ResourceFlowsTest, RefreshGivesATokenForEachResourceInTurn) {
  std::string refresh = RefreshTokenFor({kOrders, kBilling});
  ASSERT_FALSE(refresh.empty());
  auto billing = u_.tokens.Exchange(Refresh(refresh, {kBilling}));
  ASSERT_TRUE(billing.ok()) << billing.status();
  EXPECT_EQ(ScopeOf(*VerifyFor(billing->access_token, kBilling)),
            "billing.read");
  EXPECT_FALSE(VerifyFor(billing->access_token, kOrders).ok());
  auto orders = u_.tokens.Exchange(Refresh(billing->refresh_token, {kOrders}));
  ASSERT_TRUE(orders.ok()) << orders.status();
  EXPECT_EQ(ScopeOf(*VerifyFor(orders->access_token, kOrders)), "orders.read");
  // The rotated token keeps both resources.
  EXPECT_EQ(f_.store.GetRefreshToken(HashOpaqueToken(orders->refresh_token))
                ->resources,
            (std::vector<std::string>{kOrders, kBilling}));
}

TEST_F(ResourceFlowsTest, RefreshForAResourceOutsideTheGrantIsRefused) {
  std::string refresh = RefreshTokenFor({kOrders});
  ASSERT_FALSE(refresh.empty());
  for (const std::vector<std::string>& resource :
       std::vector<std::vector<std::string>>{
           {kBilling}, {"https://unknown.example/"}, {kOrders, kBilling}}) {
    EXPECT_EQ(ErrorOf(u_.tokens.Exchange(Refresh(refresh, resource)).status()),
              OAuthError::kInvalidTarget)
        << resource.back();
  }
  // Refused before rotation: the token still works.
  auto issued = u_.tokens.Exchange(Refresh(refresh, {}));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(VerifyFor(issued->access_token, kOrders).ok());
}

TEST_F(ResourceFlowsTest, RefreshScopeNarrowsWithinTheResource) {
  std::string refresh = RefreshTokenFor({kOrders, kBilling});
  ASSERT_FALSE(refresh.empty());
  // billing.read is the grant's but not the orders API's: nothing left.
  EXPECT_EQ(
      ErrorOf(u_.tokens.Exchange(Refresh(refresh, {kOrders}, "billing.read"))
                  .status()),
      OAuthError::kInvalidScope);
  auto issued =
      u_.tokens.Exchange(Refresh(refresh, {kOrders}, "openid orders.read"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "orders.read");
}

}  // namespace
}  // namespace identity::server
