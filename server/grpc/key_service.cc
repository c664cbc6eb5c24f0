#include "server/grpc/key_service.h"

#include "jwt/json.h"

namespace identity::server {

grpc::Status KeyServiceImpl::GetJwks(grpc::ServerContext*,
                                     const v1::GetJwksRequest*,
                                     v1::GetJwksResponse* response) {
  const jwt::Json jwks = keys_->snapshot()->jwks->ToPublicJson();
  response->set_jwks_json(jwt::DumpJson(jwks));
  for (const jwt::Json& key : jwks["keys"]) {
    v1::PublicJwk* out = response->add_keys();
    const auto text = [&key](const char* name) {
      auto it = key.find(name);
      return it != key.end() && it->is_string() ? it->get<std::string>()
                                                : std::string();
    };
    out->set_kid(text("kid"));
    out->set_kty(text("kty"));
    out->set_alg(text("alg"));
    out->set_use(text("use"));
    out->set_crv(text("crv"));
    out->set_x(text("x"));
    out->set_y(text("y"));
    out->set_n(text("n"));
    out->set_e(text("e"));
  }
  return grpc::Status::OK;
}

}  // namespace identity::server
