// Every kind of key source (SPEC "The interceptor library": KeyService,
// HTTPS jwks_uri or discovery, file): `KeySource` names the place in an
// options struct, `CreateJwksFetcher` is the one place that turns it into
// the JwksFetcher the JwksCache fetches through. A new kind of source is a
// new alternative of the variant, a JwksFetcher, and a case in
// CreateJwksFetcher: nothing else changes.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCES_H_
#define IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCES_H_

#include <memory>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/interceptor/http_get.h"
#include "client/interceptor/key_source.h"

namespace identity::interceptor {

// An HTTPS jwks_uri (RFC 8414 §2, OIDC Discovery §3). `http` sets the
// roots (a CA PEM or file; default: the system's), the timeout, the size
// bound and whether plain http:// may reach a non-loopback host (it may
// not by default). The response's Cache-Control max-age is the freshness
// hint.
struct JwksUriKeys {
  std::string uri = {};
  HttpGetOptions http = {};
};

// OpenID Connect Discovery 1.0 §4: each fetch GETs
// `<issuer>/.well-known/openid-configuration`, checks that its "issuer" is
// exactly the issuer asked for (§4.3), then GETs its "jwks_uri" (same
// `http` rules for both; the jwks_uri's max-age is the freshness hint).
struct OidcDiscoveryKeys {
  // Empty: the trusted issuer's own identifier.
  std::string issuer_url = {};
  HttpGetOptions http = {};
};

// GETs `uri` (see JwksUriKeys). Errors: InvalidArgument for a URL that
// HttpGet would refuse.
absl::StatusOr<std::unique_ptr<JwksFetcher>> HttpsJwksFetcher(
    std::string uri, HttpGetOptions http);

// Discovery from `issuer` (see OidcDiscoveryKeys). Errors: InvalidArgument
// for an issuer URL HttpGet would refuse or one with a query or fragment.
absl::StatusOr<std::unique_ptr<JwksFetcher>> OidcDiscoveryJwksFetcher(
    std::string issuer, HttpGetOptions http);

using KeySource =
    std::variant<KeyServiceKeys, JwksFileKeys, JwksUriKeys, OidcDiscoveryKeys>;

// The fetcher for `source`; `issuer` is the trusted issuer the keys belong
// to (the default discovery URL). Errors: InvalidArgument for an empty
// address, path or URI, or a URL refused (plain http:// to a non-loopback
// host without allow_insecure_http, userinfo, a bad port). Nothing is
// fetched here.
absl::StatusOr<std::unique_ptr<JwksFetcher>> CreateJwksFetcher(
    const KeySource& source, absl::string_view issuer);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCES_H_
