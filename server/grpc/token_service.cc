#include "server/grpc/token_service.h"

#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "server/grpc/client_credentials_metadata.h"
#include "server/grpc/status_mapping.h"
#include "server/oauth/authorization_header.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

// The gRPC method a token request's DPoP proof is made for (its "htu" path).
constexpr char kTokenMethodPath[] = "/identity.v1.TokenService/Token";

}  // namespace

std::string PeerAddress(absl::string_view peer) {
  absl::ConsumePrefix(&peer, "ipv4:") || absl::ConsumePrefix(&peer, "ipv6:");
  if (absl::StartsWith(peer, "[")) {
    const size_t end = peer.find(']');
    if (end != absl::string_view::npos)
      return std::string(peer.substr(1, end - 1));
  }
  const size_t colon = peer.rfind(':');
  return std::string(colon == absl::string_view::npos ? peer
                                                      : peer.substr(0, colon));
}

std::string ForwardedFor(const grpc::ServerContextBase& context) {
  std::string joined;
  const auto values = context.client_metadata().equal_range("x-forwarded-for");
  for (auto it = values.first; it != values.second; ++it) {
    if (!joined.empty()) joined += ",";
    joined.append(it->second.data(), it->second.size());
  }
  return joined;
}

std::string TokenServiceImpl::CallSource(
    const grpc::ServerContextBase& context) const {
  const std::string peer = PeerAddress(context.peer());
  if (parts_.proxies == nullptr) return peer;
  return parts_.proxies->SourceOf(peer, ForwardedFor(context));
}

absl::StatusOr<bool> TokenServiceImpl::ConsentingFrontEnd(
    const grpc::ServerContextBase& context, absl::string_view source) const {
  if (parts_.front_ends == nullptr || AuthorizationMetadata(context).empty()) {
    return false;
  }
  auto credentials = CallCredentials(context, "", "");
  if (!credentials.ok()) return credentials.status();
  auto client = parts_.front_ends->Authenticate(
      credentials->client_id, credentials->client_secret, source);
  if (!client.ok()) return client.status();
  if (client->public_client || client->third_party) {
    return OAuthFailure(OAuthError::kUnauthorizedClient,
                        "only a confidential first-party client (the login "
                        "front end) may carry a user's consent");
  }
  return true;
}

grpc::Status TokenServiceImpl::DoAuthorize(grpc::ServerContextBase* context,
                                           const v1::AuthorizeRequest* request,
                                           v1::AuthorizeResponse* response) {
  AuthorizationRequest fields;
  fields.response_type = request->response_type();
  fields.client_id = request->client_id();
  fields.redirect_uri = request->redirect_uri();
  fields.scope = request->scope();
  fields.state = request->state();
  fields.code_challenge = request->code_challenge();
  fields.code_challenge_method = request->code_challenge_method();
  fields.nonce = request->nonce();
  fields.prompt = request->prompt();
  fields.max_age = request->max_age();
  fields.login_hint = request->login_hint();
  if (request->has_request()) fields.request = request->request();
  if (request->has_request_uri()) fields.request_uri = request->request_uri();
  fields.resource.assign(request->resource().begin(),
                         request->resource().end());
  const std::string source = CallSource(*context);
  bool consented = false;
  if (request->consent()) {
    auto front_end = ConsentingFrontEnd(*context, source);
    if (!front_end.ok()) return ToGrpcStatus(front_end.status());
    consented = *front_end;
  }
  auto issued = parts_.authorization->Authorize(
      fields, request->username(), request->password(), source, consented);
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_code(issued->code);
  response->set_state(issued->state);
  response->set_redirect_url(issued->redirect_url);
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::DoPushAuthorization(
    grpc::ServerContextBase* context,
    const v1::PushAuthorizationRequest* request,
    v1::PushAuthorizationResponse* response) {
  auto credentials = CallCredentials(
      *context, request->client_id(), request->client_secret(),
      request->client_assertion_type(), request->client_assertion());
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  PushRequestFields fields;
  fields.client_id = credentials->client_id;
  fields.client_secret = credentials->client_secret;
  fields.client_assertion = credentials->client_assertion;
  fields.source = PeerAddress(context->peer());
  AuthorizationRequest& pushed = fields.request;
  pushed.response_type = request->response_type();
  pushed.client_id = request->client_id();
  pushed.redirect_uri = request->redirect_uri();
  pushed.scope = request->scope();
  pushed.state = request->state();
  pushed.code_challenge = request->code_challenge();
  pushed.code_challenge_method = request->code_challenge_method();
  pushed.nonce = request->nonce();
  pushed.prompt = request->prompt();
  pushed.max_age = request->max_age();
  pushed.login_hint = request->login_hint();
  if (request->has_request()) pushed.request = request->request();
  if (request->has_request_uri()) pushed.request_uri = request->request_uri();
  pushed.resource.assign(request->resource().begin(),
                         request->resource().end());
  auto result = parts_.pushed->Push(fields);
  if (!result.ok()) return ToGrpcStatus(result.status());
  response->set_request_uri(result->request_uri);
  response->set_expires_in(absl::ToInt64Seconds(result->expires_in));
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::DoDeviceAuthorization(
    grpc::ServerContextBase* context,
    const v1::DeviceAuthorizationRequest* request,
    v1::DeviceAuthorizationResponse* response) {
  if (parts_.devices == nullptr) {
    return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                        "device authorization is not served");
  }
  auto credentials = CallCredentials(
      *context, request->client_id(), request->client_secret(),
      request->client_assertion_type(), request->client_assertion());
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  auto started = parts_.devices->Authorize(
      {credentials->client_id, credentials->client_secret, request->scope(),
       CallSource(*context), credentials->client_assertion});
  if (!started.ok()) return ToGrpcStatus(started.status());
  response->set_device_code(started->device_code);
  response->set_user_code(started->user_code);
  response->set_verification_uri(started->verification_uri);
  response->set_verification_uri_complete(started->verification_uri_complete);
  response->set_expires_in(absl::ToInt64Seconds(started->expires_in));
  response->set_interval(absl::ToInt64Seconds(started->interval));
  return grpc::Status::OK;
}

// The methods below wait on the database or a password hash: on the pool.
grpc::ServerUnaryReactor* TokenServiceImpl::Authorize(
    grpc::CallbackServerContext* context, const v1::AuthorizeRequest* request,
    v1::AuthorizeResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, context, request, response] {
                    return DoAuthorize(context, request, response);
                  });
}

