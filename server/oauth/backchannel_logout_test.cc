// Back-Channel Logout 1.0 delivery against a real HTTP receiver on
// 127.0.0.1 (client/interceptor/testing/http_test_server.h) through the
// production poster: the logout token's claims (§2.4), the POST (§2.5),
// what counts as delivered (§2.8), the retry schedule on an injected clock,
// the queue's bound, and the worker thread delivering on its own.
#include "server/oauth/backchannel_logout.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "client/interceptor/testing/http_test_server.h"
#include "gtest/gtest.h"
#include "jwt/jwt_verifier.h"
#include "server/http/logout_poster.h"
#include "server/oauth/testing/oauth_fixture.h"

namespace identity::server {
namespace {

using interceptor::testing::HttpTestServer;
using testing::kFixtureIssuer;

class BackchannelLogoutTest : public ::testing::Test {
 protected:
  BackchannelLogoutTest()
      : fixture_(KeyManagerOptions{
            {jwt::Algorithm::kES256, jwt::Algorithm::kRS256}}) {}

  std::unique_ptr<BackchannelLogout> Make(BackchannelLogoutOptions options,
                                          const jwt::Clock* clock) {
    options.issuer = kFixtureIssuer;
    return std::make_unique<BackchannelLogout>(
        fixture_.keys.get(), clock, SystemRandom(),
        HttpLogoutPoster(absl::Seconds(5)), &fixture_.events, nullptr, options);
  }

  LogoutNotice Notice(const std::string& target,
                      const std::string& alg = "") const {
    return LogoutNotice{
        "web", "http://127.0.0.1:" + std::to_string(receiver_.port()) + target,
        "user-1", "sid-1", alg};
  }

  // The logout token a received POST carried, verified against the JWKS.
  absl::StatusOr<jwt::VerifiedJwt> Verify(const std::string& body,
                                          const jwt::Clock* clock = nullptr) {
    absl::string_view token = body;
    if (!absl::ConsumePrefix(&token, "logout_token=")) {
      return absl::InvalidArgumentError(body);
    }
    jwt::VerifierOptions options;
    options.issuer = kFixtureIssuer;
    options.audiences = {"web"};
    options.required_typ = "logout+jwt";
    options.clock = clock != nullptr ? clock : &fixture_.clock;
    auto verifier = jwt::JwtVerifier::Create(options);
    if (!verifier.ok()) return verifier.status();
    return verifier->Verify(token, *fixture_.keys->snapshot()->jwks);
  }

  testing::OAuthFixture fixture_;
  HttpTestServer receiver_;
};

TEST_F(BackchannelLogoutTest, TheLogoutTokenIsWhatSection24Asks) {
  auto logout = Make({}, &fixture_.clock);
  for (const std::string alg : {"", "ES256", "RS256"}) {
    auto token = logout->LogoutToken(Notice("/bcl", alg), fixture_.clock.Now());
    ASSERT_TRUE(token.ok()) << token.status();
    auto verified = Verify("logout_token=" + *token);
    ASSERT_TRUE(verified.ok()) << verified.status();
    EXPECT_EQ(jwt::AlgorithmName(verified->header.alg),
              alg.empty() ? "RS256" : alg);
    EXPECT_FALSE(verified->kid.empty());
    const jwt::Claims& c = verified->claims;
    EXPECT_EQ(c.sub, "user-1");
    EXPECT_EQ(*c.iat, absl::ToUnixSeconds(fixture_.clock.Now()));
    EXPECT_EQ(*c.exp, *c.iat + 120);
    ASSERT_TRUE(c.jti.has_value());
    EXPECT_GE(c.jti->size(), 20u);
    EXPECT_EQ(c.other["sid"], "sid-1");
    EXPECT_EQ(c.other["events"],
              jwt::Json({{kBackchannelLogoutEvent, jwt::Json::object()}}));
    EXPECT_FALSE(c.other.contains("nonce"));
  }
  // No sid known: no sid claim (sub alone identifies the user, §2.4).
  LogoutNotice without = Notice("/bcl");
  without.sid.clear();
  auto token = logout->LogoutToken(without, fixture_.clock.Now());
  ASSERT_TRUE(token.ok());
  EXPECT_FALSE(Verify("logout_token=" + *token)->claims.other.contains("sid"));
  // An algorithm the server does not sign with: refused, never another one.
  EXPECT_EQ(logout->LogoutToken(Notice("/bcl", "PS256"), fixture_.clock.Now())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(BackchannelLogoutTest, PostsTheTokenAndCounts200And204AsDelivered) {
  receiver_.Set("/ok", {200, "", {}});
  receiver_.Set("/no-content", {204, "", {}});
  auto logout = Make({}, &fixture_.clock);
  logout->Enqueue({Notice("/ok"), Notice("/no-content")});
  EXPECT_EQ(receiver_.requests(), 0);  // Enqueue sends nothing itself.
  EXPECT_EQ(logout->RunDue(), 2);
  EXPECT_EQ(logout->pending(), 0u);
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), 2u);
  std::set<std::string> jtis;
  for (const auto& r : received) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.content_type, "application/x-www-form-urlencoded");
    auto verified = Verify(r.body);
    ASSERT_TRUE(verified.ok()) << verified.status() << " " << r.body;
    jtis.insert(*verified->claims.jti);
  }
  EXPECT_EQ(jtis.size(), 2u);
  EXPECT_EQ(fixture_.events.Take(),
            (std::vector<std::string>{"backchannel_logout delivered web",
                                      "backchannel_logout delivered web"}));
}

