// The device authorization grant (RFC 8628) on the in-memory store with a
// fake clock: the device authorization endpoint, the user's answer at the
// verification URI and the polling grant. A negative test for every rule,
// asserting the OAuth error.
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/purge.h"
#include "server/oauth/testing/device_flow_fixture.h"
#include "server/oauth/user_code.h"

namespace identity::server {
namespace {

using testing::DeviceFlowFixture;
using testing::FixtureDeviceOptions;

constexpr char kSource[] = "10.0.0.1";

std::optional<OAuthError> ErrorOf(const absl::Status& status) {
  return OAuthErrorOf(status);
}

class DeviceFlowTest : public ::testing::Test {
 protected:
  explicit DeviceFlowTest(
      DeviceAuthorizationOptions options = FixtureDeviceOptions())
      : x_(std::move(options)) {}

  void SetUp() override {
    // A command-line tool (public) that may refresh, a confidential TV app
    // that may not, and a web app without the grant.
    AddClient("cli", true, {kDeviceCodeGrantType, "refresh_token"},
              {"orders.read", "offline_access"});
    AddClient("tv", false, {kDeviceCodeGrantType}, {"orders.read"});
    AddClient("web", false, {"authorization_code"}, {"orders.read"});
    auto alice = x_.u.users.Create({"alice@example.com", "correct horse",
                                    "Alice", "alice@example.com", true});
    ASSERT_TRUE(alice.ok()) << alice.status();
    alice_ = *alice;
  }

  void AddClient(const std::string& id, bool is_public,
                 std::vector<std::string> grants,
                 std::vector<std::string> scopes) {
    storage::ClientRecord client;
    client.client_id = id;
    client.name = "Client " + id;
    client.allowed_scopes = std::move(scopes);
    client.grant_types = std::move(grants);
    client.redirect_uris = {"https://app.example/cb"};
    client.public_client = is_public;
    if (!is_public) client.secret_hash = x_.u.f.hasher.Hash(id + "-secret");
    client.created_at = client.updated_at = x_.u.f.clock.Now();
    ASSERT_TRUE(x_.u.f.store.CreateClient(client).ok());
  }

  bool MakeThirdParty(const std::string& id) {
    auto client = x_.u.f.store.GetClient(id);
    if (!client.ok()) return false;
    client->third_party = true;
    return x_.u.f.store.UpdateClient(*client).ok();
  }

  static std::string SecretOf(const std::string& client) {
    return client == "tv" || client == "web" ? client + "-secret" : "";
  }

  absl::StatusOr<DeviceAuthorization> Start(
      const std::string& client = "cli",
      const std::string& scope = "openid orders.read offline_access") {
    return x_.devices->Authorize({client, SecretOf(client), scope, kSource});
  }

  absl::StatusOr<IssuedToken> Poll(const std::string& device_code,
                                   const std::string& client = "cli") {
    TokenRequestFields request;
    request.grant_type = kDeviceCodeGrantType;
    request.client_id = client;
    request.client_secret = SecretOf(client);
    request.device_code = device_code;
    request.source = kSource;
    return x_.tokens.Exchange(request);
  }

  ExistingLogin Login() { return {alice_.user_id, x_.u.f.clock.Now(), ""}; }

  absl::Status Answer(const std::string& user_code, bool approve = true,
                      const std::string& source = kSource) {
    return x_.devices->Decide(user_code, source, Login(), approve).status();
  }

  void Wait(absl::Duration d) { x_.u.f.clock.Advance(d); }

  jwt::Claims Verify(const std::string& token, const std::string& typ,
                     const std::string& audience) {
    jwt::VerifierOptions options;
    options.clock = &x_.u.f.clock;
    options.issuer = testing::kFixtureIssuer;
    options.audiences = {audience};
    options.required_typ = typ;
    options.allowed_algorithms = x_.u.f.keys->snapshot()->SigningAlgorithms();
    auto verified = jwt::JwtVerifier::Create(options)->Verify(
        token, *x_.u.f.keys->snapshot()->jwks);
    EXPECT_TRUE(verified.ok()) << verified.status();
    return verified.ok() ? verified->claims : jwt::Claims();
  }

