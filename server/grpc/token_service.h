// identity.v1.TokenService and IntrospectionService over the OAuth core: thin
// adapters that translate messages and errors (status_mapping.h).
#ifndef IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_
#define IDENTITY_SERVER_GRPC_TOKEN_SERVICE_H_

#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/introspector.h"

namespace identity::server {

// Thread-safe. `grant` must outlive it.
class TokenServiceImpl final : public v1::TokenService::Service {
 public:
  explicit TokenServiceImpl(const ClientCredentialsGrant* grant)
      : grant_(grant) {}

  grpc::Status Token(grpc::ServerContext* context,
                     const v1::TokenRequest* request,
                     v1::TokenResponse* response) override;

 private:
  const ClientCredentialsGrant* const grant_;
};

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