TEST_F(BackchannelLogoutTest, RetriesWithBackOffUntilDelivered) {
  receiver_.Set("/flaky", {503, "", {}});
  auto logout = Make({}, &fixture_.clock);
  logout->Enqueue({Notice("/flaky")});
  const absl::Time start = fixture_.clock.Now();
  EXPECT_EQ(logout->RunDue(), 1);
  EXPECT_EQ(logout->NextDue(), start + absl::Seconds(2));
  fixture_.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(logout->RunDue(), 0);  // Not due yet.
  fixture_.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(logout->RunDue(), 1);
  EXPECT_EQ(logout->NextDue(), start + absl::Seconds(2 + 4));
  receiver_.Set("/flaky", {200, "", {}});
  fixture_.clock.Advance(absl::Seconds(4));
  EXPECT_EQ(logout->RunDue(), 1);
  EXPECT_EQ(logout->pending(), 0u);
  EXPECT_EQ(logout->NextDue(), std::nullopt);
  EXPECT_EQ(receiver_.requests(), 3);
  EXPECT_EQ(fixture_.events.Take(),
            (std::vector<std::string>{"backchannel_logout retried web",
                                      "backchannel_logout retried web",
                                      "backchannel_logout delivered web"}));
  // Each attempt carried a token of its own time.
  const auto received = receiver_.received();
  EXPECT_EQ(*Verify(received[2].body)->claims.iat,
            absl::ToUnixSeconds(start + absl::Seconds(6)));
}

TEST_F(BackchannelLogoutTest, TheScheduleDoublesUpToItsCeiling) {
  auto logout = Make({}, &fixture_.clock);
  std::vector<absl::Duration> delays;
  for (int failures = 1; failures <= 10; ++failures) {
    delays.push_back(logout->RetryDelay(failures));
  }
  EXPECT_EQ(delays, (std::vector<absl::Duration>{
                        absl::Seconds(2), absl::Seconds(4), absl::Seconds(8),
                        absl::Seconds(16), absl::Seconds(32), absl::Seconds(64),
                        absl::Seconds(128), absl::Seconds(256),
                        absl::Minutes(5), absl::Minutes(5)}));
}

TEST_F(BackchannelLogoutTest, GivesUpAfterMaxAttemptsOrAtOnceOnA4xx) {
  receiver_.Set("/down", {500, "", {}});
  receiver_.Set("/refused", {400, "{\"error\":\"invalid_request\"}", {}});
  receiver_.Set("/redirect", {302, "", {{"Location", "/ok"}}});
  BackchannelLogoutOptions options;
  options.max_attempts = 3;
  auto logout = Make(options, &fixture_.clock);
  logout->Enqueue({Notice("/down"), Notice("/refused"), Notice("/redirect")});
  EXPECT_EQ(logout->RunDue(), 3);
  EXPECT_EQ(logout->pending(), 1u);  // Only the 500 is tried again.
  for (int i = 0; i < 5 && logout->pending() > 0; ++i) {
    fixture_.clock.Set(*logout->NextDue());
    logout->RunDue();
  }
  EXPECT_EQ(logout->pending(), 0u);
  int down = 0;
  for (const auto& r : receiver_.received()) down += r.target == "/down";
  EXPECT_EQ(down, 3);
  EXPECT_EQ(receiver_.requests(), 5);  // No redirect followed.
  const auto events = fixture_.events.Take();
  EXPECT_EQ(
      std::count(events.begin(), events.end(), "backchannel_logout failed web"),
      3);
}

