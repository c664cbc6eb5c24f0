// Consent to third-party clients (OIDC Core §3.1.2.4, §3.1.2.6, §11) in the
// OAuth core, on the in-memory store with a fake clock: when it is needed,
// what prompt=consent and prompt=none do, remembering and withdrawing it,
// and the gRPC face's way to carry it (Authorize's `consented`). A negative
// test for every rule, asserting the OAuth error.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "server/oauth/authorization.h"
#include "server/oauth/consents.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

constexpr char kRedirect[] = "https://app.example/callback";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

class ConsentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddClient("first", /*third_party=*/false);
    AddClient("third", /*third_party=*/true);
    AddClient("other", /*third_party=*/true);
    auto alice = u_.users.Create({"alice@example.com", "correct horse"});
    ASSERT_TRUE(alice.ok()) << alice.status();
    alice_ = *alice;
  }

  void AddClient(const std::string& id, bool third_party) {
    storage::ClientRecord client;
    client.client_id = id;
    client.allowed_scopes = {"orders.read", "offline_access"};
    client.grant_types = {"authorization_code", "refresh_token"};
    client.redirect_uris = {kRedirect};
    client.secret_hash = u_.f.hasher.Hash(id + "-secret");
    client.third_party = third_party;
    client.created_at = client.updated_at = u_.f.clock.Now();
    ASSERT_TRUE(u_.f.store.CreateClient(client).ok());
  }

  static AuthorizationRequest Request(const std::string& client,
                                      const std::string& scope = "openid",
                                      const std::string& prompt = "") {
    AuthorizationRequest request;
    request.response_type = "code";
    request.client_id = client;
    request.redirect_uri = kRedirect;
    request.scope = scope;
    request.state = "st";
    request.code_challenge = S256Challenge(kVerifier);
    request.code_challenge_method = "S256";
    request.prompt = prompt;
    return request;
  }

  ValidatedAuthorization Validated(const AuthorizationRequest& request) {
    auto validated = u_.authorization.Validate(request);
    EXPECT_TRUE(validated.ok()) << validated.status();
    return validated.ok() ? *validated : ValidatedAuthorization();
  }

  ExistingLogin Login() const {
    return ExistingLogin{alice_.user_id, u_.f.clock.Now(), ""};
  }

  ExistingLogin LoginIn(const std::string& sid) const {
    return ExistingLogin{alice_.user_id, u_.f.clock.Now(), sid};
  }

  AuthorizationDecision Decide(const AuthorizationRequest& request) {
    auto decision = u_.authorization.Decide(Validated(request), Login());
    EXPECT_TRUE(decision.ok()) << decision.status();
    return decision.ok() ? *decision : AuthorizationDecision();
  }

  absl::StatusOr<IssuedCode> Authorize(const AuthorizationRequest& request,
                                       bool consented) {
    return u_.authorization.Authorize(request, "alice@example.com",
                                      "correct horse", "10.0.0.1", consented);
  }

  // The tokens for `code` of `client`.
  absl::StatusOr<IssuedToken> Exchange(const std::string& code,
                                       const std::string& client) {
    TokenRequestFields request;
    request.grant_type = "authorization_code";
    request.client_id = client;
    request.client_secret = client + "-secret";
    request.code = code;
    request.redirect_uri = kRedirect;
    request.code_verifier = kVerifier;
    return u_.tokens.Exchange(request);
  }

  // Alice's tokens at `client` for `scope`, consenting over gRPC.
  absl::StatusOr<IssuedToken> ConsentedTokens(const std::string& client,
                                              const std::string& scope) {
    auto code = Authorize(Request(client, scope), true);
    if (!code.ok()) return code.status();
    return Exchange(code->code, client);
  }

  absl::StatusOr<IssuedToken> Refresh(const std::string& token,
                                      const std::string& client) {
    TokenRequestFields request;
    request.grant_type = "refresh_token";
    request.client_id = client;
    request.client_secret = client + "-secret";
    request.refresh_token = token;
    return u_.tokens.Exchange(request);
  }

  testing::UserFlowsFixture u_;
  storage::UserRecord alice_;
};

using Action = AuthorizationDecision::Action;

