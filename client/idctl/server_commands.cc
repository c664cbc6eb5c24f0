#include "client/idctl/server_commands.h"

#include <openssl/rand.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/strip.h"
#include "client/idctl/admin_session.h"
#include "client/idctl/client_credentials.h"
#include "client/idctl/exit_code.h"
#include "client/idctl/server_connection.h"
#include "client/interceptor/client_assertion.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "identity/v1/introspection.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/base64url.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::idctl {
namespace {

namespace v1 = ::identity::v1;
using jwt::Json;

// RFC 7662 §2.2: the members of an active token's response; an inactive one
// is only {"active": false}.
Json IntrospectionJson(const v1::IntrospectResponse& response) {
  Json result = {{"active", response.active()}};
  if (!response.active()) return result;
  result["scope"] = response.scope();
  result["client_id"] = response.client_id();
  result["token_type"] = response.token_type();
  result["exp"] = response.exp();
  result["iat"] = response.iat();
  result["sub"] = response.sub();
  result["aud"] =
      std::vector<std::string>(response.aud().begin(), response.aud().end());
  result["iss"] = response.iss();
  result["jti"] = response.jti();
  return result;
}

// private_key_jwt: an assertion signed with the private JWK of
// --private-key (its kid, or --kid), for --issuer, fresh jti, 60 s.
absl::StatusOr<std::string> AssertionFromKey(const ParsedArgs& args,
                                             Console& console) {
  if (!args.Has("issuer")) {
    return absl::InvalidArgumentError(
        "--private-key needs --issuer URL (the assertion's audience)");
  }
  auto text = console.ReadInput(*args.Get("private-key"));
  if (!text.ok()) return text.status();
  auto json = jwt::ParseJsonObject(*text);
  if (!json.ok()) return json.status();
  if (auto kid = args.Get("kid")) (*json)["kid"] = *kid;
  auto key = jwt::Jwk::FromJson(*json);
  if (!key.ok()) return key.status();
  auto signer = jwt::JwtSigner::Create(*std::move(key));
  if (!signer.ok()) return signer.status();
  return interceptor::MakeClientAssertion(*signer, *args.Get("client-id"),
                                          *args.Get("issuer"), absl::Now());
}

// The proof of a Token request with --dpop-key (RFC 9449 §5): htu for the
// --server authority (gRPC's :authority for "host:port" and
// "dns:///host:port").
absl::StatusOr<std::string> TokenRequestProof(const ParsedArgs& args,
                                              Console& console) {
  auto text = console.ReadInput(*args.Get("dpop-key"));
  if (!text.ok()) return text.status();
  auto key = jwt::Jwk::Parse(*text);
  if (!key.ok()) return key.status();
  absl::string_view authority = *args.Get(kServerFlag.name);
  absl::ConsumePrefix(&authority, "dns:///");
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("no random bytes for the proof's jti");
  }
  jwt::DpopProofClaims claims;
  claims.method = "POST";
  claims.uri = jwt::DpopGrpcUri(authority, "/identity.v1.TokenService/Token");
  claims.jti = jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(random), sizeof(random)));
  claims.issued_at = absl::Now();
  return jwt::SignDpopProof(*key, claims);
}

}  // namespace

int Token(const ParsedArgs& args, Console& console) {
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  ClientCredentials client = ClientCredentialsFor(args, *args.Get("client-id"));
  if (args.Has("private-key")) {
    auto assertion = AssertionFromKey(args, console);
    if (!assertion.ok()) {
      return console.Fail("cannot sign a client assertion", assertion.status());
    }
    client.client_secret.clear();
    client.client_assertion = *std::move(assertion);
  }
  std::string proof;
  if (args.Has("dpop-key")) {
    auto made = TokenRequestProof(args, console);
    if (!made.ok()) {
      return console.Fail("cannot make a DPoP proof with --dpop-key",
                          made.status());
    }
    proof = *std::move(made);
  }
  v1::TokenResponse response;
  const grpc::Status status = RequestClientCredentialsToken(
      *server, client, args.Get("scope").value_or(""), &response,
      args.GetAll("resource"), proof);
  if (!status.ok()) return CallFailed(status, console);
  console.PrintJson({{"access_token", response.access_token()},
                     {"token_type", response.token_type()},
                     {"expires_in", response.expires_in()},
                     {"scope", response.scope()}});
  return kExitOk;
}

