#include "server/users/password_hasher.h"

#include <argon2.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/users/argon2_phc.h"

namespace identity::server {
namespace {

constexpr absl::string_view kPassword = "correct horse battery staple";

// The reference implementation's Argon2id test vector (argon2 test.c).
constexpr absl::string_view kReference =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

// Deterministic: byte i of the n-th request is (seed + n + i).
RandomSource Counting(uint8_t seed = 0) {
  auto calls = std::make_shared<std::atomic<int>>(0);
  return [seed, calls](uint8_t* out, size_t size) {
    const int n = calls->fetch_add(1);
    for (size_t i = 0; i < size; ++i) out[i] = uint8_t(seed + n + i);
  };
}

PasswordHasher Hasher(Argon2Params params = {},
                      RandomSource random = SystemRandom()) {
  auto hasher = PasswordHasher::Create(params, std::move(random));
  EXPECT_TRUE(hasher.ok()) << hasher.status();
  return *std::move(hasher);
}

// What libargon2 itself encodes for the same inputs: an independent check of
// our PHC writer.
std::string LibraryEncoded(argon2_type type, uint32_t version, uint32_t t,
                           uint32_t m, uint32_t p, absl::string_view password,
                           absl::string_view salt, size_t hash_bytes) {
  std::string encoded(256, '\0');
  const int rc = argon2_hash(t, m, p, password.data(), password.size(),
                             salt.data(), salt.size(), nullptr, hash_bytes,
                             encoded.data(), encoded.size(), type, version);
  EXPECT_EQ(rc, ARGON2_OK) << argon2_error_message(rc);
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

TEST(PasswordHasherTest, HashIsAnArgon2idPhcStringWithTheCurrentParameters) {
  auto stored = Hasher().Hash(kPassword);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(absl::StartsWith(*stored, "$argon2id$v=19$m=19456,t=2,p=1$"))
      << *stored;
  auto phc = ParseArgon2Phc(*stored);
  ASSERT_TRUE(phc.ok()) << phc.status();
  EXPECT_EQ(phc->salt.size(), 16u);
  EXPECT_EQ(phc->hash.size(), 32u);
  EXPECT_FALSE(absl::StrContains(*stored, kPassword));
}

TEST(PasswordHasherTest, HashIsWhatLibargon2EncodesForTheSameSalt) {
  const PasswordHasher hasher = Hasher({}, Counting(7));
  // Create takes one request (the dummy's salt) and another (its hash); the
  // salt of the first Hash is the third request.
  std::string salt(16, '\0');
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = char(7 + 2 + i);
  auto stored = hasher.Hash(kPassword);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, LibraryEncoded(Argon2_id, ARGON2_VERSION_13, 2, 19456, 1,
                                    kPassword, salt, 32));
  EXPECT_EQ(argon2id_verify(std::string(*stored).c_str(), kPassword.data(),
                            kPassword.size()),
            ARGON2_OK);
}

TEST(PasswordHasherTest, VerifiesTheReferenceVector) {
  auto check = Hasher().Verify("password", kReference);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->matches);
  // m=65536 and an 8-byte salt are not the current choices.
  EXPECT_TRUE(check->needs_rehash);
  auto wrong = Hasher().Verify("passwort", kReference);
  ASSERT_TRUE(wrong.ok()) << wrong.status();
  EXPECT_FALSE(wrong->matches);
  EXPECT_FALSE(wrong->needs_rehash);
}

TEST(PasswordHasherTest, MatchesOnlyTheRightPassword) {
  const PasswordHasher hasher = Hasher();
  const std::string stored = *hasher.Hash(kPassword);
  auto right = hasher.Verify(kPassword, stored);
  ASSERT_TRUE(right.ok()) << right.status();
  EXPECT_TRUE(right->matches);
  EXPECT_FALSE(right->needs_rehash);
  for (const std::string& wrong : {
           std::string("Correct horse battery staple"),
           std::string(kPassword.substr(0, kPassword.size() - 1)),
           absl::StrCat(kPassword, " "), absl::StrCat(" ", kPassword),
           std::string("x"),
           stored,  // The stored string is not the password.
       }) {
    auto check = hasher.Verify(wrong, stored);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_FALSE(check->matches) << wrong;
    EXPECT_FALSE(check->needs_rehash) << wrong;
  }
}

TEST(PasswordHasherTest, EachHashHasItsOwnSaltFromTheInjectedSource) {
  const PasswordHasher hasher = Hasher({}, Counting());
  const std::string a = *hasher.Hash(kPassword);
  const std::string b = *hasher.Hash(kPassword);
  EXPECT_NE(a, b);
  const Argon2Phc pa = *ParseArgon2Phc(a);
  const Argon2Phc pb = *ParseArgon2Phc(b);
  EXPECT_NE(pa.salt, pb.salt);
  EXPECT_NE(pa.hash, pb.hash);
  // Requests 0 and 1 made the dummy; 2 and 3 are these salts.
  EXPECT_EQ(static_cast<uint8_t>(pa.salt[0]), 2);
  EXPECT_EQ(static_cast<uint8_t>(pb.salt[0]), 3);
  EXPECT_TRUE(hasher.Verify(kPassword, a)->matches);
  EXPECT_TRUE(hasher.Verify(kPassword, b)->matches);

  // A fixed source gives the same salt, hence the same string: the salt is
  // all the randomness there is.
  const RandomSource zeros = [](uint8_t* out, size_t size) {
    std::memset(out, 0, size);
  };
  const std::string z1 = *Hasher({}, zeros).Hash(kPassword);
  EXPECT_EQ(z1, *Hasher({}, zeros).Hash(kPassword));
  EXPECT_TRUE(absl::StrContains(z1, "$AAAAAAAAAAAAAAAAAAAAAA$"));
}

TEST(PasswordHasherTest, SystemRandomGivesDistinctSalts) {
  const PasswordHasher hasher = Hasher();
  std::set<std::string> salts;
  for (int i = 0; i < 4; ++i) {
    salts.insert(ParseArgon2Phc(*hasher.Hash(kPassword))->salt);
  }
  EXPECT_EQ(salts.size(), 4u);
}

// Every part of the stored string is bound into the hash: change one and the
// right password no longer matches.
TEST(PasswordHasherTest, TamperedStoredStringDoesNotMatch) {
  const PasswordHasher hasher = Hasher();
  const std::string stored = *hasher.Hash(kPassword);
  const Argon2Phc original = *ParseArgon2Phc(stored);
  std::vector<Argon2Phc> tampered;
  for (int i = 0; i < 4; ++i) tampered.push_back(original);
  tampered[0].hash[0] ^= 1;
  tampered[1].hash[31] ^= 0x80;
  tampered[2].salt[0] ^= 1;
  tampered[3].salt[15] ^= 0x80;
  Argon2Phc p = original;
  p.memory_kib = 19457;
  tampered.push_back(p);
  p = original;
  p.iterations = 3;
  tampered.push_back(p);
  p = original;
  p.parallelism = 2;
  tampered.push_back(p);
  p = original;
  p.type = Argon2Type::kArgon2i;
  tampered.push_back(p);
  p = original;
  p.type = Argon2Type::kArgon2d;
  tampered.push_back(p);
  p = original;
  p.version = kArgon2Version10;
  tampered.push_back(p);
  p = original;
  p.hash.resize(16);  // A truncated hash is a different output length.
  tampered.push_back(p);
  p = original;
  p.salt.resize(8);
  tampered.push_back(p);
  for (const Argon2Phc& phc : tampered) {
    const std::string text = FormatArgon2Phc(phc);
    ASSERT_NE(text, stored);
    auto check = hasher.Verify(kPassword, text);
    ASSERT_TRUE(check.ok()) << text << ": " << check.status();
    EXPECT_FALSE(check->matches) << text;
    EXPECT_FALSE(check->needs_rehash) << text;
  }
}

TEST(PasswordHasherTest, MalformedStoredStringIsAnError) {
  const PasswordHasher hasher = Hasher();
  const std::string stored = *hasher.Hash(kPassword);
  for (const std::string& bad : {
           std::string(""),
           std::string(kPassword),  // A clear-text password column.
           stored.substr(0, stored.size() - 2),  // Truncated: bad length.
           stored + "=",
           stored + "\n",
           absl::StrReplaceAll(stored, {{"$argon2id$", "$argon2$"}}),
           absl::StrReplaceAll(stored, {{"$v=19$", "$"}}),
           absl::StrReplaceAll(stored, {{"t=2", "t=02"}}),
           absl::StrReplaceAll(stored, {{",p=1", ""}}),
           std::string(
               "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0j"),
       }) {
    EXPECT_EQ(hasher.Verify(kPassword, bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// Stored parameters beyond argon2_phc.h's bounds would let one row make a
// login allocate gigabytes or loop for hours: they are refused before any
// Argon2 runs, which the hasher's observer counts (no clock involved).
TEST(PasswordHasherTest, OversizedStoredParametersAreRefusedBeforeHashing) {
  std::atomic<int> argon2_runs{0};
  auto hasher = PasswordHasher::Create({}, SystemRandom(),
                                       [&argon2_runs] { ++argon2_runs; });
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  const std::string stored = *hasher->Hash(kPassword);
  ASSERT_EQ(argon2_runs, 1) << "the observer sees each hash";
  for (absl::string_view params :
       {"m=4194304,t=2,p=1", "m=4294967295,t=2,p=1", "m=1048577,t=2,p=1",
        "m=19456,t=4294967295,p=1", "m=19456,t=33,p=1", "m=19456,t=2,p=255",
        "m=19456,t=2,p=17"}) {
    const std::string text =
        absl::StrReplaceAll(stored, {{"m=19456,t=2,p=1", params}});
    EXPECT_EQ(hasher->Verify(kPassword, text).status().code(),
              absl::StatusCode::kInvalidArgument)
        << params;
    EXPECT_EQ(argon2_runs, 1) << params << ": Argon2 ran";
  }
  // The same string within the bounds does run Argon2.
  EXPECT_TRUE(hasher->Verify(kPassword, stored)->matches);
  EXPECT_EQ(argon2_runs, 2);
}

// A password Hash refuses cannot match any stored hash: Verify says so
// without running Argon2, and VerifyDummy runs exactly one, like a Verify.
TEST(PasswordHasherTest, ObserverCountsEachArgon2Run) {
  std::atomic<int> argon2_runs{0};
  auto hasher = PasswordHasher::Create({}, SystemRandom(),
                                       [&argon2_runs] { ++argon2_runs; });
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  const std::string stored = *hasher->Hash(kPassword);
  EXPECT_FALSE(hasher->Hash("").ok());
  EXPECT_EQ(argon2_runs, 1);
  EXPECT_FALSE(hasher->Verify(std::string("a\0b", 3), stored)->matches);
  EXPECT_EQ(argon2_runs, 1);
  EXPECT_FALSE(hasher->Verify("wrong", stored)->matches);
  EXPECT_EQ(argon2_runs, 2);
  hasher->VerifyDummy("wrong");
  EXPECT_EQ(argon2_runs, 3);
}

TEST(PasswordHasherTest, NeedsRehashWhenTheParametersChanged) {
  const PasswordHasher old_hasher = Hasher({12288, 3, 1});
  const std::string stored = *old_hasher.Hash(kPassword);
  for (const Argon2Params& current :
       {Argon2Params{}, Argon2Params{12288, 4, 1}, Argon2Params{12288, 3, 2},
        Argon2Params{12289, 3, 1}, Argon2Params{8192, 5, 1}}) {
    auto check = Hasher(current).Verify(kPassword, stored);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_TRUE(check->matches);
    EXPECT_TRUE(check->needs_rehash)
        << current.memory_kib << "," << current.iterations << ","
        << current.parallelism;
    // The wrong password neither matches nor asks for a rehash.
    auto wrong = Hasher(current).Verify("wrong", stored);
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(wrong->matches);
    EXPECT_FALSE(wrong->needs_rehash);
  }
  auto same = Hasher({12288, 3, 1}).Verify(kPassword, stored);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->matches);
  EXPECT_FALSE(same->needs_rehash);
  // After the rehash, the new string is current.
  const PasswordHasher current = Hasher();
  const std::string rehashed = *current.Hash(kPassword);
  EXPECT_FALSE(current.Verify(kPassword, rehashed)->needs_rehash);
}

TEST(PasswordHasherTest, NeedsRehashForOtherTypesVersionsAndLengths) {
  const std::string salt16 = "0123456789abcdef";
  const struct {
    argon2_type type;
    uint32_t version;
    std::string salt;
    size_t hash_bytes;
  } cases[] = {
      {Argon2_i, ARGON2_VERSION_13, salt16, 32},
      {Argon2_d, ARGON2_VERSION_13, salt16, 32},
      {Argon2_id, ARGON2_VERSION_10, salt16, 32},
      {Argon2_id, ARGON2_VERSION_13, "8bytesal", 32},
      {Argon2_id, ARGON2_VERSION_13, salt16, 16},
      {Argon2_id, ARGON2_VERSION_13, salt16 + salt16, 64},
  };
  const PasswordHasher hasher = Hasher();
  for (const auto& c : cases) {
    std::string encoded = LibraryEncoded(c.type, c.version, 2, 19456, 1,
                                         kPassword, c.salt, c.hash_bytes);
    if (c.version == ARGON2_VERSION_10) {
      // libargon2 writes "v=16" for version 0x10.
      ASSERT_TRUE(absl::StrContains(encoded, "$v=16$")) << encoded;
    }
    auto check = hasher.Verify(kPassword, encoded);
    ASSERT_TRUE(check.ok()) << encoded << ": " << check.status();
    EXPECT_TRUE(check->matches) << encoded;
    EXPECT_TRUE(check->needs_rehash) << encoded;
    EXPECT_FALSE(hasher.Verify("wrong", encoded)->matches) << encoded;
  }
  // The control: libargon2's own current encoding needs nothing.
  auto current =
      hasher.Verify(kPassword, LibraryEncoded(Argon2_id, ARGON2_VERSION_13, 2,
                                              19456, 1, kPassword, salt16, 32));
  ASSERT_TRUE(current.ok());
  EXPECT_TRUE(current->matches);
  EXPECT_FALSE(current->needs_rehash);
}

TEST(PasswordHasherTest, PasswordLimits) {
  const PasswordHasher hasher = Hasher();
  const std::string longest(kMaxPasswordBytes, 'p');
  auto stored = hasher.Hash(longest);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(hasher.Verify(longest, *stored)->matches);
  EXPECT_TRUE(hasher.Hash("a").ok());

  const std::string nul("pass\0word", 9);
  for (const std::string& refused :
       {std::string(), std::string(kMaxPasswordBytes + 1, 'p'), nul,
        std::string(1, '\0'), std::string("s3cr3t\0", 7),
        std::string(1 << 20, 'p')}) {
    auto hash = hasher.Hash(refused);
    EXPECT_EQ(hash.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(absl::StrContains(hash.status().message(), "s3cr3t"));
    EXPECT_FALSE(absl::StrContains(hash.status().message(), "pp"));
    EXPECT_EQ(ValidatePassword(refused).code(),
              absl::StatusCode::kInvalidArgument);
    // Verify reports them as mismatches, not errors: no stored hash can have
    // come from them.
    auto check = hasher.Verify(refused, *stored);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_FALSE(check->matches);
  }
  // A C-string on the way would turn "pass\0word" into "pass": the NUL
  // password must not match a hash of its prefix.
  const std::string pass = *hasher.Hash("pass");
  EXPECT_FALSE(hasher.Verify(nul, pass)->matches);
  // A password over the limit whose first 1024 bytes are right must not
  // match (no silent truncation).
  EXPECT_FALSE(hasher.Verify(longest + "p", *stored)->matches);
  // Bytes are hashed as given: no normalization of UTF-8.
  const std::string composed = *hasher.Hash("caf\xc3\xa9");
  EXPECT_FALSE(hasher.Verify("cafe\xcc\x81", composed)->matches);
  EXPECT_TRUE(hasher.Verify("caf\xc3\xa9", composed)->matches);
}

TEST(PasswordHasherTest, WeakOrOversizedConfigurationsAreRefused) {
  EXPECT_TRUE(ValidateArgon2Params({}).ok());
  // OWASP 2023's rows are all accepted.
  for (const Argon2Params& ok :
       {Argon2Params{47104, 1, 1}, Argon2Params{19456, 2, 1},
        Argon2Params{12288, 3, 1}, Argon2Params{9216, 4, 1},
        Argon2Params{7168, 5, 1}, Argon2Params{1048576, 32, 16}}) {
    EXPECT_TRUE(ValidateArgon2Params(ok).ok())
        << ok.memory_kib << "," << ok.iterations << "," << ok.parallelism;
  }
  for (const Argon2Params& bad : {
           Argon2Params{7167, 6, 1},     // Memory below 7 MiB.
           Argon2Params{8, 1, 1},        //
           Argon2Params{0, 2, 1},        //
           Argon2Params{8192, 4, 1},     // 32768 < 35840 KiB-passes.
           Argon2Params{19456, 1, 1},    //
           Argon2Params{35839, 1, 1},    //
           Argon2Params{1048577, 2, 1},  // Above 1 GiB.
           Argon2Params{4194304, 2, 1},  // 4 GiB.
           Argon2Params{19456, 0, 1},    // Iterations.
           Argon2Params{19456, 33, 1},   //
           Argon2Params{19456, 2, 0},    // Lanes.
           Argon2Params{19456, 2, 17},   //
       }) {
    EXPECT_EQ(ValidateArgon2Params(bad).code(),
              absl::StatusCode::kInvalidArgument)
        << bad.memory_kib << "," << bad.iterations << "," << bad.parallelism;
    EXPECT_EQ(PasswordHasher::Create(bad, SystemRandom()).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(PasswordHasher::Create({}, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PasswordHasherTest, ParallelismAboveOneWorks) {
  const PasswordHasher hasher = Hasher({19456, 2, 4});
  const std::string stored = *hasher.Hash(kPassword);
  EXPECT_TRUE(absl::StrContains(stored, "m=19456,t=2,p=4"));
  EXPECT_TRUE(hasher.Verify(kPassword, stored)->matches);
  EXPECT_FALSE(hasher.Verify("wrong", stored)->matches);
}

// Unknown users cost what a wrong password costs. A loose bound: the same
// work, so well within a factor of four of each other; a dummy that skipped
// Argon2 would take microseconds instead of tens of milliseconds.
TEST(PasswordHasherTest, DummyVerifyCostsWhatAVerifyCosts) {
  const PasswordHasher hasher = Hasher();
  const std::string stored = *hasher.Hash(kPassword);
  const auto median = [](std::vector<absl::Duration> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::vector<absl::Duration> real, dummy;
  for (int i = 0; i < 5; ++i) {
    absl::Time start = absl::Now();
    ASSERT_FALSE(hasher.Verify("wrong password", stored)->matches);
    real.push_back(absl::Now() - start);
    start = absl::Now();
    hasher.VerifyDummy("wrong password");
    dummy.push_back(absl::Now() - start);
  }
  EXPECT_GT(median(dummy), median(real) / 4);
  EXPECT_LT(median(dummy), median(real) * 4);
}

}  // namespace
}  // namespace identity::server
