// The device authorization grant (RFC 8628) at the HTTP front door over real
// loopback HTTP, on the in-memory store: POST /device_authorization, the
// /device pages (code entry, sign-in, approval; CSRF, throttling, a live
// session skipping the sign-in) and polling /token, with discovery.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "jwt/json.h"
#include "server/http/oidc_endpoints.h"
#include "server/http/testing/raw_http.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/testing/device_flow_fixture.h"
#include "server/oauth/user_code.h"

namespace identity::server {
namespace {

using testing::RawConnection;
using testing::StatusOf;

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::vector<std::string> cookies;            // Set-Cookie values.
  std::string body;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The value a Set-Cookie gave `name` ("" if none).
  std::string Cookie(const std::string& name) const {
    for (const std::string& cookie : cookies) {
      if (absl::StartsWith(cookie, name + "=")) {
        return cookie.substr(name.size() + 1,
                             cookie.find(';') - name.size() - 1);
      }
    }
    return "";
  }
  // The value of hidden input `name`.
  std::string Hidden(const std::string& name) const {
    const std::string marker = "name=\"" + name + "\" value=\"";
    const size_t at = body.find(marker);
    if (at == std::string::npos) return "";
    const size_t start = at + marker.size();
    return body.substr(start, body.find('"', start) - start);
  }
  jwt::Json Json() const { return jwt::Json::parse(body, nullptr, false); }
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

class DeviceEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ClientRecord cli;
    cli.client_id = "cli";
    cli.name = "Orders <CLI>";
    cli.allowed_scopes = {"orders.read"};
    cli.grant_types = {kDeviceCodeGrantType, "refresh_token"};
    cli.public_client = true;
    ASSERT_TRUE(x_.u.f.store.CreateClient(cli).ok());
    ASSERT_TRUE(x_.u.f.AddClient("worker", "worker-secret").ok());
    ASSERT_TRUE(x_.u.users.Create({"alice", "correct horse", "Alice"}).ok());
    OidcEndpointsDeps deps;
    deps.issuer = "https://id.example";
    deps.keys = x_.u.f.keys.get();
    deps.authorization = &x_.u.authorization;
    deps.tokens = &x_.tokens;
    deps.pushed = &x_.u.pushed;
    deps.devices = x_.devices.get();
    deps.introspector = &x_.u.f.introspector;
    deps.revoker = &x_.u.revoker;
    deps.userinfo = &x_.u.userinfo;
    deps.sessions = &sessions_;
    deps.login_sessions = &x_.u.sessions;
    deps.end_session = &x_.u.end_session;
    deps.clock = &x_.u.f.clock;
    deps.random = SystemRandom();
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

  Response Get(const std::string& target, const std::string& cookie = "") {
    return Send("GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
                (cookie.empty() ? "" : "Cookie: " + cookie + "\r\n") +
                "Connection: close\r\n\r\n");
  }

  Response Post(const std::string& path, const std::string& body,
                const std::string& cookie = "") {
    return Send("POST " + path +
                " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                "application/x-www-form-urlencoded\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n" +
                (cookie.empty() ? "" : "Cookie: " + cookie + "\r\n") +
                "Connection: close\r\n\r\n" + body);
  }

  // POST /device_authorization for cli: the JSON answer.
  jwt::Json Start(const std::string& scope = "openid orders.read") {
    const Response r = Post("/device_authorization",
                            "client_id=cli&scope=" + FormEncode(scope));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }

  Response Poll(const std::string& device_code) {
    return Post("/token", "grant_type=" + FormEncode(kDeviceCodeGrantType) +
                              "&client_id=cli&device_code=" + device_code);
  }

  // Posts `page`'s form back (step, user_code, csrf as the page has them)
  // with `extra` fields, the page's CSRF cookie and `session` (a cookie).
  Response Submit(const Response& page, const std::string& extra,
                  const std::string& session = "") {
    std::string body = absl::StrCat("step=", page.Hidden("step"),
                                    "&csrf=", page.Hidden("csrf"));
    const std::string code = page.Hidden("user_code");
    if (!code.empty()) absl::StrAppend(&body, "&user_code=", code);
    if (!extra.empty()) absl::StrAppend(&body, "&", extra);
    std::string cookie = "identity_csrf=" + page.Cookie("identity_csrf");
    if (!session.empty()) absl::StrAppend(&cookie, "; ", session);
    return Post("/device", body, cookie);
  }

