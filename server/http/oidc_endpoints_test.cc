// The HTTP front door over real loopback HTTP, on the in-memory store: the
// discovery document, the login page and its CSRF and session rules,
// prompt and max_age, and the token, userinfo, introspection and revocation
// endpoints with RFC 6749 §5.2 errors. Also the form, cookie and session
// helpers they use.
#include "server/http/oidc_endpoints.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/json.h"
#include "server/http/form.h"
#include "server/http/testing/raw_http.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using testing::RawConnection;
using testing::StatusOf;

constexpr char kRedirect[] = "https://app.example/cb";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::vector<std::string> cookies;            // Set-Cookie values.
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

Response Parse(const std::string& raw) {
  Response r;
  r.status = StatusOf(raw);
  const size_t end = raw.find("\r\n\r\n");
  r.body = end == std::string::npos ? "" : raw.substr(end + 4);
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    std::string name = lines[i].substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(c));
    const std::string value = lines[i].substr(colon + 2);
    if (name == "set-cookie") r.cookies.push_back(value);
    r.headers[name] = value;
  }
  return r;
}

// The value of cookie `name` among Set-Cookie headers ("" if not set).
std::string CookieValue(const Response& r, const std::string& name) {
  for (const std::string& cookie : r.cookies) {
    if (absl::StartsWith(cookie, name + "=")) {
      return cookie.substr(name.size() + 1, cookie.find(';') - name.size() - 1);
    }
  }
  return "";
}

// The value of hidden input `name` in a page.
std::string HiddenValue(const std::string& page, const std::string& name) {
  const std::string marker = "name=\"" + name + "\" value=\"";
  const size_t at = page.find(marker);
  if (at == std::string::npos) return "";
  const size_t start = at + marker.size();
  return page.substr(start, page.find('"', start) - start);
}

class OidcEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f_.AddClient("worker", "worker-secret").ok());
    storage::ClientRecord web;
    web.client_id = "web";
    web.name = "Web <App>";
    web.allowed_scopes = {"orders.read"};
    web.grant_types = {"authorization_code", "refresh_token"};
    web.redirect_uris = {kRedirect};
    web.secret_hash = f_.hasher.Hash("web-secret");
    web.created_at = web.updated_at = f_.clock.Now();
    ASSERT_TRUE(f_.store.CreateClient(web).ok());
    ASSERT_TRUE(users_.Create({"alice", "correct horse", "Alice"}).ok());
    OidcEndpointsDeps deps;
    deps.issuer = "https://id.example";
    deps.keys = f_.keys.get();
    deps.authorization = &u_.authorization;
    deps.tokens = &u_.tokens;
    deps.pushed = &u_.pushed;
    deps.introspector = &f_.introspector;
    deps.revoker = &u_.revoker;
    deps.userinfo = &u_.userinfo;
    deps.cors = &cors_;
    deps.sessions = &sessions_;
    deps.login_sessions = &u_.sessions;
    deps.end_session = &u_.end_session;
    deps.clock = &f_.clock;
    deps.random = SystemRandom();
    deps.secure_cookies = true;
    deps.proxies = &proxies_;
    auto server = HttpServer::Create({});
    ASSERT_TRUE(server.ok());
    server_ = *std::move(server);
    AddOidcRoutes(*server_, std::move(deps));
    ASSERT_TRUE(server_->Start().ok());
  }

  Response Send(const std::string& request) {
    RawConnection connection(server_->port());
    connection.Send(request);
    return Parse(connection.ReadResponse());
  }

  Response GetPath(const std::string& target, const std::string& cookie = "") {
    return Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
                (cookie.empty() ? "" : "Cookie: " + cookie + "\r\n") +
                "Connection: close\r\n\r\n");
  }

  Response Post(const std::string& path, const std::string& body,
                const std::string& extra_headers = "") {
    return Send("POST " + path +
                " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n" + extra_headers +
                "Connection: close\r\n\r\n" + body);
  }

  // web redeems the code of `location` (a redirect to kRedirect) at /token.
  Response RedeemCode(const std::string& location) {
    return Post("/token",
                "grant_type=authorization_code&client_id=web&client_secret="
                "web-secret&code=" +
                    CodeFrom(location) + "&redirect_uri=" +
                    FormEncode(kRedirect) + "&code_verifier=" + kVerifier);
  }

  std::string AuthorizeQuery(const std::string& extra = "") {
    return "/authorize?response_type=code&client_id=web&redirect_uri=" +
           FormEncode(kRedirect) + "&scope=" + scope_ + "&state=st%3C" +
           "&nonce=n1&code_challenge=" + S256Challenge(kVerifier) +
           "&code_challenge_method=S256" + extra;
  }

  // GET the login page, then post it: the Response of the POST.
  Response LogIn(const std::string& password = "correct horse",
                 const std::string& extra_headers = "",
                 const std::string& username = "alice") {
    const Response page = GetPath(AuthorizeQuery());
    EXPECT_EQ(page.status, 200) << page.body;
    std::string body;
    for (const char* name :
         {"response_type", "client_id", "redirect_uri", "scope", "state",
          "nonce", "code_challenge", "code_challenge_method", "csrf"}) {
      // The page escapes values for HTML; these hold no escapable text but
      // state's "<".
      std::string value = HiddenValue(page.body, name);
      absl::StrReplaceAll({{"&lt;", "<"}}, &value);
      absl::StrAppend(&body, name, "=", FormEncode(value), "&");
    }
    absl::StrAppend(&body, "username=", FormEncode(username),
                    "&password=", FormEncode(password));
    return Post("/authorize", body,
                "Cookie: identity_csrf=" + CookieValue(page, "identity_csrf") +
                    "\r\n" + extra_headers);
  }

  // POST /par with the parameters of AuthorizeQuery() (client_secret_post).
  Response PushRequest(const std::string& extra = "") {
    const std::string query = AuthorizeQuery(extra);
    return Post("/par", query.substr(query.find('?') + 1) +
                            "&client_secret=web-secret");
  }

  // The request_uri of a successful push.
  std::string PushedRequestUri() {
    const Response pushed = PushRequest();
    EXPECT_EQ(pushed.status, 201) << pushed.body;
    return TokenJson(pushed).value("request_uri", "");
  }

  // Posts a login page's form back: its hidden fields and the password.
  Response PostLoginForm(const Response& page,
                         const std::string& password = "correct horse") {
    std::string body;
    for (const char* name : {"client_id", "request_uri", "csrf"}) {
      absl::StrAppend(&body, name, "=",
                      FormEncode(HiddenValue(page.body, name)), "&");
    }
    absl::StrAppend(&body, "username=alice&password=", FormEncode(password));
    return Post(
        "/authorize", body,
        "Cookie: identity_csrf=" + CookieValue(page, "identity_csrf") + "\r\n");
  }

  std::string CodeFrom(const std::string& location) {
    auto query = ParseFormUrlEncoded(location.substr(location.find('?') + 1));
    return query.ok() ? (*query)["code"] : "";
  }

  jwt::Json TokenJson(const Response& r) {
    return jwt::Json::parse(r.body, nullptr, false);
  }

  // alice logs in at web; the access token its code is exchanged for.
  std::string AccessTokenOfALogin() {
    return LogInForTokens().first.value("access_token", "");
  }

  // alice logs in at web (scope scope_) and exchanges the code: the token
  // response, and the session cookie ("identity_session=...").
  std::pair<jwt::Json, std::string> LogInForTokens() {
    const Response login = LogIn();
    EXPECT_EQ(login.status, 302) << login.body;
    const Response token = RedeemCode(login.Header("location"));
    EXPECT_EQ(token.status, 200) << token.body;
    return {TokenJson(token),
            "identity_session=" + CookieValue(login, "identity_session")};
  }

  Response Refresh(const std::string& refresh_token) {
    return Post("/token",
                "grant_type=refresh_token&client_id=web&client_secret="
                "web-secret&refresh_token=" +
                    FormEncode(refresh_token));
  }

  // Registers `uris` as web's post_logout_redirect_uris, and `scopes`.
  void UpdateWeb(std::vector<std::string> uris,
                 std::vector<std::string> scopes = {"orders.read"}) {
    auto web = f_.store.GetClient("web");
    ASSERT_TRUE(web.ok());
    web->post_logout_redirect_uris = std::move(uris);
    web->allowed_scopes = std::move(scopes);
    ASSERT_TRUE(f_.store.UpdateClient(*web).ok());
  }

  // Makes web a third-party client (its users consent).
  void MakeWebThirdParty() {
    auto web = f_.store.GetClient("web");
    ASSERT_TRUE(web.ok());
    web->third_party = true;
    ASSERT_TRUE(f_.store.UpdateClient(*web).ok());
  }

  // Answers a consent page with `decision` ("confirm" or "cancel") in the
  // browser of `session` ("identity_session=..."), with the page's CSRF
  // cookie.
  Response AnswerConsent(const Response& page, const std::string& session,
                         const std::string& decision = "confirm") {
    std::string body;
    for (const char* name : {"client_id", "request_uri", "csrf"}) {
      absl::StrAppend(&body, name, "=",
                      FormEncode(HiddenValue(page.body, name)), "&");
    }
    absl::StrAppend(&body, "decision=", decision);
    // The page's cookie holds its hidden field's token (the login's answer
    // also clears the login form's, at another path).
    return Post("/consent", body,
                "Cookie: " + session + "; identity_csrf=" +
                    HiddenValue(page.body, "csrf") + "\r\n");
  }

  std::string scope_ = "openid+orders.read";
  testing::UserFlowsFixture u_;
  testing::OAuthFixture& f_ = u_.f;
  UserAccounts& users_ = u_.users;
  CorsPolicy cors_{&f_.store};
  SessionCodec sessions_{std::string(32, 's')};
  // The test client plays a reverse proxy on loopback.
  TrustedProxies proxies_ = *TrustedProxies::Parse("127.0.0.1, ::1");
  std::unique_ptr<HttpServer> server_;
};

