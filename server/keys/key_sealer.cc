#include "server/keys/key_sealer.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "server/keys/key_derivation.h"

namespace identity::server {
namespace {

constexpr uint8_t kVersion1 = 0x01;
constexpr uint8_t kVersion2 = 0x02;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kHeader2 = 1 + KeySealer::kKekIdSize;

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

std::string RawKekId(absl::string_view kek) {
  return DeriveSubkey(kek, "identity kek id v1")
      .substr(0, KeySealer::kKekIdSize);
}

// AES-256-GCM decryption of nonce ‖ ciphertext ‖ tag (`body`). Errors:
// DataLoss when it does not authenticate.
absl::StatusOr<std::string> Decrypt(absl::string_view kek,
                                    absl::string_view body,
                                    absl::string_view associated_data) {
  const absl::string_view nonce = body.substr(0, kNonceSize);
  const absl::string_view ciphertext =
      body.substr(kNonceSize, body.size() - kNonceSize - kTagSize);
  std::string tag(body.substr(body.size() - kTagSize));
  std::string plaintext(ciphertext.size(), '\0');
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(kek),
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

absl::Status CheckForm(absl::string_view sealed) {
  if (sealed.empty()) return absl::InvalidArgumentError("sealed value empty");
  const uint8_t version = static_cast<uint8_t>(sealed[0]);
  const size_t header = version == kVersion2 ? kHeader2 : 1;
  if (version != kVersion1 && version != kVersion2) {
    return absl::InvalidArgumentError("sealed value of an unknown version");
  }
  if (sealed.size() < header + kNonceSize + kTagSize) {
    return absl::InvalidArgumentError("sealed value too short");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KeySealer> KeySealer::Create(std::string kek,
                                            RandomSource random) {
  KekRing ring;
  ring.current = std::move(kek);
  return Create(std::move(ring), std::move(random));
}

absl::StatusOr<KeySealer> KeySealer::Create(KekRing ring, RandomSource random) {
  if (!random) return absl::InvalidArgumentError("no random source");
  std::vector<Kek> keks;
  absl::flat_hash_set<std::string> ids;
  auto add = [&](std::string key, KekRole role) -> absl::Status {
    if (key.size() != kKekSize) {
      return absl::InvalidArgumentError(
          "the key-encryption key must be 32 bytes (AES-256)");
    }
    std::string id = RawKekId(key);
    if (!ids.insert(id).second) {
      return absl::InvalidArgumentError(absl::StrCat("the key-encryption key ",
                                                     absl::BytesToHexString(id),
                                                     " is configured twice"));
    }
    keks.push_back(Kek{std::move(key), std::move(id), role});
    return absl::OkStatus();
  };
  if (absl::Status s = add(std::move(ring.current), KekRole::kCurrent);
      !s.ok()) {
    return s;
  }
  for (std::string& kek : ring.previous) {
    if (absl::Status s = add(std::move(kek), KekRole::kPrevious); !s.ok()) {
      return s;
    }
  }
  for (std::string& kek : ring.next) {
    if (absl::Status s = add(std::move(kek), KekRole::kNext); !s.ok()) return s;
  }
  return KeySealer(std::move(keks), std::move(random));
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

std::string KeySealer::KekId(absl::string_view kek) {
  return absl::BytesToHexString(RawKekId(kek));
}

std::string KeySealer::current_kek_id() const {
  return absl::BytesToHexString(keks_.front().id);
}

absl::StatusOr<std::string> KeySealer::Seal(
    absl::string_view plaintext, absl::string_view associated_data) const {
  const Kek& kek = keks_.front();
  std::string out(kHeader2 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  o[0] = kVersion2;
  kek.id.copy(out.data() + 1, kKekIdSize);
  const std::string aad =
      absl::StrCat(out.substr(0, kHeader2), associated_data);
  uint8_t* nonce = o + kHeader2;
  random_(nonce, kNonceSize);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(kek.key),
                         nonce) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad),
                        static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nonce + kNonceSize, &len, Bytes(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          o + out.size() - kTagSize) != 1) {
    return CryptoError("sealing failed");
  }
  return out;
}

absl::StatusOr<std::pair<KeySealer::Opened, const KeySealer::Kek*>>
KeySealer::OpenAndFind(absl::string_view sealed,
                       absl::string_view associated_data) const {
  if (absl::Status form = CheckForm(sealed); !form.ok()) return form;
  if (static_cast<uint8_t>(sealed[0]) == kVersion1) {
    // Names no KEK: the one that authenticates it sealed it.
    for (const Kek& kek : keks_) {
      auto plaintext = Decrypt(kek.key, sealed.substr(1), associated_data);
      if (plaintext.ok()) {
        return std::make_pair(Opened{*std::move(plaintext), kek.role, 1}, &kek);
      }
      if (plaintext.status().code() != absl::StatusCode::kDataLoss) {
        return plaintext.status();
      }
    }
    return absl::DataLossError(
        "sealed value (version 1) opens under none of the configured "
        "key-encryption keys (altered, other KEK or context)");
  }
  const absl::string_view id = sealed.substr(1, kKekIdSize);
  for (const Kek& kek : keks_) {
    if (kek.id != id) continue;
    auto plaintext =
        Decrypt(kek.key, sealed.substr(kHeader2),
                absl::StrCat(sealed.substr(0, kHeader2), associated_data));
    if (!plaintext.ok()) return plaintext.status();
    return std::make_pair(Opened{*std::move(plaintext), kek.role, 2}, &kek);
  }
  return absl::FailedPreconditionError(
      absl::StrCat("sealed under the key-encryption key ",
                   absl::BytesToHexString(id), ", which is not configured"));
}

absl::StatusOr<KeySealer::Opened> KeySealer::OpenWithRole(
    absl::string_view sealed, absl::string_view associated_data) const {
  auto found = OpenAndFind(sealed, associated_data);
  if (!found.ok()) return found.status();
  return std::move(found->first);
}

absl::StatusOr<std::string> KeySealer::Open(
    absl::string_view sealed, absl::string_view associated_data) const {
  auto opened = OpenWithRole(sealed, associated_data);
  if (!opened.ok()) return opened.status();
  return std::move(opened->plaintext);
}

std::string KeySealer::DeriveFromCurrentKek(absl::string_view label) const {
  return DeriveSubkey(keks_.front().key, label);
}

absl::StatusOr<std::string> KeySealer::DeriveFromSealingKek(
    absl::string_view sealed, absl::string_view associated_data,
    absl::string_view label) const {
  auto found = OpenAndFind(sealed, associated_data);
  if (!found.ok()) return found.status();
  OPENSSL_cleanse(found->first.plaintext.data(), found->first.plaintext.size());
  return DeriveSubkey(found->second->key, label);
}

absl::StatusOr<std::string> KeySealer::SealedKekId(absl::string_view sealed) {
  if (absl::Status form = CheckForm(sealed); !form.ok()) return form;
  if (static_cast<uint8_t>(sealed[0]) == kVersion1) return std::string();
  return absl::BytesToHexString(sealed.substr(1, kKekIdSize));
}

}  // namespace identity::server