// A first-party client's registration stands for consent: no page, even
// with prompt=consent (documented choice, as Keycloak's clients without
// "consent required").
TEST_F(ConsentTest, FirstPartyClientsNeverAsk) {
  for (const char* prompt : {"", "consent"}) {
    AuthorizationDecision decision = Decide(Request("first", "openid", prompt));
    EXPECT_EQ(decision.action, Action::kRedirect) << prompt;
    EXPECT_TRUE(decision.code.has_value()) << prompt;
  }
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
}

TEST_F(ConsentTest, ThirdPartyClientAsksBeforeTheFirstCode) {
  AuthorizationDecision decision = Decide(Request("third"));
  EXPECT_EQ(decision.action, Action::kShowConsent);
  EXPECT_FALSE(decision.code.has_value());
  EXPECT_TRUE(decision.redirect_url.empty());
}

// Allowed once, remembered: the next request with the same scopes gets its
// code without asking.
TEST_F(ConsentTest, ConsentIssuesTheCodeAndIsRemembered) {
  auto issued = u_.authorization.Consent(
      Validated(Request("third", "openid orders.read")), Login());
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(absl::StartsWith(issued->redirect_url,
                               std::string(kRedirect) + "?code="));
  EXPECT_TRUE(Exchange(issued->code, "third").ok());
  auto consents = u_.consents.List(alice_.user_id);
  ASSERT_TRUE(consents.ok());
  ASSERT_EQ(consents->size(), 1u);
  EXPECT_EQ((*consents)[0].client_id, "third");
  EXPECT_EQ((*consents)[0].scopes,
            (std::vector<std::string>{"openid", "orders.read"}));
  EXPECT_TRUE(Decide(Request("third", "openid")).code.has_value());
  EXPECT_TRUE(Decide(Request("third", "orders.read openid")).code.has_value());
  // Consent is per client.
  EXPECT_EQ(Decide(Request("other")).action, Action::kShowConsent);
}

// A scope not consented to asks again; the answer adds to what was allowed.
TEST_F(ConsentTest, AScopeNotConsentedToAsksAgain) {
  ASSERT_TRUE(
      u_.authorization.Consent(Validated(Request("third")), Login()).ok());
  EXPECT_EQ(Decide(Request("third", "openid orders.read")).action,
            Action::kShowConsent);
  ASSERT_TRUE(u_.authorization
                  .Consent(Validated(Request("third", "orders.read")), Login())
                  .ok());
  EXPECT_TRUE(Decide(Request("third", "openid orders.read")).code.has_value());
}

// OIDC Core §11: offline_access for a third-party client only once the user
// consented to it.
TEST_F(ConsentTest, OfflineAccessNeedsItsOwnConsent) {
  ASSERT_TRUE(
      u_.authorization.Consent(Validated(Request("third")), Login()).ok());
  EXPECT_EQ(Decide(Request("third", "openid offline_access")).action,
            Action::kShowConsent);
}

// OIDC Core §3.1.2.1: prompt=consent asks even when consent is remembered.
TEST_F(ConsentTest, PromptConsentAsksAgain) {
  ASSERT_TRUE(
      u_.authorization.Consent(Validated(Request("third")), Login()).ok());
  ValidatedAuthorization validated =
      Validated(Request("third", "openid", "consent"));
  EXPECT_TRUE(validated.prompt_consent);
  EXPECT_EQ(u_.authorization.Decide(validated, Login())->action,
            Action::kShowConsent);
}

// OIDC Core §3.1.2.6: prompt=none cannot ask: consent_required, redirected
// with state.
TEST_F(ConsentTest, PromptNoneWhenConsentIsNeededIsConsentRequired) {
  AuthorizationDecision decision = Decide(Request("third", "openid", "none"));
  EXPECT_EQ(decision.action, Action::kRedirect);
  EXPECT_FALSE(decision.code.has_value());
  EXPECT_TRUE(
      absl::StartsWith(decision.redirect_url,
                       std::string(kRedirect) + "?error=consent_required"))
      << decision.redirect_url;
  EXPECT_TRUE(absl::StrContains(decision.redirect_url, "state=st"));
  // Once consented, prompt=none gets its code.
  ASSERT_TRUE(
      u_.authorization.Consent(Validated(Request("third")), Login()).ok());
  EXPECT_TRUE(Decide(Request("third", "openid", "none")).code.has_value());
}

