// libFuzzer target: an Argon2 PHC string as read from the user table
// (untrusted: a corrupted or planted row). Properties beyond "no crash":
// an accepted string stays within the stored bounds and is canonical, i.e.
// formatting what was parsed gives back exactly the input.
#include <cstddef>
#include <cstdint>

#include "server/users/argon2_phc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::server;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto phc = ParseArgon2Phc(text);
  if (!phc.ok()) return 0;
  if (phc->memory_kib > kMaxStoredMemoryKib ||
      phc->iterations > kMaxStoredIterations || phc->iterations < 1 ||
      phc->parallelism > kMaxStoredParallelism || phc->parallelism < 1 ||
      phc->memory_kib < 8 * phc->parallelism ||
      phc->salt.size() < kMinSaltBytes || phc->salt.size() > kMaxSaltBytes ||
      phc->hash.size() < kMinHashBytes || phc->hash.size() > kMaxHashBytes) {
    __builtin_trap();
  }
  if (FormatArgon2Phc(*phc) != text) __builtin_trap();
  return 0;
}
