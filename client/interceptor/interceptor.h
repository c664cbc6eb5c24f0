// The one call that protects a gRPC server (docs/interceptor.md, "Adopt it"):
// options in, server credentials for AddListeningPort and the handler's claims
// accessor out. Every call on a port opened with those credentials is
// authorized BEFORE its handler runs.
//
//   ic::InterceptorOptions options;
//   options.issuers = {{.issuer = "https://id.example",
//                       .audiences = {"orders-api"},
//                       .keys = ic::KeyServiceKeys{.address = "id:50051"}}};
//   options.services = {"orders.v1.Orders"};
//   absl::StatusOr<ic::Interceptor> auth = ic::Interceptor::Create(options);
//   if (!auth.ok()) return auth.status();
//   builder.AddListeningPort("0.0.0.0:50061", auth->credentials());
//
// It composes the parts of this folder: per trusted issuer a JwksCache over
// its KeySource and a jwt::JwtVerifier, an IssuerSelectingValidator choosing
// among them by "iss", a CachingTokenValidator in front, a MethodPolicy that
// requires a token by default plus the services' (identity.v1.auth) rules,
// an optional IntrospectionChecker, a CallAuthorizer and
// AuthorizingServerCredentials. Use the parts directly for anything else.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_INTERCEPTOR_H_
#define IDENTITY_CLIENT_INTERCEPTOR_INTERCEPTOR_H_

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_context.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/dpop_check.h"
#include "client/interceptor/jwks_cache.h"
#include "client/interceptor/key_sources.h"
#include "client/interceptor/method_policy.h"
#include "client/interceptor/token_validator.h"
#include "jwt/clock.h"

namespace identity::interceptor {

// One issuer whose access tokens this server accepts.
struct TrustedIssuer {
  // The exact "iss" of its tokens (RFC 7519 §4.1.1). Required.
  std::string issuer = {};
  // This server's names as the issuer knows them: a token's "aud" must hold
  // one (RFC 9068 §4). Required.
  std::vector<std::string> audiences = {};
  // Where its public keys come from.
  KeySource keys = {};
  // The "typ" header its access tokens carry (RFC 9068 §2.1).
  std::string required_typ = "at+jwt";

  // Explicit opt-outs (jwt::VerifierOptions has what each lets through):
  // each needs its field left empty. skip_issuer_check only with a single
  // trusted issuer (tokens are routed by "iss").
  bool skip_issuer_check = false;
  bool skip_audience_check = false;
  bool skip_typ_check = false;

  // How its JWKS is refreshed.
  JwksCacheOptions key_refresh = {};
};

// The issuer's IntrospectionService, asked about calls to methods marked
// `revocation_sensitive` in (identity.v1.auth).
struct IntrospectionEndpoint {
  std::string address = {};  // "host:port"
  // Null: plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr;
  // This service's own client at the issuer.
  std::string client_id = {};
  std::string client_secret = {};
  // How long an answer is reused: bounds how late a revocation is seen.
  absl::Duration cache_ttl = absl::Seconds(10);
  absl::Duration timeout = absl::Seconds(2);
};

struct InterceptorOptions {
  // At least one. A token is judged by the issuer its "iss" names; tokens of
  // any other issuer are refused before any key is looked at.
  std::vector<TrustedIssuer> issuers = {};
  // Full names of services ("orders.v1.Orders") whose methods' (identity.v1
  // .auth) options give their rules; their generated code must be linked.
  std::vector<std::string> services = {};
  // More rules by pattern ("/grpc.health.v1.Health/*" -> {false}), for
  // methods without the option. A method no rule names needs a valid token.
  std::vector<std::pair<std::string, MethodRule>> rules = {};
  // Tolerated clock skew for exp, nbf and iat (whole seconds, at most a day).
  absl::Duration leeway = absl::Seconds(5);
  // Needed only when a method is revocation-sensitive (else such calls are
  // refused as UNAVAILABLE). With several issuers it is asked about every
  // revocation-sensitive call, so only that issuer's tokens can pass them.
  std::optional<IntrospectionEndpoint> introspection = std::nullopt;
  // Sees every decision (metrics, logs). May be null.
  std::shared_ptr<AuthObserver> observer = nullptr;
  // Empty: plaintext ports (behind a mesh sidecar).
  std::optional<grpc::SslServerCredentialsOptions> tls = std::nullopt;
  CachingTokenValidator::Options token_cache = {};
  // DPoP-bound tokens (RFC 9449; docs/interceptor.md, "DPoP"): always
  // accepted with their proof, never as bearer tokens. Here: whether every
  // token must be DPoP-bound, the authorities behind a proxy, the proof's
  // age window and the replay cache.
  DpopOptions dpop = {};
  // Source of "now" for every check. Not owned; must outlive the Interceptor
  // and every server using its credentials.
  const jwt::Clock* clock = jwt::Clock::Real();
};

// Copyable handle; thread-safe. Its parts (key caches with their refresh
// threads, the verified-token cache) live as long as any copy or any port
// opened with credentials() does.
class Interceptor {
 public:
  // Builds and starts everything (each issuer's keys fetched once now; a
  // failed first fetch is retried in the background, and calls are refused
  // as UNAVAILABLE until it succeeds). Errors: InvalidArgument for no
  // issuer, an empty or repeated issuer, an empty audience list, required_typ
  // or issuer without its skip_*_check (and a skip with its field set), a
  // bad leeway, bad DPoP options, an empty key source address, path or URL, a
  // plain http:// key URL to a non-loopback host without allow_insecure_http, a
  // rule jwt/ or the policy refuses; NotFound for a service not in the
  // generated pool.
  static absl::StatusOr<Interceptor> Create(InterceptorOptions options);

  // For grpc::ServerBuilder::AddListeningPort: calls on the port are
  // authorized before their handlers.
  std::shared_ptr<grpc::ServerCredentials> credentials() const {
    return credentials_;
  }

  // The verified token of the call a handler is serving: claims (sub,
  // client_id, every claim), scopes, the DPoP key's thumbprint (DpopJkt). A
  // hash lookup for a call that was just let through. Errors: Unauthenticated
  // when the call carries no valid token (an open method called without one).
  absl::StatusOr<std::shared_ptr<const VerifiedToken>> Caller(
      const grpc::ServerContextBase& context) const;

  const CallAuthorizer& authorizer() const { return *authorizer_; }
  // The key cache of a trusted issuer (for metrics and tests), or null.
  const JwksCache* keys(absl::string_view issuer) const;

 private:
  Interceptor() = default;

  std::shared_ptr<const CallAuthorizer> authorizer_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  absl::flat_hash_map<std::string, std::shared_ptr<const JwksCache>> keys_;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_INTERCEPTOR_H_