// Issue 13: behind a trusted proxy the login throttle's source is the
// X-Forwarded-For client. 20 failures from one forwarded address (4 each for
// 5 unknown names: no username locks) lock that address, not the proxy's
// other clients nor the proxy itself.
TEST_F(OidcEndpointsTest, ATrustedProxysForwardedClientIsTheLoginSource) {
  const std::string from_a = "X-Forwarded-For: 198.51.100.7\r\n";
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(LogIn("wrong", from_a, absl::StrCat("nobody", i / 4)).status, 401)
        << i;
  }
  const Response locked = LogIn("correct horse", from_a);
  EXPECT_EQ(locked.status, 429) << locked.body;
  EXPECT_EQ(locked.Header("retry-after"), "60");
  EXPECT_EQ(LogIn("correct horse", "X-Forwarded-For: 198.51.100.8\r\n").status,
            302);
  EXPECT_EQ(LogIn().status, 302);
}

// RFC 8707 at the front door: resource repeated at /authorize is carried
// through the login form onto the code; /token names one of them and gets a
// token whose "aud" is that resource; two at /token, or a malformed one, is
// 400 invalid_target.
TEST_F(OidcEndpointsTest, ResourceIndicatorsAtAuthorizeAndToken) {
  const std::string a = "https://a.example/api";
  const std::string b = "urn:example:b";
  for (const std::string& indicator : {a, b}) {
    storage::ResourceRecord resource;
    resource.resource = indicator;
    resource.scopes = {"orders.read"};
    ASSERT_TRUE(f_.store.CreateResource(resource).ok());
  }
  const Response page = GetPath(AuthorizeQuery("&resource=" + FormEncode(a) +
                                               "&resource=" + FormEncode(b)));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(HiddenValue(page.body, "resource"), a + " " + b);
  std::string body;
  for (const char* name :
       {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "resource", "csrf"}) {
    std::string value = HiddenValue(page.body, name);
    absl::StrReplaceAll({{"&lt;", "<"}}, &value);
    absl::StrAppend(&body, name, "=", FormEncode(value), "&");
  }
  absl::StrAppend(&body, "username=alice&password=correct+horse");
  const Response login = Post(
      "/authorize", body,
      "Cookie: identity_csrf=" + CookieValue(page, "identity_csrf") + "\r\n");
  ASSERT_EQ(login.status, 302) << login.body;
  const std::string redeem =
      "grant_type=authorization_code&client_id=web&client_secret=web-secret"
      "&code=" +
      CodeFrom(login.Header("location")) +
      "&redirect_uri=" + FormEncode(kRedirect) + "&code_verifier=" + kVerifier;
  const Response both = Post("/token", redeem + "&resource=" + FormEncode(a) +
                                           "&resource=" + FormEncode(b));
  EXPECT_EQ(both.status, 400);
  EXPECT_EQ(TokenJson(both).value("error", ""), "invalid_target");
  const Response token = Post("/token", redeem + "&resource=" + FormEncode(b));
  ASSERT_EQ(token.status, 200) << token.body;
  const std::string access = TokenJson(token).value("access_token", "");
  std::vector<std::string> parts = absl::StrSplit(access, '.');
  ASSERT_EQ(parts.size(), 3u);
  auto payload = jwt::Base64UrlDecode(parts[1]);
  ASSERT_TRUE(payload.ok());
  const jwt::Json aud = jwt::Json::parse(*payload).value("aud", jwt::Json());
  EXPECT_TRUE(aud == jwt::Json(b) || aud == jwt::Json::array({b})) << aud;

  // PAR checks the resources as /authorize does; its errors are /token's.
  const Response pushed =
      PushRequest("&resource=" + FormEncode(a) +
                  "&resource=https%3A%2F%2Funknown.example%2F");
  EXPECT_EQ(pushed.status, 400);
  EXPECT_EQ(TokenJson(pushed).value("error", ""), "invalid_target");
  EXPECT_EQ(PushRequest("&resource=" + FormEncode(a)).status, 201);

  const Response relative = Post(
      "/token",
      "grant_type=client_credentials&client_id=worker&client_secret=worker-"
      "secret&resource=%2Fapi");
  EXPECT_EQ(relative.status, 400);
  EXPECT_EQ(TokenJson(relative).value("error", ""), "invalid_target");
}

// RFC 8707 §2: an empty resource= is malformed, not absent: refused like a
// relative one at /token and /par, never served for the default audience.
TEST_F(OidcEndpointsTest, EmptyResourceIsInvalidTarget) {
  const std::string credentials =
      "grant_type=client_credentials&client_id=worker&client_secret=worker-"
      "secret";
  for (const std::string& extra :
       {std::string("&resource="), std::string("&resource=&resource=")}) {
    const Response token = Post("/token", credentials + extra);
    EXPECT_EQ(token.status, 400) << extra;
    EXPECT_EQ(TokenJson(token).value("error", ""), "invalid_target") << extra;
  }
  const Response pushed = PushRequest("&resource=");
  EXPECT_EQ(pushed.status, 400);
  EXPECT_EQ(TokenJson(pushed).value("error", ""), "invalid_target");
  // Without the parameter, the default audience as before.
  EXPECT_EQ(Post("/token", credentials).status, 200);
}

TEST_F(OidcEndpointsTest, DiscoveryDescribesWhatIsServed) {
  const Response r = GetPath("/.well-known/openid-configuration");
  ASSERT_EQ(r.status, 200);
  const jwt::Json doc = TokenJson(r);
  EXPECT_EQ(doc["issuer"], "https://id.example");
  for (const char* endpoint :
       {"authorization_endpoint", "token_endpoint", "userinfo_endpoint",
        "jwks_uri", "introspection_endpoint", "revocation_endpoint"}) {
    EXPECT_TRUE(absl::StartsWith(doc[endpoint].get<std::string>(),
                                 "https://id.example/"))
        << endpoint;
  }
  EXPECT_EQ(doc["code_challenge_methods_supported"], jwt::Json({"S256"}));
  EXPECT_EQ(doc["id_token_signing_alg_values_supported"], jwt::Json({"ES256"}));
  EXPECT_EQ(doc["authorization_response_iss_parameter_supported"], true);
  EXPECT_EQ(doc["prompt_values_supported"],
            jwt::Json({"none", "login", "consent"}));
  // RFC 9126 §5.
  EXPECT_EQ(doc["pushed_authorization_request_endpoint"],
            "https://id.example/par");
  EXPECT_EQ(doc["require_pushed_authorization_requests"], false);
  // OIDC Discovery §3: the scopes and claims this server releases, no more.
  EXPECT_EQ(doc["scopes_supported"],
            jwt::Json({"openid", "profile", "email", "address", "phone"}));
  EXPECT_EQ(doc["claims_supported"], jwt::Json(SupportedClaims()));
  EXPECT_EQ(doc["claims_supported"].size(), 9u + ReleasableClaims().size());
  const Response jwks = GetPath("/jwks");
  EXPECT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.body.find("\"d\""), std::string::npos);  // Public keys only.
  // What discovery lists, /jwks can verify.
  const jwt::Json set = TokenJson(jwks);
  for (const auto& alg : doc["id_token_signing_alg_values_supported"]) {
    bool published = false;
    for (const auto& key : set["keys"]) published |= key["alg"] == alg;
    EXPECT_TRUE(published) << alg;
  }
}

// OIDC Discovery §3: id_token_signing_alg_values_supported lists exactly the
// algorithms that sign, each with a CURRENT key in the JWKS; the default
// (RS256 when configured, else the first) comes first.
TEST(DiscoveryDocumentTest, ListsExactlyTheAlgorithmsWithACurrentKey) {
  for (const std::vector<jwt::Algorithm>& algorithms :
       std::vector<std::vector<jwt::Algorithm>>{
           {jwt::Algorithm::kEdDSA, jwt::Algorithm::kES256},
           {jwt::Algorithm::kES256, jwt::Algorithm::kRS256}}) {
    testing::OAuthFixture fixture(KeyManagerOptions{algorithms});
    OidcEndpointsDeps deps;
    deps.issuer = "https://id.example";
    deps.keys = fixture.keys.get();
    const jwt::Json doc = jwt::Json::parse(DiscoveryDocument(deps));
    std::vector<std::string> expected = AlgorithmNames(algorithms);
    if (algorithms.back() == jwt::Algorithm::kRS256) {
      std::reverse(expected.begin(), expected.end());  // RS256 first.
    }
    EXPECT_EQ(doc["id_token_signing_alg_values_supported"],
              jwt::Json(expected));
    const auto snapshot = fixture.keys->snapshot();
    for (const std::string& alg : expected) {
      int current = 0;
      for (const storage::SigningKeyRecord& key : snapshot->keys) {
        if (key.alg != alg || key.state != storage::KeyState::kCurrent) {
          continue;
        }
        ++current;
        const jwt::Jwk* published = snapshot->jwks->FindByKid(key.kid);
        ASSERT_NE(published, nullptr) << alg;
      }
      EXPECT_EQ(current, 1) << alg;
    }
  }
}

