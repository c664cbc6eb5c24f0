// Owning smart pointers for every OpenSSL/BoringSSL object the JOSE library
// touches (nothing else in jwt/ calls a *_free function), and CryptoError, the
// one way to report a failure of the crypto library. Include it from .cc
// files only: it must not reach the headers that code outside jwt/ includes
// (see the deprecation note below).
//
// The crypto code uses only the API that BoringSSL and OpenSSL 3 share. Some of
// it (RSA, EC_KEY) is marked deprecated in OpenSSL 3 but remains supported
// there; the build defines OPENSSL_SUPPRESS_DEPRECATED for jwt/ rather than
// keep a second, OpenSSL-3-only code path.
#ifndef IDENTITY_JWT_OPENSSL_PTR_H_
#define IDENTITY_JWT_OPENSSL_PTR_H_

// Internal to jwt/: jwt/BUILD.bazel defines IDENTITY_JWT_INTERNAL for the
// library and its own tests only, so code elsewhere that includes this header
// fails to compile instead of depending on the crypto plumbing.
#ifndef IDENTITY_JWT_INTERNAL
#error "jwt/openssl_ptr.h is internal to jwt/: use the public headers"
#endif

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "jwt/status.h"

namespace identity::jwt {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* p) const { Free(p); }
};

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using EcKeyPtr = OpenSslPtr<EC_KEY, EC_KEY_free>;
using EcGroupPtr = OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using RsaPtr = OpenSslPtr<RSA, RSA_free>;

// A failure of the crypto library itself (kCryptoFailure). The thread's error
// queue is emptied: TLS code sharing the thread reads that queue.
inline absl::Status CryptoError(absl::string_view message) {
  ERR_clear_error();
  return MakeError(Reason::kCryptoFailure, message);
}

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_OPENSSL_PTR_H_
