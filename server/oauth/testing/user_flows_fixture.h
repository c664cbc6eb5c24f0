// Test-only: the end-user flows wired on OAuthFixture (in-memory store, fake
// clock) as identity-server wires them: users with a cheap but valid Argon2id
// setting, the authorization endpoint (and PAR's), the code and refresh grants,
// revocation, UserInfo and the token endpoint. Shared by the OAuth core's
// tests and the HTTP front door's.
#ifndef IDENTITY_SERVER_OAUTH_TESTING_USER_FLOWS_FIXTURE_H_
#define IDENTITY_SERVER_OAUTH_TESTING_USER_FLOWS_FIXTURE_H_

#include <memory>

#include "server/oauth/authorization.h"
#include "server/oauth/authorization_code_grant.h"
#include "server/oauth/end_session.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/pushed_authorization.h"
#include "server/oauth/refresh_token_grant.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_revoker.h"
#include "server/oauth/user_grant_deps.h"
#include "server/oauth/user_tokens.h"
#include "server/oauth/userinfo_endpoint.h"
#include "server/users/user_accounts.h"

namespace identity::server::testing {

// Not movable: the parts point at each other. Every part reports to
// `f.events`.
struct UserFlowsFixture {
  explicit UserFlowsFixture(KeyManagerOptions key_options = {})
      : f(std::move(key_options)),
        throttle([this] {
          LoginThrottleOptions options;
          options.clock = &f.clock;
          return *LoginThrottle::Create(options);
        }()),
        users(&f.store, &hasher, throttle.get(), &f.clock, SystemRandom(),
              &f.events,
              [this](absl::string_view user_id) {
                return f.grant_revoker.RevokeUserGrants(user_id);
              }),
        sessions(&f.store, &f.clock, SystemRandom()),
        end_session(&f.store, f.keys.get(), kFixtureIssuer, &sessions),
        consents(&f.store, &f.grant_revoker, &f.clock),
        authorization(&f.store, &f.store, &users, &f.clock, SystemRandom(),
                      {kFixtureIssuer, false, absl::Seconds(60)}, &sessions,
                      &consents, &f.resources),
        pushed(&f.authenticator, &authorization),
        minter(f.keys.get(),
               {kFixtureIssuer, kFixtureAudience, absl::Minutes(10),
                absl::Minutes(10), absl::Hours(24), absl::Hours(72)}),
        deps{&f.authenticator, &f.store,  &f.store,       &f.grant_revoker,
             &minter,          &f.clock,  SystemRandom(), &f.events,
             &sessions,        &consents, &f.resources},
        code_grant(deps),
        refresh_grant(deps),
        revoker(&f.authenticator, &f.access_tokens, &f.grant_revoker, &f.store),
        userinfo(&f.access_tokens, &f.store, &f.dpop),
        tokens({{"client_credentials", &f.grant},
                {"authorization_code", &code_grant},
                {"refresh_token", &refresh_grant}},
               &f.events, &f.dpop) {}
  UserFlowsFixture(const UserFlowsFixture&) = delete;
  UserFlowsFixture& operator=(const UserFlowsFixture&) = delete;

  OAuthFixture f;
  // OWASP's weakest accepted row: valid, and quick enough for tests.
  PasswordHasher hasher = *PasswordHasher::Create({7168, 5, 1}, SystemRandom());
  std::unique_ptr<LoginThrottle> throttle;
  UserAccounts users;
  LoginSessions sessions;  // 12 hours.
  EndSessionEndpoint end_session;
  Consents consents;
  AuthorizationEndpoint authorization;
  PushedAuthorizationEndpoint pushed;  // RFC 9126: 60 s; a login form 10 min.
  UserTokenMinter minter;  // Refresh tokens: 24 h idle, 72 h absolute.
  UserGrantDeps deps;
  AuthorizationCodeGrant code_grant;
  RefreshTokenGrant refresh_grant;
  TokenRevoker revoker;
  UserInfoEndpoint userinfo;
  TokenEndpoint tokens;
};

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_OAUTH_TESTING_USER_FLOWS_FIXTURE_H_