int TokenExchange(const ParsedArgs& args, Console& console) {
  constexpr char kAccessTokenType[] =
      "urn:ietf:params:oauth:token-type:access_token";
  v1::TokenRequest request;
  request.set_grant_type("urn:ietf:params:oauth:grant-type:token-exchange");
  auto subject = console.ReadToken(*args.Get("subject-token"));
  if (!subject.ok()) {
    return console.Fail("cannot read the subject token", subject.status());
  }
  request.set_subject_token(*subject);
  request.set_subject_token_type(kAccessTokenType);
  if (args.Has("actor-token")) {
    auto actor = console.ReadToken(*args.Get("actor-token"));
    if (!actor.ok()) {
      return console.Fail("cannot read the actor token", actor.status());
    }
    request.set_actor_token(*actor);
    request.set_actor_token_type(kAccessTokenType);
  }
  for (const std::string& audience : args.GetAll("audience")) {
    request.add_audience(audience);
  }
  request.set_scope(args.Get("scope").value_or(""));
  request.set_requested_token_type(
      args.Get("requested-token-type").value_or(""));
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  const ClientCredentials client =
      ClientCredentialsFor(args, *args.Get("client-id"));
  request.set_client_id(client.client_id);
  request.set_client_secret(client.client_secret);
  v1::TokenResponse response;
  const grpc::Status status =
      v1::TokenService::NewStub(server->channel())
          ->Token(server->NewCall().get(), request, &response);
  if (!status.ok()) return CallFailed(status, console);
  console.PrintJson({{"access_token", response.access_token()},
                     {"issued_token_type", response.issued_token_type()},
                     {"token_type", response.token_type()},
                     {"expires_in", response.expires_in()},
                     {"scope", response.scope()}});
  return kExitOk;
}

int Introspect(const ParsedArgs& args, Console& console) {
  auto token = console.ReadToken(args.positional()[0]);
  if (!token.ok()) return console.Fail("cannot read the token", token.status());
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  const ClientCredentials client =
      ClientCredentialsFor(args, *args.Get("client-id"));
  v1::IntrospectRequest request;
  request.set_token(*token);
  request.set_client_id(client.client_id);
  request.set_client_secret(client.client_secret);
  v1::IntrospectResponse response;
  const grpc::Status status =
      v1::IntrospectionService::NewStub(server->channel())
          ->Introspect(server->NewCall().get(), request, &response);
  if (!status.ok()) return CallFailed(status, console);
  console.PrintJson(IntrospectionJson(response));
  return kExitOk;
}

int KeysJwksFromServer(const ParsedArgs& args, Console& console) {
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  v1::GetJwksResponse response;
  const grpc::Status status =
      v1::KeyService::NewStub(server->channel())
          ->GetJwks(server->NewCall().get(), v1::GetJwksRequest(), &response);
  if (!status.ok()) return CallFailed(status, console);
  console.PrintJson(Json::parse(response.jwks_json(), nullptr, false));
  return kExitOk;
}

int Health(const ParsedArgs& args, Console& console) {
  namespace health = ::grpc::health::v1;
  auto server = ServerConnection::Open(args, console);
  if (!server.ok()) return console.Usage(server.status().message());
  health::HealthCheckRequest request;
  request.set_service(args.Get("service").value_or(""));
  health::HealthCheckResponse response;
  const grpc::Status status =
      health::Health::NewStub(server->channel())
          ->Check(server->NewCall().get(), request, &response);
  if (!status.ok()) return CallFailed(status, console);
  console.PrintJson({{"status", health::HealthCheckResponse::ServingStatus_Name(
                                    response.status())}});
  return response.status() == health::HealthCheckResponse::SERVING
             ? kExitOk
             : kExitInvalid;
}

int KeysList(const ParsedArgs& args, Console& console) {
  auto session = OpenAdminSession(args, console);
  if (const int* exit = std::get_if<int>(&session)) return *exit;
  const AdminSession& admin = std::get<AdminSession>(session);
  v1::ListKeysResponse response;
  const grpc::Status status =
      v1::KeyService::NewStub(admin.server.channel())
          ->ListKeys(admin.NewCall().get(), v1::ListKeysRequest(), &response);
  return PrintResponse(status, response, console);
}

int KeysRotate(const ParsedArgs& args, Console& console) {
  auto session = OpenAdminSession(args, console);
  if (const int* exit = std::get_if<int>(&session)) return *exit;
  const AdminSession& admin = std::get<AdminSession>(session);
  v1::RotateKeysRequest request;
  request.set_alg(args.Get("alg").value_or(""));
  v1::RotateKeysResponse response;
  const grpc::Status status =
      v1::KeyService::NewStub(admin.server.channel())
          ->RotateKeys(admin.NewCall().get(), request, &response);
  return PrintResponse(status, response, console);
}

}  // namespace identity::idctl
