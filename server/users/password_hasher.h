// User passwords, hashed with Argon2id (RFC 9106; SPEC "Users") through
// Debian's libargon2, stored as PHC strings (argon2_phc.h).
//
// Unlike client secrets (server/oauth/client_secret.h), passwords are chosen
// by people and can be guessed, so the hash is deliberately slow and
// memory-hard: a stolen user table costs an attacker ~19 MiB and two passes per
// guess at the defaults.
//
// Choices:
//   - Parameters: the defaults are OWASP's 2023 first choice (m = 19 MiB,
//     t = 2, p = 1). A configuration is refused (InvalidArgument) unless it is
//     at least as strong as OWASP's weakest 2023 row (m = 7 MiB, t = 5): m at
//     least 7168 KiB and m * t at least 35840 KiB-passes. Upper bounds (m up to
//     1 GiB, t up to 32, p up to 16) are those of stored strings, so every
//     hash we write parses again.
//   - Salt 16 random bytes from the injected RandomSource, hash 32 bytes
//     (the lengths of RFC 9106 §4's recommended options), no secret ("pepper")
//     and no associated data: the PHC string holds everything needed to verify.
//   - Passwords are bytes, 1..kMaxPasswordBytes (1024) long and without NUL.
//     The front ends pass UTF-8 as the user typed it; no normalization here.
//     NUL is refused because no form or terminal sends one on purpose, and a
//     C-string anywhere on the way (a future importer, a CLI) would truncate
//     at it, turning "pass\0anything" into "pass". Policies on the minimum
//     length or breached-password checks belong to whoever sets passwords;
//     this class only refuses what it cannot hash safely.
//   - Verify never fails for the password itself: a password that Hash would
//     refuse cannot match any stored hash, so it is reported as a mismatch,
//     without running Argon2. A malformed stored string is an error
//     (InvalidArgument): it means the row is corrupt, not that the password
//     is wrong; callers should treat it as a failed login and alert.
//   - Comparison in constant time (CRYPTO_memcmp) over the whole hash.
//   - Nothing here logs, and no message contains a password, salt or hash.
//   - An optional observer is told of each Argon2 run, so that what costs
//     CPU and memory can be counted (a metric, or a test asserting that a
//     refused input ran no hash) without timing it.
//
// Immutable after Create; thread-safe (the RandomSource and the observer must
// be, as random_source.h requires of the former). With p > 1 libargon2 runs p
// threads per call.
#ifndef IDENTITY_SERVER_USERS_PASSWORD_HASHER_H_
#define IDENTITY_SERVER_USERS_PASSWORD_HASHER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/random_source.h"

namespace identity::server {

struct Argon2Phc;  // argon2_phc.h

// Argon2id cost parameters (RFC 9106 §3.1).
struct Argon2Params {
  uint32_t memory_kib = 19456;  // m: memory in KiB (19 MiB).
  uint32_t iterations = 2;      // t: passes over the memory.
  uint32_t parallelism = 1;     // p: lanes (and threads).
};

inline constexpr uint32_t kMinMemoryKib = 7168;
inline constexpr uint64_t kMinMemoryTimesIterations = 35840;
inline constexpr size_t kPasswordSaltBytes = 16;
inline constexpr size_t kPasswordHashBytes = 32;
inline constexpr size_t kMaxPasswordBytes = 1024;

// OK when `params` may be configured (rules above). Errors: InvalidArgument.
absl::Status ValidateArgon2Params(const Argon2Params& params);

// OK when `password` can be hashed: 1..kMaxPasswordBytes bytes, no NUL.
// Errors: InvalidArgument (the message never contains the password).
absl::Status ValidatePassword(absl::string_view password);

// The outcome of Verify.
struct PasswordCheck {
  bool matches = false;
  // Only when `matches`: the stored string was not made with the current
  // type (argon2id), version (19), parameters, salt or hash length. The caller
  // should store Hash(password) in its place now that it has the password.
  bool needs_rehash = false;
};

// Called once before each Argon2 computation (in Hash, Verify and
// VerifyDummy), on the calling thread. Must be thread-safe and cheap.
using Argon2Observer = std::function<void()>;

class PasswordHasher {
 public:
  // Errors: InvalidArgument when ValidateArgon2Params refuses `params`.
  // `on_argon2` may be empty.
  static absl::StatusOr<PasswordHasher> Create(
      Argon2Params params, RandomSource random,
      Argon2Observer on_argon2 = nullptr);

  // The PHC string to store, e.g.
  // "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", with a fresh salt each
  // call. Errors: InvalidArgument (ValidatePassword), ResourceExhausted
  // (libargon2 could not allocate m KiB), Internal.
  absl::StatusOr<std::string> Hash(absl::string_view password) const;

  // Whether `password` hashes to `stored`, with the type, version, parameters
  // and salt written in `stored` (bounded by argon2_phc.h). Errors:
  // InvalidArgument when `stored` is not a well-formed Argon2 PHC string;
  // ResourceExhausted, Internal as for Hash.
  absl::StatusOr<PasswordCheck> Verify(absl::string_view password,
                                       absl::string_view stored) const;

  // Costs what Verify costs for a stored hash made with the current
  // parameters, and matches nothing. For logins of unknown users, so that
  // "no such user" and "wrong password" take the same time.
  void VerifyDummy(absl::string_view password) const;

  const Argon2Params& params() const { return params_; }

 private:
  PasswordHasher(Argon2Params params, RandomSource random,
                 Argon2Observer on_argon2, std::string dummy_phc)
      : params_(params),
        random_(std::move(random)),
        on_argon2_(std::move(on_argon2)),
        dummy_phc_(std::move(dummy_phc)) {}

  // Raw Argon2 of `password` under `phc`'s type, version, parameters and
  // salt, `hash_bytes` long; tells the observer first.
  absl::StatusOr<std::string> ComputeHash(absl::string_view password,
                                          const Argon2Phc& phc,
                                          size_t hash_bytes) const;

  Argon2Params params_;
  RandomSource random_;
  Argon2Observer on_argon2_;
  // A well-formed string with the current parameters, a random salt and a
  // random hash, which no password matches (but for 2^-256).
  std::string dummy_phc_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_PASSWORD_HASHER_H_
