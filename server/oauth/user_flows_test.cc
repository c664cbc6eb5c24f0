// The end-user flows on the in-memory store with a fake clock: authorize
// (Steps A-B), the authorization_code grant with PKCE (C-D), refresh
// rotation and reuse detection, revocation and UserInfo. A negative test for
// every rule, asserting the OAuth error.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/authorization.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/pkce.h"
#include "server/oauth/purge.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/testing/user_flows_fixture.h"
#include "server/oauth/token_endpoint.h"
#include "server/users/user_accounts.h"

namespace identity::server {
namespace {

using testing::kFixtureIssuer;

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kVerifier[] =
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";  // RFC 7636 Appendix B.

std::optional<OAuthError> ErrorOf(const absl::Status& status) {
  return OAuthErrorOf(status);
}

class UserFlowsTest : public ::testing::Test {
 protected:
  explicit UserFlowsTest(KeyManagerOptions key_options = {})
      : u_(std::move(key_options)) {}

  void SetUp() override {
    ASSERT_TRUE(f_.AddClient("worker", "worker-secret").ok());
    AddClient("web", false, {"authorization_code", "refresh_token"});
    AddClient("spa", true, {"authorization_code", "refresh_token"});
    AddClient("nore", false, {"authorization_code"});  // No refresh.
    auto alice = users_.Create({"Alice@Example.com", "correct horse",
                                "Alice A.", "alice@example.com", true});
    ASSERT_TRUE(alice.ok()) << alice.status();
    alice_ = *alice;
    f_.events.Take();
  }

  void AddClient(const std::string& id, bool is_public,
                 std::vector<std::string> grants) {
    storage::ClientRecord client;
    client.client_id = id;
    client.allowed_scopes = {"orders.read", "orders.write"};
    client.grant_types = std::move(grants);
    client.redirect_uris = {kRedirect, "http://127.0.0.1:8123/cb"};
    client.public_client = is_public;
    if (!is_public) client.secret_hash = f_.hasher.Hash(id + "-secret");
    client.created_at = client.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(client).ok());
  }

  AuthorizationRequest Request(const std::string& client = "web") {
    AuthorizationRequest request;
    request.response_type = "code";
    request.client_id = client;
    request.redirect_uri = kRedirect;
    request.scope = "openid profile email orders.read";
    request.state = "xyz";
    request.code_challenge = S256Challenge(kVerifier);
    request.code_challenge_method = "S256";
    request.nonce = "n-0S6_WzA2Mj";
    return request;
  }

  absl::StatusOr<IssuedCode> Authorize(
      const AuthorizationRequest& request,
      const std::string& password = "correct horse") {
    return authorization_.Authorize(request, "alice@example.com", password,
                                    "10.0.0.1");
  }

  std::string Code(const std::string& client = "web") {
    auto issued = Authorize(Request(client));
    EXPECT_TRUE(issued.ok()) << issued.status();
    return issued.ok() ? issued->code : "";
  }

  TokenRequestFields Exchange(const std::string& code,
                              const std::string& client = "web") {
    TokenRequestFields request;
    request.grant_type = "authorization_code";
    request.client_id = client;
    request.client_secret = client == "spa" ? "" : client + "-secret";
    request.code = code;
    request.redirect_uri = kRedirect;
    request.code_verifier = kVerifier;
    return request;
  }

  TokenRequestFields Refresh(const std::string& token,
                             const std::string& client = "web",
                             const std::string& scope = "") {
    TokenRequestFields request;
    request.grant_type = "refresh_token";
    request.client_id = client;
    request.client_secret = client == "spa" ? "" : client + "-secret";
    request.refresh_token = token;
    request.scope = scope;
    return request;
  }

  jwt::Claims Verify(const std::string& token, const std::string& typ,
                     const std::string& audience) {
    jwt::VerifierOptions options;
    options.clock = &f_.clock;
    options.issuer = kFixtureIssuer;
    options.audiences = {audience};
    options.required_typ = typ;
    options.allowed_algorithms = f_.keys->snapshot()->SigningAlgorithms();
    auto verified = jwt::JwtVerifier::Create(options)->Verify(
        token, *f_.keys->snapshot()->jwks);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? verified->claims : jwt::Claims();
  }

  testing::UserFlowsFixture u_;
  // Short names for the parts the tests use.
  testing::OAuthFixture& f_ = u_.f;
  std::unique_ptr<LoginThrottle>& throttle_ = u_.throttle;
  UserAccounts& users_ = u_.users;
  AuthorizationEndpoint& authorization_ = u_.authorization;
  TokenRevoker& revoker_ = u_.revoker;
  UserInfoEndpoint& userinfo_ = u_.userinfo;
  TokenEndpoint& tokens_ = u_.tokens;
  storage::UserRecord alice_;
};

// --- Authorize (Steps A and B) ---

TEST_F(UserFlowsTest, AuthorizeIssuesACodeAndTheRedirect) {
  auto issued = Authorize(Request());
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->code.size(), 43u);  // 256 bits, base64url.
  EXPECT_EQ(issued->state, "xyz");
  EXPECT_EQ(issued->redirect_url,
            std::string(kRedirect) + "?code=" + issued->code +
                "&state=xyz&iss=https%3A%2F%2Fid.example");
  // Stored only as a hash.
  auto stored = f_.store.GetAuthorizationCode(HashOpaqueToken(issued->code));
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(stored->code_hash, issued->code);
  EXPECT_EQ(stored->user_id, alice_.user_id);
  EXPECT_EQ(stored->scope, "openid profile email orders.read");
  EXPECT_EQ(stored->expires_at - f_.clock.Now(), absl::Seconds(60));
}

TEST_F(UserFlowsTest, UnknownClientOrRedirectUriIsNeverRedirected) {
  struct Case {
    std::string client_id, redirect_uri;
  };
  for (const Case& c : std::vector<Case>{
           {"nobody", kRedirect},
           {"", kRedirect},
           {"bad id!", kRedirect},
           {"web", ""},
           {"web", std::string(kRedirect) + "/other"},
           {"web", std::string(kRedirect) + "?x=1"},
           {"web", "https://APP.example/callback"},
           {"web", "https://evil.example/callback"},
       }) {
    AuthorizationRequest request = Request();
    request.client_id = c.client_id;
    request.redirect_uri = c.redirect_uri;
    auto refused = Authorize(request);
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidRequest)
        << c.client_id << " " << c.redirect_uri;
    EXPECT_EQ(ErrorDetailsOf(refused.status()).count("redirect_uri"), 0u)
        << c.client_id << " " << c.redirect_uri;
  }
}

