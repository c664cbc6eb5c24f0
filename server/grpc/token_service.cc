#include "server/grpc/token_service.h"

#include "server/grpc/client_credentials_metadata.h"
#include "server/grpc/status_mapping.h"

namespace identity::server {

grpc::Status TokenServiceImpl::Token(grpc::ServerContext* context,
                                     const v1::TokenRequest* request,
                                     v1::TokenResponse* response) {
  auto credentials =
      CallCredentials(*context, request->client_id(), request->client_secret());
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  TokenRequestFields fields;
  fields.grant_type = request->grant_type();
  fields.client_id = credentials->client_id;
  fields.client_secret = credentials->client_secret;
  fields.scope = request->scope();
  auto issued = grant_->Issue(fields);
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_access_token(issued->access_token);
  response->set_token_type(issued->token_type);
  response->set_expires_in(issued->expires_in);
  response->set_scope(issued->scope);
  return grpc::Status::OK;
}

grpc::Status IntrospectionServiceImpl::Introspect(
    grpc::ServerContext* context, const v1::IntrospectRequest* request,
    v1::IntrospectResponse* response) {
  auto credentials =
      CallCredentials(*context, request->client_id(), request->client_secret());
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  auto result = introspector_->Introspect(
      credentials->client_id, credentials->client_secret, request->token());
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_active(result->active);
  if (!result->active) return grpc::Status::OK;
  response->set_scope(result->scope);
  response->set_client_id(result->client_id);
  response->set_token_type(result->token_type);
  response->set_exp(result->exp);
  response->set_iat(result->iat);
  response->set_sub(result->sub);
  for (const std::string& aud : result->aud) response->add_aud(aud);
  response->set_iss(result->iss);
  response->set_jti(result->jti);
  return grpc::Status::OK;
}

}  // namespace identity::server
