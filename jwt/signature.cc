#include "jwt/signature.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <vector>

#include "jwt/openssl_ptr.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

const uint8_t* Bytes(absl::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

const EVP_MD* MdFor(Algorithm alg) {
  switch (DigestFor(alg)) {
    case Digest::kSha256:
      return EVP_sha256();
    case Digest::kSha384:
      return EVP_sha384();
    case Digest::kSha512:
      return EVP_sha512();
    case Digest::kNone:
      break;
  }
  return nullptr;
}

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPS256 || alg == Algorithm::kPS384 || alg == Algorithm::kPS512;
}

// RFC 7518 §3.5: PSS with MGF1 over the same hash and a salt as long as the hash.
bool ConfigurePss(EVP_PKEY_CTX* pctx, const EVP_MD* md) {
  return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1 /* RSA_PSS_SALTLEN_DIGEST */) > 0 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) > 0;
}

size_t EcFieldBytes(const Jwk& key) {
  const EC_GROUP* group = EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(key.pkey()));
  return (EC_GROUP_get_degree(group) + 7) / 8;
}

absl::Status CheckKeyType(Algorithm alg, const Jwk& key) {
  if (KeyTypeFor(alg) != key.kty() || (key.kty() == KeyType::kEC && CurveFor(alg) != key.crv())) {
    return MakeError(Reason::kKeyAlgMismatch, "the key's type or curve cannot do this algorithm");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Hmac(Algorithm alg, const Jwk& key, absl::string_view data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(MdFor(alg), key.secret().data(), key.secret().size(), Bytes(data), data.size(), out,
           &out_len) == nullptr) {
    return MakeError(Reason::kCryptoFailure, "HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

// DER ECDSA-Sig-Value -> fixed-size r‖s (RFC 7518 §3.4).
absl::StatusOr<std::string> DerToRaw(absl::string_view der, size_t field_bytes) {
  const uint8_t* p = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, der.size()));
  if (!sig) return MakeError(Reason::kCryptoFailure, "bad ECDSA signature from the library");
  const BIGNUM *r, *s;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * field_bytes, '\0');
  auto* out = reinterpret_cast<uint8_t*>(raw.data());
  if (BN_bn2binpad(r, out, field_bytes) < 0 ||
      BN_bn2binpad(s, out + field_bytes, field_bytes) < 0) {
    return MakeError(Reason::kCryptoFailure, "ECDSA signature does not fit");
  }
  return raw;
}

// Fixed-size r‖s -> DER, after the range checks the raw form allows us to do explicitly.
absl::StatusOr<std::string> RawToDer(const Jwk& key, absl::string_view raw) {
  const size_t field_bytes = EcFieldBytes(key);
  if (raw.size() != 2 * field_bytes) {
    return MakeError(Reason::kSignatureLengthInvalid,
                     "ECDSA signature is not exactly r‖s of the curve's size");
  }
  BignumPtr r(BN_bin2bn(Bytes(raw), field_bytes, nullptr));
  BignumPtr s(BN_bin2bn(Bytes(raw) + field_bytes, field_bytes, nullptr));
  if (!r || !s) return MakeError(Reason::kCryptoFailure, "out of memory");
  const BIGNUM* order = EC_GROUP_get0_order(EC_KEY_get0_group(EVP_PKEY_get0_EC_KEY(key.pkey())));
  // 0 < r, s < n (FIPS 186-4 §6.4.2); r = s = 0 is the "psychic signature" (CVE-2022-21449).
  if (BN_is_zero(r.get()) || BN_is_zero(s.get()) || BN_cmp(r.get(), order) >= 0 ||
      BN_cmp(s.get(), order) >= 0) {
    return MakeError(Reason::kSignatureRangeInvalid, "ECDSA r or s is out of range");
  }
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!sig || !ECDSA_SIG_set0(sig.get(), r.get(), s.get())) {
    return MakeError(Reason::kCryptoFailure, "out of memory");
  }
  r.release(), s.release();
  uint8_t* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return MakeError(Reason::kCryptoFailure, "cannot encode ECDSA signature");
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

}  // namespace

absl::StatusOr<std::string> SignBytes(Algorithm alg, const Jwk& key, absl::string_view data) {
  if (absl::Status status = CheckKeyType(alg, key); !status.ok()) return status;
  if (!key.is_private()) return MakeError(Reason::kKeyNotPrivate, "signing needs a private key");
  if (key.kty() == KeyType::kOct) return Hmac(alg, key, data);

  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = MdFor(alg);
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, key.pkey()) != 1 ||
      (IsPss(alg) && !ConfigurePss(pctx, md))) {
    return MakeError(Reason::kCryptoFailure, "cannot initialise signing");
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, Bytes(data), data.size()) != 1) {
    return MakeError(Reason::kCryptoFailure, "signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<uint8_t*>(sig.data()), &len, Bytes(data),
                     data.size()) != 1) {
    return MakeError(Reason::kCryptoFailure, "signing failed");
  }
  sig.resize(len);
  if (key.kty() == KeyType::kEC) return DerToRaw(sig, EcFieldBytes(key));
  return sig;
}

absl::Status VerifyBytes(Algorithm alg, const Jwk& key, absl::string_view data,
                         absl::string_view signature) {
  if (absl::Status status = CheckKeyType(alg, key); !status.ok()) return status;

  if (key.kty() == KeyType::kOct) {
    auto expected = Hmac(alg, key, data);
    if (!expected.ok()) return expected.status();
    if (signature.size() != expected->size()) {
      return MakeError(Reason::kSignatureLengthInvalid, "HMAC tag has the wrong length");
    }
    if (CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) != 0) {
      return MakeError(Reason::kSignatureInvalid, "signature does not verify");
    }
    return absl::OkStatus();
  }

  std::string der;
  switch (key.kty()) {
    case KeyType::kEC: {
      auto converted = RawToDer(key, signature);
      if (!converted.ok()) return converted.status();
      der = *std::move(converted);
      signature = der;
      break;
    }
    case KeyType::kRSA:
      if (signature.size() != static_cast<size_t>(EVP_PKEY_size(key.pkey()))) {
        return MakeError(Reason::kSignatureLengthInvalid,
                         "RSA signature is not the size of the modulus");
      }
      break;
    case KeyType::kOKP:
      if (signature.size() != 64) {
        return MakeError(Reason::kSignatureLengthInvalid, "Ed25519 signatures are 64 bytes");
      }
      break;
    case KeyType::kOct:
      break;
  }

  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = MdFor(alg);
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, key.pkey()) != 1 ||
      (IsPss(alg) && !ConfigurePss(pctx, md))) {
    return MakeError(Reason::kCryptoFailure, "cannot initialise verification");
  }
  const int ok = EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data),
                                  data.size());
  if (ok != 1) {
    // Leave nothing in the thread's error queue: TLS code sharing the thread reads it.
    ERR_clear_error();
    return MakeError(Reason::kSignatureInvalid, "signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace identity::jwt
