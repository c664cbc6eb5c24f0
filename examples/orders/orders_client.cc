// orders_client: calls the Orders example with tokens from identity-server,
// through the interceptor library's token source: no token code here.
//
//   IDENTITY_CLIENT_SECRET=... orders_client --orders=127.0.0.1:50061
//       --issuer-address=127.0.0.1:50051 --client-id=shop [--place=ITEM]
//
// Prints the order (GetOrder), or the placed order (--place); exits 1 with the
// gRPC status when the call fails.
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "client/interceptor/token_source.h"
#include "orders.grpc.pb.h"

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    if (!absl::StartsWith(arg, "--") || eq == std::string::npos) {
      std::cerr << "orders_client: expected --name=value, got " << arg << "\n";
      return 2;
    }
    flags[arg.substr(2, eq - 2)] = arg.substr(eq + 1);
  }
  const char* secret = std::getenv("IDENTITY_CLIENT_SECRET");
  if (flags["orders"].empty() || flags["issuer-address"].empty() ||
      flags["client-id"].empty() || secret == nullptr) {
    std::cerr << "orders_client: needs --orders, --issuer-address, "
                 "--client-id and IDENTITY_CLIENT_SECRET\n";
    return 2;
  }

  namespace ic = identity::interceptor;
  auto tokens = ic::TokenSource::Create(
      grpc::CreateChannel(flags["issuer-address"],
                          grpc::InsecureChannelCredentials()),
      {flags["client-id"], secret, flags["scope"]});
  auto orders = orders::v1::Orders::NewStub(ic::CreateChannelWithTokens(
      flags["orders"], grpc::InsecureChannelCredentials(), tokens));

  grpc::ClientContext context;
  orders::v1::Order order;
  grpc::Status status;
  if (flags.count("place") != 0) {
    orders::v1::PlaceOrderRequest request;
    request.set_item(flags["place"]);
    status = orders->PlaceOrder(&context, request, &order);
  } else {
    orders::v1::GetOrderRequest request;
    request.set_id("42");
    status = orders->GetOrder(&context, request, &order);
  }
  if (!status.ok()) {
    std::cout << "error " << status.error_code() << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::cout << "order " << order.id() << " item \"" << order.item()
            << "\" for client " << order.client_id() << "\n";
  return 0;
}