  DeviceFlowFixture x_;
  storage::UserRecord alice_;
};

// --- The device authorization endpoint (RFC 8628 §3.1-3.2) ----------------

TEST_F(DeviceFlowTest, AuthorizationAnswersEveryField) {
  auto started = Start();
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->device_code.size(), 43u);  // 256 bits, base64url.
  EXPECT_TRUE(NormalizeUserCode(started->user_code).has_value());
  EXPECT_EQ(started->user_code[4], '-');
  EXPECT_EQ(started->verification_uri, "https://id.example/device");
  EXPECT_EQ(started->verification_uri_complete,
            "https://id.example/device?user_code=" + started->user_code);
  EXPECT_EQ(started->expires_in, absl::Minutes(10));
  EXPECT_EQ(started->interval, absl::Seconds(5));
}

TEST_F(DeviceFlowTest, CodesAreStoredOnlyAsHashes) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  const absl::Time now = x_.u.f.clock.Now();
  EXPECT_EQ(
      x_.u.f.store.PollDeviceAuthorization(started->device_code, "cli", now)
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  auto stored = x_.u.f.store.PollDeviceAuthorization(
      HashOpaqueToken(started->device_code), "cli", now);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->user_code_hash,
            HashOpaqueToken(*NormalizeUserCode(started->user_code)));
  EXPECT_EQ(stored->scope, "openid orders.read offline_access");
}

TEST_F(DeviceFlowTest, UnknownClientOrWrongSecretIsInvalidClient) {
  EXPECT_EQ(
      ErrorOf(x_.devices->Authorize({"nobody", "", "", kSource}).status()),
      OAuthError::kInvalidClient);
  EXPECT_EQ(
      ErrorOf(x_.devices->Authorize({"tv", "wrong", "", kSource}).status()),
      OAuthError::kInvalidClient);
  // A confidential client must authenticate (RFC 8628 §3.1).
  EXPECT_EQ(ErrorOf(x_.devices->Authorize({"tv", "", "", kSource}).status()),
            OAuthError::kInvalidClient);
}

TEST_F(DeviceFlowTest, ClientWithoutTheGrantIsUnauthorized) {
  EXPECT_EQ(ErrorOf(Start("web", "orders.read").status()),
            OAuthError::kUnauthorizedClient);
}

TEST_F(DeviceFlowTest, ScopeBeyondTheClientsIsInvalidScope) {
  EXPECT_EQ(ErrorOf(Start("cli", "orders.write").status()),
            OAuthError::kInvalidScope);
}

TEST_F(DeviceFlowTest, LiveAuthorizationsPerClientAreBounded) {
  DeviceAuthorizationOptions options = FixtureDeviceOptions();
  options.max_live_per_client = 2;
  DeviceFlowFixture small(options);
  storage::ClientRecord cli;
  cli.client_id = "cli";
  cli.grant_types = {kDeviceCodeGrantType};
  cli.allowed_scopes = {"orders.read"};
  cli.public_client = true;
  ASSERT_TRUE(small.u.f.store.CreateClient(cli).ok());
  const DeviceAuthorizationFields fields{"cli", "", "", kSource};
  ASSERT_TRUE(small.devices->Authorize(fields).ok());
  ASSERT_TRUE(small.devices->Authorize(fields).ok());
  // From another source: the per-client cap, not the per-source bound.
  auto third = small.devices->Authorize({"cli", "", "", "10.7.7.7"});
  EXPECT_EQ(ErrorOf(third.status()), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(ErrorDetailsOf(third.status())["retry_after_seconds"], "60");
  // Once they expired, the client may start again.
  small.u.f.clock.Advance(absl::Minutes(10));
  EXPECT_TRUE(small.devices->Authorize(fields).ok());
}

TEST_F(DeviceFlowTest, PublicClientsAuthorizationsAreBoundedPerSource) {
  DeviceAuthorizationOptions options = FixtureDeviceOptions();
  options.max_public_per_source = 3;
  DeviceFlowFixture small(options);
  for (const bool is_public : {true, false}) {
    storage::ClientRecord client;
    client.client_id = is_public ? "cli" : "tv";
    client.grant_types = {kDeviceCodeGrantType};
    client.allowed_scopes = {"orders.read"};
    client.public_client = is_public;
    if (!is_public) client.secret_hash = small.u.f.hasher.Hash("tv-secret");
    ASSERT_TRUE(small.u.f.store.CreateClient(client).ok());
  }
  const DeviceAuthorizationFields fields{"cli", "", "", kSource};
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(small.devices->Authorize(fields).ok()) << i;
  }
  auto fourth = small.devices->Authorize(fields);
  EXPECT_EQ(ErrorOf(fourth.status()), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(ErrorDetailsOf(fourth.status())["retry_after_seconds"], "60");
  // Another source still may; so may a confidential client from this one
  // (it authenticated: its quota is its own).
  EXPECT_TRUE(small.devices->Authorize({"cli", "", "", "10.7.7.7"}).ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(small.devices->Authorize({"tv", "tv-secret", "", kSource}).ok())
        << i;
  }
  // After the lock-out, the source may again.
  small.u.f.clock.Advance(absl::Minutes(1));
  EXPECT_TRUE(small.devices->Authorize(fields).ok());
}

// --- Polling (RFC 8628 §3.4-3.5) ---------------------------------------------

TEST_F(DeviceFlowTest, PollBeforeTheAnswerIsPending) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kAuthorizationPending);
  Wait(absl::Seconds(5));
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kAuthorizationPending);
}