TEST_F(UserFlowsTest, OtherRequestErrorsGoToTheRedirectUri) {
  struct Case {
    std::function<void(AuthorizationRequest&)> change;
    OAuthError error;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.response_type = "token"; },
       OAuthError::kUnsupportedResponseType},
      {[](auto& r) { r.response_type = ""; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.scope = "openid admin"; }, OAuthError::kInvalidScope},
      {[](auto& r) { r.scope = "bad\"scope"; }, OAuthError::kInvalidScope},
      {[](auto& r) { r.code_challenge = ""; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_challenge_method = ""; },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_challenge_method = "plain"; },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_challenge = "short"; },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_challenge.back() = '='; },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.nonce = std::string(513, 'n'); },
       OAuthError::kInvalidRequest},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    AuthorizationRequest request = Request();
    cases[i].change(request);
    auto refused = Authorize(request);
    EXPECT_EQ(ErrorOf(refused.status()), cases[i].error) << i;
    const std::string redirect =
        ErrorDetailsOf(refused.status())["redirect_uri"];
    EXPECT_TRUE(absl::StartsWith(
        redirect, std::string(kRedirect) +
                      "?error=" + std::string(OAuthErrorCode(cases[i].error)) +
                      "&error_description="))
        << i << " " << redirect;
    EXPECT_TRUE(
        absl::EndsWith(redirect, "&state=xyz&iss=https%3A%2F%2Fid.example"))
        << redirect;
  }
  // A client that may not use the grant.
  AuthorizationRequest request = Request("worker");
  storage::ClientRecord worker = *f_.store.GetClient("worker");
  worker.redirect_uris = {kRedirect};
  ASSERT_TRUE(f_.store.UpdateClient(worker).ok());
  auto refused = Authorize(request);
  EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kUnauthorizedClient);
  EXPECT_EQ(ErrorDetailsOf(refused.status()).count("redirect_uri"), 1u);
}

// RFC 6749 §4.1.2.1 and §5.2 (issue 13 item 9): the redirect's
// error_description has only the characters §5.2 allows, however the
// core's message was written (this one quotes "code").
TEST_F(UserFlowsTest, RedirectedErrorDescriptionIsRfc6749Clean) {
  AuthorizationRequest request = Request();
  request.response_type = "token";
  auto refused = Authorize(request);
  ASSERT_EQ(ErrorOf(refused.status()), OAuthError::kUnsupportedResponseType);
  const std::string redirect = ErrorDetailsOf(refused.status())["redirect_uri"];
  EXPECT_NE(redirect.find("error_description=response_type+must+be+%27code%27"),
            std::string::npos)
      << redirect;
  EXPECT_EQ(redirect.find("%22"), std::string::npos) << redirect;
}

TEST_F(UserFlowsTest, AnOverlongStateIsRefusedAndNotEchoed) {
  AuthorizationRequest request = Request();
  request.state = std::string(1025, 's');
  auto refused = Authorize(request);
  EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidRequest);
  const std::string redirect = ErrorDetailsOf(refused.status())["redirect_uri"];
  EXPECT_TRUE(absl::StartsWith(
      redirect, std::string(kRedirect) + "?error=invalid_request"));
  EXPECT_EQ(redirect.find("sss"), std::string::npos);
  request.state = std::string(1024, 's');  // The limit itself is fine.
  EXPECT_TRUE(Authorize(request).ok());
}

TEST_F(UserFlowsTest, PlainPkceOnlyWhenConfigured) {
  AuthorizationEndpoint lenient(&f_.store, &f_.store, &users_, &f_.clock,
                                SystemRandom(),
                                {kFixtureIssuer, true, absl::Seconds(60)});
  AuthorizationRequest request = Request();
  request.code_challenge = kVerifier;
  request.code_challenge_method = "plain";
  auto issued =
      lenient.Authorize(request, "alice@example.com", "correct horse", "x");
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(tokens_.Exchange(Exchange(issued->code)).ok());
  EXPECT_EQ(ErrorOf(Authorize(request).status()), OAuthError::kInvalidRequest);
}

// RFC 9700 §2.1.1: PKCE stays required unless a confidential client is
// registered with pkce_optional, and then only an openid request may go
// without it (with or without a nonce: OIDC Core §3.1.2.1 makes the nonce
// optional for the code flow, and the conformance suite checks that).
TEST_F(UserFlowsTest, PkceIsOptionalOnlyForRegisteredConfidentialClients) {
  AuthorizationRequest without = Request();
  without.code_challenge.clear();
  without.code_challenge_method.clear();
  EXPECT_EQ(ErrorOf(Authorize(without).status()), OAuthError::kInvalidRequest);

  storage::ClientRecord web = *f_.store.GetClient("web");
  web.pkce_optional = true;
  ASSERT_TRUE(f_.store.UpdateClient(web).ok());
  auto issued = Authorize(without);
  ASSERT_TRUE(issued.ok()) << issued.status();
  // The code is redeemed without a verifier; with one it would be a PKCE
  // downgrade, refused.
  TokenRequestFields with_verifier = Exchange(issued->code);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(with_verifier).status()),
            OAuthError::kInvalidGrant);
  TokenRequestFields exchange = Exchange(Authorize(without)->code);
  exchange.code_verifier.clear();
  EXPECT_TRUE(tokens_.Exchange(exchange).ok());

  // Without a nonce too; without the openid scope PKCE is required again.
  AuthorizationRequest no_nonce = without;
  no_nonce.nonce.clear();
  auto nonce_less = Authorize(no_nonce);
  ASSERT_TRUE(nonce_less.ok()) << nonce_less.status();
  TokenRequestFields nonce_less_exchange = Exchange(nonce_less->code);
  nonce_less_exchange.code_verifier.clear();
  EXPECT_TRUE(tokens_.Exchange(nonce_less_exchange).ok());
  AuthorizationRequest not_openid = without;
  not_openid.scope = "orders.read";
  EXPECT_EQ(ErrorOf(Authorize(not_openid).status()),
            OAuthError::kInvalidRequest);
  // A method without a challenge is still malformed PKCE.
  AuthorizationRequest method_only = without;
  method_only.code_challenge_method = "S256";
  EXPECT_EQ(ErrorOf(Authorize(method_only).status()),
            OAuthError::kInvalidRequest);
  // PKCE sent by such a client is checked as any other.
  auto with_pkce = Authorize(Request());
  ASSERT_TRUE(with_pkce.ok());
  TokenRequestFields wrong = Exchange(with_pkce->code);
  wrong.code_verifier = std::string(43, 'x');
  EXPECT_EQ(ErrorOf(tokens_.Exchange(wrong).status()),
            OAuthError::kInvalidGrant);

  // A public client never goes without PKCE, even if its record says so.
  storage::ClientRecord spa = *f_.store.GetClient("spa");
  spa.pkce_optional = true;
  ASSERT_TRUE(f_.store.UpdateClient(spa).ok());
  AuthorizationRequest spa_without = without;
  spa_without.client_id = "spa";
  EXPECT_EQ(ErrorOf(Authorize(spa_without).status()),
            OAuthError::kInvalidRequest);
}

