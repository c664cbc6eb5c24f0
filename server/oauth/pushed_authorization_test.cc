// Pushed authorization requests (RFC 9126) on the in-memory store with a
// fake clock: the push is checked as the authorization endpoint checks a
// request, the request_uri is single use, short-lived and bound to its
// client, and a client may be registered to require it. A negative test for
// every rule, asserting the OAuth error.
#include "server/oauth/pushed_authorization.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/oauth/authorization.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/purge.h"
#include "server/oauth/testing/user_flows_fixture.h"
#include "server/oauth/token_endpoint.h"

namespace identity::server {
namespace {

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kOtherRedirect[] = "http://127.0.0.1:8123/cb";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::optional<OAuthError> ErrorOf(const absl::Status& status) {
  return OAuthErrorOf(status);
}

bool Redirected(const absl::Status& status) {
  return ErrorDetailsOf(status).count("redirect_uri") > 0;
}

class PushedAuthorizationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.AddClient("worker", "worker-secret").ok());
    AddClient("web", false, {"authorization_code", "refresh_token"});
    AddClient("spa", true, {"authorization_code"});
    AddClient("other", false, {"authorization_code"});
    ASSERT_TRUE(u_.users
                    .Create({"alice@example.com", "correct horse", "Alice",
                             "alice@example.com", true})
                    .ok());
  }

  void AddClient(const std::string& id, bool is_public,
                 std::vector<std::string> grants) {
    storage::ClientRecord client;
    client.client_id = id;
    client.allowed_scopes = {"orders.read"};
    client.grant_types = std::move(grants);
    client.redirect_uris = {kRedirect, kOtherRedirect};
    client.public_client = is_public;
    if (!is_public) client.secret_hash = f_.hasher.Hash(id + "-secret");
    client.created_at = client.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(client).ok());
  }

  static AuthorizationRequest Request(const std::string& client = "web") {
    AuthorizationRequest request;
    request.response_type = "code";
    request.client_id = client;
    request.redirect_uri = kRedirect;
    request.scope = "openid orders.read";
    request.state = "pushed-state";
    request.code_challenge = S256Challenge(kVerifier);
    request.code_challenge_method = "S256";
    request.nonce = "n-1";
    return request;
  }

  absl::StatusOr<PushedRequest> Push(AuthorizationRequest request = Request(),
                                     const std::string& client = "web",
                                     const std::string& secret = "web-secret") {
    return u_.pushed.Push({client, secret, "10.0.0.1", std::move(request)});
  }

  // The authorization request that refers to a pushed one: client_id and
  // request_uri only.
  static AuthorizationRequest ByReference(const std::string& request_uri,
                                          const std::string& client = "web") {
    AuthorizationRequest request;
    request.client_id = client;
    request.request_uri = request_uri;
    return request;
  }

  absl::StatusOr<IssuedCode> Authorize(const AuthorizationRequest& request) {
    return u_.authorization.Authorize(request, "alice@example.com",
                                      "correct horse", "10.0.0.1");
  }

  void RequirePar(const std::string& client, bool required) {
    storage::ClientRecord record = *f_.store.GetClient(client);
    record.require_pushed_authorization_requests = required;
    ASSERT_TRUE(f_.store.UpdateClient(record).ok());
  }

  testing::UserFlowsFixture u_;
  testing::OAuthFixture& f_ = u_.f;
};

// RFC 9126 §2.2: a request_uri of the urn form, 60 s; §4: the authorization
// request with it proceeds with the pushed parameters, and the code it
// earns is redeemed with the pushed PKCE challenge's verifier.
TEST_F(PushedAuthorizationTest, PushedRequestIsAuthorizedByReference) {
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_TRUE(absl::StartsWith(pushed->request_uri,
                               "urn:ietf:params:oauth:request_uri:"));
  EXPECT_GE(pushed->request_uri.size(), 34u + 43u);  // 256 random bits.
  EXPECT_EQ(pushed->expires_in, absl::Seconds(60));
  auto issued = Authorize(ByReference(pushed->request_uri));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->state, "pushed-state");
  EXPECT_TRUE(absl::StartsWith(issued->redirect_url, kRedirect));
  TokenRequestFields exchange;
  exchange.grant_type = "authorization_code";
  exchange.client_id = "web";
  exchange.client_secret = "web-secret";
  exchange.code = issued->code;
  exchange.redirect_uri = kRedirect;
  exchange.code_verifier = kVerifier;
  auto tokens = u_.tokens.Exchange(exchange);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_FALSE(tokens->id_token.empty());  // openid was pushed.
}

