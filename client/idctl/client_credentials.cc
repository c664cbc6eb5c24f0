#include "client/idctl/client_credentials.h"

#include <cstdlib>

#include "identity/v1/token.grpc.pb.h"

namespace identity::idctl {

ClientCredentials ClientCredentialsFor(const ParsedArgs& args,
                                       absl::string_view client_id) {
  ClientCredentials client{std::string(client_id), ""};
  if (auto secret = args.Get(kClientSecretFlag.name)) {
    client.client_secret = *secret;
  } else if (const char* env = std::getenv("IDENTITY_CLIENT_SECRET")) {
    client.client_secret = env;
  }
  return client;
}

grpc::Status RequestClientCredentialsToken(
    const ServerConnection& server, const ClientCredentials& client,
    absl::string_view scope, identity::v1::TokenResponse* response,
    const std::vector<std::string>& resources, absl::string_view dpop_proof) {
  identity::v1::TokenRequest request;
  request.set_grant_type("client_credentials");
  request.set_client_id(client.client_id);
  if (!client.client_assertion.empty()) {
    request.set_client_assertion_type(
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    request.set_client_assertion(client.client_assertion);
  } else {
    request.set_client_secret(client.client_secret);
  }
  request.set_scope(std::string(scope));
  for (const std::string& resource : resources) request.add_resource(resource);
  std::unique_ptr<grpc::ClientContext> context = server.NewCall();
  if (!dpop_proof.empty())
    context->AddMetadata("dpop", std::string(dpop_proof));
  return identity::v1::TokenService::NewStub(server.channel())
      ->Token(context.get(), request, response);
}

}  // namespace identity::idctl