TEST_F(OidcEndpointsTest, TheLoginPageCarriesTheRequestEscapedWithACsrfToken) {
  const Response page = GetPath(AuthorizeQuery());
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<form method=\"post\" action=\"/authorize\">"),
            std::string::npos);
  EXPECT_NE(page.body.find("Web &lt;App&gt;"), std::string::npos);
  EXPECT_EQ(page.body.find("Web <App>"), std::string::npos);
  EXPECT_EQ(HiddenValue(page.body, "state"), "st&lt;");
  const std::string csrf = CookieValue(page, "identity_csrf");
  EXPECT_EQ(csrf.size(), 43u);
  EXPECT_EQ(HiddenValue(page.body, "csrf"), csrf);
  for (const std::string& cookie : page.cookies) {
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("Secure"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  }
  EXPECT_NE(
      page.Header("content-security-policy").find("frame-ancestors 'none'"),
      std::string::npos);
  EXPECT_EQ(page.Header("x-frame-options"), "DENY");
}

// The pages' style is the server's stylesheet alone (pages.h): its hash,
// no 'unsafe-inline', nothing else to load.
TEST_F(OidcEndpointsTest, PagesAllowOnlyTheirOwnStylesheet) {
  for (const std::string& target :
       {AuthorizeQuery(), std::string("/authorize?client_id=nobody")}) {
    const std::string csp = GetPath(target).Header("content-security-policy");
    EXPECT_TRUE(absl::StartsWith(csp, "default-src 'none'; style-src 'sha256-"))
        << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("img-src"), std::string::npos) << csp;
  }
}

// OIDC Core §3.1.2.1 ui_locales, else Accept-Language; carried through the
// form so that a failed sign-in answers in the same language.
TEST_F(OidcEndpointsTest, PagesSpeakTheUiLocalesElseTheBrowsersLanguage) {
  const Response german = GetPath(AuthorizeQuery("&ui_locales=es+de-CH"));
  ASSERT_EQ(german.status, 200) << german.body;
  EXPECT_NE(german.body.find("<html lang=\"de\">"), std::string::npos);
  EXPECT_NE(german.body.find(">Passwort</label>"), std::string::npos);
  EXPECT_EQ(HiddenValue(german.body, "ui_locales"), "es de-CH");
  std::string body;
  for (const char* name :
       {"response_type", "client_id", "redirect_uri", "scope", "nonce",
        "code_challenge", "code_challenge_method", "ui_locales", "csrf"}) {
    absl::StrAppend(&body, name, "=",
                    FormEncode(HiddenValue(german.body, name)), "&");
  }
  absl::StrAppend(&body, "state=st&username=alice&password=wrong");
  const Response wrong =
      Post("/authorize", body,
           "Cookie: identity_csrf=" + CookieValue(german, "identity_csrf") +
               "\r\nAccept-Language: fr\r\n");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("Benutzername oder Passwort ist falsch."),
            std::string::npos)
      << wrong.body;
  const Response french = Send(
      "GET /authorize?client_id=nobody HTTP/1.1\r\nHost: x\r\n"
      "Accept-Language: es, fr-FR;q=0.9, de;q=0.8\r\nConnection: "
      "close\r\n\r\n");
  EXPECT_EQ(french.status, 400);
  EXPECT_NE(french.body.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(french.body.find("<h1>Erreur de connexion</h1>"),
            std::string::npos);
  const Response english = GetPath(AuthorizeQuery("&ui_locales=ja"));
  EXPECT_NE(english.body.find("<html lang=\"en\">"), std::string::npos);
}

TEST_F(OidcEndpointsTest, SigningInRedirectsWithACodeAndSetsASession) {
  const Response r = LogIn();
  ASSERT_EQ(r.status, 302) << r.body;
  const std::string location = r.Header("location");
  EXPECT_TRUE(absl::StartsWith(location, std::string(kRedirect) + "?code="));
  EXPECT_NE(location.find("&state=st%3C&iss=https%3A%2F%2Fid.example"),
            std::string::npos);
  const std::string session = CookieValue(r, "identity_session");
  ASSERT_FALSE(session.empty());
  bool lax = false;
  for (const std::string& cookie : r.cookies) {
    if (absl::StartsWith(cookie, "identity_session=")) {
      lax = absl::StrContains(cookie, "HttpOnly") &&
            absl::StrContains(cookie, "SameSite=Lax") &&
            absl::StrContains(cookie, "Secure");
    }
  }
  EXPECT_TRUE(lax);
  // The code works at /token (client_secret_basic).
  const Response token = Post(
      "/token",
      "grant_type=authorization_code&code=" + CodeFrom(location) +
          "&redirect_uri=" + FormEncode(kRedirect) +
          "&code_verifier=" + kVerifier,
      "Authorization: Basic " + absl::Base64Escape("web:web-secret") + "\r\n");
  ASSERT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(token.Header("cache-control"), "no-store");
  const jwt::Json body = TokenJson(token);
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_TRUE(body.contains("id_token"));
  EXPECT_TRUE(body.contains("refresh_token"));

  // A live session skips the form; prompt=login and max_age=0 force it.
  const std::string cookie = "identity_session=" + session;
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie).status, 302);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), cookie).status, 302);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=login"), cookie).status, 200);
  f_.clock.Advance(absl::Seconds(5));
  EXPECT_EQ(GetPath(AuthorizeQuery("&max_age=2"), cookie).status, 200);
  EXPECT_EQ(GetPath(AuthorizeQuery("&max_age=60"), cookie).status, 302);
  // A forged or expired session is no session.
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie + "x").status, 200);
  f_.clock.Advance(u_.sessions.lifetime());
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie).status, 200);
}

TEST_F(OidcEndpointsTest, AnAuthorizationRequestMayComeAsAFormPost) {
  // OIDC Core §3.1.2.1: the same parameters, form-encoded in a POST.
  const std::string query = AuthorizeQuery();
  const Response r = Post("/authorize", query.substr(query.find('?') + 1));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(CookieValue(r, "identity_csrf").empty());
  EXPECT_NE(r.body.find("name=\"password\""), std::string::npos);
}

TEST_F(OidcEndpointsTest, PromptNoneWithoutASessionIsLoginRequired) {
  const Response r = GetPath(AuthorizeQuery("&prompt=none"));
  ASSERT_EQ(r.status, 302);
  EXPECT_TRUE(absl::StartsWith(
      r.Header("location"), std::string(kRedirect) + "?error=login_required"));
  EXPECT_NE(r.Header("location").find("state=st%3C"), std::string::npos);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none+login")).status, 302);
  EXPECT_EQ(GetPath(AuthorizeQuery("&max_age=-1")).status, 302);
}

