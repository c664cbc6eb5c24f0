#include "server/grpc/admin_service.h"

#include "server/grpc/status_mapping.h"
#include "server/grpc/timestamp.h"

namespace identity::server {
namespace {

void ToProto(const storage::ClientRecord& client, v1::Client* out) {
  out->set_client_id(client.client_id);
  out->set_name(client.name);
  for (const std::string& scope : client.allowed_scopes) {
    out->add_allowed_scopes(scope);
  }
  *out->mutable_created_at() = ToTimestamp(client.created_at);
  *out->mutable_updated_at() = ToTimestamp(client.updated_at);
}

template <typename Request>
ClientSpec SpecOf(const Request& request) {
  ClientSpec spec;
  spec.client_id = request.client_id();
  spec.name = request.name();
  spec.allowed_scopes.assign(request.allowed_scopes().begin(),
                             request.allowed_scopes().end());
  return spec;
}

}  // namespace

grpc::Status AdminServiceImpl::CreateClient(
    grpc::ServerContext*, const v1::CreateClientRequest* request,
    v1::CreateClientResponse* response) {
  auto created = registry_->Create(SpecOf(*request));
  if (!created.ok()) return ToGrpcStatus(created.status());
  ToProto(created->client, response->mutable_client());
  response->set_client_secret(created->client_secret);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetClient(grpc::ServerContext*,
                                         const v1::GetClientRequest* request,
                                         v1::Client* response) {
  auto client = registry_->Get(request->client_id());
  if (!client.ok()) return ToGrpcStatus(client.status());
  ToProto(*client, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListClients(
    grpc::ServerContext*, const v1::ListClientsRequest* request,
    v1::ListClientsResponse* response) {
  auto page = registry_->List(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const storage::ClientRecord& client : page->clients) {
    ToProto(client, response->add_clients());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::UpdateClient(
    grpc::ServerContext*, const v1::UpdateClientRequest* request,
    v1::Client* response) {
  auto client = registry_->Update(SpecOf(*request));
  if (!client.ok()) return ToGrpcStatus(client.status());
  ToProto(*client, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::DeleteClient(
    grpc::ServerContext*, const v1::DeleteClientRequest* request,
    v1::DeleteClientResponse*) {
  return ToGrpcStatus(registry_->Delete(request->client_id()));
}

}  // namespace identity::server
