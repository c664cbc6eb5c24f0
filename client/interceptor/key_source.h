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
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::interceptor {

// Where a JWKS comes from. Implementations are thread-safe.
class JwksFetcher {
 public:
  virtual ~JwksFetcher() = default;
  // The JWK Set as RFC 7517 JSON. Errors: Unavailable and the like.
  virtual absl::StatusOr<std::string> Fetch() = 0;
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

// An HTTPS jwks_uri (RFC 8414 §2). Not implemented yet: CreateJwksFetcher
// returns Unimplemented.
struct JwksUriKeys {
  std::string uri = {};
  // PEM roots to verify the server with; empty: the system's roots.
  std::string ca_pem = {};
};

// The jwks_uri of OpenID Connect Discovery 1.0 §4
// (`<issuer>/.well-known/openid-configuration`). Not implemented yet:
// CreateJwksFetcher returns Unimplemented.
struct OidcDiscoveryKeys {
  // Empty: the trusted issuer's own identifier.
  std::string issuer_url = {};
  std::string ca_pem = {};
};

using KeySource =
    std::variant<KeyServiceKeys, JwksFileKeys, JwksUriKeys, OidcDiscoveryKeys>;

// The fetcher for `source`; `issuer` is the trusted issuer the keys belong
// to (the default discovery URL). Errors: InvalidArgument for an empty
// address, path or URI; Unimplemented for the HTTPS sources.
absl::StatusOr<std::unique_ptr<JwksFetcher>> CreateJwksFetcher(
    const KeySource& source, absl::string_view issuer);

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCE_H_
