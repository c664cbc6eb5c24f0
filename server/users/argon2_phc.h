// Argon2 hashes in the PHC string format, as the reference implementation
// writes them:
//
//   $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (https://github.com/P-H-C/phc-string-format/blob/master/phc-sf-spec.md;
// RFC 9106 §3.1 for what m, t and p mean). The string comes from the user
// table, so it is untrusted: a corrupted or planted row must not make the
// server allocate gigabytes or spin for minutes. The parser is strict and
// canonical, so FormatArgon2Phc(*ParseArgon2Phc(s)) == s for every accepted s:
//   - the type is argon2id, argon2i or argon2d; "$v=" is required and is 16
//     (0x10) or 19 (0x13);
//   - exactly m, t, p in that order; no keyid/data parameters;
//   - decimals without sign or leading zero;
//   - m in [8 * p, kMaxStoredMemoryKib], t in [1, kMaxStoredIterations],
//     p in [1, kMaxStoredParallelism];
//   - salt and hash in PHC's B64: the standard base64 alphabet (RFC 4648 §4)
//     without padding, canonical (unused trailing bits zero); salt
//     kMinSaltBytes..kMaxSaltBytes bytes, hash kMinHashBytes..kMaxHashBytes;
//   - at most kMaxPhcLength characters in all.
// The bounds are wider than what PasswordHasher accepts as a configuration
// (password_hasher.h), so hashes made under an older, weaker configuration
// still verify and are then rehashed.
#ifndef IDENTITY_SERVER_USERS_ARGON2_PHC_H_
#define IDENTITY_SERVER_USERS_ARGON2_PHC_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

enum class Argon2Type { kArgon2d, kArgon2i, kArgon2id };

inline constexpr uint32_t kArgon2Version10 = 0x10;
inline constexpr uint32_t kArgon2Version13 = 0x13;  // "v=19", the current one.

// 1 GiB: one verification never allocates more, whatever the row says.
inline constexpr uint32_t kMaxStoredMemoryKib = 1024 * 1024;
inline constexpr uint32_t kMaxStoredIterations = 32;
inline constexpr uint32_t kMaxStoredParallelism = 16;
inline constexpr size_t kMinSaltBytes = 8;  // libargon2's minimum.
inline constexpr size_t kMaxSaltBytes = 64;
// Below 16 bytes a random guess would match too often (2^-128 at 16).
inline constexpr size_t kMinHashBytes = 16;
inline constexpr size_t kMaxHashBytes = 64;
inline constexpr size_t kMaxPhcLength = 256;

struct Argon2Phc {
  Argon2Type type = Argon2Type::kArgon2id;
  uint32_t version = kArgon2Version13;
  uint32_t memory_kib = 0;   // m
  uint32_t iterations = 0;   // t
  uint32_t parallelism = 0;  // p
  std::string salt;          // Raw bytes.
  std::string hash;          // Raw bytes.
};

// Parses `text` under the rules above. Errors: InvalidArgument, with a message
// that names the rule broken and never echoes the salt or the hash.
absl::StatusOr<Argon2Phc> ParseArgon2Phc(absl::string_view text);

// The canonical string for `phc`. Does not validate: callers pass values that
// ParseArgon2Phc would accept.
std::string FormatArgon2Phc(const Argon2Phc& phc);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_ARGON2_PHC_H_