// RFC 9126 §4: parameters of the authorization request other than
// client_id and request_uri are ignored.
TEST_F(PushedAuthorizationTest, ParametersBesideTheRequestUriAreIgnored) {
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  AuthorizationRequest request = ByReference(pushed->request_uri);
  request.redirect_uri = kOtherRedirect;
  request.state = "injected";
  request.scope = "orders.read";
  request.code_challenge = S256Challenge(std::string(43, 'a'));
  request.code_challenge_method = "S256";
  request.request = "ignored";
  auto issued = Authorize(request);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->state, "pushed-state");
  EXPECT_TRUE(absl::StartsWith(issued->redirect_url, kRedirect));
}

// RFC 9126 §4: one use. The second use is refused, not redirected (no
// redirect_uri is known for it).
TEST_F(PushedAuthorizationTest, ReusedRequestUriIsInvalidRequest) {
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  ASSERT_TRUE(Authorize(ByReference(pushed->request_uri)).ok());
  auto again = Authorize(ByReference(pushed->request_uri));
  EXPECT_EQ(ErrorOf(again.status()), OAuthError::kInvalidRequest);
  EXPECT_FALSE(Redirected(again.status()));
}

// RFC 9126 §2.2: short-lived.
TEST_F(PushedAuthorizationTest, ExpiredRequestUriIsInvalidRequest) {
  auto pushed = Push();
  auto late = Push();
  ASSERT_TRUE(pushed.ok() && late.ok());
  f_.clock.Advance(absl::Seconds(59));
  EXPECT_TRUE(Authorize(ByReference(pushed->request_uri)).ok());
  f_.clock.Advance(absl::Seconds(1));
  auto expired = Authorize(ByReference(late->request_uri));
  EXPECT_EQ(ErrorOf(expired.status()), OAuthError::kInvalidRequest);
  EXPECT_FALSE(Redirected(expired.status()));
}

// RFC 9126 §4: bound to the client that pushed it; another client's try
// does not burn it.
TEST_F(PushedAuthorizationTest, RequestUriOfAnotherClientIsInvalidRequest) {
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  auto stolen = Authorize(ByReference(pushed->request_uri, "other"));
  EXPECT_EQ(ErrorOf(stolen.status()), OAuthError::kInvalidRequest);
  EXPECT_FALSE(Redirected(stolen.status()));
  EXPECT_EQ(ErrorOf(Authorize(ByReference(pushed->request_uri, "")).status()),
            OAuthError::kInvalidRequest);
  EXPECT_TRUE(Authorize(ByReference(pushed->request_uri)).ok());
}

TEST_F(PushedAuthorizationTest, UnknownRequestUriIsInvalidRequest) {
  for (const std::string uri :
       {"urn:ietf:params:oauth:request_uri:",
        "urn:ietf:params:oauth:request_uri:bwc4JK-ESC0w8acc191e-Y1LTC2",
        "urn:ietf:params:oauth:request_uri:%%%\n"}) {
    auto unknown = Authorize(ByReference(uri));
    EXPECT_EQ(ErrorOf(unknown.status()), OAuthError::kInvalidRequest) << uri;
    EXPECT_FALSE(Redirected(unknown.status())) << uri;
  }
}

// OIDC Core §6.2: a request_uri that is not a pushed request's is a Request
// Object by reference, still not supported (and redirected).
TEST_F(PushedAuthorizationTest, OtherRequestUrisStayUnsupported) {
  for (const std::string uri :
       {"https://rp.example/request.jwt", "urn:ietf:params:oauth:request_uri",
        "URN:IETF:PARAMS:OAUTH:REQUEST_URI:x", ""}) {
    AuthorizationRequest request = Request();
    request.request_uri = uri;
    auto refused = Authorize(request);
    EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kRequestUriNotSupported)
        << uri;
    EXPECT_TRUE(Redirected(refused.status())) << uri;
  }
}

