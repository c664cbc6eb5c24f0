// identity.v1.AdminService: converts messages to and from the ClientRegistry,
// UserAccounts, LoginSessions, Consents and ResourceRegistry.
// Authorization (an admin token) happens before these handlers run, in the
// server's credentials (client/interceptor).
#ifndef IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_
#define IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_

#include "identity/v1/admin.grpc.pb.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/consents.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/resource_registry.h"
#include "server/users/user_accounts.h"

namespace identity::server {

// Thread-safe. Everything passed in must outlive it.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  // `resources` may be null: the resource methods are then UNIMPLEMENTED.
  AdminServiceImpl(const ClientRegistry* registry, const UserAccounts* users,
                   const LoginSessions* sessions, const Consents* consents,
                   const ResourceRegistry* resources = nullptr)
      : registry_(registry),
        users_(users),
        sessions_(sessions),
        consents_(consents),
        resources_(resources) {}

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

  grpc::Status CreateUser(grpc::ServerContext* context,
                          const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const v1::GetUserRequest* request,
                       v1::User* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status UpdateUser(grpc::ServerContext* context,
                          const v1::UpdateUserRequest* request,
                          v1::User* response) override;
  grpc::Status DisableUser(grpc::ServerContext* context,
                           const v1::DisableUserRequest* request,
                           v1::User* response) override;
  grpc::Status SetUserPassword(grpc::ServerContext* context,
                               const v1::SetUserPasswordRequest* request,
                               v1::User* response) override;

  grpc::Status ListSessions(grpc::ServerContext* context,
                            const v1::ListSessionsRequest* request,
                            v1::ListSessionsResponse* response) override;
  grpc::Status EndSession(grpc::ServerContext* context,
                          const v1::EndSessionRequest* request,
                          v1::EndSessionResponse* response) override;
  grpc::Status EndUserSessions(grpc::ServerContext* context,
                               const v1::EndUserSessionsRequest* request,
                               v1::EndUserSessionsResponse* response) override;

  grpc::Status ListConsents(grpc::ServerContext* context,
                            const v1::ListConsentsRequest* request,
                            v1::ListConsentsResponse* response) override;
  grpc::Status RevokeConsent(grpc::ServerContext* context,
                             const v1::RevokeConsentRequest* request,
                             v1::RevokeConsentResponse* response) override;

  grpc::Status CreateResource(grpc::ServerContext* context,
                              const v1::CreateResourceRequest* request,
                              v1::Resource* response) override;
  grpc::Status GetResource(grpc::ServerContext* context,
                           const v1::GetResourceRequest* request,
                           v1::Resource* response) override;
  grpc::Status ListResources(grpc::ServerContext* context,
                             const v1::ListResourcesRequest* request,
                             v1::ListResourcesResponse* response) override;
  grpc::Status UpdateResource(grpc::ServerContext* context,
                              const v1::UpdateResourceRequest* request,
                              v1::Resource* response) override;
  grpc::Status DeleteResource(grpc::ServerContext* context,
                              const v1::DeleteResourceRequest* request,
                              v1::DeleteResourceResponse* response) override;

 private:
  const ClientRegistry* const registry_;
  const UserAccounts* const users_;
  const LoginSessions* const sessions_;
  const Consents* const consents_;
  const ResourceRegistry* const resources_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_ADMIN_SERVICE_H_
