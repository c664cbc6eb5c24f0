#include "server/users/argon2_phc.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

// The reference implementation's test vector (argon2 test.c, Argon2id v=19):
// password "password", salt "somesalt", m=65536, t=2, p=1.
constexpr absl::string_view kReference =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

// 16 zero bytes and 32 zero bytes in PHC B64.
constexpr absl::string_view kSalt16 = "AAAAAAAAAAAAAAAAAAAAAA";
constexpr absl::string_view kHash32 =
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

std::string WithParams(absl::string_view params) {
  return absl::StrCat("$argon2id$v=19$", params, "$", kSalt16, "$", kHash32);
}

absl::StatusCode ParseCode(absl::string_view text) {
  return ParseArgon2Phc(text).status().code();
}

TEST(Argon2PhcTest, ParsesTheReferenceVector) {
  auto phc = ParseArgon2Phc(kReference);
  ASSERT_TRUE(phc.ok()) << phc.status();
  EXPECT_EQ(phc->type, Argon2Type::kArgon2id);
  EXPECT_EQ(phc->version, kArgon2Version13);
  EXPECT_EQ(phc->memory_kib, 65536u);
  EXPECT_EQ(phc->iterations, 2u);
  EXPECT_EQ(phc->parallelism, 1u);
  EXPECT_EQ(phc->salt, "somesalt");
  EXPECT_EQ(phc->hash.size(), 32u);
  EXPECT_EQ(static_cast<uint8_t>(phc->hash[0]), 0x09);
  EXPECT_EQ(static_cast<uint8_t>(phc->hash[31]), 0xf7);
}

TEST(Argon2PhcTest, FormatIsTheInverseOfParse) {
  for (absl::string_view text :
       {kReference,
        absl::string_view("$argon2i$v=16$m=8,t=1,p=1$c29tZXNhbHQ$"
                          "AAAAAAAAAAAAAAAAAAAAAA"),
        absl::string_view("$argon2d$v=19$m=1048576,t=32,p=16$"
                          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUm"
                          "JygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw$"
                          "/////////////////////w")}) {
    auto phc = ParseArgon2Phc(text);
    ASSERT_TRUE(phc.ok()) << text << ": " << phc.status();
    EXPECT_EQ(FormatArgon2Phc(*phc), text);
  }
}

TEST(Argon2PhcTest, StandardAlphabetIsUsed) {
  Argon2Phc phc;
  phc.memory_kib = 19456;
  phc.iterations = 2;
  phc.parallelism = 1;
  phc.salt = std::string(16, '\xfb');  // 111110 111111 ...: '+' and '/'.
  phc.hash = std::string(32, '\xff');
  const std::string text = FormatArgon2Phc(phc);
  EXPECT_NE(text.find('+'), std::string::npos);
  EXPECT_NE(text.find('/'), std::string::npos);
  // No padding in the salt and hash (the last two fields).
  EXPECT_EQ(text.find('=', text.find("p=1$") + 4), std::string::npos) << text;
  auto parsed = ParseArgon2Phc(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->salt, phc.salt);
  EXPECT_EQ(parsed->hash, phc.hash);
}