grpc::ServerUnaryReactor* TokenServiceImpl::PushAuthorization(
    grpc::CallbackServerContext* context,
    const v1::PushAuthorizationRequest* request,
    v1::PushAuthorizationResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, context, request, response] {
                    return DoPushAuthorization(context, request, response);
                  });
}

grpc::ServerUnaryReactor* TokenServiceImpl::DeviceAuthorization(
    grpc::CallbackServerContext* context,
    const v1::DeviceAuthorizationRequest* request,
    v1::DeviceAuthorizationResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, context, request, response] {
                    return DoDeviceAuthorization(context, request, response);
                  });
}

grpc::ServerUnaryReactor* TokenServiceImpl::Revoke(
    grpc::CallbackServerContext* context, const v1::RevokeRequest* request,
    v1::RevokeResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, context, request, response] {
                    return DoRevoke(context, request, response);
                  });
}

grpc::ServerUnaryReactor* TokenServiceImpl::UserInfo(
    grpc::CallbackServerContext* context, const v1::UserInfoRequest* request,
    v1::UserInfoResponse* response) {
  return RunUnary(context, pool_.get(), /*may_block=*/true,
                  [this, context, request, response] {
                    return DoUserInfo(context, request, response);
                  });
}

absl::StatusOr<TokenRequestFields> TokenServiceImpl::TokenFields(
    const grpc::ServerContextBase& context, const v1::TokenRequest& request) {
  auto credentials = CallCredentials(
      context, request.client_id(), request.client_secret(),
      request.client_assertion_type(), request.client_assertion());
  if (!credentials.ok()) return credentials.status();
  TokenRequestFields fields;
  fields.grant_type = request.grant_type();
  fields.client_id = credentials->client_id;
  fields.client_secret = credentials->client_secret;
  fields.client_assertion = credentials->client_assertion;
  fields.scope = request.scope();
  fields.code = request.code();
  fields.redirect_uri = request.redirect_uri();
  fields.code_verifier = request.code_verifier();
  fields.refresh_token = request.refresh_token();
  fields.resource.assign(request.resource().begin(), request.resource().end());
  fields.device_code = request.device_code();
  fields.subject_token = request.subject_token();
  fields.subject_token_type = request.subject_token_type();
  fields.actor_token = request.actor_token();
  fields.actor_token_type = request.actor_token_type();
  fields.requested_token_type = request.requested_token_type();
  fields.audience.assign(request.audience().begin(), request.audience().end());
  fields.source = PeerAddress(context.peer());
  // RFC 9449 over gRPC (docs/api.md): proofs in "dpop" metadata, for "POST"
  // to the call's URL as the client addressed it.
  const auto proofs = context.client_metadata().equal_range("dpop");
  for (auto it = proofs.first; it != proofs.second; ++it) {
    fields.dpop_proofs.emplace_back(it->second.data(), it->second.size());
  }
  if (!fields.dpop_proofs.empty()) {
    const grpc::string_ref authority = context.ExperimentalGetAuthority();
    fields.dpop_uri =
        jwt::DpopGrpcUri(absl::string_view(authority.data(), authority.size()),
                         kTokenMethodPath);
  }
  return fields;
}