// OIDC Core §6.1-6.2: present, even empty, a Request Object is refused at
// the client's redirect_uri; it never reaches the login page.
TEST_F(OidcEndpointsTest, RequestObjectsAreRefusedAsNotSupported) {
  for (const auto& [parameter, error] :
       std::vector<std::pair<std::string, std::string>>{
           {"&request=eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
           {"&request=", "request_not_supported"},
           {"&request_uri=https%3A%2F%2Frp%2Freq", "request_uri_not_supported"},
       }) {
    const Response r = GetPath(AuthorizeQuery(parameter));
    ASSERT_EQ(r.status, 302) << parameter;
    EXPECT_TRUE(absl::StartsWith(r.Header("location"),
                                 std::string(kRedirect) + "?error=" + error))
        << r.Header("location");
  }
}

// RFC 9126 §2.2: 201 with a urn request_uri and expires_in, not cached.
TEST_F(OidcEndpointsTest, ParAnswersCreatedWithARequestUri) {
  const Response r = PushRequest();
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  const jwt::Json body = TokenJson(r);
  EXPECT_TRUE(absl::StartsWith(body.value("request_uri", ""),
                               "urn:ietf:params:oauth:request_uri:"));
  EXPECT_EQ(body["expires_in"], 60);
  // client_secret_basic too, with the client_id left out of the form.
  const std::string query = AuthorizeQuery();
  std::string form = query.substr(query.find('?') + 1);
  form.replace(form.find("&client_id=web"), 14, "");
  const Response basic = Post(
      "/par", form,
      "Authorization: Basic " + absl::Base64Escape("web:web-secret") + "\r\n");
  EXPECT_EQ(basic.status, 201) << basic.body;
}

// RFC 9126 §4 and the login round trip: the pushed request reaches the
// login page, whose form carries a new single-use reference (not the
// parameters); signing in redirects with the pushed state and a code that
// the pushed PKCE challenge redeems.
TEST_F(OidcEndpointsTest, PushedRequestSurvivesTheLoginForm) {
  const std::string request_uri = PushedRequestUri();
  const Response page = GetPath(
      "/authorize?client_id=web&state=ignored"
      "&request_uri=" +
      FormEncode(request_uri));
  ASSERT_EQ(page.status, 200) << page.body;
  const std::string carried = HiddenValue(page.body, "request_uri");
  EXPECT_TRUE(absl::StartsWith(carried, "urn:ietf:params:oauth:request_uri:"));
  EXPECT_NE(carried, request_uri);
  EXPECT_EQ(HiddenValue(page.body, "client_id"), "web");
  EXPECT_EQ(page.body.find("name=\"state\""), std::string::npos);
  EXPECT_EQ(page.body.find("name=\"redirect_uri\""), std::string::npos);
  // A wrong password: the form again, with another reference.
  const Response wrong = PostLoginForm(page, "wrong");
  ASSERT_EQ(wrong.status, 401) << wrong.body;
  const std::string again = HiddenValue(wrong.body, "request_uri");
  EXPECT_TRUE(absl::StartsWith(again, "urn:ietf:params:oauth:request_uri:"));
  EXPECT_NE(again, carried);
  const Response login = PostLoginForm(wrong);
  ASSERT_EQ(login.status, 302) << login.body;
  const std::string location = login.Header("location");
  EXPECT_TRUE(absl::StartsWith(location, std::string(kRedirect) + "?code="));
  EXPECT_NE(location.find("&state=st%3C&"), std::string::npos);  // Pushed.
  const Response token = RedeemCode(location);
  EXPECT_EQ(token.status, 200) << token.body;
  // Every reference was single use: a page, never a redirect.
  for (const std::string& used : {request_uri, carried, again}) {
    const Response reused =
        GetPath("/authorize?client_id=web&request_uri=" + FormEncode(used));
    EXPECT_EQ(reused.status, 400) << used;
    EXPECT_EQ(reused.Header("location"), "");
  }
  EXPECT_EQ(PostLoginForm(wrong).status, 400);
}

// A browser with a session gets its code at once; the request_uri is used.
TEST_F(OidcEndpointsTest, PushedRequestWithASessionRedirectsAtOnce) {
  const Response login = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(login, "identity_session");
  const std::string request_uri = PushedRequestUri();
  const Response r =
      GetPath("/authorize?client_id=web&request_uri=" + FormEncode(request_uri),
              session);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_TRUE(absl::StartsWith(r.Header("location"),
                               std::string(kRedirect) + "?code="));
  EXPECT_EQ(
      GetPath("/authorize?client_id=web&request_uri=" + FormEncode(request_uri),
              session)
          .status,
      400);
}

// RFC 9126 §2.3: errors as at the token endpoint.
TEST_F(OidcEndpointsTest, ParErrorsAreTokenEndpointErrors) {
  const Response wrong_secret =
      Post("/par", "response_type=code&client_id=web&client_secret=nope");
  EXPECT_EQ(wrong_secret.status, 401);
  EXPECT_EQ(TokenJson(wrong_secret)["error"], "invalid_client");
  EXPECT_EQ(wrong_secret.Header("www-authenticate"),
            "Basic realm=\"identity\"");
  for (const auto& [extra, error] :
       std::vector<std::pair<std::string, std::string>>{
           {"&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", "invalid_request"},
           {"&request=eyJhbGciOiJub25lIn0.e30.", "request_not_supported"},
           {"&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax",
            "invalid_request"},
           {"&prompt=bogus", "invalid_request"},
       }) {
    std::string query = AuthorizeQuery(extra);
    if (absl::StrContains(extra, "redirect_uri=https")) {
      query.replace(query.find("&redirect_uri="),
                    14 + FormEncode(kRedirect).size(), "");
    }
    const Response r = Post("/par", query.substr(query.find('?') + 1) +
                                        "&client_secret=web-secret");
    EXPECT_EQ(r.status, 400) << extra << r.body;
    EXPECT_EQ(TokenJson(r)["error"], error) << extra;
    EXPECT_EQ(r.Header("location"), "");
  }
  std::string no_scope = AuthorizeQuery();
  no_scope.replace(no_scope.find("scope=openid+orders.read"), 24,
                   "scope=orders.write");
  const Response scope = Post("/par", no_scope.substr(no_scope.find('?') + 1) +
                                          "&client_secret=web-secret");
  EXPECT_EQ(TokenJson(scope)["error"], "invalid_scope");
  // Not form-encoded; a parameter twice.
  EXPECT_EQ(Send("POST /par HTTP/1.1\r\nHost: x\r\nContent-Type: "
                 "application/json\r\nContent-Length: 2\r\nConnection: "
                 "close\r\n\r\n{}")
                .status,
            400);
  EXPECT_EQ(Post("/par", "client_id=web&client_id=web").status, 400);
  // The unknown and malformed references of /authorize: pages.
  for (const std::string& uri :
       {std::string("urn:ietf:params:oauth:request_uri:unknown"),
        std::string("urn:ietf:params:oauth:request_uri:")}) {
    const Response r =
        GetPath("/authorize?client_id=web&request_uri=" + FormEncode(uri));
    EXPECT_EQ(r.status, 400) << uri;
    EXPECT_EQ(r.Header("location"), "") << uri;
  }
}

// RFC 9126 §6: a client registered to require PAR has its direct requests
// refused (at its redirect_uri), its pushed ones served.
TEST_F(OidcEndpointsTest, ClientRequiringParRefusesDirectRequests) {
  storage::ClientRecord web = *f_.store.GetClient("web");
  web.require_pushed_authorization_requests = true;
  ASSERT_TRUE(f_.store.UpdateClient(web).ok());
  const Response direct = GetPath(AuthorizeQuery());
  ASSERT_EQ(direct.status, 302);
  EXPECT_TRUE(
      absl::StartsWith(direct.Header("location"),
                       std::string(kRedirect) + "?error=invalid_request"));
  const Response page = GetPath("/authorize?client_id=web&request_uri=" +
                                FormEncode(PushedRequestUri()));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(PostLoginForm(page).status, 302);
}

TEST_F(OidcEndpointsTest, BadClientsAndRedirectUrisGetAPageNeverARedirect) {
  for (const std::string& query :
       {std::string("/authorize?response_type=code&client_id=nobody&"
                    "redirect_uri=https%3A%2F%2Fapp.example%2Fcb"),
        std::string("/authorize?response_type=code&client_id=web&"
                    "redirect_uri=https%3A%2F%2Fevil.example%2Fcb"),
        std::string("/authorize?client_id=web&client_id=web"),
        std::string("/authorize?x=%zz")}) {
    const Response r = GetPath(query);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.Header("location"), "") << query;
  }
  // Other errors go to the client.
  std::string query = AuthorizeQuery();
  query.replace(query.find("response_type=code"), 18, "response_type=token");
  const Response r = GetPath(query);
  EXPECT_EQ(r.status, 302);
  EXPECT_NE(r.Header("location").find("error=unsupported_response_type"),
            std::string::npos);
}

TEST_F(OidcEndpointsTest, TheFormNeedsItsCsrfTokenAndTheRightPassword) {
  const Response page = GetPath(AuthorizeQuery());
  std::string body =
      "response_type=code&client_id=web&redirect_uri=" + FormEncode(kRedirect) +
      "&scope=openid&code_challenge=" + S256Challenge(kVerifier) +
      "&code_challenge_method=S256&username=alice&password=" +
      FormEncode("correct horse");
  const std::string csrf = CookieValue(page, "identity_csrf");
  // No token, no cookie, a different one: refused, never redirected.
  EXPECT_EQ(Post("/authorize", body).status, 403);
  EXPECT_EQ(Post("/authorize", body + "&csrf=" + csrf).status, 403);
  EXPECT_EQ(Post("/authorize", body + "&csrf=" + csrf,
                 "Cookie: identity_csrf=other\r\n")
                .status,
            403);
  const Response ok = Post("/authorize", body + "&csrf=" + csrf,
                           "Cookie: identity_csrf=" + csrf + "\r\n");
  EXPECT_EQ(ok.status, 302);
  // A wrong password shows the form again, with an error and a new token.
  const Response wrong = LogIn("wrong");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Header("location"), "");
  EXPECT_NE(wrong.body.find("Wrong username or password."), std::string::npos);
  EXPECT_FALSE(CookieValue(wrong, "identity_csrf").empty());
  EXPECT_EQ(CookieValue(wrong, "identity_session"), "");
}