  // alice types `user_code`, signs in and answers: the answer's Response;
  // `session` receives her session cookie.
  Response Approve(const std::string& user_code, bool approve,
                   std::string* session = nullptr) {
    const Response entry = Get("/device");
    const Response login = Submit(entry, "user_code=" + FormEncode(user_code));
    EXPECT_EQ(login.status, 200) << login.body;
    EXPECT_NE(login.body.find("action=\"/device\""), std::string::npos);
    const Response approval =
        Submit(login, "username=alice&password=correct+horse");
    EXPECT_EQ(approval.status, 200) << approval.body;
    const std::string cookie =
        "identity_session=" + approval.Cookie("identity_session");
    if (session != nullptr) *session = cookie;
    return Submit(approval, approve ? "decision=confirm" : "decision=cancel",
                  cookie);
  }

  testing::DeviceFlowFixture x_;
  SessionCodec sessions_{std::string(32, 's')};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(DeviceEndpointsTest, DeviceAuthorizationAnswersRfc8628Json) {
  const Response r =
      Post("/device_authorization", "client_id=cli&scope=orders.read");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  const jwt::Json body = r.Json();
  EXPECT_EQ(body.value("device_code", "").size(), 43u);
  EXPECT_TRUE(NormalizeUserCode(body.value("user_code", "")).has_value());
  EXPECT_EQ(body.value("verification_uri", ""), "https://id.example/device");
  EXPECT_EQ(
      body.value("verification_uri_complete", ""),
      "https://id.example/device?user_code=" + body.value("user_code", ""));
  EXPECT_EQ(body.value("expires_in", 0), 600);
  EXPECT_EQ(body.value("interval", 0), 5);
}

TEST_F(DeviceEndpointsTest, DeviceAuthorizationErrorsAreRfc6749s) {
  Response r = Post("/device_authorization", "client_id=nobody");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json().value("error", ""), "invalid_client");
  r = Post("/device_authorization",
           "client_id=worker&client_secret=worker-secret");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "unauthorized_client");
  r = Post("/device_authorization", "client_id=cli&scope=orders.write");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "invalid_scope");
}

// A public client's authorizations are bounded per source (50 per 15
// minutes): the 51st from one address is 429 with Retry-After.
TEST_F(DeviceEndpointsTest, PublicClientsAuthorizationsAreBoundedPerSource) {
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(Post("/device_authorization", "client_id=cli").status, 200) << i;
  }
  const Response r = Post("/device_authorization", "client_id=cli");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Json().value("error", ""), "temporarily_unavailable");
  EXPECT_EQ(r.Header("retry-after"), "60");
}

TEST_F(DeviceEndpointsTest, PollingAnswersAre400WithTheirErrorCodes) {
  const jwt::Json started = Start();
  const std::string device_code = started.value("device_code", "");
  Response r = Poll(device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "authorization_pending");
  r = Poll(device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "slow_down");
  // RFC 6585 §4's header for the new interval, as a throttled call gets.
  EXPECT_EQ(r.Header("retry-after"), "10");
  x_.u.f.clock.Advance(absl::Minutes(10));
  r = Poll(device_code);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "expired_token");
}

TEST_F(DeviceEndpointsTest, CodeEntryPrefillsTheCodeAndLooksNothingUp) {
  const Response page = Get("/device?user_code=BCDF-GHJK&ui_locales=de");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("value=\"BCDF-GHJK\""), std::string::npos);
  EXPECT_NE(page.body.find("lang=\"de\""), std::string::npos);
  EXPECT_NE(page.body.find("Gerät verbinden"), std::string::npos);
  EXPECT_FALSE(page.Hidden("csrf").empty());
  EXPECT_EQ(page.Cookie("identity_csrf"), page.Hidden("csrf"));
  EXPECT_NE(page.Header("content-security-policy").find("default-src 'none'"),
            std::string::npos);
}

TEST_F(DeviceEndpointsTest, SignInAndApprovalIssueTokensToTheDevice) {
  const jwt::Json started = Start();
  std::string session;
  const Response done =
      Approve(started.value("user_code", ""), /*approve=*/true, &session);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("Device connected"), std::string::npos);
  const Response tokens = Poll(started.value("device_code", ""));
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_FALSE(tokens.Json().value("access_token", "").empty());
  EXPECT_FALSE(tokens.Json().value("id_token", "").empty());
  EXPECT_FALSE(tokens.Json().value("refresh_token", "").empty());
  // A second poll: the code was single-use.
  x_.u.f.clock.Advance(absl::Seconds(5));
  EXPECT_EQ(Poll(started.value("device_code", "")).Json().value("error", ""),
            "invalid_grant");
}

