// SHA-256 and HMAC-SHA-256 for the per-call paths (client authentication, its
// throttle, the verified-token cache, refresh-token lookups) without OpenSSL
// 3's per-call algorithm fetch. OpenSSL 3's one-shot SHA256() and HMAC() look
// the algorithm up in the provider store on every call: a name lookup under
// a lock shared by every thread, which costs more than hashing a short input
// (SHA256() of 40 bytes 0.6 µs against 0.2 µs with the algorithm fetched
// once; HMAC() 2.2 µs against 0.9 µs, docs/benchmarks.md). These fetch once.
#ifndef IDENTITY_SERVER_OAUTH_DIGEST_H_
#define IDENTITY_SERVER_OAUTH_DIGEST_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace identity::server {

using Sha256Digest = std::array<uint8_t, 32>;

// SHA-256 of `data`. Thread-safe.
Sha256Digest Sha256(absl::string_view data);
// The same as 32 raw bytes in a string.
std::string Sha256String(absl::string_view data);

// HMAC-SHA-256 under one key, keyed once: the key's inner and outer pads are
// hashed at construction, and each Mac takes a keyed context from a small
// free list (a copy of the first when the list is empty) and resets it to
// that key. Copies share the key and the list. Thread-safe.
class HmacSha256 {
 public:
  explicit HmacSha256(absl::string_view key);

  // The 32-byte MAC of `data`.
  Sha256Digest Mac(absl::string_view data) const;

 private:
  struct Keyed;
  std::shared_ptr<Keyed> keyed_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_DIGEST_H_