TEST_F(BackchannelLogoutTest, AnUnreachableClientIsRetried) {
  // A port nothing listens on any more (the receiver it belonged to is
  // gone): connection refused, on loopback.
  std::string uri;
  {
    HttpTestServer gone;
    uri = "http://127.0.0.1:" + std::to_string(gone.port()) + "/bcl";
  }
  auto logout = Make({}, &fixture_.clock);
  logout->Enqueue({LogoutNotice{"web", uri, "user-1", "sid-1", ""}});
  EXPECT_EQ(logout->RunDue(), 1);
  EXPECT_EQ(logout->pending(), 1u);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"backchannel_logout retried web"});
  // A URI that cannot be sent to at all is not retried.
  logout->Enqueue({LogoutNotice{"web", "ftp://x/", "user-1", "", ""}});
  fixture_.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(logout->RunDue(), 1);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"backchannel_logout failed web"});
}

TEST_F(BackchannelLogoutTest, TheQueueIsBounded) {
  BackchannelLogoutOptions options;
  options.max_pending = 2;
  auto logout = Make(options, &fixture_.clock);
  logout->Enqueue({Notice("/a"), Notice("/b"), Notice("/c")});
  EXPECT_EQ(logout->pending(), 2u);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"backchannel_logout dropped web"});
}

TEST_F(BackchannelLogoutTest, TheWorkerDeliversOnItsOwn) {
  receiver_.Set("/bcl", {200, "", {}});
  auto logout = Make({}, jwt::Clock::Real());
  BackchannelLogoutWorker worker(logout.get());
  logout->Enqueue({Notice("/bcl")});
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (receiver_.requests() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(receiver_.requests(), 1) << "not delivered within 20 s";
  worker.Stop();
  auto verified = Verify(receiver_.received()[0].body, jwt::Clock::Real());
  EXPECT_TRUE(verified.ok()) << verified.status();
}

// The session's end reaches every client recorded with it that registered a
// backchannel_logout_uri, with the session's sid: not the others, not a
// client deleted since, not another session's.
TEST_F(BackchannelLogoutTest, AnEndedSessionTellsItsRegisteredClients) {
  receiver_.Set("/web", {200, "", {}});
  const auto add_client = [&](const std::string& id, const std::string& uri) {
    storage::ClientRecord client;
    client.client_id = id;
    client.name = id;
    client.backchannel_logout_uri = uri;
    client.created_at = client.updated_at = fixture_.clock.Now();
    ASSERT_TRUE(fixture_.store.CreateClient(client).ok());
  };
  add_client("web", Notice("/web").uri);
  add_client("api", "");
  add_client("gone", Notice("/gone").uri);
  LoginSessions sessions(&fixture_.store, &fixture_.clock, SystemRandom());
  auto logout = Make({}, &fixture_.clock);
  BackchannelSessionListener listener(&sessions, &fixture_.store, logout.get(),
                                      nullptr);
  sessions.Subscribe(&listener);
  auto session = sessions.Start("user-1", fixture_.clock.Now());
  auto other = sessions.Start("user-1", fixture_.clock.Now());
  ASSERT_TRUE(session.ok() && other.ok());
  for (const char* id : {"web", "api", "gone"}) {
    ASSERT_TRUE(sessions.AddClient(session->record.sid, id).ok());
  }
  ASSERT_TRUE(sessions.AddClient(other->record.sid, "web").ok());
  ASSERT_TRUE(fixture_.store.DeleteClient("gone").ok());

  ASSERT_TRUE(sessions.End(session->record.sid).ok());
  EXPECT_EQ(logout->pending(), 1u);
  EXPECT_EQ(logout->RunDue(), 1);
  const auto received = receiver_.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].target, "/web");
  auto verified = Verify(received[0].body);
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->claims.other["sid"], session->record.sid);
  EXPECT_EQ(verified->claims.sub, "user-1");
}

}  // namespace
}  // namespace identity::server