TEST_F(DeviceFlowTest, PollingFasterThanTheIntervalSlowsDownByFiveSeconds) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kAuthorizationPending);
  Wait(absl::Seconds(4));
  auto fast = Poll(started->device_code);
  EXPECT_EQ(ErrorOf(fast.status()), OAuthError::kSlowDown);
  EXPECT_EQ(ErrorDetailsOf(fast.status())["interval"], "10");
  EXPECT_EQ(ErrorDetailsOf(fast.status())["retry_after_seconds"], "10");
  // RFC 8628 §3.5: the new interval holds for every later poll.
  Wait(absl::Seconds(9));
  auto still_fast = Poll(started->device_code);
  EXPECT_EQ(ErrorOf(still_fast.status()), OAuthError::kSlowDown);
  EXPECT_EQ(ErrorDetailsOf(still_fast.status())["interval"], "15");
  Wait(absl::Seconds(15));
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kAuthorizationPending);
}

TEST_F(DeviceFlowTest, ExpiredDeviceCodeIsExpiredToken) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  Wait(absl::Minutes(10));
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kExpiredToken);
  // Nor can the user approve it any more.
  EXPECT_EQ(ErrorOf(Answer(started->user_code)), OAuthError::kInvalidRequest);
}

TEST_F(DeviceFlowTest, DeniedAuthorizationIsAccessDenied) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code, /*approve=*/false).ok());
  auto denied = Poll(started->device_code);
  EXPECT_EQ(ErrorOf(denied.status()), OAuthError::kAccessDenied);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(DeviceFlowTest, ApprovedAuthorizationIssuesAccessIdAndRefreshTokens) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  auto issued = Poll(started->device_code);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->scope, "openid orders.read offline_access");
  EXPECT_EQ(issued->refresh_token.size(), 43u);
  const jwt::Claims access =
      Verify(issued->access_token, "at+jwt", testing::kFixtureAudience);
  EXPECT_EQ(access.sub, alice_.user_id);
  EXPECT_EQ(access.GetString("client_id"), "cli");
  const jwt::Claims id = Verify(issued->id_token, "JWT", "cli");
  EXPECT_EQ(id.sub, alice_.user_id);
  EXPECT_EQ(id.GetString("azp"), "cli");
  // The refresh token works at the refresh grant.
  TokenRequestFields refresh;
  refresh.grant_type = "refresh_token";
  refresh.client_id = "cli";
  refresh.refresh_token = issued->refresh_token;
  EXPECT_TRUE(x_.tokens.Exchange(refresh).ok());
}

TEST_F(DeviceFlowTest, ClientThatMayNotRefreshGetsNoRefreshToken) {
  auto started = Start("tv", "openid orders.read");
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE(Answer(started->user_code).ok());
  auto issued = Poll(started->device_code, "tv");
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_TRUE(issued->refresh_token.empty());
  EXPECT_FALSE(issued->id_token.empty());
}

TEST_F(DeviceFlowTest, DeviceCodeIsRedeemedOnce) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  ASSERT_TRUE(Poll(started->device_code).ok());
  Wait(absl::Seconds(5));
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kInvalidGrant);
}

// RFC 8707: a device authorization names no resource; asking for one is
// refused, not ignored (the token would go to the default audience).
TEST_F(DeviceFlowTest, PollNamingAResourceIsInvalidTarget) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  TokenRequestFields request;
  request.grant_type = kDeviceCodeGrantType;
  request.client_id = "cli";
  request.client_secret = SecretOf("cli");
  request.device_code = started->device_code;
  request.resource = {"https://api.example/"};
  request.source = kSource;
  EXPECT_EQ(ErrorOf(x_.tokens.Exchange(request).status()),
            OAuthError::kInvalidTarget);
  EXPECT_TRUE(Poll(started->device_code).ok());  // Not consumed.
}