TEST_F(DeviceEndpointsTest, ApprovalPageNamesTheClientTheCodeAndTheScopes) {
  const jwt::Json started = Start();
  const std::string code = started.value("user_code", "");
  const Response login =
      Submit(Get("/device"), "user_code=" + FormEncode(code));
  const Response approval =
      Submit(login, "username=alice&password=correct+horse");
  ASSERT_EQ(approval.status, 200);
  EXPECT_NE(approval.body.find("Orders &lt;CLI&gt;"), std::string::npos);
  EXPECT_NE(approval.body.find(code), std::string::npos);
  EXPECT_NE(approval.body.find("orders.read"), std::string::npos);
  EXPECT_NE(approval.body.find("value=\"confirm\""), std::string::npos);
}

TEST_F(DeviceEndpointsTest, LiveSessionSkipsTheSignIn) {
  std::string session;
  ASSERT_EQ(Approve(Start().value("user_code", ""), true, &session).status,
            200);
  const jwt::Json second = Start();
  const Response approval = Submit(
      Get("/device"), "user_code=" + second.value("user_code", ""), session);
  ASSERT_EQ(approval.status, 200);
  EXPECT_EQ(approval.Hidden("step"), "decide");
  EXPECT_EQ(approval.body.find("name=\"password\""), std::string::npos);
}

TEST_F(DeviceEndpointsTest, DenialIsAccessDeniedForTheDevice) {
  const jwt::Json started = Start();
  const Response done = Approve(started.value("user_code", ""), false);
  ASSERT_EQ(done.status, 200);
  EXPECT_NE(done.body.find("Device not connected"), std::string::npos);
  const Response r = Poll(started.value("device_code", ""));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Json().value("error", ""), "access_denied");
}

TEST_F(DeviceEndpointsTest, EveryStepNeedsTheCsrfToken) {
  const jwt::Json started = Start();
  const std::string code = started.value("user_code", "");
  // No cookie, and a cookie that does not match.
  EXPECT_EQ(Post("/device", "step=code&csrf=abc&user_code=" + code).status,
            403);
  EXPECT_EQ(Post("/device", "step=code&csrf=abc&user_code=" + code,
                 "identity_csrf=abd")
                .status,
            403);
  EXPECT_EQ(Post("/device", "step=login&user_code=" + code +
                                "&username=alice&password=correct+horse")
                .status,
            403);
  std::string session;
  const jwt::Json other = Start();
  ASSERT_EQ(Approve(other.value("user_code", ""), true, &session).status, 200);
  EXPECT_EQ(
      Post("/device", "step=decide&decision=confirm&user_code=" + code, session)
          .status,
      403);
  // Nothing was decided.
  EXPECT_EQ(Poll(started.value("device_code", "")).Json().value("error", ""),
            "authorization_pending");
}

TEST_F(DeviceEndpointsTest, AnswerWithoutASessionIsRefused) {
  const jwt::Json started = Start();
  const Response page = Get("/device");
  const Response r =
      Post("/device",
           "step=decide&decision=confirm&csrf=" + page.Hidden("csrf") +
               "&user_code=" + started.value("user_code", ""),
           "identity_csrf=" + page.Cookie("identity_csrf"));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Poll(started.value("device_code", "")).Json().value("error", ""),
            "authorization_pending");
}

TEST_F(DeviceEndpointsTest, WrongCodeShowsTheFormAgainMarkedInvalid) {
  Start();
  const Response r = Submit(Get("/device"), "user_code=BBBB-BBBB");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(r.body.find("aria-invalid=\"true\""), std::string::npos);
  EXPECT_NE(r.body.find("value=\"BBBB-BBBB\""), std::string::npos);
}

TEST_F(DeviceEndpointsTest, WrongPasswordShowsTheDeviceLoginFormAgain) {
  const jwt::Json started = Start();
  const Response login =
      Submit(Get("/device"), "user_code=" + started.value("user_code", ""));
  const Response again = Submit(login, "username=alice&password=wrong");
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(again.Hidden("step"), "login");
  EXPECT_TRUE(again.Cookie("identity_session").empty());
}

TEST_F(DeviceEndpointsTest, GuessingCodesIsThrottledWithRetryAfter) {
  Start();
  const Response page = Get("/device");
  Response r;
  for (int i = 0; i < 21; ++i) {
    r = Submit(page, "user_code=BBBB-BBBB");
  }
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "60");
}

TEST_F(DeviceEndpointsTest, DiscoveryNamesTheEndpointAndTheGrant) {
  const jwt::Json doc = Get("/.well-known/openid-configuration").Json();
  EXPECT_EQ(doc.value("device_authorization_endpoint", ""),
            "https://id.example/device_authorization");
  const auto& grants = doc["grant_types_supported"];
  EXPECT_NE(std::find(grants.begin(), grants.end(), kDeviceCodeGrantType),
            grants.end());
}

}  // namespace
}  // namespace identity::server