TEST_F(OidcEndpointsTest, TokenEndpointClientAuthenticationAndErrors) {
  const std::string basic = "Authorization: Basic " +
                            absl::Base64Escape("worker:worker-secret") + "\r\n";
  // client_secret_basic and client_secret_post.
  EXPECT_EQ(Post("/token", "grant_type=client_credentials", basic).status, 200);
  EXPECT_EQ(Post("/token",
                 "grant_type=client_credentials&client_id=worker&client_"
                 "secret=worker-secret")
                .status,
            200);
  struct Case {
    std::string body, headers;
    int status;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"grant_type=client_credentials&client_secret=worker-secret", basic,
            400, "invalid_request"},
           {"grant_type=client_credentials&client_id=other", basic, 400,
            "invalid_request"},
           {"grant_type=client_credentials&client_id=worker&client_secret=no",
            "", 401, "invalid_client"},
           {"grant_type=client_credentials", "Authorization: Bearer x\r\n", 401,
            "invalid_client"},
           {"grant_type=password", basic, 400, "unsupported_grant_type"},
           {"grant_type=client_credentials&scope=admin", basic, 400,
            "invalid_scope"},
           {"grant_type=authorization_code&code=x&redirect_uri=x", basic, 400,
            "unauthorized_client"},
           {"grant_type=client_credentials&grant_type=client_credentials",
            basic, 400, "invalid_request"},
       }) {
    const Response r = Post("/token", c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(TokenJson(r)["error"], c.error) << c.body;
    EXPECT_EQ(r.Header("cache-control"), "no-store");
    if (c.status == 401) {
      EXPECT_EQ(r.Header("www-authenticate"), "Basic realm=\"identity\"");
    }
  }
  // Not form-encoded.
  const Response json = Send(
      "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
  EXPECT_EQ(json.status, 400);
  EXPECT_EQ(TokenJson(json)["error"], "invalid_request");
}

TEST_F(OidcEndpointsTest, UserinfoIntrospectAndRevoke) {
  const std::string access = AccessTokenOfALogin();
  ASSERT_FALSE(access.empty());

  const Response info = GetPath("/userinfo");
  EXPECT_EQ(info.status, 401);
  EXPECT_EQ(info.Header("www-authenticate"),
            "Bearer realm=\"identity\", DPoP realm=\"identity\", algs=\"RS256 "
            "RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA\"");
  EXPECT_EQ(info.body, "{}");  // RFC 6750 §3.1: no error code without a token.
  const Response bad = Send(
      "GET /userinfo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer junk\r\n"
      "Connection: close\r\n\r\n");
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.Header("www-authenticate").find("error=\"invalid_token\""),
            std::string::npos);
  const Response good =
      Send("GET /userinfo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           access + "\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_FALSE(TokenJson(good)["sub"].get<std::string>().empty());
  // POST with the token in the body (RFC 6750 §2.2).
  EXPECT_EQ(Post("/userinfo", "access_token=" + access).status, 200);

  const std::string worker = "client_id=worker&client_secret=worker-secret";
  Response introspected = Post("/introspect", worker + "&token=" + access);
  ASSERT_EQ(introspected.status, 200);
  EXPECT_EQ(TokenJson(introspected)["active"], true);
  EXPECT_EQ(TokenJson(introspected)["client_id"], "web");
  // Another client's token: refused. Its own: revoked.
  EXPECT_EQ(Post("/revoke", worker + "&token=" + access).status, 400);
  EXPECT_EQ(
      Post("/revoke", "client_id=web&client_secret=web-secret&token=" + access)
          .status,
      200);
  introspected = Post("/introspect", worker + "&token=" + access);
  EXPECT_EQ(TokenJson(introspected), jwt::Json({{"active", false}}));
  EXPECT_EQ(Post("/revoke", "client_id=web&client_secret=no&token=x").status,
            401);
}

// --- CORS
// ----------------------------------------------------------------------

constexpr char kAppOrigin[] = "https://app.example";  // kRedirect's origin.

TEST_F(OidcEndpointsTest, AnyPageMayReadDiscoveryAndTheJwks) {
  for (const char* path : {"/.well-known/openid-configuration", "/jwks"}) {
    const Response r =
        Send(std::string("GET ") + path +
             " HTTP/1.1\r\nHost: x\r\nOrigin: "
             "https://anyone.example\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.Header("access-control-allow-origin"), "*") << path;
    EXPECT_EQ(r.Header("access-control-allow-credentials"), "") << path;
  }
}

TEST_F(OidcEndpointsTest, TokenAnswersAreReadableOnlyByTheClientsOrigins) {
  // An error (a bad code) is an answer the app must read too.
  const std::string body =
      "grant_type=authorization_code&client_id=web&client_secret=web-secret"
      "&code=nope&redirect_uri=" +
      FormEncode(kRedirect) + "&code_verifier=" + kVerifier;
  Response r =
      Post("/token", body, std::string("Origin: ") + kAppOrigin + "\r\n");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), kAppOrigin);
  EXPECT_EQ(r.Header("vary"), "Origin");
  EXPECT_EQ(r.Header("access-control-allow-credentials"), "");
  // Another origin, or the origin with another port or scheme: no permission.
  for (const char* origin : {"https://evil.example", "https://app.example:8443",
                             "http://app.example", "null"}) {
    r = Post("/token", body, std::string("Origin: ") + origin + "\r\n");
    EXPECT_EQ(r.status, 400) << origin;
    EXPECT_EQ(r.Header("access-control-allow-origin"), "") << origin;
    EXPECT_EQ(r.Header("vary"), "Origin") << origin;
  }
  // A client without that redirect URI (worker has none).
  r = Post("/token",
           "grant_type=client_credentials&client_id=worker"
           "&client_secret=worker-secret",
           std::string("Origin: ") + kAppOrigin + "\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  // No Origin (not a browser's cross-origin fetch): no CORS headers at all.
  r = Post("/token", body);
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  EXPECT_EQ(r.Header("vary"), "");
}

TEST_F(OidcEndpointsTest, UserinfoAndRevokeAnswersFollowTheTokensClient) {
  const std::string access = AccessTokenOfALogin();
  ASSERT_FALSE(access.empty());
  auto userinfo = [&](const std::string& origin) {
    return Send("GET /userinfo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                access + "\r\nOrigin: " + origin +
                "\r\nConnection: close\r\n\r\n");
  };
  Response r = userinfo(kAppOrigin);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), kAppOrigin);
  r = userinfo("https://evil.example");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
  r = Post("/revoke", "client_id=web&client_secret=web-secret&token=" + access,
           std::string("Origin: ") + kAppOrigin + "\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), kAppOrigin);
  // Introspection is for confidential clients: never readable cross-origin.
  r = Post("/introspect",
           "client_id=web&client_secret=web-secret&token=" + access,
           std::string("Origin: ") + kAppOrigin + "\r\n");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("access-control-allow-origin"), "");
}

TEST_F(OidcEndpointsTest,
       PreflightsAllowWellFormedOriginsAndTheEndpointsMethods) {
  auto preflight = [&](const std::string& path, const std::string& origin,
                       const std::string& method) {
    return Send("OPTIONS " + path + " HTTP/1.1\r\nHost: x\r\nOrigin: " +
                origin + "\r\nAccess-Control-Request-Method: " + method +
                "\r\nAccess-Control-Request-Headers: authorization\r\n"
                "Connection: close\r\n\r\n");
  };
  for (const auto& [path, method, methods] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/token", "POST", "POST"},
           {"/revoke", "POST", "POST"},
           {"/userinfo", "GET", "GET, POST"},
           {"/userinfo", "POST", "GET, POST"}}) {
    const Response r = preflight(path, kAppOrigin, method);
    EXPECT_EQ(r.status, 204) << path;
    EXPECT_EQ(r.Header("access-control-allow-origin"), kAppOrigin) << path;
    EXPECT_EQ(r.Header("access-control-allow-methods"), methods) << path;
    EXPECT_EQ(r.Header("access-control-allow-headers"),
              "Authorization, Content-Type, DPoP")
        << path;
    EXPECT_EQ(r.Header("access-control-max-age"), "600") << path;
    EXPECT_EQ(r.Header("access-control-allow-credentials"), "") << path;
  }
  // A method the endpoint does not answer, a malformed or "null" origin: no
  // permission, so the browser never sends the request.
  for (const auto& [path, origin, method] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"/token", kAppOrigin, "GET"},
           {"/token", kAppOrigin, "DELETE"},
           {"/token", "null", "POST"},
           {"/token", "https://app.example/cb", "POST"},
           {"/userinfo", "", "GET"}}) {
    const Response r = preflight(path, origin, method);
    EXPECT_EQ(r.status, 204) << path << " " << origin << " " << method;
    EXPECT_EQ(r.Header("access-control-allow-origin"), "")
        << path << " " << origin << " " << method;
  }
  // Introspection has no preflight.
  EXPECT_EQ(preflight("/introspect", kAppOrigin, "POST").status, 405);
}

