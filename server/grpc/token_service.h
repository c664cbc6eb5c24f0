// identity.v1.TokenService and IntrospectionService over the OAuth core: thin
// adapters that translate messages and errors (status_mapping.h).
#ifndef IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_
#define IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_

#include <memory>

#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/grpc/call_runner.h"
#include "server/oauth/authorization.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials.h"
#include "server/oauth/device_authorization.h"
#include "server/oauth/introspector.h"
#include "server/oauth/pushed_authorization.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_revoker.h"
#include "server/oauth/userinfo_endpoint.h"
#include "server/users/trusted_proxies.h"

namespace identity::server {

// The parts TokenService serves; each must outlive the service.
struct TokenServiceParts {
  const TokenEndpoint* tokens = nullptr;
  const AuthorizationEndpoint* authorization = nullptr;
  const PushedAuthorizationEndpoint* pushed = nullptr;
  const TokenRevoker* revoker = nullptr;
  const UserInfoEndpoint* userinfo = nullptr;
  // Whose "x-forwarded-for" metadata names a login's source
  // (trusted_proxies.h); null: the peer always is.
  const TrustedProxies* proxies = nullptr;
  // Authenticates the login front end whose word Authorize's `consent` is
  // (ConsentingFrontEnd); null: `consent` is never taken.
  const ClientAuthenticator* front_ends = nullptr;
  // RFC 8628 DeviceAuthorization; null: UNIMPLEMENTED.
  const DeviceAuthorizationEndpoint* devices = nullptr;
  // Runs the Token calls that may block (call_runner.h); null: the service
  // keeps a pool of its own, with BlockingPool's default options.
  BlockingPool* pool = nullptr;
};

// Served with gRPC's callback API (call_runner.h): a Token request that
// cannot block is answered on the thread that read it; the other calls,
// which wait on the database or a password hash, run on the pool.
// Thread-safe.
class TokenServiceImpl final : public v1::TokenService::CallbackService {
 public:
  // Every part must be set, but those said optional.
  explicit TokenServiceImpl(TokenServiceParts parts)
      : parts_(parts), pool_(parts.pool) {}

  grpc::ServerUnaryReactor* Authorize(grpc::CallbackServerContext* context,
                                      const v1::AuthorizeRequest* request,
                                      v1::AuthorizeResponse* response) override;
  grpc::ServerUnaryReactor* PushAuthorization(
      grpc::CallbackServerContext* context,
      const v1::PushAuthorizationRequest* request,
      v1::PushAuthorizationResponse* response) override;
  grpc::ServerUnaryReactor* Token(grpc::CallbackServerContext* context,
                                  const v1::TokenRequest* request,
                                  v1::TokenResponse* response) override;
  grpc::ServerUnaryReactor* DeviceAuthorization(
      grpc::CallbackServerContext* context,
      const v1::DeviceAuthorizationRequest* request,
      v1::DeviceAuthorizationResponse* response) override;
  grpc::ServerUnaryReactor* Revoke(grpc::CallbackServerContext* context,
                                   const v1::RevokeRequest* request,
                                   v1::RevokeResponse* response) override;
  grpc::ServerUnaryReactor* UserInfo(grpc::CallbackServerContext* context,
                                     const v1::UserInfoRequest* request,
                                     v1::UserInfoResponse* response) override;

 private:
  // Whether the call may carry a user's consent (AuthorizeRequest.consent):
  // it is authenticated, by `authorization: Basic` metadata, as a
  // confidential first-party client (the login front end), never as the
  // third-party client asking. false without such metadata (the consent is
  // ignored); kInvalidClient for wrong credentials; kUnauthorizedClient for
  // a public or third-party client.
  absl::StatusOr<bool> ConsentingFrontEnd(
      const grpc::ServerContextBase& context, absl::string_view source) const;
  // Where the call comes from, as for sign-ins: the peer, or the client a
  // trusted proxy names in x-forwarded-for.
  std::string CallSource(const grpc::ServerContextBase& context) const;
  // The synchronous bodies of the methods that run on the pool.
  grpc::Status DoAuthorize(grpc::ServerContextBase* context,
                           const v1::AuthorizeRequest* request,
                           v1::AuthorizeResponse* response);
  grpc::Status DoPushAuthorization(grpc::ServerContextBase* context,
                                   const v1::PushAuthorizationRequest* request,
                                   v1::PushAuthorizationResponse* response);
  grpc::Status DoDeviceAuthorization(
      grpc::ServerContextBase* context,
      const v1::DeviceAuthorizationRequest* request,
      v1::DeviceAuthorizationResponse* response);
  grpc::Status DoRevoke(grpc::ServerContextBase* context,
                        const v1::RevokeRequest* request,
                        v1::RevokeResponse* response);
  grpc::Status DoUserInfo(grpc::ServerContextBase* context,
                          const v1::UserInfoRequest* request,
                          v1::UserInfoResponse* response);
  // The core's request from the call's fields and metadata.
  static absl::StatusOr<TokenRequestFields> TokenFields(
      const grpc::ServerContextBase& context, const v1::TokenRequest& request);
  grpc::Status Issue(const absl::StatusOr<TokenRequestFields>& fields,
                     v1::TokenResponse* response) const;

  const TokenServiceParts parts_;
  const ServicePool pool_;
};

// The address part of a gRPC peer ("ipv4:10.0.0.1:5000" -> "10.0.0.1",
// "ipv6:[::1]:5000" -> "::1"): the login throttle's source key, unless it
// is a trusted proxy (TokenServiceParts::proxies).
std::string PeerAddress(absl::string_view peer);

// Every "x-forwarded-for" value of a call, in order, joined by commas.
std::string ForwardedFor(const grpc::ServerContextBase& context);

// With gRPC's callback API, as TokenServiceImpl::Token. Thread-safe.
// `introspector` and `pool` must outlive it; a null `pool`: the service keeps
// a pool of its own, with BlockingPool's default options.
class IntrospectionServiceImpl final
    : public v1::IntrospectionService::CallbackService {
 public:
  explicit IntrospectionServiceImpl(const Introspector* introspector,
                                    BlockingPool* pool = nullptr)
      : introspector_(introspector), pool_(pool) {}

  grpc::ServerUnaryReactor* Introspect(
      grpc::CallbackServerContext* context,
      const v1::IntrospectRequest* request,
      v1::IntrospectResponse* response) override;

 private:
  grpc::Status Answer(const absl::StatusOr<ClientCredentials>& credentials,
                      const grpc::ServerContextBase& context,
                      const v1::IntrospectRequest& request,
                      v1::IntrospectResponse* response) const;

  const Introspector* const introspector_;
  const ServicePool pool_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_