TEST_F(DeviceFlowTest, AnotherClientsDeviceCodeIsInvalidGrant) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  EXPECT_EQ(ErrorOf(Poll(started->device_code, "tv").status()),
            OAuthError::kInvalidGrant);
  // And it was not burnt.
  EXPECT_TRUE(Poll(started->device_code).ok());
}

TEST_F(DeviceFlowTest, UnknownOrMissingDeviceCode) {
  EXPECT_EQ(ErrorOf(Poll("no-such-device-code").status()),
            OAuthError::kInvalidGrant);
  EXPECT_EQ(ErrorOf(Poll("").status()), OAuthError::kInvalidRequest);
}

TEST_F(DeviceFlowTest, PollByAClientWithoutTheGrantIsUnauthorized) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  EXPECT_EQ(ErrorOf(Poll(started->device_code, "web").status()),
            OAuthError::kUnauthorizedClient);
}

TEST_F(DeviceFlowTest, DisabledUserGetsNoTokens) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  ASSERT_TRUE(x_.u.users.SetDisabled(alice_.user_id, true).ok());
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kInvalidGrant);
}

TEST_F(DeviceFlowTest, EndedSessionWithoutOfflineAccessYieldsNothing) {
  auto session = x_.u.sessions.Start(alice_.user_id, x_.u.f.clock.Now());
  ASSERT_TRUE(session.ok());
  auto started = Start("cli", "openid orders.read");
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(
      x_.devices
          ->Decide(started->user_code, kSource,
                   {alice_.user_id, x_.u.f.clock.Now(), session->record.sid},
                   true)
          .ok());
  ASSERT_TRUE(x_.u.end_session.End(session->record).ok());
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kInvalidGrant);
}

// --- Third-party clients and login sessions ----------------------------------

TEST_F(DeviceFlowTest, ApprovingAThirdPartyClientRecordsConsent) {
  AddClient("partner", true, {kDeviceCodeGrantType, "refresh_token"},
            {"orders.read", "offline_access"});
  ASSERT_TRUE(MakeThirdParty("partner"));
  const std::vector<std::string> scopes = {"openid", "orders.read"};
  auto started = Start("partner", "openid orders.read");
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(*x_.u.consents.Covers(alice_.user_id, "partner", scopes));
  ASSERT_TRUE(Answer(started->user_code).ok());
  EXPECT_TRUE(*x_.u.consents.Covers(alice_.user_id, "partner", scopes));
  auto issued = Poll(started->device_code, "partner");
  ASSERT_TRUE(issued.ok()) << issued.status();
  // First-party clients need none, and none is recorded.
  auto first = Start("cli", "openid orders.read");
  ASSERT_TRUE(first.ok() && Answer(first->user_code).ok());
  EXPECT_EQ(x_.u.consents.List(alice_.user_id)->size(), 1u);
}

TEST_F(DeviceFlowTest, DenyingAThirdPartyClientRecordsNoConsent) {
  AddClient("partner", true, {kDeviceCodeGrantType}, {"orders.read"});
  ASSERT_TRUE(MakeThirdParty("partner"));
  auto started = Start("partner", "orders.read");
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code, /*approve=*/false).ok());
  EXPECT_FALSE(
      *x_.u.consents.Covers(alice_.user_id, "partner", {"orders.read"}));
  EXPECT_EQ(ErrorOf(Poll(started->device_code, "partner").status()),
            OAuthError::kAccessDenied);
}

TEST_F(DeviceFlowTest, ConsentWithdrawnBeforeThePollIsInvalidGrant) {
  AddClient("partner", true, {kDeviceCodeGrantType, "refresh_token"},
            {"orders.read", "offline_access"});
  ASSERT_TRUE(MakeThirdParty("partner"));
  auto started = Start("partner", "orders.read offline_access");
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code).ok());
  ASSERT_TRUE(x_.u.consents.Revoke(alice_.user_id, "partner").ok());
  auto polled = Poll(started->device_code, "partner");
  EXPECT_EQ(ErrorOf(polled.status()), OAuthError::kInvalidGrant);
  EXPECT_EQ(polled.status().message(),
            "the user withdrew their consent to this client");
  // The device code is spent.
  Wait(absl::Seconds(5));
  EXPECT_EQ(ErrorOf(Poll(started->device_code, "partner").status()),
            OAuthError::kInvalidGrant);
}

