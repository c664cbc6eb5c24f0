// identity.v1.TokenService and IntrospectionService over the OAuth core: thin
// adapters that translate messages and errors (status_mapping.h).
#ifndef IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_
#define IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_

#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/oauth/authorization.h"
#include "server/oauth/client_authenticator.h"
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
};

// Thread-safe.
class TokenServiceImpl final : public v1::TokenService::Service {
 public:
  // Every part must be set.
  explicit TokenServiceImpl(TokenServiceParts parts) : parts_(parts) {}

  grpc::Status Authorize(grpc::ServerContext* context,
                         const v1::AuthorizeRequest* request,
                         v1::AuthorizeResponse* response) override;
  grpc::Status PushAuthorization(
      grpc::ServerContext* context, const v1::PushAuthorizationRequest* request,
      v1::PushAuthorizationResponse* response) override;
  grpc::Status Token(grpc::ServerContext* context,
                     const v1::TokenRequest* request,
                     v1::TokenResponse* response) override;
  grpc::Status DeviceAuthorization(
      grpc::ServerContext* context,
      const v1::DeviceAuthorizationRequest* request,
      v1::DeviceAuthorizationResponse* response) override;
  grpc::Status Revoke(grpc::ServerContext* context,
                      const v1::RevokeRequest* request,
                      v1::RevokeResponse* response) override;
  grpc::Status UserInfo(grpc::ServerContext* context,
                        const v1::UserInfoRequest* request,
                        v1::UserInfoResponse* response) override;

 private:
  // Whether the call may carry a user's consent (AuthorizeRequest.consent):
  // it is authenticated, by `authorization: Basic` metadata, as a
  // confidential first-party client (the login front end), never as the
  // third-party client asking. false without such metadata (the consent is
  // ignored); kInvalidClient for wrong credentials; kUnauthorizedClient for
  // a public or third-party client.
  absl::StatusOr<bool> ConsentingFrontEnd(const grpc::ServerContext& context,
                                          absl::string_view source) const;
  // Where the call comes from, as for sign-ins: the peer, or the client a
  // trusted proxy names in x-forwarded-for.
  std::string CallSource(const grpc::ServerContext& context) const;

  const TokenServiceParts parts_;
};

// The address part of a gRPC peer ("ipv4:10.0.0.1:5000" -> "10.0.0.1",
// "ipv6:[::1]:5000" -> "::1"): the login throttle's source key, unless it
// is a trusted proxy (TokenServiceParts::proxies).
std::string PeerAddress(absl::string_view peer);

// Every "x-forwarded-for" value of a call, in order, joined by commas.
std::string ForwardedFor(const grpc::ServerContext& context);

// Thread-safe. `introspector` must outlive it.
class IntrospectionServiceImpl final
    : public v1::IntrospectionService::Service {
 public:
  explicit IntrospectionServiceImpl(const Introspector* introspector)
      : introspector_(introspector) {}

  grpc::Status Introspect(grpc::ServerContext* context,
                          const v1::IntrospectRequest* request,
                          v1::IntrospectResponse* response) override;

 private:
  const Introspector* const introspector_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_
