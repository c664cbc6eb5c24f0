// The crypto library's key object behind a Jwk, with the per-algorithm contexts
// that make each signature cheaper. Internal to jwt/: include from .cc files
// only (see openssl_ptr.h).
#ifndef IDENTITY_JWT_EVP_KEY_H_
#define IDENTITY_JWT_EVP_KEY_H_

// Internal to jwt/: jwt/BUILD.bazel defines IDENTITY_JWT_INTERNAL for the
// library and its own tests only, so code elsewhere that includes this header
// fails to compile instead of depending on the crypto plumbing.
#ifndef IDENTITY_JWT_INTERNAL
#error "jwt/evp_key.h is internal to jwt/: use the public headers"
#endif

#include <array>
#include <atomic>

#include "jwt/algorithm.h"
#include "jwt/jwk.h"
#include "jwt/openssl_ptr.h"

namespace identity::jwt {

// The digest `alg` hashes with; null for EdDSA, which hashes internally.
const EVP_MD* EvpDigestFor(Algorithm alg);

// Owns an EVP_PKEY. Immutable apart from the context templates, which it
// publishes atomically. Thread-safe.
class EvpKey {
 public:
  explicit EvpKey(EvpPkeyPtr pkey) : pkey_(std::move(pkey)) {}
  ~EvpKey();
  EvpKey(const EvpKey&) = delete;
  EvpKey& operator=(const EvpKey&) = delete;

  EVP_PKEY* get() const { return pkey_.get(); }

  // A context initialized for one EVP_DigestSign/EVP_DigestVerify with `alg`
  // (PSS parameters set), or null if the library refuses. OpenSSL 3 spends
  // about 3 µs in every EVP_Digest{Sign,Verify}Init looking up providers, as
  // much as a tenth of an RS256 verification, so the first call per (alg, op)
  // keeps an initialized template and later calls copy it. Where the library
  // cannot copy a context (it may not for Ed25519) each call initializes
  // afresh.
  EvpMdCtxPtr NewContext(Algorithm alg, KeyOperation op) const;

 private:
  static constexpr size_t kSlots =
      2 * 16;  // (algorithm, operation) pairs; 13 algorithms.

  EvpMdCtxPtr Initialize(Algorithm alg, KeyOperation op) const;

  EvpPkeyPtr
      pkey_;  // Declared first: outlives the templates, which reference it.
  mutable std::array<std::atomic<EVP_MD_CTX*>, kSlots> templates_{};
  mutable std::array<std::atomic<bool>, kSlots> cannot_copy_{};
};

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_EVP_KEY_H_
