// orders_server: the Orders example service behind identity's interceptor.
//
//   orders_server --listen=127.0.0.1:50061 --issuer=https://id.example
//       --audience=orders-api (--key-server=127.0.0.1:50051 | --jwks-file=F)
//
// Every call is authorized before its handler: a valid access token of the
// issuer, for the audience, with the scopes the method's (identity.v1.auth)
// option names. Handlers read the caller through interceptor::VerifiedCaller.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/jwks_cache.h"
#include "client/interceptor/server_credentials.h"
#include "orders.grpc.pb.h"

namespace {

using identity::interceptor::CallAuthorizer;

class OrdersService final : public orders::v1::Orders::Service {
 public:
  explicit OrdersService(const CallAuthorizer* authorizer)
      : authorizer_(authorizer) {}

  grpc::Status GetOrder(grpc::ServerContext* context,
                        const orders::v1::GetOrderRequest* request,
                        orders::v1::Order* order) override {
    ++handled_;
    order->set_id(request->id());
    order->set_item("example item");
    return Caller(*context, order);
  }

  grpc::Status PlaceOrder(grpc::ServerContext* context,
                          const orders::v1::PlaceOrderRequest* request,
                          orders::v1::Order* order) override {
    ++handled_;
    order->set_id("order-" + std::to_string(handled_.load()));
    order->set_item(request->item());
    return Caller(*context, order);
  }

  grpc::Status Ping(grpc::ServerContext*, const orders::v1::PingRequest*,
                    orders::v1::PingResponse* response) override {
    response->set_handled(handled_);
    return grpc::Status::OK;
  }

 private:
  // The verified caller's client_id, into the reply.
  grpc::Status Caller(const grpc::ServerContext& context,
                      orders::v1::Order* order) {
    auto caller = identity::interceptor::VerifiedCaller(context, *authorizer_);
    if (!caller.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          std::string(caller.status().message()));
    }
    order->set_client_id((*caller)->claims.GetString("client_id").value_or(""));
    return grpc::Status::OK;
  }

  const CallAuthorizer* const authorizer_;
  std::atomic<int64_t> handled_{0};
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
    if (!absl::StartsWith(arg, "--") || eq == std::string::npos) {
      std::cerr << "orders_server: expected --name=value, got " << arg << "\n";
      return 2;
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  for (const char* required : {"listen", "issuer", "audience"}) {
    if (flags[required].empty()) {
      std::cerr << "orders_server: --" << required << " is required\n";
      return 2;
    }
  }
  if (flags["key-server"].empty() == flags["jwks-file"].empty()) {
    std::cerr << "orders_server: give --key-server or --jwks-file\n";
    return 2;
  }

  namespace ic = identity::interceptor;
  auto cache = ic::JwksCache::Create(
      flags["jwks-file"].empty()
          ? ic::KeyServiceJwksFetcher(grpc::CreateChannel(
                flags["key-server"], grpc::InsecureChannelCredentials()))
          : ic::FileJwksFetcher(flags["jwks-file"]),
      identity::jwt::Clock::Real(),
      {absl::Minutes(1), absl::Seconds(5), absl::Hours(12)});
  if (!cache.ok()) {
    std::cerr << "orders_server: " << cache.status() << "\n";
    return 2;
  }
  ic::JwksCache* jwks = cache->get();
  jwks->Start();

  identity::jwt::VerifierOptions options;
  options.issuer = flags["issuer"];
  options.audiences = {flags["audience"]};
  options.required_typ = "at+jwt";
  options.leeway = absl::Seconds(5);
  auto verifier = identity::jwt::JwtVerifier::Create(options);
  if (!verifier.ok()) {
    std::cerr << "orders_server: " << verifier.status() << "\n";
    return 2;
  }
  auto validator = std::make_shared<ic::CachingTokenValidator>(
      std::make_shared<ic::JwksTokenValidator>(
          *std::move(verifier), [jwks] { return jwks->Current(); },
          [jwks] { jwks->RequestRefetch(); }),
      identity::jwt::Clock::Real());
  ic::MethodPolicy policy = ic::MethodPolicy::RequireTokenByDefault();
  if (absl::Status s = policy.AddRulesFromService("orders.v1.Orders");
      !s.ok()) {
    std::cerr << "orders_server: " << s << "\n";
    return 2;
  }
  auto authorizer =
      std::make_shared<const CallAuthorizer>(std::move(policy), validator);

  OrdersService service(authorizer.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags["listen"],
                           ic::AuthorizingServerCredentials(authorizer), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "orders_server: cannot listen on " << flags["listen"] << "\n";
    return 1;
  }
  std::cerr << "orders_server: serving on port " << port << std::endl;

  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
