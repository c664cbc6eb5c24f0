// Randomness as a dependency: everything in the server that needs random bytes
// (nonces, secrets, codes, refresh tokens) takes a RandomSource, so tests can
// make it deterministic.
#ifndef IDENTITY_SERVER_RANDOM_SOURCE_H_
#define IDENTITY_SERVER_RANDOM_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace identity::server {

// Fills `out` with `size` cryptographically secure random bytes. Must be
// thread-safe.
using RandomSource = std::function<void(uint8_t* out, size_t size)>;

// The crypto library's CSPRNG. Aborts the process if it ever fails: without
// randomness no nonce or secret is safe, and stopping beats reusing one.
RandomSource SystemRandom();

// `size` random bytes from `random`.
std::string RandomBytes(const RandomSource& random, size_t size);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_RANDOM_SOURCE_H_