TEST_F(UserFlowsTest, BadCredentialsAreAccessDeniedWithOneMessage) {
  std::string message;
  for (const auto& [username, password] :
       std::vector<std::pair<std::string, std::string>>{
           {"alice@example.com", "wrong"},
           {"nobody@example.com", "correct horse"},
           {"", "x"},
           {"ALICE@EXAMPLE.COM", ""}}) {
    auto refused =
        authorization_.Authorize(Request(), username, password, "10.0.0.9");
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kAccessDenied);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
    if (message.empty()) message = std::string(refused.status().message());
    EXPECT_EQ(refused.status().message(), message);  // No enumeration.
    // The user may retry: nothing for the redirect_uri.
    EXPECT_EQ(ErrorDetailsOf(refused.status()).count("redirect_uri"), 0u);
  }
  // Case does not matter in usernames.
  EXPECT_TRUE(authorization_
                  .Authorize(Request(), "ALICE@example.COM", "correct horse",
                             "10.0.0.9")
                  .ok());
  // A disabled user: refused like a wrong password.
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, true).ok());
  auto disabled = Authorize(Request());
  EXPECT_EQ(ErrorOf(disabled.status()), OAuthError::kAccessDenied);
  EXPECT_EQ(disabled.status().message(), message);
  std::vector<std::string> events = f_.events.Take();
  EXPECT_EQ(std::count(events.begin(), events.end(), "login_failed disabled"),
            1);
}

TEST_F(UserFlowsTest, FailedLoginsAreThrottled) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ErrorOf(Authorize(Request(), "wrong").status()),
              OAuthError::kAccessDenied);
  }
  // Locked: even the right password waits.
  auto locked = Authorize(Request());
  EXPECT_EQ(ErrorOf(locked.status()), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(locked.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ErrorDetailsOf(locked.status())["retry_after_seconds"], "60");
  f_.clock.Advance(absl::Seconds(61));
  EXPECT_TRUE(Authorize(Request()).ok());
}

TEST_F(UserFlowsTest, UsersCannotBeGrantedAdministration) {
  storage::ClientRecord web = *f_.store.GetClient("web");
  web.allowed_scopes.push_back("identity.admin");
  ASSERT_TRUE(f_.store.UpdateClient(web).ok());
  AuthorizationRequest request = Request();
  request.scope = "openid identity.admin";
  EXPECT_EQ(ErrorOf(Authorize(request).status()), OAuthError::kInvalidScope);
  // Nor by default, when no scope is asked for.
  request.scope = "";
  auto issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->scope, "orders.read orders.write");
}

TEST_F(UserFlowsTest, LoopbackRedirectsMayUseAnyPort) {
  AuthorizationRequest request = Request("spa");
  request.redirect_uri = "http://127.0.0.1:50321/cb";  // Registered: 8123.
  auto issued = Authorize(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(absl::StartsWith(issued->redirect_url,
                               "http://127.0.0.1:50321/cb?code="));
  TokenRequestFields exchange = Exchange(issued->code, "spa");
  exchange.redirect_uri = "http://127.0.0.1:50321/cb";  // The one authorized.
  EXPECT_TRUE(tokens_.Exchange(exchange).ok());
  request.redirect_uri = "http://127.0.0.1:50321/other";
  EXPECT_EQ(ErrorOf(Authorize(request).status()), OAuthError::kInvalidRequest);
}

// --- The authorization_code grant (Steps C and D) ---

TEST_F(UserFlowsTest, CodeExchangeIssuesAccessIdAndRefreshTokens) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "openid profile email orders.read");
  EXPECT_EQ(issued->expires_in, 600);
  EXPECT_EQ(issued->refresh_token.size(), 43u);

  const jwt::Claims access =
      Verify(issued->access_token, "at+jwt", "orders-api");
  EXPECT_EQ(access.sub, alice_.user_id);
  EXPECT_EQ(access.GetString("client_id"), "web");
  EXPECT_EQ(access.GetString("scope"), "openid profile email orders.read");
  EXPECT_EQ(access.other["auth_time"], absl::ToUnixSeconds(f_.clock.Now()));

  const jwt::Claims id = Verify(issued->id_token, "JWT", "web");
  EXPECT_EQ(id.sub, alice_.user_id);
  EXPECT_EQ(id.GetString("azp"), "web");
  EXPECT_EQ(id.GetString("nonce"), "n-0S6_WzA2Mj");
  EXPECT_EQ(id.GetString("at_hash"),
            AccessTokenHash(issued->access_token, jwt::Algorithm::kES256));
  EXPECT_EQ(id.other["auth_time"], absl::ToUnixSeconds(f_.clock.Now()));
  EXPECT_EQ(id.GetString("name"), "Alice A.");
  EXPECT_EQ(id.GetString("preferred_username"), "alice@example.com");
  EXPECT_EQ(id.GetString("email"), "alice@example.com");
  EXPECT_EQ(id.other["email_verified"], true);
  EXPECT_EQ(f_.events.Take(),
            (std::vector<std::string>{"issued authorization_code web"}));
}

TEST_F(UserFlowsTest, ClaimsFollowTheGrantedScopes) {
  AuthorizationRequest request = Request();
  request.scope = "openid orders.read";
  auto issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  ASSERT_TRUE(issued.ok());
  const jwt::Claims id = Verify(issued->id_token, "JWT", "web");
  EXPECT_FALSE(id.GetString("name").has_value());
  EXPECT_FALSE(id.GetString("email").has_value());
  // Without openid: no ID token.
  request.scope = "orders.read";
  issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(issued->id_token.empty());
  // A client not allowed refresh_token gets no refresh token.
  issued = tokens_.Exchange(Exchange(Code("nore"), "nore"));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(issued->refresh_token.empty());
}

