// Where an issuer's keys come from: `JwksFetcher` is the interface the
// JwksCache fetches through; here are the sources that need no HTTP client
// (identity's KeyService, a file). The HTTPS ones, the `KeySource` variant
// and `CreateJwksFetcher` are in key_sources.h (target
// //client/interceptor, which links Boost.Beast; identity-server links only
// //client/interceptor:core).
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

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_KEY_SOURCE_H_