// RFC 9126 §2.1: the pushed parameters get the authorization endpoint's
// checks, answered to the client directly (never as a redirect).
TEST_F(PushedAuthorizationTest, PushedParametersAreValidatedAsAtAuthorize) {
  auto expect = [&](AuthorizationRequest request, OAuthError error) {
    auto refused = Push(std::move(request));
    EXPECT_EQ(ErrorOf(refused.status()), error) << refused.status();
    EXPECT_FALSE(Redirected(refused.status()));
  };
  AuthorizationRequest r = Request();
  r.redirect_uri = "https://evil.example/cb";
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.redirect_uri.clear();
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.response_type = "token";
  expect(r, OAuthError::kUnsupportedResponseType);
  r = Request();
  r.scope = "orders.write";
  expect(r, OAuthError::kInvalidScope);
  r = Request();
  r.code_challenge.clear();
  r.code_challenge_method.clear();
  expect(r, OAuthError::kInvalidRequest);  // PKCE required.
  r = Request();
  r.code_challenge_method = "plain";
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.prompt = "bogus";
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.request = "eyJ...";
  expect(r, OAuthError::kRequestNotSupported);
  r = Request();
  r.request_uri = "urn:ietf:params:oauth:request_uri:x";  // §2.1.
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.client_id = "other";  // Not the authenticated client.
  expect(r, OAuthError::kInvalidRequest);
  // The direct request's bounds hold for a pushed one.
  r = Request();
  r.state = std::string(1025, 's');
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.nonce = std::string(513, 'n');
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.max_age = "soon";
  expect(r, OAuthError::kInvalidRequest);
  r = Request();
  r.prompt = "none login";
  expect(r, OAuthError::kInvalidRequest);
}

// What a client may store by pushing is bounded (a public client needs no
// secret): the size of one request, and the requests waiting at once.
TEST_F(PushedAuthorizationTest, WhatAClientMayStoreIsBounded) {
  AuthorizationRequest large = Request("spa");
  large.login_hint = std::string(4096, 'h');
  auto refused = u_.pushed.Push({"spa", "", "10.0.0.1", large});
  EXPECT_EQ(ErrorOf(refused.status()), OAuthError::kInvalidRequest)
      << refused.status();
  AuthorizationRequest small = Request("spa");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(u_.pushed.Push({"spa", "", "10.0.0.1", small}).ok()) << i;
  }
  auto full = u_.pushed.Push({"spa", "", "10.0.0.1", small});
  EXPECT_EQ(ErrorOf(full.status()), OAuthError::kTemporarilyUnavailable)
      << full.status();
  // Another client is not held back; expired ones no longer count.
  EXPECT_TRUE(Push().ok());
  f_.clock.Advance(absl::Seconds(61));
  EXPECT_TRUE(u_.pushed.Push({"spa", "", "10.0.0.1", small}).ok());
}

// A login form's reference (PushForLogin, 10 minutes) counts against its
// own bound, not the client's pushed requests: login pages cannot use up
// the client's /par, nor pushes its login pages; both stay bounded.
TEST_F(PushedAuthorizationTest, LoginFormsAreBoundedApartFromPushes) {
  auto pushed = u_.pushed.Push({"spa", "", "10.0.0.1", Request("spa")});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  auto validated =
      u_.authorization.Validate(ByReference(pushed->request_uri, "spa"));
  ASSERT_TRUE(validated.ok()) << validated.status();
  auto kept = u_.authorization.PushForLogin(*validated);
  ASSERT_TRUE(kept.ok()) << kept.status();
  for (int i = 1; i < 1000; ++i) {
    ASSERT_TRUE(u_.authorization.PushForLogin(*validated).ok()) << i;
  }
  EXPECT_EQ(ErrorOf(u_.authorization.PushForLogin(*validated).status()),
            OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(*f_.store.CountLivePushedRequests("spa", f_.clock.Now()), 0);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(u_.pushed.Push({"spa", "", "10.0.0.1", Request("spa")}).ok())
        << i;
  }
  EXPECT_EQ(
      ErrorOf(u_.pushed.Push({"spa", "", "10.0.0.1", Request("spa")}).status()),
      OAuthError::kTemporarilyUnavailable);
  // A login form's reference is still used as a pushed request's, once.
  EXPECT_TRUE(u_.authorization.Validate(ByReference(*kept, "spa")).ok());
  EXPECT_EQ(
      ErrorOf(u_.authorization.Validate(ByReference(*kept, "spa")).status()),
      OAuthError::kInvalidRequest);
}

