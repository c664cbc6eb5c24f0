// Where an issuer's keys come from (SPEC "The interceptor library": KeyService,
// HTTPS jwks_uri or discovery, file). `KeySource` names the place in an
// options struct; `JwksFetcher` is the interface the JwksCache fetches
// through; `CreateJwksFetcher` is the one place that turns the first into
// the second. A new kind of source is a new alternative of the variant, a
// JwksFetcher, and a case in CreateJwksFetcher: nothing else changes.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCE_H_
#define IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCE_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/interceptor/http_get.h"

namespace identity::interceptor {

// What one fetch brought.
struct FetchedJwks {
  // The JWK Set as RFC 7517 JSON.
  std::string json = {};
  // How long the source says the set stays fresh (an HTTPS response's
  // `Cache-Control: max-age`); nullopt: no hint. JwksCache clamps it
  // (JwksCacheOptions::min_refresh_interval, max_refresh_interval).
  std::optional<absl::Duration> max_age = std::nullopt;
};

// Where a JWKS comes from. Implementations are thread-safe.
class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  // Errors: Unavailable and the like.
  virtual absl::StatusOr<FetchedJwks> Fetch() = 0;
};

// identity.v1.KeyService/GetJwks on `channel`, each call bounded by
// `timeout`.
std::unique_ptr<JwksFetcher> KeyServiceJwksFetcher(
    std::shared_ptr<grpc::Channel> channel,
    absl::Duration timeout = absl::Seconds(5));

// A file holding the JWK Set (read again on each fetch, so replacing the
// file rotates the keys).
std::unique_ptr<JwksFetcher> FileJwksFetcher(std::string path);

// identity-server's KeyService (GetJwks) at `address` ("host:port").
struct KeyServiceKeys {
  std::string address = {};
  // Null: plaintext (a loopback issuer, or a mesh sidecar's mTLS).
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
  absl::Duration timeout = absl::Seconds(5);
};

// A JWK Set file (RFC 7517 §5), read again on every refresh.
struct JwksFileKeys {
  std::string path = {};
};

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

#endif  // IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCE_H_
