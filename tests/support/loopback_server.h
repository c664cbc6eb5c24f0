// Test-only: a gRPC service served on a free 127.0.0.1 port behind given
// server credentials (an interceptor's, in the tests that use it), and a
// plaintext channel to it.
#ifndef IDENTITY_TESTS_SUPPORT_LOOPBACK_SERVER_H_
#define IDENTITY_TESTS_SUPPORT_LOOPBACK_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace identity::test_support {

struct LoopbackServer {
  std::unique_ptr<grpc::Server> server;  // Null when it could not start.
  std::shared_ptr<grpc::Channel> channel;
};

inline LoopbackServer ServeOnLoopback(
    std::shared_ptr<grpc::ServerCredentials> credentials,
    grpc::Service* service) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", std::move(credentials), &port);
  builder.RegisterService(service);
  LoopbackServer served;
  served.server = builder.BuildAndStart();
  if (served.server == nullptr || port == 0) {
    served.server.reset();
    return served;
  }
  served.channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
  return served;
}

}  // namespace identity::test_support

#endif  // IDENTITY_TESTS_SUPPORT_LOOPBACK_SERVER_H_