TEST_F(DeviceFlowTest, ThirdPartyClientWithoutConsentsCannotBeApproved) {
  AddClient("partner", true, {kDeviceCodeGrantType}, {"orders.read"});
  ASSERT_TRUE(MakeThirdParty("partner"));
  auto bare = DeviceAuthorizationEndpoint::Create(
      &x_.u.f.authenticator, &x_.u.f.store, &x_.u.f.store, &x_.u.f.store,
      &x_.u.sessions, /*consents=*/nullptr, &x_.u.f.clock, SystemRandom(),
      FixtureDeviceOptions());
  ASSERT_TRUE(bare.ok());
  auto started = (*bare)->Authorize({"partner", "", "orders.read", kSource});
  ASSERT_TRUE(started.ok());
  EXPECT_EQ((*bare)
                ->Decide(started->user_code, kSource, Login(), true)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // Not approved: the device keeps waiting.
  EXPECT_EQ(ErrorOf(Poll(started->device_code, "partner").status()),
            OAuthError::kAuthorizationPending);
}

TEST_F(DeviceFlowTest, ApprovalRecordsTheClientInTheLoginSession) {
  AddClient("tv-bcl", true, {kDeviceCodeGrantType, "refresh_token"},
            {"orders.read"});
  auto client = x_.u.f.store.GetClient("tv-bcl");
  ASSERT_TRUE(client.ok());
  client->backchannel_logout_uri = "https://tv.example/logout";
  ASSERT_TRUE(x_.u.f.store.UpdateClient(*client).ok());
  auto session = x_.u.sessions.Start(alice_.user_id, x_.u.f.clock.Now());
  ASSERT_TRUE(session.ok());
  const std::string sid = session->record.sid;
  // A client without a logout URI is not recorded (nothing to tell it).
  auto plain = Start("cli", "orders.read");
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(x_.devices
                  ->Decide(plain->user_code, kSource,
                           {alice_.user_id, x_.u.f.clock.Now(), sid}, true)
                  .ok());
  auto started = Start("tv-bcl", "orders.read");
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(x_.devices
                  ->Decide(started->user_code, kSource,
                           {alice_.user_id, x_.u.f.clock.Now(), sid}, true)
                  .ok());
  EXPECT_EQ(*x_.u.sessions.Clients(sid), std::vector<std::string>{"tv-bcl"});
  auto issued = Poll(started->device_code, "tv-bcl");
  ASSERT_TRUE(issued.ok()) << issued.status();
  ASSERT_FALSE(issued->refresh_token.empty());
  // The session's end ends the grant (no offline_access), as for a code.
  ASSERT_TRUE(x_.u.end_session.End(session->record).ok());
  TokenRequestFields refresh;
  refresh.grant_type = "refresh_token";
  refresh.client_id = "tv-bcl";
  refresh.refresh_token = issued->refresh_token;
  refresh.source = kSource;
  EXPECT_EQ(ErrorOf(x_.tokens.Exchange(refresh).status()),
            OAuthError::kInvalidGrant);
}

// --- The user's answer (RFC 8628 §3.3) ---------------------------------------

TEST_F(DeviceFlowTest, UserCodeIsFoundWhateverItsCaseAndDash) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  std::string typed = *NormalizeUserCode(started->user_code);
  for (char& c : typed) c = static_cast<char>(std::tolower(c));
  auto found = x_.devices->Find(typed, kSource);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->client.client_id, "cli");
  EXPECT_EQ(found->user_code, started->user_code);
  EXPECT_EQ(found->scopes, (std::vector<std::string>{"openid", "orders.read",
                                                     "offline_access"}));
}

TEST_F(DeviceFlowTest, WrongOrMalformedUserCodeIsRefusedAlike) {
  ASSERT_TRUE(Start().ok());
  auto wrong = x_.devices->Find("BBBB-BBBB", kSource);
  auto malformed = x_.devices->Find("not a code", kSource);
  EXPECT_EQ(ErrorOf(wrong.status()), OAuthError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(malformed.status()), OAuthError::kInvalidRequest);
  EXPECT_EQ(wrong.status().message(), malformed.status().message());
  EXPECT_EQ(ErrorOf(Answer("BBBB-BBBB")), OAuthError::kInvalidRequest);
}

