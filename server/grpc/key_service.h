// identity.v1.KeyService. GetJwks is public; ListKeys and RotateKeys need an
// admin token, checked before these handlers run by the server's credentials
// (client/interceptor; server/main.cc sets the rules).
#ifndef IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
#define IDENTITY_SERVER_GRPC_KEY_SERVICE_H_

#include <memory>

#include "identity/v1/keys.grpc.pb.h"
#include "server/grpc/call_runner.h"
#include "server/keys/key_manager.h"

namespace identity::server {

// Served with gRPC's callback API (call_runner.h): GetJwks, which reads the
// key snapshot in memory, on the thread that read the call; ListKeys and
// RotateKeys, which read and write the store, on `pool`.
// Thread-safe. `keys` and `pool` must outlive it; a null `pool`: the service
// keeps a pool of its own, with BlockingPool's default options.
class KeyServiceImpl final : public v1::KeyService::CallbackService {
 public:
  explicit KeyServiceImpl(KeyManager* keys, BlockingPool* pool = nullptr)
      : keys_(keys), pool_(pool) {}

  grpc::ServerUnaryReactor* GetJwks(grpc::CallbackServerContext* context,
                                    const v1::GetJwksRequest* request,
                                    v1::GetJwksResponse* response) override;
  grpc::ServerUnaryReactor* ListKeys(grpc::CallbackServerContext* context,
                                     const v1::ListKeysRequest* request,
                                     v1::ListKeysResponse* response) override;
  grpc::ServerUnaryReactor* RotateKeys(
      grpc::CallbackServerContext* context,
      const v1::RotateKeysRequest* request,
      v1::RotateKeysResponse* response) override;

 private:
  grpc::Status DoListKeys(v1::ListKeysResponse* response) const;
  grpc::Status DoRotateKeys(const v1::RotateKeysRequest& request,
                            v1::RotateKeysResponse* response) const;

  KeyManager* const keys_;
  const ServicePool pool_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_KEY_SERVICE_H_
