#include "server/keys/key_sealer.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "jwt/base64url.h"

namespace identity::server {
namespace {

constexpr uint8_t kVersion = 0x01;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

absl::Status CryptoError(absl::string_view what) {
  ERR_clear_error();
  return absl::InternalError(what);
}

}  // namespace

absl::StatusOr<KeySealer> KeySealer::Create(std::string kek,
                                            RandomSource random) {
  if (kek.size() != kKekSize) {
    return absl::InvalidArgumentError(
        "the key-encryption key must be 32 bytes (AES-256)");
  }
  if (!random) return absl::InvalidArgumentError("no random source");
  return KeySealer(std::move(kek), std::move(random));
}

absl::StatusOr<std::string> KeySealer::ParseKek(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  std::string kek;
  if (text.size() == 2 * kKekSize &&
      text.find_first_not_of("0123456789abcdefABCDEF") ==
          absl::string_view::npos) {
    kek = absl::HexStringToBytes(text);
  } else if (auto decoded = jwt::Base64UrlDecode(text); decoded.ok()) {
    kek = *std::move(decoded);
  } else {
    return absl::InvalidArgumentError(
        "the key-encryption key is neither 64 hex digits nor base64url");
  }
  if (kek.size() != kKekSize) {
    return absl::InvalidArgumentError(
        "the key-encryption key must decode to exactly 32 bytes");
  }
  return kek;
}

absl::StatusOr<std::string> KeySealer::Seal(
    absl::string_view plaintext, absl::string_view associated_data) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  o[0] = kVersion;
  uint8_t* nonce = o + 1;
  random_(nonce, kNonceSize);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(kek_),
                         nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nonce + kNonceSize, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          o + out.size() - kTagSize) != 1) {
    return CryptoError("sealing failed");
  }
  return out;
}

absl::StatusOr<std::string> KeySealer::Open(
    absl::string_view sealed, absl::string_view associated_data) const {
  if (sealed.size() < 1 + kNonceSize + kTagSize) {
    return absl::InvalidArgumentError("sealed value too short");
  }
  if (static_cast<uint8_t>(sealed[0]) != kVersion) {
    return absl::InvalidArgumentError("sealed value of an unknown version");
  }
  const absl::string_view nonce = sealed.substr(1, kNonceSize);
  const absl::string_view ciphertext =
      sealed.substr(1 + kNonceSize, sealed.size() - 1 - kNonceSize - kTagSize);
  std::string tag(sealed.substr(sealed.size() - kTagSize));
  std::string plaintext(ciphertext.size(), '\0');
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(kek_),
                         Bytes(nonce)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<uint8_t*>(plaintext.data()),
                        &len, Bytes(ciphertext),
                        static_cast<int>(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize,
                          tag.data()) != 1) {
    return CryptoError("opening failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(),
                          reinterpret_cast<uint8_t*>(plaintext.data()) + len,
                          &len) != 1) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return absl::DataLossError(
        "sealed value does not authenticate (altered, other KEK or context)");
  }
  return plaintext;
}

}  // namespace identity::server