TEST_F(UserFlowsTest, EveryCodeRuleHasItsError) {
  struct Case {
    std::function<void(TokenRequestFields&)> change;
    OAuthError error;
  };
  const std::vector<Case> cases = {
      {[](auto& r) { r.code_verifier = std::string(43, 'A'); },
       OAuthError::kInvalidGrant},
      {[](auto& r) { r.code_verifier = ""; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_verifier = "short"; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_verifier = std::string(129, 'a'); },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.code_verifier.back() = '/'; },
       OAuthError::kInvalidRequest},
      {[](auto& r) { r.redirect_uri = "http://127.0.0.1:8123/cb"; },
       OAuthError::kInvalidGrant},
      {[](auto& r) { r.redirect_uri = ""; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.code = ""; }, OAuthError::kInvalidRequest},
      {[](auto& r) { r.code = "not-a-code"; }, OAuthError::kInvalidGrant},
      {[](auto& r) { r.client_secret = "wrong"; }, OAuthError::kInvalidClient},
      {[](auto& r) { r.client_secret = ""; }, OAuthError::kInvalidClient},
  };
  const std::string code = Code();
  for (size_t i = 0; i < cases.size(); ++i) {
    TokenRequestFields request = Exchange(code);
    cases[i].change(request);
    EXPECT_EQ(ErrorOf(tokens_.Exchange(request).status()), cases[i].error) << i;
  }
  // None of those burned the code.
  EXPECT_TRUE(tokens_.Exchange(Exchange(code)).ok());
}

TEST_F(UserFlowsTest, ACodeIsBoundToItsClient) {
  const std::string code = Code("web");
  // Another confidential client, and a public one.
  AddClient("other", false, {"authorization_code"});
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Exchange(code, "other")).status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Exchange(code, "spa")).status()),
            OAuthError::kInvalidGrant);
  EXPECT_TRUE(tokens_.Exchange(Exchange(code, "web")).ok());
}

TEST_F(UserFlowsTest, PublicClientsUseNoSecretAndConfidentialOnesMust) {
  TokenRequestFields request = Exchange(Code("spa"), "spa");
  request.client_secret = "anything";
  EXPECT_EQ(ErrorOf(tokens_.Exchange(request).status()),
            OAuthError::kInvalidClient);
  request.client_secret = "";
  auto issued = tokens_.Exchange(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_FALSE(issued->refresh_token.empty());
  // The client_credentials grant is for confidential clients only.
  TokenRequestFields cc;
  cc.grant_type = "client_credentials";
  cc.client_id = "spa";
  EXPECT_EQ(ErrorOf(tokens_.Exchange(cc).status()), OAuthError::kInvalidClient);
  // A confidential client not allowed the grant.
  TokenRequestFields worker = Exchange("x", "worker");
  worker.client_secret = "worker-secret";
  EXPECT_EQ(ErrorOf(tokens_.Exchange(worker).status()),
            OAuthError::kUnauthorizedClient);
}

TEST_F(UserFlowsTest, ExpiredCodesAreInvalidGrant) {
  const std::string code = Code();
  f_.clock.Advance(absl::Seconds(60));
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Exchange(code)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, AReplayedCodeRevokesWhatTheFirstRedemptionIssued) {
  const std::string code = Code();
  auto first = tokens_.Exchange(Exchange(code));
  ASSERT_TRUE(first.ok());
  auto replay = tokens_.Exchange(Exchange(code));
  EXPECT_EQ(ErrorOf(replay.status()), OAuthError::kInvalidGrant);
  // The first access token is revoked, and its refresh token with it.
  const std::string jti =
      *Verify(first->access_token, "at+jwt", "orders-api").jti;
  EXPECT_TRUE(*f_.store.IsRevoked(jti));
  EXPECT_FALSE(f_.introspector
                   .Introspect("worker", "worker-secret", first->access_token)
                   ->active);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(first->refresh_token)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, ADisabledUserGetsNoTokens) {
  const std::string code = Code();
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, true).ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Exchange(code)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, ConcurrentRedemptionsHaveExactlyOneWinner) {
  const std::string code = Code();
  std::atomic<int> won{0}, invalid_grant{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      auto issued = tokens_.Exchange(Exchange(code));
      if (issued.ok()) ++won;
      if (ErrorOf(issued.status()) == OAuthError::kInvalidGrant) {
        ++invalid_grant;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(invalid_grant.load(), 19);
}

// --- The refresh_token grant ---

TEST_F(UserFlowsTest, RefreshRotatesAndReuseRevokesTheFamily) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  f_.events.Take();
  auto second = tokens_.Exchange(Refresh(first->refresh_token));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(second->refresh_token, first->refresh_token);
  EXPECT_FALSE(second->id_token.empty());
  const jwt::Claims id = Verify(second->id_token, "JWT", "web");
  EXPECT_FALSE(id.GetString("nonce").has_value());  // OIDC Core §12.2.
  // The old one again: reuse, and the whole family goes.
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(first->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(second->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(
      f_.events.Take(),
      (std::vector<std::string>{"issued refresh_token web", "refresh_reuse web",
                                "refused refresh_token invalid_grant",
                                "refused refresh_token invalid_grant"}));
}

TEST_F(UserFlowsTest, RefreshMayNarrowTheScopeButNotWidenIt) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(
      ErrorOf(
          tokens_.Exchange(Refresh(first->refresh_token, "web", "orders.write"))
              .status()),
      OAuthError::kInvalidScope);
  auto narrow =
      tokens_.Exchange(Refresh(first->refresh_token, "web", "orders.read"));
  ASSERT_TRUE(narrow.ok()) << narrow.status();
  EXPECT_EQ(narrow->scope, "orders.read");
  EXPECT_TRUE(narrow->id_token.empty());  // No openid in the narrowed scope.
  // The new refresh token keeps the original scope (RFC 6749 §6).
  auto wide = tokens_.Exchange(Refresh(narrow->refresh_token));
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->scope, "openid profile email orders.read");
}

TEST_F(UserFlowsTest, ARefreshTokenIsBoundToItsClient) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  AddClient("other", false, {"authorization_code", "refresh_token"});
  EXPECT_EQ(
      ErrorOf(
          tokens_.Exchange(Refresh(first->refresh_token, "other")).status()),
      OAuthError::kInvalidGrant);
  EXPECT_TRUE(tokens_.Exchange(Refresh(first->refresh_token)).ok());
}

TEST_F(UserFlowsTest, AClientRegisteredAgainDoesNotInheritRefreshTokens) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(f_.store.DeleteClient("web").ok());
  f_.clock.Advance(absl::Seconds(1));
  AddClient("web", false, {"authorization_code", "refresh_token"});
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(issued->refresh_token)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, EveryRefreshRuleHasItsError) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh("")).status()),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh("unknown")).status()),
            OAuthError::kInvalidGrant);
  TokenRequestFields wrong = Refresh(first->refresh_token);
  wrong.client_secret = "wrong";
  EXPECT_EQ(ErrorOf(tokens_.Exchange(wrong).status()),
            OAuthError::kInvalidClient);
  // "nore" may not refresh at all.
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh("x", "nore")).status()),
            OAuthError::kUnauthorizedClient);
  // None of those used the token up.
  EXPECT_TRUE(tokens_.Exchange(Refresh(first->refresh_token)).ok());
}

