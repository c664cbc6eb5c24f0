#include "server/random_source.h"

#include <openssl/rand.h>

#include <cstdlib>

namespace identity::server {

RandomSource SystemRandom() {
  return [](uint8_t* out, size_t size) {
    if (RAND_bytes(out, static_cast<int>(size)) != 1) std::abort();
  };
}

std::string RandomBytes(const RandomSource& random, size_t size) {
  std::string out(size, '\0');
  random(reinterpret_cast<uint8_t*>(out.data()), size);
  return out;
}

}  // namespace identity::server
