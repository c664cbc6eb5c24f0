// Test-only: the device authorization grant (RFC 8628) wired on
// UserFlowsFixture as identity-server wires it: the device authorization
// endpoint (its entry throttle's counters in the fixture's store) and the
// device code grant at a token endpoint that also serves the code and
// refresh grants. Shared by the OAuth core's tests and the faces'.
#ifndef IDENTITY_SERVER_OAUTH_TESTING_DEVICE_FLOW_FIXTURE_H_
#define IDENTITY_SERVER_OAUTH_TESTING_DEVICE_FLOW_FIXTURE_H_

#include <memory>

#include "server/oauth/client_registry.h"
#include "server/oauth/device_authorization.h"
#include "server/oauth/device_code_grant.h"
#include "server/oauth/testing/user_flows_fixture.h"
#include "server/oauth/token_endpoint.h"

namespace identity::server::testing {

inline DeviceAuthorizationOptions FixtureDeviceOptions() {
  DeviceAuthorizationOptions options;
  options.verification_uri = std::string(kFixtureIssuer) + "/device";
  return options;
}

// Not movable: the parts point at each other.
struct DeviceFlowFixture {
  explicit DeviceFlowFixture(
      DeviceAuthorizationOptions options = FixtureDeviceOptions())
      : devices(*DeviceAuthorizationEndpoint::Create(
            &u.f.authenticator, &u.f.store, &u.f.store, &u.f.store, &u.sessions,
            &u.consents, &u.f.clock, SystemRandom(), std::move(options))),
        grant(u.deps, &u.f.store),
        tokens({{"authorization_code", &u.code_grant},
                {"refresh_token", &u.refresh_grant},
                {kDeviceCodeGrantType, &grant}},
               &u.f.events, &u.f.dpop) {}
  DeviceFlowFixture(const DeviceFlowFixture&) = delete;
  DeviceFlowFixture& operator=(const DeviceFlowFixture&) = delete;

  UserFlowsFixture u;
  std::unique_ptr<DeviceAuthorizationEndpoint> devices;
  DeviceCodeGrant grant;
  TokenEndpoint tokens;
};

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_OAUTH_TESTING_DEVICE_FLOW_FIXTURE_H_
