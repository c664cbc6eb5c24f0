#include "server/grpc/admin_service.h"

#include <string>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "server/grpc/status_mapping.h"
#include "server/grpc/timestamp.h"

namespace identity::server {
namespace {

// The text claims of v1::UserClaims (by field name) and where StandardClaims
// keeps each; the address's parts likewise. Reflection keeps the copy one
// table: proto3 optional fields know whether a request set them.
const std::pair<const char*, std::string storage::StandardClaims::*>
    kTextClaims[] = {
        {"given_name", &storage::StandardClaims::given_name},
        {"family_name", &storage::StandardClaims::family_name},
        {"middle_name", &storage::StandardClaims::middle_name},
        {"nickname", &storage::StandardClaims::nickname},
        {"profile", &storage::StandardClaims::profile},
        {"picture", &storage::StandardClaims::picture},
        {"website", &storage::StandardClaims::website},
        {"gender", &storage::StandardClaims::gender},
        {"birthdate", &storage::StandardClaims::birthdate},
        {"zoneinfo", &storage::StandardClaims::zoneinfo},
        {"locale", &storage::StandardClaims::locale},
        {"phone_number", &storage::StandardClaims::phone_number},
};
const std::pair<const char*, std::string storage::PostalAddress::*>
    kAddressParts[] = {
        {"formatted", &storage::PostalAddress::formatted},
        {"street_address", &storage::PostalAddress::street_address},
        {"locality", &storage::PostalAddress::locality},
        {"region", &storage::PostalAddress::region},
        {"postal_code", &storage::PostalAddress::postal_code},
        {"country", &storage::PostalAddress::country},
};

const google::protobuf::FieldDescriptor& Field(
    const google::protobuf::Message& message, const char* name) {
  return *message.GetDescriptor()->FindFieldByName(name);
}

// The claims the user has, as set fields.
void ToProto(const storage::StandardClaims& claims, v1::UserClaims* out) {
  const google::protobuf::Reflection& reflection = *out->GetReflection();
  for (const auto& [name, member] : kTextClaims) {
    if (!(claims.*member).empty()) {
      reflection.SetString(out, &Field(*out, name), claims.*member);
    }
  }
  if (!claims.phone_number.empty()) {
    out->set_phone_number_verified(claims.phone_number_verified);
  }
  if (!claims.address.empty()) {
    v1::Address* address = out->mutable_address();
    for (const auto& [name, member] : kAddressParts) {
      address->GetReflection()->SetString(address, &Field(*address, name),
                                          claims.address.*member);
    }
  }
}

// The fields `request` sets, onto `claims` (v1::UserClaims: a set field
// replaces, address replaces the whole address).
void Apply(const v1::UserClaims& request, storage::StandardClaims& claims) {
  const google::protobuf::Reflection& reflection = *request.GetReflection();
  for (const auto& [name, member] : kTextClaims) {
    const google::protobuf::FieldDescriptor& field = Field(request, name);
    if (reflection.HasField(request, &field)) {
      claims.*member = reflection.GetString(request, &field);
    }
  }
  if (request.has_phone_number_verified()) {
    claims.phone_number_verified = request.phone_number_verified();
  }
  if (request.has_address()) {
    const v1::Address& address = request.address();
    for (const auto& [name, member] : kAddressParts) {
      claims.address.*member =
          address.GetReflection()->GetString(address, &Field(address, name));
    }
  }
}

void ToProto(const storage::ClientRecord& client, v1::Client* out) {
  out->set_client_id(client.client_id);
  out->set_name(client.name);
  for (const std::string& scope : client.allowed_scopes) {
    out->add_allowed_scopes(scope);
  }
  *out->mutable_created_at() = ToTimestamp(client.created_at);
  *out->mutable_updated_at() = ToTimestamp(client.updated_at);
  for (const std::string& uri : client.redirect_uris) {
    out->add_redirect_uris(uri);
  }
  for (const std::string& uri : client.post_logout_redirect_uris) {
    out->add_post_logout_redirect_uris(uri);
  }
  for (const std::string& grant : client.grant_types) {
    out->add_grant_types(grant);
  }
  out->set_public_client(client.public_client);
  out->set_pkce_optional(client.pkce_optional);
  out->set_id_token_signed_response_alg(client.id_token_signed_response_alg);
  out->set_require_pushed_authorization_requests(
      client.require_pushed_authorization_requests);
  out->set_backchannel_logout_uri(client.backchannel_logout_uri);
  out->set_backchannel_logout_session_required(
      client.backchannel_logout_session_required);
  out->set_third_party(client.third_party);
  out->set_dpop_bound_access_tokens(client.dpop_bound_access_tokens);
  out->set_token_endpoint_auth_method(TokenEndpointAuthMethod(client));
  out->set_jwks(client.jwks);
  if (client.token_exchange != storage::TokenExchangePolicy{}) {
    v1::TokenExchangePolicy* policy = out->mutable_token_exchange();
    policy->set_delegation(client.token_exchange.delegation);
    policy->set_impersonation(client.token_exchange.impersonation);
    for (const std::string& audience : client.token_exchange.audiences) {
      policy->add_audiences(audience);
    }
  }
}

storage::TokenExchangePolicy PolicyOf(const v1::TokenExchangePolicy& in) {
  return storage::TokenExchangePolicy{
      in.delegation(), in.impersonation(),
      std::vector<std::string>(in.audiences().begin(), in.audiences().end())};
}

void ToProto(const storage::SessionRecord& session, v1::Session* out) {
  out->set_sid(session.sid);
  out->set_user_id(session.user_id);
  *out->mutable_auth_time() = ToTimestamp(session.auth_time);
  *out->mutable_created_at() = ToTimestamp(session.created_at);
  *out->mutable_expires_at() = ToTimestamp(session.expires_at);
}

void ToProto(const storage::UserRecord& user, v1::User* out) {
  out->set_user_id(user.user_id);
  out->set_username(user.username);
  out->set_name(user.name);
  out->set_email(user.email);
  out->set_email_verified(user.email_verified);
  out->set_disabled(user.disabled);
  *out->mutable_created_at() = ToTimestamp(user.created_at);
  *out->mutable_updated_at() = ToTimestamp(user.updated_at);
  ToProto(user.claims, out->mutable_claims());
  *out->mutable_claims_updated_at() = ToTimestamp(user.claims_updated_at);
}

grpc::Status Answer(const absl::StatusOr<storage::UserRecord>& user,
                    v1::User* response) {
  if (!user.ok()) return ToGrpcStatus(user.status());
  ToProto(*user, response);
  return grpc::Status::OK;
}

template <typename Request>
ClientSpec SpecOf(const Request& request) {
  ClientSpec spec;
  spec.client_id = request.client_id();
  spec.name = request.name();
  spec.allowed_scopes.assign(request.allowed_scopes().begin(),
                             request.allowed_scopes().end());
  spec.redirect_uris.assign(request.redirect_uris().begin(),
                            request.redirect_uris().end());
  spec.post_logout_redirect_uris.assign(
      request.post_logout_redirect_uris().begin(),
      request.post_logout_redirect_uris().end());
  spec.grant_types.assign(request.grant_types().begin(),
                          request.grant_types().end());
  return spec;
}

}  // namespace

grpc::Status AdminServiceImpl::CreateClient(
    grpc::ServerContext*, const v1::CreateClientRequest* request,
    v1::CreateClientResponse* response) {
  ClientSpec spec = SpecOf(*request);
  spec.public_client = request->public_client();
  spec.pkce_optional = request->pkce_optional();
  spec.id_token_signed_response_alg = request->id_token_signed_response_alg();
  spec.require_pushed_authorization_requests =
      request->require_pushed_authorization_requests();
  spec.backchannel_logout_uri = request->backchannel_logout_uri();
  spec.backchannel_logout_session_required =
      request->backchannel_logout_session_required();
  spec.third_party = request->third_party();
  spec.dpop_bound_access_tokens = request->dpop_bound_access_tokens();
  if (request->has_token_exchange()) {
    spec.token_exchange = PolicyOf(request->token_exchange());
  }
  spec.token_endpoint_auth_method = request->token_endpoint_auth_method();
  if (!request->jwks().empty()) spec.jwks = request->jwks();
  auto created = registry_->Create(std::move(spec));
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
  ClientSpec spec = SpecOf(*request);
  if (request->has_pkce_optional())
    spec.pkce_optional = request->pkce_optional();
  if (request->has_id_token_signed_response_alg()) {
    spec.id_token_signed_response_alg = request->id_token_signed_response_alg();
  }
  if (request->has_require_pushed_authorization_requests()) {
    spec.require_pushed_authorization_requests =
        request->require_pushed_authorization_requests();
  }
  if (request->has_backchannel_logout_uri()) {
    spec.backchannel_logout_uri = request->backchannel_logout_uri();
  }
  if (request->has_backchannel_logout_session_required()) {
    spec.backchannel_logout_session_required =
        request->backchannel_logout_session_required();
  }
  if (request->has_third_party()) spec.third_party = request->third_party();
  if (request->has_dpop_bound_access_tokens()) {
    spec.dpop_bound_access_tokens = request->dpop_bound_access_tokens();
  }
  if (request->has_token_exchange()) {
    spec.token_exchange = PolicyOf(request->token_exchange());
  }
  if (request->has_jwks()) spec.jwks = request->jwks();
  auto client = registry_->Update(std::move(spec));
  if (!client.ok()) return ToGrpcStatus(client.status());
  ToProto(*client, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::DeleteClient(
    grpc::ServerContext*, const v1::DeleteClientRequest* request,
    v1::DeleteClientResponse*) {
  return ToGrpcStatus(registry_->Delete(request->client_id()));
}

grpc::Status AdminServiceImpl::CreateUser(grpc::ServerContext*,
                                          const v1::CreateUserRequest* request,
                                          v1::User* response) {
  UserSpec spec;
  spec.username = request->username();
  spec.password = request->password();
  spec.name = request->name();
  spec.email = request->email();
  spec.email_verified = request->email_verified();
  Apply(request->claims(), spec.claims);
  return Answer(users_->Create(std::move(spec)), response);
}

grpc::Status AdminServiceImpl::GetUser(grpc::ServerContext*,
                                       const v1::GetUserRequest* request,
                                       v1::User* response) {
  return Answer(users_->Get(request->user_id()), response);
}

grpc::Status AdminServiceImpl::ListUsers(grpc::ServerContext*,
                                         const v1::ListUsersRequest* request,
                                         v1::ListUsersResponse* response) {
  auto page = users_->List(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const storage::UserRecord& user : page->users) {
    ToProto(user, response->add_users());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::UpdateUser(grpc::ServerContext*,
                                          const v1::UpdateUserRequest* request,
                                          v1::User* response) {
  return Answer(
      users_->UpdateProfile(request->user_id(), request->name(),
                            request->email(), request->email_verified(),
                            [request](storage::StandardClaims& claims) {
                              Apply(request->claims(), claims);
                            }),
      response);
}

grpc::Status AdminServiceImpl::DisableUser(
    grpc::ServerContext*, const v1::DisableUserRequest* request,
    v1::User* response) {
  return Answer(users_->SetDisabled(request->user_id(), request->disabled()),
                response);
}

grpc::Status AdminServiceImpl::SetUserPassword(
    grpc::ServerContext*, const v1::SetUserPasswordRequest* request,
    v1::User* response) {
  return Answer(users_->SetPassword(request->user_id(), request->password()),
                response);
}

grpc::Status AdminServiceImpl::ListSessions(
    grpc::ServerContext*, const v1::ListSessionsRequest* request,
    v1::ListSessionsResponse* response) {
  auto sessions = sessions_->List(request->user_id());
  if (!sessions.ok()) return ToGrpcStatus(sessions.status());
  for (const storage::SessionRecord& session : *sessions) {
    ToProto(session, response->add_sessions());
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::EndSession(grpc::ServerContext*,
                                          const v1::EndSessionRequest* request,
                                          v1::EndSessionResponse* response) {
  auto ended = sessions_->End(request->sid());
  if (!ended.ok()) return ToGrpcStatus(ended.status());
  ToProto(*ended, response->mutable_session());
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::EndUserSessions(
    grpc::ServerContext*, const v1::EndUserSessionsRequest* request,
    v1::EndUserSessionsResponse* response) {
  auto ended = sessions_->EndUserSessions(request->user_id());
  if (!ended.ok()) return ToGrpcStatus(ended.status());
  response->set_ended(*ended);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListConsents(
    grpc::ServerContext*, const v1::ListConsentsRequest* request,
    v1::ListConsentsResponse* response) {
  auto consents = consents_->List(request->user_id());
  if (!consents.ok()) return ToGrpcStatus(consents.status());
  for (const storage::ConsentRecord& consent : *consents) {
    v1::Consent* out = response->add_consents();
    out->set_user_id(consent.user_id);
    out->set_client_id(consent.client_id);
    for (const std::string& scope : consent.scopes) out->add_scopes(scope);
    *out->mutable_granted_at() = ToTimestamp(consent.granted_at);
  }
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::RevokeConsent(
    grpc::ServerContext*, const v1::RevokeConsentRequest* request,
    v1::RevokeConsentResponse*) {
  return ToGrpcStatus(
      consents_->Revoke(request->user_id(), request->client_id()));
}

namespace {

void ToProto(const storage::ResourceRecord& resource, v1::Resource* out) {
  out->set_resource(resource.resource);
  out->set_name(resource.name);
  for (const std::string& scope : resource.scopes) out->add_scopes(scope);
  *out->mutable_created_at() = ToTimestamp(resource.created_at);
  *out->mutable_updated_at() = ToTimestamp(resource.updated_at);
}

template <typename Request>
ResourceSpec ResourceSpecOf(const Request& request) {
  ResourceSpec spec;
  spec.resource = request.resource();
  spec.name = request.name();
  spec.scopes.assign(request.scopes().begin(), request.scopes().end());
  return spec;
}

grpc::Status NoResources() {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "this server has no resource registry");
}

}  // namespace

grpc::Status AdminServiceImpl::CreateResource(
    grpc::ServerContext*, const v1::CreateResourceRequest* request,
    v1::Resource* response) {
  if (resources_ == nullptr) return NoResources();
  auto created = resources_->Create(ResourceSpecOf(*request));
  if (!created.ok()) return ToGrpcStatus(created.status());
  ToProto(*created, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::GetResource(
    grpc::ServerContext*, const v1::GetResourceRequest* request,
    v1::Resource* response) {
  if (resources_ == nullptr) return NoResources();
  auto resource = resources_->Get(request->resource());
  if (!resource.ok()) return ToGrpcStatus(resource.status());
  ToProto(*resource, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::ListResources(
    grpc::ServerContext*, const v1::ListResourcesRequest* request,
    v1::ListResourcesResponse* response) {
  if (resources_ == nullptr) return NoResources();
  auto page = resources_->List(request->page_size(), request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const storage::ResourceRecord& resource : page->resources) {
    ToProto(resource, response->add_resources());
  }
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::UpdateResource(
    grpc::ServerContext*, const v1::UpdateResourceRequest* request,
    v1::Resource* response) {
  if (resources_ == nullptr) return NoResources();
  auto updated = resources_->Update(ResourceSpecOf(*request));
  if (!updated.ok()) return ToGrpcStatus(updated.status());
  ToProto(*updated, response);
  return grpc::Status::OK;
}

grpc::Status AdminServiceImpl::DeleteResource(
    grpc::ServerContext*, const v1::DeleteResourceRequest* request,
    v1::DeleteResourceResponse*) {
  if (resources_ == nullptr) return NoResources();
  return ToGrpcStatus(resources_->Delete(request->resource()));
}

}  // namespace identity::server
