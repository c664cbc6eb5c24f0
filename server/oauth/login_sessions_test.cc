// Login sessions, offline_access and RP-Initiated Logout in the OAuth core
// (in-memory store, fake clock): a negative test for every rule.
#include "server/oauth/login_sessions.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jwt/claims.h"
#include "jwt/jws.h"
#include "server/oauth/authorization.h"
#include "server/oauth/end_session.h"
#include "server/oauth/introspector.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using testing::kFixtureIssuer;

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kBye[] = "https://app.example/bye";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

class RecordingListener : public SessionEndListener {
 public:
  void SessionEnded(const storage::SessionRecord& session) override {
    ended.push_back(session.sid);
  }
  std::vector<std::string> ended;
};

class LoginSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ClientRecord web;
    web.client_id = "web";
    web.allowed_scopes = {"orders.read"};
    web.grant_types = {"authorization_code", "refresh_token"};
    web.redirect_uris = {kRedirect};
    web.post_logout_redirect_uris = {kBye};
    web.secret_hash = f_.hasher.Hash("web-secret");
    web.created_at = web.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(web).ok());
    storage::ClientRecord offline = web;
    offline.client_id = "offline";
    offline.allowed_scopes = {"orders.read", "offline_access"};
    offline.secret_hash = f_.hasher.Hash("offline-secret");
    ASSERT_TRUE(f_.store.CreateClient(offline).ok());
    auto alice = u_.users.Create({"alice", "correct horse", "Alice"});
    ASSERT_TRUE(alice.ok()) << alice.status();
    alice_ = *alice;
    u_.sessions.Subscribe(&listener_);
  }

  ValidatedAuthorization Validated(const std::string& client,
                                   const std::string& scope) {
    AuthorizationRequest request;
    request.response_type = "code";
    request.client_id = client;
    request.redirect_uri = kRedirect;
    request.scope = scope;
    request.code_challenge = S256Challenge(kVerifier);
    request.code_challenge_method = "S256";
    auto validated = u_.authorization.Validate(request);
    EXPECT_TRUE(validated.ok()) << validated.status();
    return validated.ok() ? *validated : ValidatedAuthorization();
  }

  // alice signs in at `client` in a browser (a session starts) and the
  // code is exchanged.
  std::pair<IssuedToken, SignedIn> SignInAndExchange(
      const std::string& client = "web",
      const std::string& scope = "openid orders.read") {
    auto signed_in = u_.authorization.SignIn(Validated(client, scope), "alice",
                                             "correct horse", "10.0.0.1", true);
    EXPECT_TRUE(signed_in.ok()) << signed_in.status();
    TokenRequestFields request;
    request.grant_type = "authorization_code";
    request.client_id = client;
    request.client_secret = client + "-secret";
    request.code = signed_in->code->code;
    request.redirect_uri = kRedirect;
    request.code_verifier = kVerifier;
    auto issued = u_.tokens.Exchange(request);
    EXPECT_TRUE(issued.ok()) << issued.status();
    return {issued.ok() ? *issued : IssuedToken(), *signed_in};
  }

  absl::StatusOr<IssuedToken> Refresh(const std::string& token,
                                      const std::string& client = "web") {
    TokenRequestFields request;
    request.grant_type = "refresh_token";
    request.client_id = client;
    request.client_secret = client + "-secret";
    request.refresh_token = token;
    return u_.tokens.Exchange(request);
  }

  static jwt::Claims ClaimsOf(const std::string& token) {
    auto jws = jwt::Jws::Parse(token);
    EXPECT_TRUE(jws.ok());
    return *jwt::Claims::Parse(jws->payload());
  }

  testing::UserFlowsFixture u_;
  testing::OAuthFixture& f_ = u_.f;
  storage::UserRecord alice_;
  RecordingListener listener_;
};

TEST_F(LoginSessionsTest, StartStoresTheSecretsHashOnly) {
  auto started = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->secret.size(), 43u);      // 256 bits, base64url.
  EXPECT_EQ(started->record.sid.size(), 22u);  // 128 bits.
  auto stored = f_.store.GetSession(started->record.sid);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->secret_hash, HashOpaqueToken(started->secret));
  EXPECT_NE(stored->secret_hash, started->secret);
  EXPECT_EQ(stored->expires_at - stored->created_at, kDefaultSessionLifetime);
}

