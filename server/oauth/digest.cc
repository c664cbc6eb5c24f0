#include "server/oauth/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace identity::server {
namespace {

// Fetched once, kept for the process's life. A failure here means OpenSSL's
// default provider is missing: nothing of the server could work.
const EVP_MD* FetchedSha256() {
  static EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return md;
}

EVP_MAC* FetchedHmac() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) std::abort();
    return fetched;
  }();
  return mac;
}

}  // namespace

Sha256Digest Sha256(absl::string_view data) {
  // One context per thread, reset for each digest: no allocation per call.
  thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Sha256Digest digest;
  unsigned int size = 0;
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), FetchedSha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &size) != 1 ||
      size != digest.size()) {
    std::abort();  // Only on allocation failure.
  }
  return digest;
}

std::string Sha256String(absl::string_view data) {
  const Sha256Digest digest = Sha256(data);
  return std::string(reinterpret_cast<const char*>(digest.data()),
                     digest.size());
}

struct HmacSha256::Keyed {
  ~Keyed() {
    for (EVP_MAC_CTX* ctx : free) EVP_MAC_CTX_free(ctx);
    EVP_MAC_CTX_free(keyed);
  }
  // Keyed at construction, never used for a MAC: the source of copies.
  EVP_MAC_CTX* keyed = nullptr;
  absl::Mutex mu;
  // Keyed contexts between two Macs; at most kMaxFree are kept.
  std::vector<EVP_MAC_CTX*> free ABSL_GUARDED_BY(mu);
  static constexpr size_t kMaxFree = 16;
};

HmacSha256::HmacSha256(absl::string_view key)
    : keyed_(std::make_shared<Keyed>()) {
  keyed_->keyed = EVP_MAC_CTX_new(FetchedHmac());
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // An empty key still needs a non-null pointer for EVP_MAC_init to key.
  static const unsigned char kEmpty = 0;
  const auto* bytes = key.empty()
                          ? &kEmpty
                          : reinterpret_cast<const unsigned char*>(key.data());
  if (keyed_->keyed == nullptr ||
      EVP_MAC_init(keyed_->keyed, bytes, key.size(), params) != 1) {
    std::abort();
  }
}

Sha256Digest HmacSha256::Mac(absl::string_view data) const {
  EVP_MAC_CTX* ctx = nullptr;
  {
    absl::MutexLock lock(&keyed_->mu);
    if (!keyed_->free.empty()) {
      ctx = keyed_->free.back();
      keyed_->free.pop_back();
    }
  }
  // A copy only reads the keyed state: concurrent copies are safe.
  if (ctx == nullptr) ctx = EVP_MAC_CTX_dup(keyed_->keyed);
  Sha256Digest mac;
  size_t size = 0;
  // A null key restarts the MAC under the key the context holds.
  const bool ok =
      ctx != nullptr && EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1 &&
      EVP_MAC_final(ctx, mac.data(), &size, mac.size()) == 1 &&
      size == mac.size();
  if (!ok) std::abort();  // Only on allocation failure.
  {
    absl::MutexLock lock(&keyed_->mu);
    if (keyed_->free.size() < Keyed::kMaxFree) {
      keyed_->free.push_back(ctx);
      ctx = nullptr;
    }
  }
  EVP_MAC_CTX_free(ctx);  // Null when kept.
  return mac;
}

}  // namespace identity::server