TEST(FormTest, ParsesCookiesAndEscapesHtml) {
  auto cookies = ParseCookies("a=1; b=\"two\";c=3; =x; bad; a=9");
  EXPECT_EQ(cookies["a"], "1");
  EXPECT_EQ(cookies["b"], "two");
  EXPECT_EQ(cookies["c"], "3");
  EXPECT_EQ(cookies.size(), 3u);
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(SessionTest, OnlyUntamperedUnexpiredSessionsDecode) {
  const SessionCodec codec(std::string(32, 'k'));
  const absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  const std::string value =
      codec.Encode({"secret-1", "user-1", now, now + absl::Hours(1)});
  auto session = codec.Decode(value, now);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->secret, "secret-1");
  EXPECT_EQ(session->user_id, "user-1");
  EXPECT_EQ(session->auth_time, now);
  EXPECT_FALSE(codec.Decode(value, now + absl::Hours(1)).ok());
  EXPECT_FALSE(SessionCodec(std::string(32, 'o')).Decode(value, now).ok());
  for (size_t i = 0; i < value.size(); i += 7) {
    std::string tampered = value;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.Decode(tampered, now).ok()) << i;
  }
  EXPECT_FALSE(codec.Decode("", now).ok());
  EXPECT_FALSE(codec.Decode("no-dot", now).ok());
}

// --- Server-side sessions and RP-Initiated Logout 1.0 ----------------------

constexpr char kBye[] = "https://app.example/bye";

// The claims of a compact JWT (not verified: the server just made it).
jwt::Json JwtClaims(const std::string& token) {
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string json;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(parts.at(1), &json));
  return jwt::Json::parse(json, nullptr, false);
}

// OIDC Back-Channel Logout §2.1: the ID token names the login session it
// came from; the session is listed for its user.
TEST_F(OidcEndpointsTest, IdTokensCarryTheLoginSessionsSid) {
  const auto [tokens, cookie] = LogInForTokens();
  const jwt::Json claims = JwtClaims(tokens["id_token"]);
  ASSERT_TRUE(claims.contains("sid"));
  auto user = f_.store.GetUserByUsername("alice");
  ASSERT_TRUE(user.ok());
  auto listed = u_.sessions.List(user->user_id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].sid, claims["sid"]);
  // The cookie carries the secret, never the sid, and the store only the
  // secret's hash.
  EXPECT_EQ(cookie.find(claims["sid"].get<std::string>()), std::string::npos);
  EXPECT_EQ((*listed)[0].secret_hash.size(), 64u);
}

TEST_F(OidcEndpointsTest, AnEndedSessionAnswersNoAuthorizationRequest) {
  const auto [tokens, cookie] = LogInForTokens();
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), cookie).status, 302);
  const std::string sid = JwtClaims(tokens["id_token"])["sid"];
  ASSERT_TRUE(u_.sessions.End(sid).ok());
  // The cookie is still well signed, but the store says the session ended.
  const Response again = GetPath(AuthorizeQuery(), cookie);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("name=\"password\""), std::string::npos);
  const Response none = GetPath(AuthorizeQuery("&prompt=none"), cookie);
  EXPECT_NE(none.Header("location").find("error=login_required"),
            std::string::npos);
}

// RP-Initiated Logout 1.0 §2-§3: with a valid id_token_hint (expired: its
// exp may be past) the session ends at once, the cookie is cleared, the
// browser goes to the registered post_logout_redirect_uri with state, and
// the refresh token granted without offline_access stops working.
TEST_F(OidcEndpointsTest, EndSessionWithAHintEndsTheSessionAndRedirects) {
  UpdateWeb({kBye});
  const auto [tokens, cookie] = LogInForTokens();
  f_.clock.Advance(absl::Hours(1));  // The ID token expired.
  const Response r = GetPath(
      "/end_session?id_token_hint=" + tokens["id_token"].get<std::string>() +
          "&post_logout_redirect_uri=" + FormEncode(kBye) + "&state=s%20t",
      cookie);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_EQ(r.Header("location"), std::string(kBye) + "?state=s+t");
  bool cleared = false;
  for (const std::string& c : r.cookies) {
    cleared |= absl::StartsWith(c, "identity_session=;") &&
               absl::StrContains(c, "Max-Age=0");
  }
  EXPECT_TRUE(cleared);
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie).status, 200);  // Login page.
  // OIDC Core §11: no offline_access, so the grant ended with the session.
  const Response refreshed = Refresh(tokens["refresh_token"]);
  EXPECT_EQ(refreshed.status, 400);
  EXPECT_EQ(TokenJson(refreshed)["error"], "invalid_grant");
}

// OIDC Core §11: a refresh token granted with offline_access outlives the
// login session; the client must be registered with offline_access.
// OIDC Core §11: offline_access only when asked for, even for a client
// registered with it (an empty scope means the client's other scopes).
TEST_F(OidcEndpointsTest, OfflineAccessIsNeverGrantedUnasked) {
  UpdateWeb({kBye}, {"orders.read", "offline_access"});
  scope_ = "";
  const auto [tokens, cookie] = LogInForTokens();
  EXPECT_EQ(tokens["scope"], "orders.read");
}

TEST_F(OidcEndpointsTest, AnOfflineAccessRefreshTokenOutlivesTheSession) {
  UpdateWeb({kBye}, {"orders.read", "offline_access"});
  scope_ = "openid+orders.read+offline_access";
  const auto [tokens, cookie] = LogInForTokens();
  EXPECT_EQ(tokens["scope"], "openid orders.read offline_access");
  const Response r = GetPath(
      "/end_session?id_token_hint=" + tokens["id_token"].get<std::string>(),
      cookie);
  ASSERT_EQ(r.status, 200) << r.body;  // Signed out, nowhere to go back.
  EXPECT_NE(r.body.find("Signed out"), std::string::npos);
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie).status, 200);
  const Response refreshed = Refresh(tokens["refresh_token"]);
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
  // The refreshed ID token still names the session it came from.
  EXPECT_EQ(JwtClaims(TokenJson(refreshed)["id_token"])["sid"],
            JwtClaims(tokens["id_token"])["sid"]);
}

// OIDC Core §11: from a client not registered with offline_access the
// request for it is ignored, and its refresh token ends with the session.
TEST_F(OidcEndpointsTest, OfflineAccessIsIgnoredForAClientWithoutIt) {
  scope_ = "openid+orders.read+offline_access";
  const auto [tokens, cookie] = LogInForTokens();
  EXPECT_EQ(tokens["scope"], "openid orders.read");
  ASSERT_TRUE(
      u_.sessions.End(JwtClaims(tokens["id_token"])["sid"].get<std::string>())
          .ok());
  EXPECT_EQ(TokenJson(Refresh(tokens["refresh_token"]))["error"],
            "invalid_grant");
}

// RP-Initiated Logout §3: an unregistered post_logout_redirect_uri, an
// unknown client, a hint that is not this server's ID token, or a client_id
// that is not the hint's audience: an error page, never a redirect, and the
// session lives on.
// A relying party's logout form POSTs from its own site, so the browser
// sends no SameSite=Lax session cookie with it: the user confirms on this
// server's page first (whose POST carries it), and until then the session
// lives on.
TEST_F(OidcEndpointsTest, AnEndSessionPostFromTheRelyingPartyIsConfirmedFirst) {
  UpdateWeb({kBye});
  const auto [tokens, cookie] = LogInForTokens();
  for (const std::string& cookies : {std::string(), cookie}) {
    const Response r =
        Post("/end_session",
             "id_token_hint=" + tokens["id_token"].get<std::string>() +
                 "&post_logout_redirect_uri=" + FormEncode(kBye),
             cookies.empty() ? "" : "Cookie: " + cookies + "\r\n");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("location"), "");
    EXPECT_NE(r.body.find("action=\"/end_session\""), std::string::npos);
    for (const std::string& c : r.cookies) {
      EXPECT_FALSE(absl::StartsWith(c, "identity_session=")) << c;
    }
  }
  const Response still = GetPath(AuthorizeQuery("&prompt=none"), cookie);
  EXPECT_EQ(still.status, 302);
  EXPECT_TRUE(absl::StrContains(still.Header("location"), "code="));
}

// Another user signing in on the same browser ends the session whose cookie
// that replaces: nobody could end it later, and what was bound to it ends
// with it.
TEST_F(OidcEndpointsTest, AnotherUsersSignInEndsTheBrowsersPreviousSession) {
  ASSERT_TRUE(users_.Create({"bob", "battery staple", "Bob"}).ok());
  const auto [tokens, cookie] = LogInForTokens();
  const Response page = GetPath(AuthorizeQuery("&prompt=login"), cookie);
  ASSERT_EQ(page.status, 200) << page.body;
  std::string body;
  for (const char* name :
       {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "csrf"}) {
    std::string value = HiddenValue(page.body, name);
    absl::StrReplaceAll({{"&lt;", "<"}}, &value);
    absl::StrAppend(&body, name, "=", FormEncode(value), "&");
  }
  absl::StrAppend(&body,
                  "username=bob&password=", FormEncode("battery staple"));
  const Response again =
      Post("/authorize", body,
           "Cookie: identity_csrf=" + CookieValue(page, "identity_csrf") +
               "; " + cookie + "\r\n");
  ASSERT_EQ(again.status, 302) << again.body;
  const std::string fresh =
      "identity_session=" + CookieValue(again, "identity_session");
  EXPECT_NE(fresh, cookie);
  EXPECT_TRUE(absl::StrContains(
      GetPath(AuthorizeQuery("&prompt=none"), cookie).Header("location"),
      "error=login_required"));
  const Response refreshed = Refresh(tokens["refresh_token"]);
  EXPECT_EQ(refreshed.status, 400);
  EXPECT_EQ(TokenJson(refreshed)["error"], "invalid_grant");
  EXPECT_TRUE(absl::StrContains(
      GetPath(AuthorizeQuery("&prompt=none"), fresh).Header("location"),
      "code="));
}

