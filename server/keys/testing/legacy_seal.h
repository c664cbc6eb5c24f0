// Test-only: a value sealed in version 1, as the server wrote private keys
// before KEK rotation existed (0x01 ‖ nonce ‖ AES-256-GCM(kek, nonce,
// aad = context) ‖ tag), to check that such values still open and are
// re-sealed.
#ifndef IDENTITY_SERVER_KEYS_TESTING_LEGACY_SEAL_H_
#define IDENTITY_SERVER_KEYS_TESTING_LEGACY_SEAL_H_

#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <string>

namespace identity::server::testing {

// The nonce is fixed (0x5a bytes): tests only.
inline std::string SealVersion1(const std::string& kek,
                                const std::string& plaintext,
                                const std::string& context) {
  std::string out(1 + 12 + plaintext.size() + 16, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  o[0] = 0x01;
  std::memset(o + 1, 0x5a, 12);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(
      EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                     reinterpret_cast<const uint8_t*>(kek.data()), o + 1);
  EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                    reinterpret_cast<const uint8_t*>(context.data()),
                    static_cast<int>(context.size()));
  EVP_EncryptUpdate(ctx.get(), o + 13, &len,
                    reinterpret_cast<const uint8_t*>(plaintext.data()),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), o + 13 + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, o + out.size() - 16);
  return out;
}

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_KEYS_TESTING_LEGACY_SEAL_H_