// OIDC Core §3.1.2.1: none with any other value is an error.
TEST_F(ConsentTest, PromptNoneWithConsentIsInvalidRequest) {
  auto refused =
      u_.authorization.Validate(Request("third", "openid", "none consent"));
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kInvalidRequest);
  EXPECT_TRUE(
      absl::StrContains(ErrorDetailsOf(refused.status())["redirect_uri"],
                        "error=invalid_request"));
}

// RFC 6749 §4.1.2.1: the user's "deny" is access_denied, with state.
TEST_F(ConsentTest, DenyIsAccessDeniedAtTheRedirectUri) {
  const std::string url =
      u_.authorization.DenyConsent(Validated(Request("third")));
  EXPECT_TRUE(
      absl::StartsWith(url, std::string(kRedirect) + "?error=access_denied"))
      << url;
  EXPECT_TRUE(absl::StrContains(url, "state=st"));
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
}

// A sign-in for a third-party client earns no code until the user consents.
TEST_F(ConsentTest, SignInForAThirdPartyClientWaitsForConsent) {
  auto signed_in =
      u_.authorization.SignIn(Validated(Request("third")), "alice@example.com",
                              "correct horse", "10.0.0.1", true);
  ASSERT_TRUE(signed_in.ok()) << signed_in.status();
  EXPECT_FALSE(signed_in->code.has_value());
  ASSERT_TRUE(signed_in->session.has_value());
  auto first =
      u_.authorization.SignIn(Validated(Request("first")), "alice@example.com",
                              "correct horse", "10.0.0.1", true);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->code.has_value());
}

// A disabled user's consent page answers nothing.
TEST_F(ConsentTest, ConsentOfADisabledUserIsLoginRequired) {
  ASSERT_TRUE(u_.users.SetDisabled(alice_.user_id, true).ok());
  auto refused = u_.authorization.Consent(Validated(Request("third")), Login());
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kLoginRequired);
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
}

// The consent page's reference is single use, its client's and its login
// session's only, and no pushed request's.
TEST_F(ConsentTest, TheConsentReferenceIsSingleUseItsClientsAndSessions) {
  const ExistingLogin s1 = LoginIn("s1");
  auto uri =
      u_.authorization.PushForConsent(Validated(Request("third")), s1, false);
  ASSERT_TRUE(uri.ok()) << uri.status();
  EXPECT_TRUE(absl::StartsWith(*uri, kConsentRequestUriPrefix));
  EXPECT_EQ(
      OAuthErrorOf(u_.authorization.ResolveConsent("other", *uri, s1).status()),
      OAuthError::kInvalidRequest);
  // Another session of the same user, or of another user.
  EXPECT_EQ(
      OAuthErrorOf(u_.authorization.ResolveConsent("third", *uri, LoginIn("s2"))
                       .status()),
      OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(
                u_.authorization
                    .ResolveConsent("third", *uri, ExistingLogin{"bob", {}, ""})
                    .status()),
            OAuthError::kInvalidRequest);
  // Not an authorization request's reference either.
  AuthorizationRequest at_authorize;
  at_authorize.client_id = "third";
  at_authorize.request_uri = *uri;
  EXPECT_FALSE(u_.authorization.Validate(at_authorize).ok());
  auto answer = u_.authorization.ResolveConsent("third", *uri, s1);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->request.state, "st");
  EXPECT_EQ(answer->shown_scopes, answer->request.scopes);
  EXPECT_FALSE(answer->signed_in);
  EXPECT_EQ(
      OAuthErrorOf(u_.authorization.ResolveConsent("third", *uri, s1).status()),
      OAuthError::kInvalidRequest);
  // And expires.
  uri = u_.authorization.PushForConsent(Validated(Request("third")), s1, true);
  ASSERT_TRUE(uri.ok());
  u_.f.clock.Advance(absl::Minutes(10) + absl::Seconds(1));
  EXPECT_EQ(
      OAuthErrorOf(u_.authorization.ResolveConsent("third", *uri, s1).status()),
      OAuthError::kInvalidRequest);
}

