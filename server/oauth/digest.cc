#include "server/oauth/digest.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

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
  Sha256Digest digest;
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &size,
                 FetchedSha256(), nullptr) != 1 ||
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

HmacSha256::HmacSha256(absl::string_view key) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(FetchedHmac());
  char digest_name[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // An empty key still needs a non-null pointer for EVP_MAC_init to key.
  static const unsigned char kEmpty = 0;
  const auto* bytes = key.empty()
                          ? &kEmpty
                          : reinterpret_cast<const unsigned char*>(key.data());
  if (ctx == nullptr || EVP_MAC_init(ctx, bytes, key.size(), params) != 1) {
    std::abort();
  }
  keyed_ =
      std::shared_ptr<const evp_mac_ctx_st>(ctx, [](const evp_mac_ctx_st* c) {
        EVP_MAC_CTX_free(const_cast<EVP_MAC_CTX*>(c));
      });
}

Sha256Digest HmacSha256::Mac(absl::string_view data) const {
  // EVP_MAC_CTX_dup only reads the keyed state: concurrent calls are safe.
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_.get());
  Sha256Digest mac;
  size_t size = 0;
  const bool ok =
      ctx != nullptr &&
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1 &&
      EVP_MAC_final(ctx, mac.data(), &size, mac.size()) == 1 &&
      size == mac.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) std::abort();  // Only on allocation failure.
  return mac;
}

}  // namespace identity::server
