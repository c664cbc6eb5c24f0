// The client side (SPEC "The interceptor library"): access tokens for a
// service's outgoing calls, from TokenService's client_credentials grant,
// without the service writing token code. One TokenSource per client
// identity: it caches the token, gets a new one ahead of expiry, and makes one
// request at a time however many callers want a token.
//
//   auto tokens = interceptor::TokenSource::Create(issuer_channel,
//       {.client_id = "billing", .client_secret = secret, .scope =
//       "orders.read"});
//   // Or with a private key instead of a secret (private_key_jwt):
//   //   {.client_id = "billing", .scope = "orders.read",
//   //    .assertion_signer = std::make_shared<const jwt::JwtSigner>(
//   //        *jwt::JwtSigner::Create(private_jwk)),
//   //    .assertion_audience = "https://id.example"}
//   // TLS channel: per-call credentials.
//   auto creds = grpc::CompositeChannelCredentials(
//       grpc::SslCredentials(ssl), interceptor::TokenCallCredentials(tokens));
//   // Plaintext channel (behind a mesh sidecar): a client interceptor.
//   auto channel = interceptor::CreateChannelWithTokens(
//       "orders:50051", grpc::InsecureChannelCredentials(), tokens);
//   // DPoP-bound tokens (RFC 9449): a private key of the client's; each
//   // call then carries "authorization: DPoP <token>" and a fresh proof.
//   //   {..., .dpop_key = std::make_shared<const jwt::Jwk>(
//   //             *interceptor::GenerateDpopKey()),
//   //    .issuer_authority = "id.example:443"}
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TOKEN_SOURCE_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TOKEN_SOURCE_H_

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {

struct TokenSourceOptions {
  std::string client_id;
  std::string client_secret;
  // Space-delimited; empty: every scope the client is allowed.
  std::string scope;
  // A new token is requested when the current one has less than this left
  // (callers keep getting the current one meanwhile).
  absl::Duration refresh_ahead = absl::Seconds(60);
  // Deadline of each Token call.
  absl::Duration request_timeout = absl::Seconds(5);
  // After a failed request, callers without a valid token get that error
  // for this long instead of each starting a request.
  absl::Duration retry_pause = absl::Seconds(1);
  // private_key_jwt (RFC 7523 §2.2) instead of client_secret: each Token
  // request carries a fresh assertion (client_assertion.h) signed by this
  // signer over the client's private key, for `assertion_audience` (the
  // issuer identifier, e.g. "https://id.example"). Null: the secret.
  std::shared_ptr<const jwt::JwtSigner> assertion_signer = nullptr;
  std::string assertion_audience = {};
  // DPoP (RFC 9449): the client's private key (GenerateDpopKey, or loaded
  // with jwt::Jwk::Parse / FromPem; an RSA key needs "alg"). The Token
  // request then carries a proof in "dpop" metadata, and when the issuer
  // answers token_type "DPoP" every call gets "authorization: DPoP <token>"
  // and a fresh proof (new jti, "ath" of the token) for its own authority
  // and method. An issuer that answers "Bearer" did not bind the token: it
  // is sent as a bearer token. Null: bearer tokens.
  std::shared_ptr<const jwt::Jwk> dpop_key = nullptr;
  // With dpop_key: the :authority of the issuer channel as the issuer sees
  // it ("id.example:443", the channel target's host:port): the "htu" of the
  // Token request's proof is jwt::DpopGrpcUri(this,
  // "/identity.v1.TokenService/Token"). Required with dpop_key.
  std::string issuer_authority = {};
};

// A new DPoP key: EC P-256 (ES256), from the crypto library's CSPRNG.
absl::StatusOr<jwt::Jwk> GenerateDpopKey();

// What one outgoing call carries: `authorization` ("Bearer <token>" or
// "DPoP <token>") and, for a DPoP-bound token, `dpop` (the proof; empty
// otherwise).
struct CallAuthorization {
  std::string authorization;
  std::string dpop;
};

// Thread-safe.
class TokenSource {
 public:
  // `issuer`: a channel to identity-server. `clock` must outlive the source.
  static std::shared_ptr<TokenSource> Create(
      std::shared_ptr<grpc::Channel> issuer, TokenSourceOptions options,
      const jwt::Clock* clock = jwt::Clock::Real());

  // A valid access token: the cached one, or a new one. Waits for a Token
  // request when there is no valid token (the first call, after expiry), and
  // the one caller that starts an early refresh waits for it too; every
  // other caller gets the current token at once. Errors: the Token call's
  // (Unauthenticated for a wrong secret, Unavailable...).
  absl::StatusOr<std::string> Token();

  // The metadata of one call to `authority` (its :authority, "host:port")
  // and `method_path` ("/pkg.Service/Method"): the token as Token() gets
  // it, with a fresh DPoP proof (htm POST, htu jwt::DpopGrpcUri(authority,
  // method_path), a new jti, ath) when the token is DPoP-bound. Errors:
  // Token()'s, and the proof signature's.
  absl::StatusOr<CallAuthorization> AuthorizationFor(
      absl::string_view authority, absl::string_view method_path);

  // Whether the current token is DPoP-bound (token_type "DPoP").
  bool dpop_bound() const;

  // Token requests made so far (for tests and metrics).
  int64_t requests() const;

 private:
  TokenSource(std::shared_ptr<grpc::Channel> issuer, TokenSourceOptions options,
              const jwt::Clock* clock)
      : issuer_(std::move(issuer)),
        options_(std::move(options)),
        clock_(clock) {}

  struct Issued {
    std::string token;
    absl::Time expires_at;
    bool dpop = false;  // token_type "DPoP".
  };
  absl::StatusOr<Issued> Request() const;
  // The current token and whether it is DPoP-bound (Token()'s logic).
  absl::StatusOr<Issued> Current();
  // A DPoP proof with this source's key.
  absl::StatusOr<std::string> Proof(absl::string_view authority,
                                    absl::string_view method_path,
                                    std::optional<std::string> token) const;

  const std::shared_ptr<grpc::Channel> issuer_;
  const TokenSourceOptions options_;
  const jwt::Clock* const clock_;

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  bool dpop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time expires_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool requesting_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  absl::Time failed_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t requests_ ABSL_GUARDED_BY(mu_) = 0;
};

// Per-call credentials adding "authorization: Bearer <token>", or "DPoP
// <token>" and a "dpop" proof (TokenSource::AuthorizationFor with the call's
// authority and method from gRPC's service_url and method_name). gRPC sends
// call credentials on secure channels only. A call fails with the token
// source's error when it has no token.
std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(
    std::shared_ptr<TokenSource> tokens);

// A channel whose calls carry "authorization: Bearer <token>" (or DPoP, as
// above), added by a client interceptor: works on plaintext channels too.
// The DPoP proofs' authority is the target without a "dns:///" prefix
// (what gRPC sends as :authority for such targets; for other target forms,
// or a channel that overrides its authority, use TokenCallCredentials). A
// call made while the source has no token goes out without one (the server
// then refuses it).
std::shared_ptr<grpc::Channel> CreateChannelWithTokens(
    const std::string& target,
    const std::shared_ptr<grpc::ChannelCredentials>& credentials,
    std::shared_ptr<TokenSource> tokens,
    const grpc::ChannelArguments& args = grpc::ChannelArguments());

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TOKEN_SOURCE_H_