// A pushed request's reference (the one in the browser's /authorize URL)
// and a login form's are no consent page's: refused, and left usable.
TEST_F(ConsentTest, OnlyAConsentPagesReferenceAnswersIt) {
  auto pushed = u_.pushed.Push({"third", "third-secret", "10.0.0.1",
                                Request("third", "openid", "login")});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  EXPECT_EQ(OAuthErrorOf(
                u_.authorization
                    .ResolveConsent("third", pushed->request_uri, LoginIn("s1"))
                    .status()),
            OAuthError::kInvalidRequest);
  AuthorizationRequest by_reference;
  by_reference.client_id = "third";
  by_reference.request_uri = pushed->request_uri;
  auto validated = u_.authorization.Validate(by_reference);
  ASSERT_TRUE(validated.ok()) << validated.status();
  auto login_form = u_.authorization.PushForLogin(*validated);
  ASSERT_TRUE(login_form.ok()) << login_form.status();
  EXPECT_EQ(
      OAuthErrorOf(
          u_.authorization.ResolveConsent("third", *login_form, LoginIn("s1"))
              .status()),
      OAuthError::kInvalidRequest);
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
}

// Consent applies Decide's checks again: no consent to give to a
// first-party client; prompt=none never answered; prompt=login only by the
// sign-in made for the request; max_age against the login's auth_time.
TEST_F(ConsentTest, ConsentAppliesTheLoginChecksAgain) {
  EXPECT_EQ(OAuthErrorOf(
                u_.authorization.Consent(Validated(Request("first")), Login())
                    .status()),
            OAuthError::kInvalidRequest);
  auto none = u_.authorization.Consent(
      Validated(Request("third", "openid", "none")), Login());
  EXPECT_EQ(OAuthErrorOf(none.status()), OAuthError::kConsentRequired);
  EXPECT_TRUE(absl::StrContains(ErrorDetailsOf(none.status())["redirect_uri"],
                                "error=consent_required"));
  const ValidatedAuthorization login_again =
      Validated(Request("third", "openid", "login"));
  EXPECT_EQ(OAuthErrorOf(
                u_.authorization.Consent(login_again, Login(), false).status()),
            OAuthError::kLoginRequired);
  AuthorizationRequest aged = Request("third");
  aged.max_age = "60";
  const ValidatedAuthorization validated = Validated(aged);
  const ExistingLogin old{alice_.user_id, u_.f.clock.Now() - absl::Seconds(61),
                          ""};
  EXPECT_EQ(
      OAuthErrorOf(u_.authorization.Consent(validated, old, true).status()),
      OAuthError::kLoginRequired);
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
  EXPECT_TRUE(u_.authorization.Consent(login_again, Login(), true).ok());
  EXPECT_TRUE(u_.authorization.Consent(validated, Login(), false).ok());
}

// The page's reference records the scopes it listed: when the request's
// differ at the answer (the client's registration changed: offline_access
// no longer among its scopes), the page is to be shown again, and the gRPC
// face asks again rather than grant what was not shown.
TEST_F(ConsentTest, ScopesNotShownAreNotGranted) {
  const ExistingLogin s1 = LoginIn("s1");
  auto uri = u_.authorization.PushForConsent(
      Validated(Request("third", "openid offline_access")), s1, false);
  ASSERT_TRUE(uri.ok());
  auto pushed = u_.pushed.Push({"third", "third-secret", "10.0.0.1",
                                Request("third", "openid offline_access")});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  AuthorizationRequest by_reference;
  by_reference.client_id = "third";
  by_reference.request_uri = pushed->request_uri;
  auto refused = Authorize(by_reference, false);
  ASSERT_EQ(OAuthErrorOf(refused.status()), OAuthError::kConsentRequired);
  by_reference.request_uri = ErrorDetailsOf(refused.status())["request_uri"];
  auto client = u_.f.store.GetClient("third");
  ASSERT_TRUE(client.ok());
  client->allowed_scopes = {"orders.read"};
  ASSERT_TRUE(u_.f.store.UpdateClient(*client).ok());
  auto answer = u_.authorization.ResolveConsent("third", *uri, s1);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->shown_scopes,
            (std::vector<std::string>{"openid", "offline_access"}));
  EXPECT_EQ(answer->request.scopes, std::vector<std::string>{"openid"});
  refused = Authorize(by_reference, true);
  ASSERT_EQ(OAuthErrorOf(refused.status()), OAuthError::kConsentRequired);
  EXPECT_EQ(ErrorDetailsOf(refused.status())["scope"], "openid");
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
  by_reference.request_uri = ErrorDetailsOf(refused.status())["request_uri"];
  EXPECT_TRUE(Authorize(by_reference, true).ok());
}

