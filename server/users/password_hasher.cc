#include "server/users/password_hasher.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <sys/mman.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/users/argon2_phc.h"

namespace identity::server {
namespace {

argon2_type LibraryType(Argon2Type type) {
  switch (type) {
    case Argon2Type::kArgon2d:
      return Argon2_d;
    case Argon2Type::kArgon2i:
      return Argon2_i;
    case Argon2Type::kArgon2id:
      break;
  }
  return Argon2_id;
}

// The hash's memory (m KiB) straight from the kernel and back at once:
// through malloc, a freed block stays resident in the thread's arena, and
// with one arena per thread the process would keep up to one block per
// arena however few hashes run at once (hash_limiter.h bounds those).
int MapHashMemory(uint8_t** memory, size_t bytes) {
  void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) return ARGON2_MEMORY_ALLOCATION_ERROR;
  *memory = static_cast<uint8_t*>(mapped);
  return ARGON2_OK;
}

void UnmapHashMemory(uint8_t* memory, size_t bytes) { munmap(memory, bytes); }

void Wipe(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
}

}  // namespace

absl::StatusOr<std::string> PasswordHasher::ComputeHash(
    absl::string_view password, const Argon2Phc& phc, size_t hash_bytes) const {
  if (on_argon2_) on_argon2_();
  std::string out(hash_bytes, '\0');
  // argon2_hash() with our allocator; libargon2 reads, never writes, pwd and
  // salt without ARGON2_FLAG_CLEAR_PASSWORD.
  argon2_context context{};
  context.out = reinterpret_cast<uint8_t*>(out.data());
  context.outlen = static_cast<uint32_t>(out.size());
  context.pwd = reinterpret_cast<uint8_t*>(const_cast<char*>(password.data()));
  context.pwdlen = static_cast<uint32_t>(password.size());
  context.salt = reinterpret_cast<uint8_t*>(const_cast<char*>(phc.salt.data()));
  context.saltlen = static_cast<uint32_t>(phc.salt.size());
  context.t_cost = phc.iterations;
  context.m_cost = phc.memory_kib;
  context.lanes = phc.parallelism;
  context.threads = phc.parallelism;
  context.version = phc.version;
  context.allocate_cbk = &MapHashMemory;
  context.free_cbk = &UnmapHashMemory;
  context.flags = ARGON2_DEFAULT_FLAGS;
  const int rc = argon2_ctx(&context, LibraryType(phc.type));
  if (rc == ARGON2_OK) return out;
  if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) {
    return absl::ResourceExhaustedError(
        "argon2: cannot allocate the memory the hash needs");
  }
  return absl::InternalError(
      absl::StrCat("argon2: ", argon2_error_message(rc)));
}

absl::Status ValidateArgon2Params(const Argon2Params& params) {
  if (params.memory_kib < kMinMemoryKib ||
      params.memory_kib > kMaxStoredMemoryKib) {
    return absl::InvalidArgumentError(
        absl::StrCat("argon2 memory must be between ", kMinMemoryKib, " and ",
                     kMaxStoredMemoryKib, " KiB"));
  }
  if (params.iterations < 1 || params.iterations > kMaxStoredIterations) {
    return absl::InvalidArgumentError(absl::StrCat(
        "argon2 iterations must be between 1 and ", kMaxStoredIterations));
  }
  if (params.parallelism < 1 || params.parallelism > kMaxStoredParallelism) {
    return absl::InvalidArgumentError(absl::StrCat(
        "argon2 parallelism must be between 1 and ", kMaxStoredParallelism));
  }
  // OWASP Password Storage Cheat Sheet (2023): m=47104/t=1, 19456/2, 12288/3,
  // 9216/4 and 7168/5 are equivalent; the weakest product is 7168 * 5.
  if (uint64_t{params.memory_kib} * params.iterations <
      kMinMemoryTimesIterations) {
    return absl::InvalidArgumentError(absl::StrCat(
        "argon2 memory (KiB) times iterations must be at least ",
        kMinMemoryTimesIterations, " (OWASP 2023: e.g. m=19456,t=2)"));
  }
  return absl::OkStatus();
}

absl::Status ValidatePassword(absl::string_view password) {
  if (password.empty()) return absl::InvalidArgumentError("empty password");
  if (password.size() > kMaxPasswordBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("password longer than ", kMaxPasswordBytes, " bytes"));
  }
  if (password.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError("password contains a NUL byte");
  }
  return absl::OkStatus();
}

absl::StatusOr<PasswordHasher> PasswordHasher::Create(
    Argon2Params params, RandomSource random, Argon2Observer on_argon2) {
  if (absl::Status status = ValidateArgon2Params(params); !status.ok()) {
    return status;
  }
  if (!random) return absl::InvalidArgumentError("no random source");
  Argon2Phc dummy;
  dummy.memory_kib = params.memory_kib;
  dummy.iterations = params.iterations;
  dummy.parallelism = params.parallelism;
  dummy.salt = RandomBytes(random, kPasswordSaltBytes);
  dummy.hash = RandomBytes(random, kPasswordHashBytes);
  return PasswordHasher(params, std::move(random), std::move(on_argon2),
                        FormatArgon2Phc(dummy));
}

absl::StatusOr<std::string> PasswordHasher::Hash(
    absl::string_view password) const {
  if (absl::Status status = ValidatePassword(password); !status.ok()) {
    return status;
  }
  Argon2Phc phc;
  phc.memory_kib = params_.memory_kib;
  phc.iterations = params_.iterations;
  phc.parallelism = params_.parallelism;
  phc.salt = RandomBytes(random_, kPasswordSaltBytes);
  auto hash = ComputeHash(password, phc, kPasswordHashBytes);
  if (!hash.ok()) return hash.status();
  phc.hash = *std::move(hash);
  return FormatArgon2Phc(phc);
}

absl::StatusOr<PasswordCheck> PasswordHasher::Verify(
    absl::string_view password, absl::string_view stored) const {
  auto phc = ParseArgon2Phc(stored);
  if (!phc.ok()) return phc.status();
  // No stored hash was made from a password Hash refuses.
  if (!ValidatePassword(password).ok()) return PasswordCheck{};
  auto computed = ComputeHash(password, *phc, phc->hash.size());
  if (!computed.ok()) return computed.status();
  PasswordCheck check;
  // Same length by construction; CRYPTO_memcmp reads all of it.
  check.matches =
      CRYPTO_memcmp(computed->data(), phc->hash.data(), phc->hash.size()) == 0;
  Wipe(*computed);
  check.needs_rehash =
      check.matches &&
      (phc->type != Argon2Type::kArgon2id || phc->version != kArgon2Version13 ||
       phc->memory_kib != params_.memory_kib ||
       phc->iterations != params_.iterations ||
       phc->parallelism != params_.parallelism ||
       phc->salt.size() != kPasswordSaltBytes ||
       phc->hash.size() != kPasswordHashBytes);
  return check;
}

void PasswordHasher::VerifyDummy(absl::string_view password) const {
  // The result is meaningless; only the time spent matters.
  (void)Verify(password, dummy_phc_);
}

}  // namespace identity::server
