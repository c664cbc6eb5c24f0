// The HTTP front door (SPEC "HTTP front door"): standard OpenID Connect and
// OAuth 2.0 endpoints for browsers and off-the-shelf client libraries, over
// the same OAuth core as the gRPC services (one implementation of each rule;
// this file only translates HTTP to it and back):
//   GET  /.well-known/openid-configuration   OIDC Discovery 1.0 §4
//   GET  /jwks                               RFC 7517
//   GET  /authorize                          login page, or a redirect
//   POST /authorize                          the login form
//   POST /consent                            the consent page's answer
//   POST /token                              RFC 6749 §3.2 (JSON, no-store)
//   POST /par                                RFC 9126 (pushed requests)
//   POST /device_authorization               RFC 8628 §3.1 (devices)
//   GET  /device                             RFC 8628 §3.3 code entry page
//   POST /device                             its code, sign-in, approval
//   GET/POST /userinfo                       OIDC Core §5.3 (Bearer)
//   POST /introspect                         RFC 7662
//   POST /revoke                             RFC 7009
//   GET/POST /end_session                    RP-Initiated Logout 1.0
//   OPTIONS /token, /par, /revoke, /userinfo CORS preflight (Fetch standard)
// The token, PAR, revocation and UserInfo answers are readable by a page of an
// origin of the client's redirect URIs (cors_policy.h); discovery and the
// JWKS by any page. No answer allows credentials (cookies) cross-origin.
// Browser sessions are server-side login sessions (login_sessions.h) whose
// secret rides in a signed cookie (session.h); the login form, the consent
// page and the logout confirmation are protected by a double-submit CSRF
// token (a cookie and a hidden field that must match).
#ifndef IDENTITY_SERVER_HTTP_OIDC_ENDPOINTS_H_
#define IDENTITY_SERVER_HTTP_OIDC_ENDPOINTS_H_

#include <memory>
#include <string>

#include "jwt/clock.h"
#include "server/http/http_server.h"
#include "server/http/pages.h"
#include "server/http/session.h"
#include "server/keys/key_manager.h"
#include "server/oauth/authorization.h"
#include "server/oauth/cors_policy.h"
#include "server/oauth/device_authorization.h"
#include "server/oauth/end_session.h"
#include "server/oauth/introspector.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/pushed_authorization.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_revoker.h"
#include "server/oauth/userinfo_endpoint.h"
#include "server/random_source.h"
#include "server/users/trusted_proxies.h"

namespace identity::server {

// Everything must outlive the server the routes are added to.
struct OidcEndpointsDeps {
  std::string issuer;  // The base of every endpoint URL.
  const KeyManager* keys = nullptr;
  const AuthorizationEndpoint* authorization = nullptr;
  const TokenEndpoint* tokens = nullptr;
  const PushedAuthorizationEndpoint* pushed = nullptr;
  // RFC 8628 (POST /device_authorization, the /device pages); null: not
  // served, not in discovery.
  const DeviceAuthorizationEndpoint* devices = nullptr;
  const Introspector* introspector = nullptr;
  const TokenRevoker* revoker = nullptr;
  const UserInfoEndpoint* userinfo = nullptr;
  // Which pages may read the token, revocation and UserInfo answers; null:
  // none (the public documents stay readable by any page).
  const CorsPolicy* cors = nullptr;
  const SessionCodec* sessions = nullptr;
  // The server-side sessions the cookies refer to, and logout.
  const LoginSessions* login_sessions = nullptr;
  const EndSessionEndpoint* end_session = nullptr;
  const jwt::Clock* clock = nullptr;
  RandomSource random;
  bool allow_plain_pkce = false;
  // Cookies get Secure (the listener is TLS, or a proxy in front is).
  bool secure_cookies = false;
  // Whose X-Forwarded-For names a login's source (trusted_proxies.h); null:
  // the peer always is.
  const TrustedProxies* proxies = nullptr;
  // The login and error pages' look (the operator's theme); null: the
  // default theme.
  std::shared_ptr<const Pages> pages;
};

void AddOidcRoutes(HttpServer& server, OidcEndpointsDeps deps);

// The discovery document for `deps` (exposed for tests).
std::string DiscoveryDocument(const OidcEndpointsDeps& deps);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_OIDC_ENDPOINTS_H_