// Consent pages are bounded per login session and client, apart from the
// client's pushed requests, whose quota and size limit they do not touch.
TEST_F(ConsentTest, ConsentPagesHaveTheirOwnBound) {
  const ValidatedAuthorization validated = Validated(Request("third"));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(
        u_.authorization.PushForConsent(validated, LoginIn("s1"), false).ok())
        << i;
  }
  EXPECT_EQ(OAuthErrorOf(
                u_.authorization.PushForConsent(validated, LoginIn("s1"), false)
                    .status()),
            OAuthError::kTemporarilyUnavailable);
  EXPECT_TRUE(
      u_.authorization.PushForConsent(validated, LoginIn("s2"), false).ok());
  EXPECT_EQ(*u_.f.store.CountLivePushedRequests("third", u_.f.clock.Now()), 0);
  EXPECT_TRUE(
      u_.pushed.Push({"third", "third-secret", "10.0.0.1", Request("third")})
          .ok());
  // A valid request larger than a pushed request may be.
  AuthorizationRequest large = Request("third");
  large.state = std::string(1024, 's');
  large.nonce = std::string(512, 'n');
  for (int i = 0; i < 500; ++i) large.prompt += "consent ";
  EXPECT_EQ(
      OAuthErrorOf(u_.pushed.Push({"third", "third-secret", "10.0.0.1", large})
                       .status()),
      OAuthError::kInvalidRequest);
  EXPECT_TRUE(
      u_.authorization.PushForConsent(Validated(large), LoginIn("s2"), false)
          .ok());
}

// The gRPC face: consent_required (not redirected) with what to ask about,
// then the same request with consented=true.
TEST_F(ConsentTest, AuthorizeNeedsConsentedForAThirdPartyClient) {
  auto refused = Authorize(Request("third", "openid orders.read"), false);
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kConsentRequired);
  auto details = ErrorDetailsOf(refused.status());
  EXPECT_EQ(details.count("redirect_uri"), 0u);
  EXPECT_EQ(details["scope"], "openid orders.read");
  EXPECT_TRUE(
      absl::StartsWith(details["deny_redirect_uri"],
                       std::string(kRedirect) + "?error=access_denied"));
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
  // Wrong credentials are refused before consent is even considered.
  EXPECT_EQ(OAuthErrorOf(u_.authorization
                             .Authorize(Request("third"), "alice@example.com",
                                        "wrong", "10.0.0.1", true)
                             .status()),
            OAuthError::kAccessDenied);
  EXPECT_TRUE(u_.consents.List(alice_.user_id)->empty());
  ASSERT_TRUE(Authorize(Request("third", "openid orders.read"), true).ok());
  EXPECT_TRUE(Authorize(Request("third", "openid"), false).ok());
  EXPECT_EQ(
      OAuthErrorOf(
          Authorize(Request("third", "openid", "consent"), false).status()),
      OAuthError::kConsentRequired);
  EXPECT_TRUE(Authorize(Request("first"), false).ok());
}

// A pushed request (RFC 9126) is consumed by the first call: the
// consent_required error carries a new request_uri for the second.
TEST_F(ConsentTest, AuthorizeOfAPushedRequestGetsANewRequestUri) {
  auto pushed = u_.pushed.Push(
      {"third", "third-secret", "10.0.0.1", Request("third", "openid")});
  ASSERT_TRUE(pushed.ok()) << pushed.status();
  AuthorizationRequest by_reference;
  by_reference.client_id = "third";
  by_reference.request_uri = pushed->request_uri;
  auto refused = Authorize(by_reference, false);
  EXPECT_EQ(OAuthErrorOf(refused.status()), OAuthError::kConsentRequired);
  const std::string again = ErrorDetailsOf(refused.status())["request_uri"];
  EXPECT_TRUE(absl::StartsWith(again, kConsentRequestUriPrefix)) << again;
  EXPECT_EQ(OAuthErrorOf(Authorize(by_reference, true).status()),
            OAuthError::kInvalidRequest);  // Consumed.
  by_reference.request_uri = again;
  auto issued = Authorize(by_reference, true);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(absl::StrContains(issued->redirect_url, "state=st"));
}