TEST_F(OidcEndpointsTest, EndSessionRefusesWhatItCannotTrustWithAnErrorPage) {
  UpdateWeb({kBye});
  const auto [tokens, cookie] = LogInForTokens();
  const std::string hint = tokens["id_token"];
  std::string tampered = hint;
  tampered[tampered.size() - 5] =
      tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  const std::string access_token = tokens["access_token"];
  for (const std::string& query : std::vector<std::string>{
           "client_id=web&post_logout_redirect_uri=" +
               FormEncode("https://evil.example/"),
           "client_id=web&post_logout_redirect_uri=" +
               FormEncode(std::string(kBye) + "/"),
           "client_id=nobody&post_logout_redirect_uri=" + FormEncode(kBye),
           "post_logout_redirect_uri=" + FormEncode(kBye),
           "id_token_hint=" + tampered,
           "id_token_hint=" + access_token,
           "id_token_hint=not-a-jwt",
           "id_token_hint=" + hint + "&client_id=worker",
       }) {
    const Response r = GetPath("/end_session?" + query, cookie);
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(r.Header("location"), "") << query;
    EXPECT_NE(r.body.find("Sign-out error"), std::string::npos) << query;
  }
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), cookie).status, 302);
  EXPECT_EQ(Refresh(tokens["refresh_token"]).status, 200);
}

// RP-Initiated Logout §2: without a hint (a request any site could make)
// the user confirms on a CSRF-protected form before the session ends.
TEST_F(OidcEndpointsTest, EndSessionWithoutAHintAsksTheUserFirst) {
  UpdateWeb({kBye});
  const auto [tokens, cookie] = LogInForTokens();
  const Response page = GetPath(
      "/end_session?client_id=web&state=x&"
      "post_logout_redirect_uri=" +
          FormEncode(kBye),
      cookie);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("<form method=\"post\" action=\"/end_session\">"),
            std::string::npos);
  const std::string csrf = CookieValue(page, "identity_csrf");
  ASSERT_EQ(HiddenValue(page.body, "csrf"), csrf);
  EXPECT_EQ(HiddenValue(page.body, "state"), "x");
  // Not ended yet.
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), cookie).status, 302);
  const std::string form =
      "client_id=web&state=x&post_logout_redirect_uri=" + FormEncode(kBye) +
      "&csrf=" + csrf;
  // Without the CSRF cookie (another site's form): refused.
  const Response forged =
      Post("/end_session", form, "Cookie: " + cookie + "\r\n");
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), cookie).status, 302);
  const Response confirmed =
      Post("/end_session", form,
           "Cookie: " + cookie + "; identity_csrf=" + csrf + "\r\n");
  ASSERT_EQ(confirmed.status, 302) << confirmed.body;
  EXPECT_EQ(confirmed.Header("location"), std::string(kBye) + "?state=x");
  EXPECT_EQ(GetPath(AuthorizeQuery(), cookie).status, 200);
}

// A hint naming another user than the browser's session's is not enough.
TEST_F(OidcEndpointsTest, EndSessionAsksWhenTheHintIsAnotherUsers) {
  const auto [tokens, cookie] = LogInForTokens();
  ASSERT_TRUE(users_.Create({"bob", "battery staple", "Bob"}).ok());
  const Response bob = LogIn("battery staple", "", "bob");
  ASSERT_EQ(bob.status, 302);
  const std::string bob_cookie =
      "identity_session=" + CookieValue(bob, "identity_session");
  const Response r = GetPath(
      "/end_session?id_token_hint=" + tokens["id_token"].get<std::string>(),
      bob_cookie);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("action=\"/end_session\""), std::string::npos);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), bob_cookie).status, 302);
}

TEST_F(OidcEndpointsTest, DiscoveryAdvertisesTheEndSessionEndpoint) {
  const jwt::Json doc = TokenJson(GetPath("/.well-known/openid-configuration"));
  EXPECT_EQ(doc["end_session_endpoint"], "https://id.example/end_session");
}

// --- Consent (OIDC Core §3.1.2.4) -------------------------------------------

// A third-party client's user, once signed in, sees what it asks for: the
// client's name (escaped) and each scope's text, with a CSRF-protected form
// bound to the request by a single-use request_uri.
TEST_F(OidcEndpointsTest, AThirdPartyClientsLoginShowsTheConsentPage) {
  MakeWebThirdParty();
  const Response page = LogIn();
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("location"), "");
  EXPECT_NE(page.body.find("Allow access?"), std::string::npos);
  EXPECT_NE(page.body.find("Web &lt;App&gt; wants to:"), std::string::npos);
  EXPECT_NE(page.body.find("Know who you are"), std::string::npos);
  EXPECT_NE(page.body.find("orders.read"), std::string::npos);
  EXPECT_NE(page.body.find("action=\"/consent\""), std::string::npos);
  EXPECT_TRUE(absl::StartsWith(HiddenValue(page.body, "request_uri"),
                               "urn:identity:consent:"));
  EXPECT_EQ(HiddenValue(page.body, "redirect_uri"), "");  // Not carried.
  EXPECT_FALSE(page.Header("content-security-policy").empty());
  // Signed in (the session cookie is set), with the consent form's token.
  EXPECT_FALSE(CookieValue(page, "identity_session").empty());
  bool strict = false;
  for (const std::string& cookie : page.cookies) {
    if (absl::StartsWith(cookie, "identity_csrf=") &&
        !absl::StartsWith(cookie, "identity_csrf=;")) {
      strict = absl::StrContains(cookie, "Path=/consent") &&
               absl::StrContains(cookie, "SameSite=Strict");
    }
  }
  EXPECT_TRUE(strict);
}

// Allow: the code, and the consent is remembered (no page the next time);
// prompt=consent asks again; a first-party client never asks.
TEST_F(OidcEndpointsTest, AllowingGivesTheCodeAndIsRemembered) {
  MakeWebThirdParty();
  const Response page = LogIn();
  ASSERT_EQ(page.status, 200);
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  const Response allowed = AnswerConsent(page, session);
  ASSERT_EQ(allowed.status, 302) << allowed.body;
  const std::string location = allowed.Header("location");
  EXPECT_TRUE(absl::StartsWith(location, std::string(kRedirect) + "?code="));
  EXPECT_NE(location.find("&state=st%3C&iss="), std::string::npos);
  const Response token = RedeemCode(location);
  EXPECT_EQ(token.status, 200) << token.body;
  EXPECT_EQ(GetPath(AuthorizeQuery(), session).status, 302);
  EXPECT_EQ(GetPath(AuthorizeQuery("&prompt=none"), session).status, 302);
  const Response again = GetPath(AuthorizeQuery("&prompt=consent"), session);
  EXPECT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("action=\"/consent\""), std::string::npos);
  // A scope not consented to yet asks again.
  scope_ = "openid+orders.read+email";
  EXPECT_EQ(GetPath(AuthorizeQuery(), session).status, 200);
}

// A first-party client (the default) never shows the page, even for
// prompt=consent: the login redirects with the code at once.
TEST_F(OidcEndpointsTest, AFirstPartyClientNeverShowsTheConsentPage) {
  const Response login = LogIn();
  ASSERT_EQ(login.status, 302) << login.body;
  const std::string session =
      "identity_session=" + CookieValue(login, "identity_session");
  const Response r = GetPath(AuthorizeQuery("&prompt=consent"), session);
  EXPECT_EQ(r.status, 302);
  EXPECT_FALSE(CodeFrom(r.Header("location")).empty()) << r.Header("location");
}

// RFC 6749 §4.1.2.1: "deny" is access_denied at the client, with state.
TEST_F(OidcEndpointsTest, DenyingRedirectsWithAccessDenied) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  const Response denied = AnswerConsent(page, session, "cancel");
  ASSERT_EQ(denied.status, 302) << denied.body;
  EXPECT_TRUE(absl::StartsWith(denied.Header("location"),
                               std::string(kRedirect) + "?error=access_denied"))
      << denied.Header("location");
  EXPECT_NE(denied.Header("location").find("state=st%3C"), std::string::npos);
  // Nothing remembered: the next request asks again.
  EXPECT_EQ(GetPath(AuthorizeQuery(), session).status, 200);
}

// OIDC Core §3.1.2.6: prompt=none cannot show the page.
TEST_F(OidcEndpointsTest, PromptNoneWithoutConsentIsConsentRequired) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  const Response r = GetPath(AuthorizeQuery("&prompt=none"), session);
  ASSERT_EQ(r.status, 302);
  EXPECT_TRUE(absl::StartsWith(
      r.Header("location"), std::string(kRedirect) + "?error=consent_required"))
      << r.Header("location");
}