// RFC 9126 §2.1: client authentication as at the token endpoint.
TEST_F(PushedAuthorizationTest, PushAuthenticatesTheClientAsTheTokenEndpoint) {
  EXPECT_EQ(ErrorOf(Push(Request(), "web", "wrong").status()),
            OAuthError::kInvalidClient);
  EXPECT_EQ(ErrorOf(Push(Request(), "web", "").status()),
            OAuthError::kInvalidClient);
  EXPECT_EQ(ErrorOf(Push(Request("nobody"), "nobody", "x").status()),
            OAuthError::kInvalidClient);
  // A client_credentials-only client may not ask for codes.
  EXPECT_EQ(
      ErrorOf(Push(Request("worker"), "worker", "worker-secret").status()),
      OAuthError::kUnauthorizedClient);
  // A public client pushes with its id alone (and PKCE).
  auto spa = Push(Request("spa"), "spa", "");
  ASSERT_TRUE(spa.ok()) << spa.status();
  EXPECT_TRUE(Authorize(ByReference(spa->request_uri, "spa")).ok());
  // The request's client_id may be left out: the authenticated client's.
  AuthorizationRequest no_id = Request();
  no_id.client_id.clear();
  auto pushed = Push(no_id);
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_TRUE(Authorize(ByReference(pushed->request_uri)).ok());
}

// RFC 9126 §6: a client registered with require_pushed_authorization_requests
// cannot send its parameters to the authorization endpoint directly.
TEST_F(PushedAuthorizationTest, ClientRequiringParRefusesRequestsNotPushed) {
  RequirePar("web", true);
  auto direct = Authorize(Request());
  EXPECT_EQ(ErrorOf(direct.status()), OAuthError::kInvalidRequest);
  EXPECT_TRUE(Redirected(direct.status()));  // Its redirect_uri is known.
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_TRUE(Authorize(ByReference(pushed->request_uri)).ok());
  // Other clients are not affected.
  EXPECT_TRUE(Authorize(Request("other")).ok());
  RequirePar("web", false);
  EXPECT_TRUE(Authorize(Request()).ok());
}

// A login form carries a pushed request on by a new reference (the pushed
// one is consumed), valid for the time a person needs, once.
TEST_F(PushedAuthorizationTest, LoginFormGetsANewSingleUseReference) {
  auto pushed = Push();
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  auto validated = u_.authorization.Validate(ByReference(pushed->request_uri));
  ASSERT_TRUE(validated.ok()) << validated.status();
  ASSERT_TRUE(validated->pushed.has_value());
  auto carried = u_.authorization.PushForLogin(*validated);
  ASSERT_TRUE(carried.ok()) << carried.status();
  EXPECT_NE(*carried, pushed->request_uri);
  f_.clock.Advance(absl::Minutes(9));
  auto issued = Authorize(ByReference(*carried));
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->state, "pushed-state");
  EXPECT_EQ(ErrorOf(Authorize(ByReference(*carried)).status()),
            OAuthError::kInvalidRequest);
  // After ten minutes the form's reference has expired.
  auto again = u_.authorization.PushForLogin(*validated);
  ASSERT_TRUE(again.ok());
  f_.clock.Advance(absl::Minutes(10));
  EXPECT_EQ(ErrorOf(Authorize(ByReference(*again)).status()),
            OAuthError::kInvalidRequest);
  // A request not pushed has nothing to carry.
  auto direct = u_.authorization.Validate(Request());
  ASSERT_TRUE(direct.ok());
  EXPECT_FALSE(direct->pushed.has_value());
  EXPECT_EQ(u_.authorization.PushForLogin(*direct).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(PushedAuthorizationTest, ExpiredPushedRequestsArePurged) {
  ASSERT_TRUE(Push().ok());
  f_.clock.Advance(absl::Seconds(61));
  auto purged = PurgeExpired({&f_.store, &f_.store}, f_.clock.Now());
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(purged->pushed_requests, 1);
}

}  // namespace
}  // namespace identity::server
