// Proves which crypto library this test binary was built against: jwt_test
// links OpenSSL 3, jwt_boringssl_test links BoringSSL (BUILD.bazel passes
// IDENTITY_EXPECT_BORINGSSL).
#include <openssl/crypto.h>

#include "gtest/gtest.h"

namespace {

TEST(CryptoBackendTest, LinksTheExpectedLibrary) {
#if defined(IDENTITY_EXPECT_BORINGSSL)
#if !defined(OPENSSL_IS_BORINGSSL)
  FAIL() << "built against OpenSSL headers, expected BoringSSL";
#endif
#else
#if defined(OPENSSL_IS_BORINGSSL)
  FAIL() << "built against BoringSSL headers, expected OpenSSL 3";
#else
  EXPECT_GE(OPENSSL_VERSION_NUMBER, 0x30000000L);
  EXPECT_EQ(OpenSSL_version_num() >> 28, 3u)
      << OpenSSL_version(OPENSSL_VERSION);
#endif
#endif
}

}  // namespace
