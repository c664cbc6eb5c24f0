#include "server/keys/key_derivation.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace identity::server {

std::string DeriveSubkey(absl::string_view key, absl::string_view label) {
  std::string info(label);
  info.push_back('\x01');
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const uint8_t*>(info.data()), info.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace identity::server
