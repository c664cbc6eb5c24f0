// identity.v1.AdminService: converts messages to and from the ClientRegistry.
// Authorization (an admin token) happens before these handlers run, in the
// server's credentials (client/interceptor).
#ifndef IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_
#define IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_

#include "identity/v1/admin.grpc.pb.h"
#include "server/oauth/client_registry.h"

namespace identity::server {

// Thread-safe. `registry` must outlive it.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  explicit AdminServiceImpl(const ClientRegistry* registry)
      : registry_(registry) {}

  grpc::Status CreateClient(grpc::ServerContext* context,
                            const v1::CreateClientRequest* request,
                            v1::CreateClientResponse* response) override;
  grpc::Status GetClient(grpc::ServerContext* context,
                         const v1::GetClientRequest* request,
                         v1::Client* response) override;
  grpc::Status ListClients(grpc::ServerContext* context,
                           const v1::ListClientsRequest* request,
                           v1::ListClientsResponse* response) override;
  grpc::Status UpdateClient(grpc::ServerContext* context,
                            const v1::UpdateClientRequest* request,
                            v1::Client* response) override;
  grpc::Status DeleteClient(grpc::ServerContext* context,
                            const v1::DeleteClientRequest* request,
                            v1::DeleteClientResponse* response) override;

 private:
  const ClientRegistry* const registry_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_