TEST_F(UserFlowsTest, RefreshTokensExpireWhenIdleAndAbsolutely) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  // Idle lifetime 24 h: used every 20 h it lives on...
  for (int i = 0; i < 3; ++i) {
    f_.clock.Advance(absl::Hours(20));
    issued = tokens_.Exchange(Refresh(issued->refresh_token));
    ASSERT_TRUE(issued.ok()) << i << issued.status();
  }
  // ...until the absolute lifetime (72 h from the grant).
  f_.clock.Advance(absl::Hours(13));
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(issued->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  // Idle: unused for 24 h.
  auto other = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(other.ok());
  f_.clock.Advance(absl::Hours(24));
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(other->refresh_token)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, ADisabledUsersRefreshTokensStopWorking) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, true).ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(issued->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, false).ok());
  // The family was revoked, not just refused.
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(issued->refresh_token)).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(UserFlowsTest, ConcurrentRefreshesRotateOnceAndLeaveNoLiveToken) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  std::atomic<int> won{0};
  std::vector<std::string> winners(20);
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      auto refreshed = tokens_.Exchange(Refresh(issued->refresh_token));
      if (refreshed.ok()) {
        ++won;
        winners[i] = refreshed->refresh_token;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  // The losers were reuse: the family is revoked, the winner's new token too.
  for (const std::string& token : winners) {
    if (token.empty()) continue;
    auto stored = f_.store.GetRefreshToken(HashOpaqueToken(token));
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->revoked);
    EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(token)).status()),
              OAuthError::kInvalidGrant);
  }
}

// --- Revoke (RFC 7009) ---

TEST_F(UserFlowsTest, RevokingARefreshTokenRevokesItsFamily) {
  auto first = tokens_.Exchange(Exchange(Code()));
  auto second = tokens_.Exchange(Refresh(first->refresh_token));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(
      revoker_.Revoke(second->refresh_token, "", "web", "web-secret").ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(second->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  // Unknown tokens are not an error; neither is revoking twice.
  EXPECT_TRUE(
      revoker_.Revoke("unknown", "refresh_token", "web", "web-secret").ok());
  EXPECT_TRUE(
      revoker_.Revoke(second->refresh_token, "", "web", "web-secret").ok());
}

TEST_F(UserFlowsTest, RevokingAnAccessTokenMakesItInactive) {
  auto issued = tokens_.Exchange(Exchange(Code("spa"), "spa"));
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(userinfo_.Get(issued->access_token).ok());
  EXPECT_TRUE(
      revoker_.Revoke(issued->access_token, "access_token", "spa", "").ok());
  EXPECT_FALSE(f_.introspector
                   .Introspect("worker", "worker-secret", issued->access_token)
                   ->active);
  EXPECT_EQ(ErrorOf(userinfo_.Get(issued->access_token).status()),
            OAuthError::kInvalidToken);
  // A token that does not verify: nothing to do, not an error.
  EXPECT_TRUE(revoker_.Revoke("a.b.c", "", "spa", "").ok());
}

TEST_F(UserFlowsTest, EveryRevocationRuleHasItsError) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(ErrorOf(revoker_.Revoke(issued->refresh_token, "", "web", "bad")),
            OAuthError::kInvalidClient);
  EXPECT_EQ(ErrorOf(revoker_.Revoke("", "", "web", "web-secret")),
            OAuthError::kInvalidRequest);
  // Another client's tokens.
  EXPECT_EQ(ErrorOf(revoker_.Revoke(issued->refresh_token, "", "spa", "")),
            OAuthError::kUnauthorizedClient);
  EXPECT_EQ(ErrorOf(revoker_.Revoke(issued->access_token, "", "spa", "")),
            OAuthError::kUnauthorizedClient);
  // Still alive after all that.
  EXPECT_TRUE(tokens_.Exchange(Refresh(issued->refresh_token)).ok());
}

// RFC 7009 §2.1: the hint only helps the search; an unknown one is ignored.
TEST_F(UserFlowsTest, AnUnknownTokenTypeHintIsIgnored) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(
      revoker_.Revoke(issued->refresh_token, "id_token", "web", "web-secret")
          .ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(issued->refresh_token)).status()),
            OAuthError::kInvalidGrant);
}

// --- UserInfo ---

TEST_F(UserFlowsTest, UserInfoFiltersClaimsByScope) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  auto info = userinfo_.Get(issued->access_token);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->sub, alice_.user_id);
  EXPECT_EQ(info->claims["name"], "Alice A.");
  EXPECT_EQ(info->claims["preferred_username"], "alice@example.com");
  EXPECT_EQ(info->claims["email"], "alice@example.com");
  EXPECT_EQ(info->claims["email_verified"], true);

  AuthorizationRequest request = Request();
  request.scope = "openid";
  issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  info = userinfo_.Get(issued->access_token);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->sub, alice_.user_id);
  EXPECT_EQ(info->claims, jwt::Json::object());
}

// OIDC Core §5.4: address and phone are requested like profile and email
// (no client registers them), released by UserInfo, and kept out of the ID
// token, which has the small set only.
TEST_F(UserFlowsTest, AddressAndPhoneScopesReleaseTheirClaimsFromUserInfo) {
  auto updated = users_.UpdateProfile(alice_.user_id, alice_.name, alice_.email,
                                      alice_.email_verified,
                                      [](storage::StandardClaims& c) {
                                        c.phone_number = "+15555550100";
                                        c.phone_number_verified = true;
                                        c.address.country = "US";
                                        c.given_name = "Alice";
                                      });
  ASSERT_TRUE(updated.ok()) << updated.status();
  AuthorizationRequest request = Request();
  request.scope = "openid address phone";
  auto issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "openid address phone");
  auto info = userinfo_.Get(issued->access_token);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->claims, jwt::Json({{"address", {{"country", "US"}}},
                                     {"phone_number", "+15555550100"},
                                     {"phone_number_verified", true}}));
  const jwt::Claims id = Verify(issued->id_token, "JWT", "web");
  EXPECT_FALSE(id.other.contains("address"));
  EXPECT_FALSE(id.other.contains("phone_number"));
}