TEST_F(LoginSessionsTest, ResolveRefusesUnknownOtherUsersEndedAndExpired) {
  auto started = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  ASSERT_TRUE(started.ok());
  EXPECT_TRUE(u_.sessions.Resolve(started->secret, alice_.user_id).ok());
  EXPECT_EQ(u_.sessions.Resolve("unknown", alice_.user_id).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(u_.sessions.Resolve(started->secret, "bob").status().code(),
            absl::StatusCode::kUnauthenticated);
  f_.clock.Advance(kDefaultSessionLifetime);
  EXPECT_EQ(
      u_.sessions.Resolve(started->secret, alice_.user_id).status().code(),
      absl::StatusCode::kUnauthenticated);
  auto other = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(u_.sessions.End(other->record.sid).ok());
  EXPECT_EQ(u_.sessions.Resolve(other->secret, alice_.user_id).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// The hook for back-channel logout: each end is told once, to every
// listener; an expiry or a second end is not.
TEST_F(LoginSessionsTest, EveryEndIsToldToTheListenersOnce) {
  auto a = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  auto b = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  auto c = u_.sessions.Start(alice_.user_id, f_.clock.Now());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(u_.sessions.End(a->record.sid).ok());
  EXPECT_EQ(u_.sessions.End(a->record.sid).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(u_.sessions.End("nope").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*u_.sessions.EndUserSessions(alice_.user_id), 2);
  EXPECT_EQ(*u_.sessions.EndUserSessions(alice_.user_id), 0);
  ASSERT_EQ(listener_.ended.size(), 3u);
  EXPECT_EQ(listener_.ended[0], a->record.sid);
  EXPECT_TRUE(u_.sessions.List(alice_.user_id)->empty());
}

TEST_F(LoginSessionsTest, CodesRefreshTokensAndIdTokensRecordTheSid) {
  auto [issued, signed_in] = SignInAndExchange();
  ASSERT_TRUE(signed_in.session.has_value());
  const std::string sid = signed_in.session->record.sid;
  EXPECT_EQ(ClaimsOf(issued.id_token).other["sid"], sid);
  auto code =
      f_.store.GetAuthorizationCode(HashOpaqueToken(signed_in.code->code));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->sid, sid);
  auto refresh =
      f_.store.GetRefreshToken(HashOpaqueToken(issued.refresh_token));
  ASSERT_TRUE(refresh.ok());
  EXPECT_EQ(refresh->sid, sid);
  // The gRPC face has no sessions: its codes record none, its ID tokens
  // carry no sid.
  auto grpc_code =
      u_.authorization.Authorize({"code", "web", kRedirect, "openid", "",
                                  S256Challenge(kVerifier), "S256", ""},
                                 "alice", "correct horse", "10.0.0.1");
  ASSERT_TRUE(grpc_code.ok()) << grpc_code.status();
  EXPECT_EQ(
      f_.store.GetAuthorizationCode(HashOpaqueToken(grpc_code->code))->sid, "");
}

// OIDC Core §11: without offline_access a refresh token ends with its
// login session, and the whole grant is revoked.
TEST_F(LoginSessionsTest, RefreshAfterTheSessionEndedIsInvalidGrant) {
  auto [issued, signed_in] = SignInAndExchange();
  auto first = Refresh(issued.refresh_token);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(u_.sessions.End(signed_in.session->record.sid).ok());
  auto refused = Refresh(first->refresh_token);
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kInvalidGrant);
  auto family = f_.store.GetRefreshToken(HashOpaqueToken(first->refresh_token));
  ASSERT_TRUE(family.ok());
  EXPECT_TRUE(family->revoked);
}

// RFC 7662 §2.2 with OIDC Core §11: a refresh token whose session ended is
// no longer active, even before its next use revokes it.
TEST_F(LoginSessionsTest, IntrospectionSaysARefreshTokenEndedWithItsSession) {
  const Introspector introspector(&f_.authenticator, &f_.access_tokens,
                                  &f_.store, &f_.events, &u_.sessions);
  auto [online, signed_in] = SignInAndExchange();
  auto [offline, offline_in] =
      SignInAndExchange("offline", "openid orders.read offline_access");
  EXPECT_TRUE(
      introspector.Introspect("web", "web-secret", online.refresh_token)
          ->active);
  ASSERT_TRUE(u_.sessions.EndUserSessions(alice_.user_id).ok());
  EXPECT_FALSE(
      introspector.Introspect("web", "web-secret", online.refresh_token)
          ->active);
  EXPECT_TRUE(
      introspector
          .Introspect("offline", "offline-secret", offline.refresh_token)
          ->active);
}

TEST_F(LoginSessionsTest, RefreshAfterTheSessionExpiredIsInvalidGrant) {
  auto [issued, signed_in] = SignInAndExchange();
  f_.clock.Advance(kDefaultSessionLifetime);
  EXPECT_EQ(OAuthErrorOf(Refresh(issued.refresh_token).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(LoginSessionsTest, ACodeOfAnEndedSessionIsInvalidGrant) {
  auto signed_in =
      u_.authorization.SignIn(Validated("web", "openid orders.read"), "alice",
                              "correct horse", "10.0.0.1", true);
  ASSERT_TRUE(signed_in.ok());
  ASSERT_TRUE(u_.sessions.End(signed_in->session->record.sid).ok());
  TokenRequestFields request;
  request.grant_type = "authorization_code";
  request.client_id = "web";
  request.client_secret = "web-secret";
  request.code = signed_in->code->code;
  request.redirect_uri = kRedirect;
  request.code_verifier = kVerifier;
  EXPECT_EQ(OAuthErrorOf(u_.tokens.Exchange(request).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(LoginSessionsTest, OfflineAccessOutlivesTheSession) {
  auto [issued, signed_in] =
      SignInAndExchange("offline", "openid orders.read offline_access");
  EXPECT_EQ(issued.scope, "openid orders.read offline_access");
  ASSERT_TRUE(u_.sessions.End(signed_in.session->record.sid).ok());
  auto refreshed = Refresh(issued.refresh_token, "offline");
  EXPECT_TRUE(refreshed.ok()) << refreshed.status();
}

// OIDC Core §11: a client not registered with offline_access does not get
// it; the request for it is ignored, not refused.
TEST_F(LoginSessionsTest, OfflineAccessIsIgnoredForClientsWithoutIt) {
  EXPECT_EQ(Validated("web", "openid orders.read offline_access").scopes,
            (std::vector<std::string>{"openid", "orders.read"}));
}

// --- RP-Initiated Logout 1.0 ------------------------------------------------

TEST_F(LoginSessionsTest, AHintMayHaveExpiredButMustBeThisServersIdToken) {
  auto [issued, signed_in] = SignInAndExchange();
  f_.clock.Advance(absl::Hours(2));
  auto plan = u_.end_session.Validate({issued.id_token, "", kBye, "st"});
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->client_id, "web");
  EXPECT_EQ(plan->hint_sub, alice_.user_id);
  EXPECT_EQ(plan->hint_sid, signed_in.session->record.sid);
  EXPECT_EQ(plan->redirect_url, std::string(kBye) + "?state=st");
  // An access token of this server is no ID token.
  EXPECT_EQ(
      OAuthErrorOf(
          u_.end_session.Validate({issued.access_token, "", "", ""}).status()),
      OAuthError::kInvalidRequest);
  // Another issuer's token, signed with this server's key.
  jwt::Claims claims = ClaimsOf(issued.id_token);
  claims.iss = "https://other.example";
  auto foreign = f_.keys->snapshot()->id_token_signer->Sign(claims);
  ASSERT_TRUE(foreign.ok());
  EXPECT_EQ(
      OAuthErrorOf(u_.end_session.Validate({*foreign, "", "", ""}).status()),
      OAuthError::kInvalidRequest);
}

TEST_F(LoginSessionsTest, PostLogoutRedirectUriMustMatchTheClientsExactly) {
  for (const EndSessionRequest& request : std::vector<EndSessionRequest>{
           {"", "web", "https://app.example/bye/", ""},
           {"", "web", "https://app.example/BYE", ""},
           {"", "web", kRedirect, ""},  // A redirect_uri is not enough.
           {"", "offline2", kBye, ""},  // Unknown client.
           {"", "", kBye, ""},          // No client at all.
       }) {
    EXPECT_EQ(OAuthErrorOf(u_.end_session.Validate(request).status()),
              OAuthError::kInvalidRequest)
        << request.client_id << " " << request.post_logout_redirect_uri;
  }
  auto plan = u_.end_session.Validate({"", "web", kBye, ""});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->redirect_url, kBye);
}

TEST_F(LoginSessionsTest, OnlyAHintForTheSessionsUserSkipsConfirmation) {
  auto [issued, signed_in] = SignInAndExchange();
  const storage::SessionRecord session = signed_in.session->record;
  auto with_hint = u_.end_session.Validate({issued.id_token, "", "", ""});
  ASSERT_TRUE(with_hint.ok());
  EXPECT_FALSE(u_.end_session.NeedsConfirmation(*with_hint, session));
  auto without = u_.end_session.Validate({"", "web", "", ""});
  ASSERT_TRUE(without.ok());
  EXPECT_TRUE(u_.end_session.NeedsConfirmation(*without, session));
  EXPECT_FALSE(u_.end_session.NeedsConfirmation(*without, std::nullopt));
  storage::SessionRecord other = session;
  other.sid = "another-session";
  EXPECT_TRUE(u_.end_session.NeedsConfirmation(*with_hint, other));
  other = session;
  other.user_id = "bob";
  EXPECT_TRUE(u_.end_session.NeedsConfirmation(*with_hint, other));
  EXPECT_EQ(
      OAuthErrorOf(u_.end_session.Validate({issued.id_token, "offline", "", ""})
                       .status()),
      OAuthError::kInvalidRequest);
}

}  // namespace
}  // namespace identity::server