TEST(Argon2PhcTest, RejectsMalformedStructure) {
  const std::string good = WithParams("m=19456,t=2,p=1");
  ASSERT_TRUE(ParseArgon2Phc(good).ok());
  for (const std::string& text : {
           std::string(""),
           std::string("$"),
           std::string("argon2id$v=19$m=19456,t=2,p=1$") + "AAAA",
           good.substr(1),  // No leading '$'.
           good + "$",      // Trailing field.
           good + "$AAAA",  // Extra field.
           " " + good,      // Whitespace.
           good + " ",
           good + "\n",
           good.substr(0, good.rfind('$')),  // No hash.
           absl::StrCat("$argon2id$v=19$m=19456,t=2,p=1$", kSalt16),
           absl::StrCat("$argon2id$v=19$m=19456,t=2,p=1$$", kHash32),
           absl::StrCat("$argon2id$v=19$m=19456,t=2,p=1$", kSalt16, "$"),
           absl::StrCat("$argon2id$$m=19456,t=2,p=1$", kSalt16, "$", kHash32),
           absl::StrCat("$argon2id$v=19$$", kSalt16, "$", kHash32),
           std::string(
               "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
           std::string("plaintext-password"),
           std::string(good.data(), 10) + '\0' + good.substr(10),
       }) {
    EXPECT_EQ(ParseCode(text), absl::StatusCode::kInvalidArgument)
        << "accepted: " << text;
  }
}

TEST(Argon2PhcTest, RejectsUnknownTypesAndVersions) {
  for (absl::string_view type :
       {"argon2", "Argon2id", "ARGON2ID", "argon2id ", "argon2x", "scrypt",
        "pbkdf2-sha256", "argon2ds"}) {
    EXPECT_EQ(ParseCode(absl::StrReplaceAll(WithParams("m=19456,t=2,p=1"),
                                            {{"argon2id", type}})),
              absl::StatusCode::kInvalidArgument)
        << type;
  }
  for (absl::string_view version :
       {"v=17", "v=20", "v=0", "v=", "v=019", "v=0x13", "V=19", "v:19", "v",
        "19", "v=19,v=19", "v=+19", "v=-19", "version=19", "v=4294967315"}) {
    EXPECT_EQ(ParseCode(absl::StrReplaceAll(WithParams("m=19456,t=2,p=1"),
                                            {{"v=19", version}})),
              absl::StatusCode::kInvalidArgument)
        << version;
  }
}

TEST(Argon2PhcTest, RejectsNonCanonicalParameters) {
  for (absl::string_view params : {
           "t=2,m=19456,p=1",      // Order.
           "m=19456,p=1,t=2",      //
           "m=19456,t=2",          // Missing p.
           "m=19456,t=2,p=1,",     // Empty extra.
           ",m=19456,t=2,p=1",     //
           "m=19456,,t=2,p=1",     //
           "m=19456,t=2,p=1,p=1",  // Repeated.
           "m=19456,t=2,p=1,keyid=AAAA",
           "m=19456,t=2,p=1,data=AAAA",
           "m=019456,t=2,p=1",  // Leading zero.
           "m=19456,t=02,p=1",
           "m=19456,t=2,p=01",
           "m=+19456,t=2,p=1",  // Sign.
           "m=-19456,t=2,p=1",
           "m= 19456,t=2,p=1",  // Whitespace.
           "m=19456 ,t=2,p=1",
           "m=19456, t=2,p=1",
           "m=,t=2,p=1",  // Empty value.
           "m=19456,t=,p=1",
           "m=1e4,t=2,p=1",  // Not decimal.
           "m=0x4c00,t=2,p=1",
           "m=19456.0,t=2,p=1",
           "M=19456,t=2,p=1",  // Case.
           "m19456,t=2,p=1",   // No '='.
           "m==19456,t=2,p=1",
           "mem=19456,t=2,p=1",
       }) {
    EXPECT_EQ(ParseCode(WithParams(params)), absl::StatusCode::kInvalidArgument)
        << params;
  }
}

TEST(Argon2PhcTest, RefusesParametersOutsideTheStoredBounds) {
  // A corrupted row must not make a verification allocate gigabytes or run
  // for minutes: these are refused before any hashing.
  for (absl::string_view params : {
           "m=1048577,t=2,p=1",      // Just above 1 GiB.
           "m=4194304,t=2,p=1",      // 4 GiB.
           "m=4294967295,t=2,p=1",   // UINT32_MAX.
           "m=4294967296,t=2,p=1",   // Overflows uint32.
           "m=99999999999,t=2,p=1",  // Eleven digits.
           "m=18446744073709551617,t=2,p=1",
           "m=19456,t=33,p=1",  // Iterations.
           "m=19456,t=4294967295,p=1",
           "m=19456,t=0,p=1",
           "m=19456,t=2,p=17",  // Lanes.
           "m=19456,t=2,p=16777215",
           "m=19456,t=2,p=0",
           "m=0,t=2,p=1",  // Memory below 8 * p (RFC 9106 §3.1).
           "m=7,t=2,p=1",
           "m=127,t=2,p=16",
       }) {
    EXPECT_EQ(ParseCode(WithParams(params)), absl::StatusCode::kInvalidArgument)
        << params;
  }
  EXPECT_TRUE(ParseArgon2Phc(WithParams("m=1048576,t=32,p=16")).ok());
  EXPECT_TRUE(ParseArgon2Phc(WithParams("m=128,t=1,p=16")).ok());
}

TEST(Argon2PhcTest, RejectsBadBase64) {
  const auto with = [](absl::string_view salt, absl::string_view hash) {
    return absl::StrCat("$argon2id$v=19$m=19456,t=2,p=1$", salt, "$", hash);
  };
  for (const std::string& text : {
           with("AAAAAAAAAAAAAAAAAAAAAA==", kHash32),  // Padding.
           with(kSalt16, absl::StrCat(kHash32, "=")),
           with("AAAAAAAAAAAAAAAAAAAAAB", kHash32),  // Trailing bits.
           with(kSalt16, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB"),
           with("AAAAAAAAAAAAAAAAAAAAA-", kHash32),  // base64url.
           with("AAAAAAAAAAAAAAAAAAAAA_", kHash32),
           with("AAAAAAAAAAA AAAAAAAAAA", kHash32),  // Whitespace.
           with("AAAAAAAAAAA\nAAAAAAAAAA", kHash32),
           with("AAAAAAAAAAA.AAAAAAAAAA", kHash32),
           with("AAAAAAAAAAAAAAAAAAAAAAAAA", kHash32),  // 1 mod 4.
           with("AAAAAAAAAAA\xc3\xa9"
                "AAAAAAAAA",
                kHash32),
       }) {
    EXPECT_EQ(ParseCode(text), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(Argon2PhcTest, BoundsSaltAndHashLengths) {
  const auto with = [](size_t salt_bytes, size_t hash_bytes) {
    Argon2Phc phc;
    phc.memory_kib = 19456;
    phc.iterations = 2;
    phc.parallelism = 1;
    phc.salt = std::string(salt_bytes, 's');
    phc.hash = std::string(hash_bytes, 'h');
    return FormatArgon2Phc(phc);
  };
  EXPECT_TRUE(ParseArgon2Phc(with(kMinSaltBytes, kMinHashBytes)).ok());
  EXPECT_TRUE(ParseArgon2Phc(with(kMaxSaltBytes, kMaxHashBytes)).ok());
  EXPECT_EQ(ParseCode(with(kMinSaltBytes - 1, 32)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(with(kMaxSaltBytes + 1, 32)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(with(16, kMinHashBytes - 1)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(with(16, kMaxHashBytes + 1)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(with(0, 32)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(with(16, 0)), absl::StatusCode::kInvalidArgument);
}

TEST(Argon2PhcTest, RefusesOverlongInputBeforeParsing) {
  const std::string huge =
      WithParams("m=19456,t=2,p=1") + std::string(kMaxPhcLength, 'A');
  EXPECT_EQ(ParseCode(huge), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseCode(std::string(1 << 20, '$')),
            absl::StatusCode::kInvalidArgument);
}

TEST(Argon2PhcTest, MessagesDoNotEchoSaltOrHash) {
  const std::string text = absl::StrCat(
      "$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdHNhbHQ$", kHash32, "=");
  auto phc = ParseArgon2Phc(text);
  ASSERT_FALSE(phc.ok());
  EXPECT_EQ(phc.status().message().find("c2VjcmV0"), absl::string_view::npos);
  EXPECT_EQ(phc.status().message().find(kHash32), absl::string_view::npos);
}

}  // namespace
}  // namespace identity::server