TEST_F(UserFlowsTest, EveryUserInfoRuleHasItsError) {
  EXPECT_EQ(ErrorOf(userinfo_.Get("").status()), OAuthError::kInvalidToken);
  EXPECT_EQ(ErrorOf(userinfo_.Get("garbage").status()),
            OAuthError::kInvalidToken);
  // Without openid.
  AuthorizationRequest request = Request();
  request.scope = "orders.read";
  auto issued = tokens_.Exchange(Exchange(Authorize(request)->code));
  EXPECT_EQ(ErrorOf(userinfo_.Get(issued->access_token).status()),
            OAuthError::kInsufficientScope);
  // A client's own token, even with openid among its allowed scopes.
  storage::ClientRecord worker = *f_.store.GetClient("worker");
  worker.allowed_scopes.push_back("openid");
  ASSERT_TRUE(f_.store.UpdateClient(worker).ok());
  auto client_token = f_.tokens.Exchange(
      {"client_credentials", "worker", "worker-secret", "openid"});
  ASSERT_TRUE(client_token.ok()) << client_token.status();
  EXPECT_EQ(ErrorOf(userinfo_.Get(client_token->access_token).status()),
            OAuthError::kInsufficientScope);
  // Expired.
  auto fresh = tokens_.Exchange(Exchange(Code()));
  f_.clock.Advance(absl::Minutes(11));
  EXPECT_EQ(ErrorOf(userinfo_.Get(fresh->access_token).status()),
            OAuthError::kInvalidToken);
}

TEST_F(UserFlowsTest, PasswordsAreRehashedWhenTheParametersChange) {
  const std::string before = f_.store.GetUser(alice_.user_id)->password_hash;
  EXPECT_NE(before.find("m=7168,t=5"), std::string::npos);
  PasswordHasher stronger =
      *PasswordHasher::Create({8192, 5, 1}, SystemRandom());
  UserAccounts upgraded(&f_.store, &stronger, throttle_.get(), &f_.clock,
                        SystemRandom());
  ASSERT_TRUE(
      upgraded.Authenticate("alice@example.com", "correct horse", "x").ok());
  const std::string after = f_.store.GetUser(alice_.user_id)->password_hash;
  EXPECT_NE(after.find("m=8192,t=5"), std::string::npos) << after;
  EXPECT_TRUE(
      upgraded.Authenticate("alice@example.com", "correct horse", "x").ok());
}

TEST_F(UserFlowsTest, UserRulesRefuseBadInput) {
  for (const UserSpec& bad : std::vector<UserSpec>{
           {"", "pw"},
           {"has space", "pw"},
           {std::string(65, 'a'), "pw"},
           {"bob", ""},
           {"bob", std::string("a\0b", 3)},
           {"bob", "pw", "name\x01"},
           {"bob", "pw", "", "no-at-sign"},
           {"bob", "pw", "", "a@b@c"},
       }) {
    EXPECT_EQ(ErrorOf(users_.Create(bad).status()), OAuthError::kInvalidRequest)
        << bad.username;
  }
  EXPECT_EQ(users_.Create({"alice@example.com", "pw"}).status().code(),
            absl::StatusCode::kAlreadyExists);
  // The password is never stored in clear.
  EXPECT_EQ(alice_.password_hash.find("correct horse"), std::string::npos);
  EXPECT_TRUE(absl::StartsWith(alice_.password_hash, "$argon2id$v=19$"));
}

// --- The authorization endpoint's login decision (OIDC Core §3.1.2.1) ------

TEST_F(UserFlowsTest, AnExistingLoginAnswersWithACode) {
  auto validated = authorization_.Validate(Request());
  ASSERT_TRUE(validated.ok());
  const absl::Time signed_in = f_.clock.Now() - absl::Minutes(5);
  auto decision = authorization_.Decide(
      *validated, ExistingLogin{alice_.user_id, signed_in});
  ASSERT_TRUE(decision.ok()) << decision.status();
  EXPECT_EQ(decision->action, AuthorizationDecision::Action::kRedirect);
  ASSERT_TRUE(decision->code.has_value());
  EXPECT_EQ(decision->redirect_url, decision->code->redirect_url);
  // The code carries the login's time, not now.
  auto tokens = tokens_.Exchange(Exchange(decision->code->code));
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ(Verify(tokens->id_token, "JWT", "web").other["auth_time"],
            absl::ToUnixSeconds(signed_in));
}

TEST_F(UserFlowsTest, WithoutALoginTheUserMustSignIn) {
  auto validated = authorization_.Validate(Request());
  ASSERT_TRUE(validated.ok());
  auto decision = authorization_.Decide(*validated, std::nullopt);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->action, AuthorizationDecision::Action::kShowLogin);
  EXPECT_FALSE(decision->code.has_value());
}

// OIDC Core §3.1.2.6: prompt=none and no usable login: login_required at
// the client's redirect_uri, with state and iss.
TEST_F(UserFlowsTest, PromptNoneWithoutLoginIsLoginRequired) {
  AuthorizationRequest request = Request();
  request.prompt = "none";
  auto validated = authorization_.Validate(request);
  ASSERT_TRUE(validated.ok());
  EXPECT_TRUE(validated->prompt_none);
  auto decision = authorization_.Decide(*validated, std::nullopt);
  ASSERT_TRUE(decision.ok());
  EXPECT_EQ(decision->action, AuthorizationDecision::Action::kRedirect);
  EXPECT_FALSE(decision->code.has_value());
  EXPECT_TRUE(absl::StartsWith(
      decision->redirect_url, std::string(kRedirect) + "?error=login_required"))
      << decision->redirect_url;
  EXPECT_TRUE(absl::StrContains(decision->redirect_url, "state=xyz"));
  // A disabled user's login no longer counts.
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, true).ok());
  decision = authorization_.Decide(
      *validated, ExistingLogin{alice_.user_id, f_.clock.Now()});
  ASSERT_TRUE(decision.ok());
  EXPECT_FALSE(decision->code.has_value());
  EXPECT_TRUE(absl::StrContains(decision->redirect_url, "login_required"));
}

TEST_F(UserFlowsTest, PromptLoginAndMaxAgeAskAgain) {
  const ExistingLogin login{alice_.user_id, f_.clock.Now() - absl::Seconds(61)};
  AuthorizationRequest request = Request();
  request.prompt = "login";
  auto validated = authorization_.Validate(request);
  ASSERT_TRUE(validated.ok());
  EXPECT_EQ(authorization_.Decide(*validated, login)->action,
            AuthorizationDecision::Action::kShowLogin);
  request.prompt = "";
  request.max_age = "60";  // The login is 61 s old.
  validated = authorization_.Validate(request);
  ASSERT_TRUE(validated.ok());
  EXPECT_EQ(authorization_.Decide(*validated, login)->action,
            AuthorizationDecision::Action::kShowLogin);
  request.max_age = "61";
  validated = authorization_.Validate(request);
  ASSERT_TRUE(validated.ok());
  EXPECT_TRUE(authorization_.Decide(*validated, login)->code.has_value());
  // prompt=none cannot be met by an old login either.
  request.prompt = "none";
  request.max_age = "10";
  validated = authorization_.Validate(request);
  ASSERT_TRUE(validated.ok());
  EXPECT_TRUE(
      absl::StrContains(authorization_.Decide(*validated, login)->redirect_url,
                        "error=login_required"));
}

