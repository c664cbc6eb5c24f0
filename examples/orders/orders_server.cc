// orders_server: the Orders example service behind identity's interceptor.
//
//   orders_server --listen=127.0.0.1:50061 --issuer=https://id.example
//       --audience=orders-api (--key-server=127.0.0.1:50051 | --jwks-file=F)
//
// Every call is authorized before its handler: a valid access token of the
// issuer, for the audience, with the scopes the method's (identity.v1.auth)
// option names. Handlers read the caller through Interceptor::Caller.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "client/interceptor/interceptor.h"
#include "orders.grpc.pb.h"

namespace {

namespace ic = identity::interceptor;

class OrdersService final : public orders::v1::Orders::Service {
 public:
  explicit OrdersService(const ic::Interceptor* auth) : auth_(auth) {}

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
    auto caller = auth_->Caller(context);
    if (!caller.ok()) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          std::string(caller.status().message()));
    }
    order->set_client_id((*caller)->claims.GetString("client_id").value_or(""));
    return grpc::Status::OK;
  }

  const ic::Interceptor* const auth_;
  std::atomic<int64_t> handled_{0};
};

// --name=value flags; false (after a message) for anything else.
bool ParseFlags(int argc, char** argv,
                std::map<std::string, std::string>* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == std::string::npos) {
      std::cerr << "orders_server: expected --name=value, got " << arg << "\n";
      return false;
    }
    (*flags)[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  if (flags->count("listen") == 0 ||
      flags->count("key-server") == flags->count("jwks-file")) {
    std::cerr << "orders_server: give --listen, --issuer, --audience and "
                 "--key-server or --jwks-file\n";
    return false;
  }
  return true;
}

int Run(int argc, char** argv) {
  // Before any thread starts: SIGTERM and SIGINT go to sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::map<std::string, std::string> flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;

  // The one call: an empty --issuer or --audience is refused by Create.
  ic::InterceptorOptions options;
  options.issuers = {{.issuer = flags["issuer"],
                      .audiences = {flags["audience"]},
                      .keys = flags["jwks-file"].empty()
                                  ? ic::KeySource(ic::KeyServiceKeys{
                                        .address = flags["key-server"]})
                                  : ic::JwksFileKeys{flags["jwks-file"]}}};
  options.services = {orders::v1::Orders::service_full_name()};
  absl::StatusOr<ic::Interceptor> auth = ic::Interceptor::Create(options);
  if (!auth.ok()) {
    std::cerr << "orders_server: " << auth.status() << "\n";
    return 2;
  }

  OrdersService service(&*auth);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(flags["listen"], auth->credentials(), &port);
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