TEST_F(DeviceFlowTest, AuthorizationIsAnsweredOnce) {
  auto started = Start();
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(Answer(started->user_code, false).ok());
  EXPECT_EQ(ErrorOf(Answer(started->user_code, true)),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(x_.devices->Find(started->user_code, kSource).status()),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(ErrorOf(Poll(started->device_code).status()),
            OAuthError::kAccessDenied);
}

TEST_F(DeviceFlowTest, GuessingFromOneSourceIsThrottled) {
  // RFC 8628 §5.1: 20 entries per source (right or wrong), then a lockout.
  auto started = Start();
  ASSERT_TRUE(started.ok());
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(ErrorOf(x_.devices->Find("BBBB-BBBB", "10.9.9.9").status()),
              OAuthError::kInvalidRequest)
        << i;
  }
  auto locked = x_.devices->Find(started->user_code, "10.9.9.9");
  EXPECT_EQ(ErrorOf(locked.status()), OAuthError::kTemporarilyUnavailable);
  EXPECT_EQ(ErrorDetailsOf(locked.status())["retry_after_seconds"], "60");
  // The answer is refused alike: it is an entry too.
  EXPECT_EQ(ErrorOf(Answer(started->user_code, true, "10.9.9.9")),
            OAuthError::kTemporarilyUnavailable);
  // Another source is not locked out; the guesser is after the lockout.
  EXPECT_TRUE(x_.devices->Find(started->user_code, kSource).ok());
  Wait(absl::Minutes(1));
  EXPECT_TRUE(x_.devices->Find(started->user_code, "10.9.9.9").ok());
}

TEST(DeviceFlowGlobalThrottleTest, GuessingFromEverywhereIsThrottled) {
  DeviceAuthorizationOptions options = FixtureDeviceOptions();
  options.max_entries_total = 5;
  DeviceFlowFixture x(options);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(
        ErrorOf(
            x.devices->Find("BBBB-BBBB", absl::StrCat("10.0.0.", i)).status()),
        OAuthError::kInvalidRequest);
  }
  EXPECT_EQ(ErrorOf(x.devices->Find("BBBB-BBBB", "10.1.1.1").status()),
            OAuthError::kTemporarilyUnavailable);
}

TEST(DeviceFlowGlobalThrottleTest, CorrectCodesDoNotSpendEverybodysBudget) {
  DeviceAuthorizationOptions options = FixtureDeviceOptions();
  options.max_entries_total = 3;
  DeviceFlowFixture x(options);
  storage::ClientRecord cli;
  cli.client_id = "cli";
  cli.grant_types = {kDeviceCodeGrantType};
  cli.allowed_scopes = {"orders.read"};
  cli.public_client = true;
  ASSERT_TRUE(x.u.f.store.CreateClient(cli).ok());
  auto started = x.devices->Authorize({"cli", "", "", "10.0.0.1"});
  ASSERT_TRUE(started.ok());
  // Ten right codes from ten places (the code page, then the sign-in's
  // check): everybody's budget of 3 is untouched.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        x.devices->Find(started->user_code, absl::StrCat("10.0.1.", i)).ok())
        << i;
  }
  // Three wrong ones spend it: then everybody is locked out.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        ErrorOf(
            x.devices->Find("BBBB-BBBB", absl::StrCat("10.0.2.", i)).status()),
        OAuthError::kInvalidRequest)
        << i;
  }
  EXPECT_EQ(ErrorOf(x.devices->Find(started->user_code, "10.0.3.1").status()),
            OAuthError::kTemporarilyUnavailable);
}

TEST_F(DeviceFlowTest, ExpiredAuthorizationsArePurged) {
  ASSERT_TRUE(Start().ok());
  Wait(absl::Minutes(11));
  auto purged =
      PurgeExpired({&x_.u.f.store, &x_.u.f.store, nullptr, &x_.u.f.store},
                   x_.u.f.clock.Now());
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(purged->device_authorizations, 1);
}

TEST_F(DeviceFlowTest, TokenEndpointServesTheGrant) {
  const std::vector<std::string> types = x_.tokens.GrantTypes();
  EXPECT_NE(std::find(types.begin(), types.end(), kDeviceCodeGrantType),
            types.end());
}

}  // namespace
}  // namespace identity::server
