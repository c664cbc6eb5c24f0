// greeter_server: a service outside identity's repository, built against the
// installed package (CMakeLists.txt here, or pkg-config), protected by the
// interceptor with identity-server as the issuer.
//
//   greeter_server --listen=127.0.0.1:50071 --issuer=https://id.example
//       --audience=greeter-api --key-server=127.0.0.1:50051
//
// Calls are authorized before their handlers: a valid access token of the
// issuer, for the audience, with the scopes greeter.proto's (identity.v1.auth)
// options name. The JWKS comes from the issuer's KeyService.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "client/interceptor/interceptor.h"
#include "greeter.grpc.pb.h"

namespace {

namespace ic = identity::interceptor;

class GreeterService final : public greeter::v1::Greeter::Service {
 public:
  explicit GreeterService(const ic::Interceptor* auth) : auth_(auth) {}

  grpc::Status Hello(grpc::ServerContext* context,
                     const greeter::v1::HelloRequest*,
                     greeter::v1::HelloReply* reply) override {
    ++hello_calls_;
    auto caller = auth_->Caller(*context);
    if (!caller.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          std::string(caller.status().message()));
    }
    reply->set_message("hello " +
                       (*caller)->claims.GetString("client_id").value_or(""));
    return grpc::Status::OK;
  }

  grpc::Status Handled(grpc::ServerContext*, const greeter::v1::HandledRequest*,
                       greeter::v1::HandledReply* reply) override {
    reply->set_hello_calls(hello_calls_);
    return grpc::Status::OK;
  }

 private:
  const ic::Interceptor* const auth_;
  std::atomic<int64_t> hello_calls_{0};
};

int Run(int argc, char** argv) {
  // Before any thread starts: SIGTERM and SIGINT go to sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) != 0 || eq == std::string::npos) {
      std::cerr << "greeter_server: expected --name=value, got " << arg << "\n";
      return 2;
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  for (const char* required : {"listen", "issuer", "audience", "key-server"}) {
    if (flags[required].empty()) {
      std::cerr << "greeter_server: --" << required << " is required\n";
      return 2;
    }
  }
  // The whole adoption: tokens of the issuer for the audience, keys from its
  // KeyService, rules from greeter.proto's (identity.v1.auth) options.
  ic::TrustedIssuer issuer;
  issuer.issuer = flags["issuer"];
  issuer.audiences = {flags["audience"]};
  issuer.keys = ic::KeyServiceKeys{flags["key-server"]};
  ic::InterceptorOptions options;
  options.issuers = {issuer};
  options.services = {greeter::v1::Greeter::service_full_name()};
  absl::StatusOr<ic::Interceptor> auth = ic::Interceptor::Create(options);
  if (!auth.ok()) {
    std::cerr << "greeter_server: " << auth.status() << "\n";
    return 2;
  }
  GreeterService service(&*auth);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags["listen"], auth->credentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "greeter_server: cannot listen on " << flags["listen"] << "\n";
    return 1;
  }
  std::cerr << "greeter_server: serving on port " << port << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
