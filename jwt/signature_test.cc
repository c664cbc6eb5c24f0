#include "jwt/signature.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

// Keys keep one initialized context per (algorithm, operation) and copy it for
// each signature (evp_key.h). Many threads signing and verifying with the same
// keys must all succeed, and a wrong message must still fail after the template
// exists.
TEST(SignatureTest, ConcurrentSignAndVerifyShareKeyContexts) {
  std::vector<Algorithm> algs = {Algorithm::kES256, Algorithm::kRS256,
                                 Algorithm::kPS256, Algorithm::kEdDSA,
                                 Algorithm::kES384};
  std::vector<Jwk> keys;
  std::vector<Jwk> public_keys;
  for (Algorithm alg : algs) {
    keys.push_back(*Jwk::Generate(alg));
    public_keys.push_back(keys.back().PublicKey());
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        const size_t k = (t + i) % algs.size();
        const std::string data = absl::StrCat("message ", t, " ", i);
        auto sig = SignBytes(algs[k], keys[k], data);
        if (!sig.ok() ||
            !VerifyBytes(algs[k], public_keys[k], data, *sig).ok() ||
            ReasonOf(VerifyBytes(algs[k], public_keys[k], data + "!", *sig)) !=
                Reason::kSignatureInvalid) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(SignatureTest, KeyOfAnotherTypeIsRefused) {
  auto ec = Jwk::Generate(Algorithm::kES256);
  EXPECT_EQ(ReasonOf(SignBytes(Algorithm::kRS256, *ec, "x").status()),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(ReasonOf(VerifyBytes(Algorithm::kES384, ec->PublicKey(), "x",
                                 std::string(96, 1))),
            Reason::kKeyAlgMismatch);
  EXPECT_EQ(
      ReasonOf(SignBytes(Algorithm::kES256, ec->PublicKey(), "x").status()),
      Reason::kKeyNotPrivate);
}

TEST(SignatureTest, WrongLengthsAreNamed) {
  auto rsa = Jwk::Generate(Algorithm::kRS256);
  EXPECT_EQ(
      ReasonOf(VerifyBytes(Algorithm::kRS256, *rsa, "x", std::string(255, 1))),
      Reason::kSignatureLengthInvalid);
  auto ed = Jwk::Generate(Algorithm::kEdDSA);
  EXPECT_EQ(
      ReasonOf(VerifyBytes(Algorithm::kEdDSA, *ed, "x", std::string(63, 1))),
      Reason::kSignatureLengthInvalid);
  auto hs = Jwk::Generate(Algorithm::kHS256);
  EXPECT_EQ(
      ReasonOf(VerifyBytes(Algorithm::kHS256, *hs, "x", std::string(31, 1))),
      Reason::kSignatureLengthInvalid);
  EXPECT_EQ(
      ReasonOf(VerifyBytes(Algorithm::kHS256, *hs, "x", std::string(32, 1))),
      Reason::kSignatureInvalid);
}

}  // namespace
}  // namespace identity::jwt