// Withdrawing consent forgets it and ends the client's tokens for the
// user; the user's tokens at other clients stay.
TEST_F(ConsentTest, RevokeForgetsConsentAndEndsTheClientsRefreshTokens) {
  auto third = ConsentedTokens("third", "openid offline_access");
  ASSERT_TRUE(third.ok()) << third.status();
  ASSERT_FALSE(third->refresh_token.empty());
  auto other = ConsentedTokens("other", "openid offline_access");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(u_.consents.Revoke(alice_.user_id, "third").ok());
  EXPECT_EQ(OAuthErrorOf(Refresh(third->refresh_token, "third").status()),
            OAuthError::kInvalidGrant);
  EXPECT_TRUE(Refresh(other->refresh_token, "other").ok());
  EXPECT_EQ(
      OAuthErrorOf(
          Authorize(Request("third", "openid offline_access"), false).status()),
      OAuthError::kConsentRequired);
  EXPECT_EQ(u_.consents.Revoke(alice_.user_id, "third").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(OAuthErrorOf(u_.consents.Revoke("", "third")),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(u_.consents.List("").status()),
            OAuthError::kInvalidRequest);
}

// A code issued before the consent was withdrawn is not redeemed: the
// exchange sees the withdrawal and revokes what it made.
TEST_F(ConsentTest, ACodeIssuedBeforeWithdrawalIsNotRedeemed) {
  auto code = Authorize(Request("third", "openid offline_access"), true);
  ASSERT_TRUE(code.ok()) << code.status();
  ASSERT_TRUE(u_.consents.Revoke(alice_.user_id, "third").ok());
  EXPECT_EQ(OAuthErrorOf(Exchange(code->code, "third").status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(OAuthErrorOf(Exchange(code->code, "third").status()),
            OAuthError::kInvalidGrant);
  // Consented again, a new code works.
  code = Authorize(Request("third", "openid offline_access"), true);
  ASSERT_TRUE(code.ok());
  EXPECT_TRUE(Exchange(code->code, "third").ok());
}

// Withdrawing one user's consent leaves another user's grants at the same
// client.
TEST_F(ConsentTest, RevokeLeavesOtherUsersGrantsAtTheClient) {
  ASSERT_TRUE(u_.users.Create({"bob@example.com", "battery staple"}).ok());
  auto bob_code = u_.authorization.Authorize(
      Request("third", "openid offline_access"), "bob@example.com",
      "battery staple", "10.0.0.1", true);
  ASSERT_TRUE(bob_code.ok()) << bob_code.status();
  auto bob = Exchange(bob_code->code, "third");
  ASSERT_TRUE(bob.ok()) << bob.status();
  auto alice = ConsentedTokens("third", "openid offline_access");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE(u_.consents.Revoke(alice_.user_id, "third").ok());
  EXPECT_EQ(OAuthErrorOf(Refresh(alice->refresh_token, "third").status()),
            OAuthError::kInvalidGrant);
  EXPECT_TRUE(Refresh(bob->refresh_token, "third").ok());
}

// The gRPC face's consent reference is its user's: another user's
// credentials cannot answer it.
TEST_F(ConsentTest, AuthorizeConsentReferenceIsItsUsers) {
  ASSERT_TRUE(u_.users.Create({"bob@example.com", "battery staple"}).ok());
  auto pushed = u_.pushed.Push(
      {"third", "third-secret", "10.0.0.1", Request("third", "openid")});
  ASSERT_TRUE(pushed.ok());
  AuthorizationRequest by_reference;
  by_reference.client_id = "third";
  by_reference.request_uri = pushed->request_uri;
  auto refused = Authorize(by_reference, false);
  ASSERT_EQ(OAuthErrorOf(refused.status()), OAuthError::kConsentRequired);
  by_reference.request_uri = ErrorDetailsOf(refused.status())["request_uri"];
  EXPECT_EQ(OAuthErrorOf(u_.authorization
                             .Authorize(by_reference, "bob@example.com",
                                        "battery staple", "10.0.0.1", true)
                             .status()),
            OAuthError::kInvalidRequest);
  EXPECT_TRUE(Authorize(by_reference, true).ok());
}

}  // namespace
}  // namespace identity::server
