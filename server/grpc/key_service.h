// identity.v1.KeyService. GetJwks is public; ListKeys and RotateKeys need an
// admin token and answer UNIMPLEMENTED until the server's own interceptor
// protects them (an unauthenticated rotation must never be possible).
#ifndef IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
#define IDENTITY_SERVER_GRPC_KEY_SERVICE_H_

#include "identity/v1/keys.grpc.pb.h"
#include "server/keys/key_manager.h"

namespace identity::server {

// Thread-safe. `keys` must outlive it.
class KeyServiceImpl final : public v1::KeyService::Service {
 public:
  explicit KeyServiceImpl(const KeyManager* keys) : keys_(keys) {}

  grpc::Status GetJwks(grpc::ServerContext* context,
                       const v1::GetJwksRequest* request,
                       v1::GetJwksResponse* response) override;

 private:
  const KeyManager* const keys_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
