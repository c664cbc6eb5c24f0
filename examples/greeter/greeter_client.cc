// greeter_client: calls greeter_server, built against the installed package.
//
//   IDENTITY_CLIENT_SECRET=... greeter_client --greeter=127.0.0.1:50071
//       --issuer-address=127.0.0.1:50051 --client-id=shop [--token=KIND]
//   greeter_client --greeter=127.0.0.1:50071 --handled
//
// --token=issued (default): a client_credentials token from identity-server,
//   attached by the interceptor library's token source.
// --token=none: no authorization metadata.
// --token=forged: the issued token's header and claims signed again with a
//   key generated here (identity::jwt), under the issuer's own "kid": exactly
//   the issued token but for the key.
// --handled: the open Handled method (no token): how many Hello calls reached
//   the handler.
//
// Prints the reply ("hello <client_id>", or the count) and exits 0, or prints
// "error <code>: <message>" and exits 1; 2 for bad usage or no token.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "client/interceptor/token_source.h"
#include "greeter.grpc.pb.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jws.h"
#include "jwt/jwt_signer.h"

namespace {

namespace ic = identity::interceptor;
namespace jwt = identity::jwt;

// `token` re-signed with a fresh key of the same algorithm and "kid".
absl::StatusOr<std::string> Forge(const std::string& token) {
  absl::StatusOr<jwt::Jws> jws = jwt::Jws::Parse(token);
  if (!jws.ok()) return jws.status();
  absl::StatusOr<jwt::Jwk> key =
      jwt::Jwk::Generate(jws->header().alg, jws->header().kid.value_or(""));
  if (!key.ok()) return key.status();
  absl::StatusOr<jwt::JwtSigner> signer = jwt::JwtSigner::Create(
      *std::move(key), jwt::SignerOptions{jws->header().typ.value_or("")});
  if (!signer.ok()) return signer.status();
  absl::StatusOr<jwt::Json> claims = jwt::ParseJsonObject(jws->payload());
  if (!claims.ok()) return claims.status();
  return signer->SignJson(*claims);
}

int Report(const grpc::Status& status, const std::string& reply) {
  if (!status.ok()) {
    std::cout << "error " << status.error_code() << ": "
              << status.error_message() << std::endl;
    return 1;
  }
  std::cout << reply << std::endl;
  return 0;
}

int Hello(std::map<std::string, std::string>& flags) {
  const std::string kind = flags.count("token") ? flags["token"] : "issued";
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(flags["greeter"], grpc::InsecureChannelCredentials());
  std::string bearer;
  if (kind == "issued" || kind == "forged") {
    const char* secret = std::getenv("IDENTITY_CLIENT_SECRET");
    ic::TokenSourceOptions options;
    options.client_id = flags["client-id"];
    options.client_secret = secret == nullptr ? "" : secret;
    auto tokens = ic::TokenSource::Create(
        grpc::CreateChannel(flags["issuer-address"],
                            grpc::InsecureChannelCredentials()),
        options);
    absl::StatusOr<std::string> token = tokens->Token();
    if (!token.ok()) {
      std::cerr << "greeter_client: " << token.status() << "\n";
      return 2;
    }
    if (kind == "issued") {
      channel = ic::CreateChannelWithTokens(
          flags["greeter"], grpc::InsecureChannelCredentials(), tokens);
    } else {
      absl::StatusOr<std::string> forged = Forge(*token);
      if (!forged.ok()) {
        std::cerr << "greeter_client: " << forged.status() << "\n";
        return 2;
      }
      bearer = *forged;
    }
  } else if (kind != "none") {
    std::cerr << "greeter_client: --token is issued, none or forged\n";
    return 2;
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  if (!bearer.empty()) context.AddMetadata("authorization", "Bearer " + bearer);
  greeter::v1::HelloReply reply;
  grpc::Status status = greeter::v1::Greeter::NewStub(channel)->Hello(
      &context, greeter::v1::HelloRequest(), &reply);
  return Report(status, reply.message());
}

int Handled(std::map<std::string, std::string>& flags) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  greeter::v1::HandledReply reply;
  grpc::Status status =
      greeter::v1::Greeter::NewStub(
          grpc::CreateChannel(flags["greeter"],
                              grpc::InsecureChannelCredentials()))
          ->Handled(&context, greeter::v1::HandledRequest(), &reply);
  return Report(status, std::to_string(reply.hello_calls()));
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--handled") {
      flags["handled"] = "1";
      continue;
    }
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::cerr << "greeter_client: expected --name=value, got " << arg << "\n";
      return 2;
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  if (flags["greeter"].empty()) {
    std::cerr << "greeter_client: --greeter is required\n";
    return 2;
  }
  return flags.count("handled") ? Handled(flags) : Hello(flags);
}
