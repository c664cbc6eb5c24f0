// identity.v1.KeyService. GetJwks is public; ListKeys and RotateKeys need an
// admin token, checked before these handlers run by the server's credentials
// (client/interceptor; server/main.cc sets the rules).
#ifndef IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
#define IDENTITY_SERVER_GRPC_KEY_SERVICE_H_

#include "identity/v1/keys.grpc.pb.h"
#include "server/keys/key_manager.h"

namespace identity::server {

// Thread-safe. `keys` must outlive it.
class KeyServiceImpl final : public v1::KeyService::Service {
 public:
  explicit KeyServiceImpl(KeyManager* keys) : keys_(keys) {}

  grpc::Status GetJwks(grpc::ServerContext* context,
                       const v1::GetJwksRequest* request,
                       v1::GetJwksResponse* response) override;
  grpc::Status ListKeys(grpc::ServerContext* context,
                        const v1::ListKeysRequest* request,
                        v1::ListKeysResponse* response) override;
  grpc::Status RotateKeys(grpc::ServerContext* context,
                          const v1::RotateKeysRequest* request,
                          v1::RotateKeysResponse* response) override;

 private:
  KeyManager* const keys_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