TEST_F(UserFlowsTest, MalformedPromptOrMaxAgeIsRedirectedInvalidRequest) {
  for (auto [prompt, max_age] :
       std::vector<std::pair<std::string, std::string>>{{"bogus", ""},
                                                        {"none login", ""},
                                                        {"none consent", ""},
                                                        {"", "-1"},
                                                        {"", "1.5"},
                                                        {"", "soon"}}) {
    AuthorizationRequest request = Request();
    request.prompt = prompt;
    request.max_age = max_age;
    auto refused = authorization_.Validate(request);
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidRequest)
        << prompt << "/" << max_age;
    EXPECT_TRUE(
        absl::StrContains(ErrorDetailsOf(refused.status())["redirect_uri"],
                          "error=invalid_request"));
  }
}

// OIDC Core §3.1.2.1: a prompt the server cannot honour is an error for the
// client, not ignored (prompt=consent: consent_test.cc).
TEST_F(UserFlowsTest, PromptSelectAccountIsRefusedAsSuch) {
  for (auto [prompt, error] : std::vector<std::pair<std::string, OAuthError>>{
           {"select_account", OAuthError::kAccountSelectionRequired},
           {"login select_account", OAuthError::kAccountSelectionRequired}}) {
    AuthorizationRequest request = Request();
    request.prompt = prompt;
    auto refused = authorization_.Validate(request);
    EXPECT_EQ(ErrorOf(refused.status()), error) << prompt;
    EXPECT_TRUE(
        absl::StrContains(ErrorDetailsOf(refused.status())["redirect_uri"],
                          "error=" + std::string(OAuthErrorCode(error))))
        << prompt;
  }
}

// OIDC Core §6.1-6.2: an OP without Request Objects refuses them, at the
// client's redirect_uri with the outer state, rather than losing the state
// and nonce they may carry.
TEST_F(UserFlowsTest, RequestObjectsAreRefusedAsNotSupported) {
  for (const std::string value : {"eyJhbGciOiJub25lIn0.e30.", ""}) {
    AuthorizationRequest by_value = Request();
    by_value.state = "outer-state";
    by_value.request = value;
    auto refused = authorization_.Validate(by_value);
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kRequestNotSupported);
    const std::string redirect =
        ErrorDetailsOf(refused.status())["redirect_uri"];
    EXPECT_TRUE(absl::StrContains(redirect, "error=request_not_supported"))
        << redirect;
    EXPECT_TRUE(absl::StrContains(redirect, "state=outer-state")) << redirect;

    AuthorizationRequest by_reference = Request();
    by_reference.request_uri = value.empty() ? value : "https://rp/req.jwt";
    refused = authorization_.Validate(by_reference);
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kRequestUriNotSupported);
    EXPECT_TRUE(
        absl::StrContains(ErrorDetailsOf(refused.status())["redirect_uri"],
                          "error=request_uri_not_supported"));
  }
  // Absent, the same request is served.
  EXPECT_TRUE(authorization_.Validate(Request()).ok());
}

TEST_F(UserFlowsTest, LoginHintIsKeptWhenShort) {
  AuthorizationRequest request = Request();
  request.login_hint = "alice@example.com";
  EXPECT_EQ(authorization_.Validate(request)->login_hint, "alice@example.com");
  request.login_hint = std::string(257, 'a');
  EXPECT_EQ(authorization_.Validate(request)->login_hint, "");
}

// The credential-collecting front end (gRPC Authorize) has no sessions: the
// same rules, met or refused at once.
TEST_F(UserFlowsTest, AuthorizeWithCredentialsMeetsPromptLoginAndMaxAge) {
  AuthorizationRequest request = Request();
  request.prompt = "login";
  request.max_age = "0";
  EXPECT_TRUE(Authorize(request).ok());
  request.prompt = "none";
  request.max_age = "";
  auto refused = Authorize(request);
  EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kLoginRequired);
  EXPECT_TRUE(absl::StrContains(
      ErrorDetailsOf(refused.status())["redirect_uri"], "login_required"));
  // No password was checked: nothing was counted against the user.
  EXPECT_TRUE(f_.events.Take().empty());
}

TEST_F(UserFlowsTest, AuthorizeWithoutCredentialsIsLoginRequired) {
  auto refused = authorization_.Authorize(Request(), "", "", "10.0.0.1");
  EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kLoginRequired);
  // Not for the client: the front end must ask the user.
  EXPECT_EQ(ErrorDetailsOf(refused.status()).count("redirect_uri"), 0u);
}

// --- Revocation that revokes (issue 13 items 5-8) ---------------------------

class GrantRevocationTest : public UserFlowsTest {
 protected:
  bool Active(const std::string& token, const std::string& caller = "web") {
    auto result = f_.introspector.Introspect(caller, caller + "-secret", token);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() && result->active;
  }
};

// RFC 9700 §4.14.2: reuse means two parties hold the grant; the access token
// a refresh minted goes with it, not only the refresh tokens.
TEST_F(GrantRevocationTest,
       ReusedRefreshTokenRevokesEveryAccessTokenOfTheGrant) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  auto refreshed = tokens_.Exchange(Refresh(first->refresh_token));
  ASSERT_TRUE(refreshed.ok());
  ASSERT_TRUE(Active(refreshed->access_token));
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(first->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  EXPECT_FALSE(Active(first->access_token));
  EXPECT_FALSE(Active(refreshed->access_token));
  EXPECT_EQ(ErrorOf(userinfo_.Get(refreshed->access_token).status()),
            OAuthError::kInvalidToken);
}

// RFC 6749 §4.1.2: a replayed code revokes what the grant issued, the
// tokens of later refreshes included.
TEST_F(GrantRevocationTest, ReplayedCodeRevokesTokensMintedByRefresh) {
  const std::string code = Code();
  auto first = tokens_.Exchange(Exchange(code));
  ASSERT_TRUE(first.ok());
  auto refreshed = tokens_.Exchange(Refresh(first->refresh_token));
  ASSERT_TRUE(refreshed.ok());
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Exchange(code)).status()),
            OAuthError::kInvalidGrant);
  EXPECT_FALSE(Active(refreshed->access_token));
  EXPECT_EQ(
      ErrorOf(tokens_.Exchange(Refresh(refreshed->refresh_token)).status()),
      OAuthError::kInvalidGrant);
}

