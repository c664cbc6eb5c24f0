// The fetched-once digests against OpenSSL's one-shot functions and the
// RFC 4231 HMAC-SHA-256 vectors.
#include "server/oauth/digest.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

std::string Hex(const Sha256Digest& digest) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest.data()), digest.size()));
}

TEST(DigestTest, Sha256MatchesTheKnownVectors) {
  EXPECT_EQ(Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256String("abc").size(), 32u);
  EXPECT_EQ(absl::BytesToHexString(Sha256String("abc")), Hex(Sha256("abc")));
}

TEST(DigestTest, HmacSha256MatchesRfc4231) {
  // Test case 1: key 0x0b x 20, "Hi There".
  HmacSha256 one(std::string(20, '\x0b'));
  EXPECT_EQ(Hex(one.Mac("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: key "Jefe".
  HmacSha256 two("Jefe");
  EXPECT_EQ(Hex(two.Mac("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block (131 bytes of 0xaa).
  HmacSha256 six(std::string(131, '\xaa'));
  EXPECT_EQ(
      Hex(six.Mac("Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(DigestTest, OneKeyedStateServesManyMacsAndCopies) {
  HmacSha256 key("Jefe");
  const HmacSha256 copy = key;
  const std::string expected = Hex(key.Mac("what do ya want for nothing?"));
  EXPECT_EQ(Hex(key.Mac("what do ya want for nothing?")), expected);
  EXPECT_EQ(Hex(copy.Mac("what do ya want for nothing?")), expected);
  EXPECT_NE(Hex(key.Mac("something else")), expected);
  // A context reused from the free list, on new data, against OpenSSL's
  // one-shot HMAC.
  for (const std::string data : {"one", "two, longer than the first", ""}) {
    unsigned char reference[32];
    unsigned int length = 0;
    HMAC(EVP_sha256(), "Jefe", 4,
         reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reference, &length);
    EXPECT_EQ(Hex(key.Mac(data)),
              absl::BytesToHexString(absl::string_view(
                  reinterpret_cast<const char*>(reference), length)))
        << data;
  }
  // An empty key and empty data are valid HMAC inputs.
  unsigned char reference[32];
  unsigned int size = 0;
  HMAC(EVP_sha256(), "", 0, nullptr, 0, reference, &size);
  EXPECT_EQ(Hex(HmacSha256("").Mac("")),
            absl::BytesToHexString(absl::string_view(
                reinterpret_cast<const char*>(reference), size)));
}

TEST(DigestTest, ConcurrentCallersGetTheSameAnswers) {
  HmacSha256 key("a key shared by every thread of the server");
  const std::string mac = Hex(key.Mac("client secret"));
  const std::string digest = Hex(Sha256("a token"));
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        if (Hex(key.Mac("client secret")) != mac) ++wrong[t];
        if (Hex(Sha256("a token")) != digest) ++wrong[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace identity::server