grpc::ServerUnaryReactor* TokenServiceImpl::Token(
    grpc::CallbackServerContext* context, const v1::TokenRequest* request,
    v1::TokenResponse* response) {
  auto fields = std::make_shared<const absl::StatusOr<TokenRequestFields>>(
      TokenFields(*context, *request));
  const bool may_block = fields->ok() && parts_.tokens->MayBlock(**fields);
  return RunUnary(context, pool_.get(), may_block, [this, fields, response] {
    return Issue(*fields, response);
  });
}

grpc::Status TokenServiceImpl::Issue(
    const absl::StatusOr<TokenRequestFields>& fields,
    v1::TokenResponse* response) const {
  if (!fields.ok()) return ToGrpcStatus(fields.status());
  auto issued = parts_.tokens->Exchange(*fields);
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  response->set_access_token(issued->access_token);
  response->set_token_type(issued->token_type);
  response->set_expires_in(issued->expires_in);
  response->set_scope(issued->scope);
  response->set_id_token(issued->id_token);
  response->set_refresh_token(issued->refresh_token);
  response->set_issued_token_type(issued->issued_token_type);
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::DoRevoke(grpc::ServerContextBase* context,
                                        const v1::RevokeRequest* request,
                                        v1::RevokeResponse*) {
  auto credentials = CallCredentials(
      *context, request->client_id(), request->client_secret(),
      request->client_assertion_type(), request->client_assertion());
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  return ToGrpcStatus(parts_.revoker->Revoke(
      request->token(), request->token_type_hint(), credentials->client_id,
      credentials->client_secret, PeerAddress(context->peer()),
      credentials->client_assertion));
}

grpc::Status TokenServiceImpl::DoUserInfo(grpc::ServerContextBase* context,
                                          const v1::UserInfoRequest* request,
                                          v1::UserInfoResponse* response) {
  // RFC 6750 §2.1: the field, else "authorization: Bearer <token>".
  std::string token = request->access_token();
  if (token.empty()) {
    token = BearerToken(AuthorizationMetadata(*context)).value_or("");
  }
  auto info = parts_.userinfo->Get(token);
  if (!info.ok()) return ToGrpcStatus(info.status());
  // UserInfoResponse's fields have the claims' names (OIDC Core §5.1), so
  // the released claims copy over as the HTTP face's JSON does; a claim
  // without its field fails here rather than going missing.
  jwt::Json claims = info->claims;
  claims["sub"] = info->sub;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(jwt::DumpJson(claims),
                                                   response, options)
           .ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "a released claim has no UserInfoResponse field");
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* IntrospectionServiceImpl::Introspect(
    grpc::CallbackServerContext* context, const v1::IntrospectRequest* request,
    v1::IntrospectResponse* response) {
  auto credentials =
      std::make_shared<const absl::StatusOr<ClientCredentials>>(CallCredentials(
          *context, request->client_id(), request->client_secret(),
          request->client_assertion_type(), request->client_assertion()));
  const bool may_block =
      credentials->ok() &&
      introspector_->MayBlock((*credentials)->client_id, request->token(),
                              (*credentials)->client_assertion);
  return RunUnary(context, pool_.get(), may_block,
                  [this, credentials, context, request, response] {
                    return Answer(*credentials, *context, *request, response);
                  });
}

grpc::Status IntrospectionServiceImpl::Answer(
    const absl::StatusOr<ClientCredentials>& credentials,
    const grpc::ServerContextBase& context,
    const v1::IntrospectRequest& request,
    v1::IntrospectResponse* response) const {
  if (!credentials.ok()) return ToGrpcStatus(credentials.status());
  auto result = introspector_->Introspect(
      credentials->client_id, credentials->client_secret, request.token(),
      PeerAddress(context.peer()), credentials->client_assertion);
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
  if (!result->cnf_jkt.empty()) {
    response->mutable_cnf()->set_jkt(result->cnf_jkt);
  }
  return grpc::Status::OK;
}

}  // namespace identity::server