// RFC 7009 §2.1: revoking a refresh token revokes the grant's access tokens.
TEST_F(GrantRevocationTest, RevokingARefreshTokenRevokesItsAccessTokens) {
  auto first = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(first.ok());
  auto refreshed = tokens_.Exchange(Refresh(first->refresh_token));
  ASSERT_TRUE(refreshed.ok());
  auto other_grant = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(other_grant.ok());
  ASSERT_TRUE(revoker_
                  .Revoke(refreshed->refresh_token, "refresh_token", "web",
                          "web-secret")
                  .ok());
  EXPECT_FALSE(Active(first->access_token));
  EXPECT_FALSE(Active(refreshed->access_token));
  EXPECT_TRUE(Active(other_grant->access_token));  // Another grant: kept.
}

TEST_F(GrantRevocationTest, NewPasswordOrDisablingEndsEveryGrantOfTheUser) {
  auto one = tokens_.Exchange(Exchange(Code()));
  auto two = tokens_.Exchange(Exchange(Code("spa"), "spa"));
  ASSERT_TRUE(one.ok() && two.ok());
  ASSERT_TRUE(users_.SetPassword(alice_.user_id, "another long phrase").ok());
  EXPECT_FALSE(Active(one->access_token));
  EXPECT_EQ(ErrorOf(userinfo_.Get(two->access_token).status()),
            OAuthError::kInvalidToken);
  EXPECT_EQ(ErrorOf(tokens_.Exchange(Refresh(one->refresh_token)).status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(
      ErrorOf(tokens_.Exchange(Refresh(two->refresh_token, "spa")).status()),
      OAuthError::kInvalidGrant);
  // A login with the new password starts a grant that works.
  auto issued = authorization_.Authorize(Request(), "alice@example.com",
                                         "another long phrase", "10.0.0.1");
  ASSERT_TRUE(issued.ok()) << issued.status();
  auto three = tokens_.Exchange(Exchange(issued->code));
  ASSERT_TRUE(three.ok());
  EXPECT_TRUE(Active(three->access_token));
  ASSERT_TRUE(users_.SetDisabled(alice_.user_id, true).ok());
  EXPECT_FALSE(Active(three->access_token));
}

// A revocation kept only until exp would let the token verify again for
// the verifiers' leeway (kReplicaClockLeeway) once the purge ran.
TEST_F(GrantRevocationTest, ARevocationOutlivesExpiryByTheLeeway) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(
      revoker_.Revoke(issued->access_token, "", "web", "web-secret").ok());
  f_.clock.Advance(absl::Seconds(issued->expires_in) + kReplicaClockLeeway / 2);
  ASSERT_TRUE(PurgeExpired({&f_.store, &f_.store}, f_.clock.Now()).ok());
  EXPECT_FALSE(Active(issued->access_token));
  EXPECT_EQ(ErrorOf(userinfo_.Get(issued->access_token).status()),
            OAuthError::kInvalidToken);
}

// RFC 7662 §2.1: a refresh token introspects as one, to its own client.
TEST_F(GrantRevocationTest, RefreshTokensIntrospectToTheirOwnClientOnly) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok());
  auto result =
      f_.introspector.Introspect("web", "web-secret", issued->refresh_token);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->active);
  EXPECT_EQ(result->token_type, "refresh_token");
  EXPECT_EQ(result->client_id, "web");
  EXPECT_EQ(result->sub, alice_.user_id);
  EXPECT_EQ(result->iss, kFixtureIssuer);
  EXPECT_GT(result->exp, absl::ToUnixSeconds(f_.clock.Now()));
  EXPECT_FALSE(Active(issued->refresh_token, "worker"));
  ASSERT_TRUE(tokens_.Exchange(Refresh(issued->refresh_token)).ok());
  EXPECT_FALSE(Active(issued->refresh_token));  // Rotated.
}

// --- Several signing algorithms (OIDC Core §15.1) ---

class SeveralAlgorithmsTest : public UserFlowsTest {
 protected:
  SeveralAlgorithmsTest()
      : UserFlowsTest(KeyManagerOptions{
            {jwt::Algorithm::kES256, jwt::Algorithm::kRS256}}) {}

  static jwt::Algorithm AlgOf(const std::string& token) {
    auto jws = jwt::Jws::Parse(token);
    EXPECT_TRUE(jws.ok()) << jws.status();
    return jws.ok() ? jws->header().alg : jwt::Algorithm::kHS256;
  }

  void SetIdTokenAlg(const std::string& client_id, const std::string& alg) {
    storage::ClientRecord client = *f_.store.GetClient(client_id);
    client.id_token_signed_response_alg = alg;
    ASSERT_TRUE(f_.store.UpdateClient(client).ok());
  }
};

// OIDC Core §15.1 and Dynamic Client Registration §2: RS256 is the default
// for ID tokens; access tokens keep the first configured algorithm.
TEST_F(SeveralAlgorithmsTest, IdTokensDefaultToRs256AccessTokensToTheFirst) {
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(AlgOf(issued->access_token), jwt::Algorithm::kES256);
  EXPECT_EQ(AlgOf(issued->id_token), jwt::Algorithm::kRS256);
  const jwt::Claims id = Verify(issued->id_token, "JWT", "web");
  EXPECT_EQ(id.GetString("at_hash"),
            AccessTokenHash(issued->access_token, jwt::Algorithm::kRS256));
}

TEST_F(SeveralAlgorithmsTest, AClientGetsIdTokensInItsRegisteredAlgorithm) {
  SetIdTokenAlg("web", "ES256");
  auto issued = tokens_.Exchange(Exchange(Code()));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(AlgOf(issued->id_token), jwt::Algorithm::kES256);
  EXPECT_EQ(Verify(issued->id_token, "JWT", "web").GetString("nonce"),
            "n-0S6_WzA2Mj");
  // And on refresh (OIDC Core §12.2).
  auto refreshed = tokens_.Exchange(Refresh(issued->refresh_token));
  ASSERT_TRUE(refreshed.ok()) << refreshed.status();
  EXPECT_EQ(AlgOf(refreshed->id_token), jwt::Algorithm::kES256);
}

// A registration naming an algorithm the server no longer signs with (the
// configuration changed): no ID token in another algorithm, a clear error.
TEST_F(SeveralAlgorithmsTest, AnAlgorithmNoLongerConfiguredIsAnError) {
  SetIdTokenAlg("web", "PS256");
  auto issued = tokens_.Exchange(Exchange(Code()));
  EXPECT_EQ(issued.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(issued.status().message(), "PS256"));
}

}  // namespace
}  // namespace identity::server