// The answer needs the page's CSRF token, the browser's session and the
// page's own request_uri, once; full request parameters are not accepted.
TEST_F(OidcEndpointsTest, TheConsentAnswerIsBoundToItsPageAndSession) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  const std::string csrf = HiddenValue(page.body, "csrf");
  const std::string form = "client_id=web&request_uri=" +
                           FormEncode(HiddenValue(page.body, "request_uri")) +
                           "&decision=confirm";
  // No token, another token, no session: refused with a page.
  EXPECT_EQ(Post("/consent", form, "Cookie: " + session + "\r\n").status, 403);
  EXPECT_EQ(Post("/consent", form + "&csrf=" + csrf,
                 "Cookie: " + session + "; identity_csrf=other\r\n")
                .status,
            403);
  EXPECT_EQ(Post("/consent", form + "&csrf=" + csrf,
                 "Cookie: identity_csrf=" + csrf + "\r\n")
                .status,
            403);
  // The request's parameters instead of the page's reference.
  const std::string query = AuthorizeQuery();
  const Response parameters =
      Post("/consent",
           query.substr(query.find('?') + 1) + "&decision=confirm&csrf=" + csrf,
           "Cookie: " + session + "; identity_csrf=" + csrf + "\r\n");
  EXPECT_EQ(parameters.status, 400);
  EXPECT_EQ(parameters.Header("location"), "");
  // Another client's id with this page's reference: an error page (and the
  // reference stays the page's).
  const Response other =
      Post("/consent",
           "client_id=worker&request_uri=" +
               FormEncode(HiddenValue(page.body, "request_uri")) +
               "&decision=confirm&csrf=" + csrf,
           "Cookie: " + session + "; identity_csrf=" + csrf + "\r\n");
  EXPECT_EQ(other.status, 400);
  EXPECT_EQ(other.Header("location"), "");
  // The page's own answer works, once (single use).
  EXPECT_EQ(AnswerConsent(page, session).status, 302);
  const Response reused = AnswerConsent(page, session);
  EXPECT_EQ(reused.status, 400);
  EXPECT_EQ(reused.Header("location"), "");
}

// The page speaks ui_locales, carried through the answer.
TEST_F(OidcEndpointsTest, TheConsentPageSpeaksTheUiLocales) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  const Response de = GetPath(AuthorizeQuery("&ui_locales=de"), session);
  ASSERT_EQ(de.status, 200);
  EXPECT_NE(de.body.find("lang=\"de\""), std::string::npos);
  EXPECT_NE(de.body.find("Zugriff erlauben?"), std::string::npos);
  EXPECT_NE(de.body.find("Wissen, wer Sie sind"), std::string::npos);
  EXPECT_EQ(HiddenValue(de.body, "ui_locales"), "de");
  const Response fr = GetPath(AuthorizeQuery("&ui_locales=fr"), session);
  EXPECT_NE(fr.body.find("Savoir qui vous"), std::string::npos);
}

// Posts `request_uri` of web to /consent as an "allow" in the browser of
// `session`, with a CSRF token of its own (the double-submit check passes).
#define POST_CONSENT(request_uri, session)                      \
  Post("/consent",                                              \
       "client_id=web&request_uri=" + FormEncode(request_uri) + \
           "&decision=confirm&csrf=c",                          \
       "Cookie: " + (session) + "; identity_csrf=c\r\n")

// Only a consent page's own reference answers it: a signed-in browser
// cannot answer a pushed request (here one asking for prompt=login, a
// step-up) by posting its reference, the one in the /authorize URL, nor
// the reference of the login form that request shows.
TEST_F(OidcEndpointsTest, OnlyAConsentPagesReferenceIsAnswered) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  ASSERT_EQ(AnswerConsent(page, session).status, 302);  // Remembered.
  const Response pushed = PushRequest("&prompt=login");
  ASSERT_EQ(pushed.status, 201) << pushed.body;
  const std::string request_uri = TokenJson(pushed).value("request_uri", "");
  const Response refused = POST_CONSENT(request_uri, session);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(refused.Header("location"), "");
  // The pushed request is left to its /authorize: the login form.
  const Response login =
      GetPath("/authorize?client_id=web&request_uri=" + FormEncode(request_uri),
              session);
  ASSERT_EQ(login.status, 200) << login.body;
  ASSERT_NE(login.body.find("name=\"password\""), std::string::npos);
  const Response form_reference =
      POST_CONSENT(HiddenValue(login.body, "request_uri"), session);
  EXPECT_EQ(form_reference.status, 400);
  EXPECT_EQ(form_reference.Header("location"), "");
}

// A consent page's reference is its login session's: another session (here
// the same user's, signed in again) cannot answer it; its own still can.
TEST_F(OidcEndpointsTest, AnotherSessionCannotAnswerTheConsentPage) {
  MakeWebThirdParty();
  const Response first = LogIn();
  const Response second = LogIn();
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  const std::string first_session =
      "identity_session=" + CookieValue(first, "identity_session");
  const std::string second_session =
      "identity_session=" + CookieValue(second, "identity_session");
  ASSERT_NE(first_session, second_session);
  const Response refused = AnswerConsent(first, second_session);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.Header("location"), "");
  EXPECT_EQ(AnswerConsent(first, first_session).status, 302);
}

// OIDC Core §3.1.2.1 max_age: a login that grew too old while the page
// waited is asked to sign in again (the login form, no code); signing in
// shows the page again, whose answer then gives the code.
TEST_F(OidcEndpointsTest, AConsentAnswerAfterMaxAgeAsksToSignInAgain) {
  MakeWebThirdParty();
  const Response first = LogIn();
  const std::string session =
      "identity_session=" + CookieValue(first, "identity_session");
  const Response page =
      GetPath(AuthorizeQuery("&max_age=60&prompt=consent"), session);
  ASSERT_EQ(page.status, 200);
  ASSERT_NE(page.body.find("action=\"/consent\""), std::string::npos);
  f_.clock.Advance(absl::Seconds(61));
  const Response login = AnswerConsent(page, session);
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Header("location"), "");
  EXPECT_NE(login.body.find("name=\"password\""), std::string::npos);
  EXPECT_TRUE(
      u_.consents.List(f_.store.GetUserByUsername("alice")->user_id)->empty());
  // The login form's CSRF cookie (Path=/authorize) is the page's token; the
  // answer also cleared the consent page's (Path=/consent).
  std::string body;
  for (const char* name : {"client_id", "request_uri", "csrf"}) {
    absl::StrAppend(&body, name, "=", FormEncode(HiddenValue(login.body, name)),
                    "&");
  }
  absl::StrAppend(&body, "username=alice&password=correct+horse");
  const Response again =
      Post("/authorize", body,
           "Cookie: identity_csrf=" + HiddenValue(login.body, "csrf") + "\r\n");
  ASSERT_EQ(again.status, 200) << again.body;
  const Response allowed = AnswerConsent(
      again, "identity_session=" + CookieValue(again, "identity_session"));
  ASSERT_EQ(allowed.status, 302) << allowed.body;
  EXPECT_FALSE(CodeFrom(allowed.Header("location")).empty());
}

// A code issued before the user withdrew their consent is not exchanged.
TEST_F(OidcEndpointsTest, ACodeIsNotExchangedAfterConsentIsWithdrawn) {
  MakeWebThirdParty();
  const Response page = LogIn();
  const Response allowed = AnswerConsent(
      page, "identity_session=" + CookieValue(page, "identity_session"));
  ASSERT_EQ(allowed.status, 302);
  ASSERT_TRUE(
      u_.consents.Revoke(f_.store.GetUserByUsername("alice")->user_id, "web")
          .ok());
  const Response token = RedeemCode(allowed.Header("location"));
  EXPECT_EQ(token.status, 400) << token.body;
  EXPECT_EQ(TokenJson(token).value("error", ""), "invalid_grant");
}

// The page lists the scopes it asks about; when the request's are no
// longer those at the answer (the client lost offline_access meanwhile),
// the page is shown again with the new ones rather than grant what was not
// shown.
TEST_F(OidcEndpointsTest, TheConsentPageIsShownAgainWhenItsScopesChanged) {
  UpdateWeb({}, {"orders.read", "offline_access"});
  MakeWebThirdParty();
  scope_ = "openid+offline_access";
  const Response page = LogIn();
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("Keep access while you are signed out"),
            std::string::npos);
  const std::string session =
      "identity_session=" + CookieValue(page, "identity_session");
  UpdateWeb({}, {"orders.read"});
  const Response again = AnswerConsent(page, session);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_NE(again.body.find("action=\"/consent\""), std::string::npos);
  EXPECT_EQ(again.body.find("Keep access while you are signed out"),
            std::string::npos);
  EXPECT_TRUE(
      u_.consents.List(f_.store.GetUserByUsername("alice")->user_id)->empty());
  const Response allowed = AnswerConsent(again, session);
  ASSERT_EQ(allowed.status, 302) << allowed.body;
  EXPECT_FALSE(CodeFrom(allowed.Header("location")).empty());
}

}  // namespace
}  // namespace identity::server
