// One bounded HTTP GET, for keys over HTTPS (key_source.h: a jwks_uri, or
// OpenID Connect discovery), and one bounded POST (identity-server's
// back-channel logout notices, server/oauth/backchannel_logout.h). Boost.Beast
// over Boost.Asio with OpenSSL: in Debian's Boost 1.74 both are header-only,
// they use the same OpenSSL 3 that gRPC links, and identity-server's HTTP face
// already builds with them, so the interceptor gains no new package
// (docs/interceptor.md, "Keys over HTTPS").
//
// Bounded in every way an issuer could hold a resource server hostage: one
// deadline over the whole exchange (resolve, connect, TLS, request,
// response), a maximum response size, no redirects followed (a 3xx is an
// error like any other non-200), TLS 1.2 or newer with the peer's
// certificate chain AND host name (or IP address) verified.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_HTTP_GET_H_
#define IDENTITY_CLIENT_INTERCEPTOR_HTTP_GET_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::interceptor {

struct HttpGetOptions {
  // PEM certificates to verify an https:// server with (a private CA).
  // Empty: `ca_file`, or else the system's roots.
  std::string ca_pem = {};
  // A PEM file of CA certificates; used when `ca_pem` is empty.
  std::string ca_file = {};
  // Plain http:// to a host other than localhost, 127.0.0.1 or [::1]. Off:
  // keys fetched in the clear could be replaced on the way.
  bool allow_insecure_http = false;
  // The whole exchange.
  absl::Duration timeout = absl::Seconds(5);
  // The largest body accepted (a JWK Set or a discovery document is a few
  // KiB).
  size_t max_body_bytes = size_t{1} << 20;
};

// A URL this client will fetch.
struct HttpUrl {
  bool tls = true;
  std::string host = {};  // A name or an IP address, without brackets.
  std::string port = {};
  std::string target = {};  // Path and query; "/" at least.
};

// Parses `url` (http:// or https://, no userinfo; a fragment is dropped)
// and applies the plain-http rule of `options`. Errors: InvalidArgument.
absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url,
                                     const HttpGetOptions& options);

// A 200 response.
struct HttpGetResult {
  std::string body = {};
  // RFC 9111 §5.2.2.1 `Cache-Control: max-age`; zero for `no-cache` or
  // `no-store`; nullopt when the response says nothing usable.
  std::optional<absl::Duration> max_age = std::nullopt;
};

// GETs `url` with `Accept: application/json`. Errors: InvalidArgument (the
// URL), DeadlineExceeded (the timeout), Unavailable (resolution,
// connection, TLS or certificate verification, a non-200 status, a body
// over the limit), each with a message naming the URL. Thread-safe (each
// call has its own I/O context).
absl::StatusOr<HttpGetResult> HttpGet(absl::string_view url,
                                      const HttpGetOptions& options);

// A response to a POST, whatever its status.
struct HttpPostResult {
  int status = 0;
  std::string body = {};
};

// POSTs `body` as `content_type` to `url`, under the same bounds as HttpGet
// (one deadline, the body limit on the response, no redirects followed,
// TLS verified). Returns the response of any status: the caller decides
// what success is. Errors: InvalidArgument (the URL), DeadlineExceeded,
// Unavailable (resolution, connection, TLS, a response body over the limit).
absl::StatusOr<HttpPostResult> HttpPost(absl::string_view url,
                                        absl::string_view content_type,
                                        absl::string_view body,
                                        const HttpGetOptions& options);

// The freshness lifetime a Cache-Control header value gives (see
// HttpGetResult::max_age). Exposed for tests.
std::optional<absl::Duration> CacheControlMaxAge(
    absl::string_view cache_control);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_HTTP_GET_H_
