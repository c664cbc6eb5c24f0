#include "jwt/signature.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jwt/evp_key.h"
#include "jwt/openssl_ptr.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

const uint8_t* Bytes(absl::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

// Curve parameters ECDSA's JWS encoding needs: the field size (r and s are each
// that long, RFC 7518 §3.4) and the group order, big-endian at that size.
struct CurveInfo {
  size_t field_bytes = 0;
  std::string order;
};

const CurveInfo& CurveInfoFor(absl::string_view crv) {
  static const auto* const kCurves = [] {
    auto* curves = new std::vector<std::pair<std::string, CurveInfo>>;
    for (const auto& [name, nid, size] :
         {std::tuple{"P-256", NID_X9_62_prime256v1, 32},
          std::tuple{"P-384", NID_secp384r1, 48},
          std::tuple{"P-521", NID_secp521r1, 66}}) {
      CurveInfo info;
      info.field_bytes = size;
      info.order.assign(size, '\0');
      EcGroupPtr group(EC_GROUP_new_by_curve_name(nid));
      if (group) {
        BN_bn2binpad(EC_GROUP_get0_order(group.get()),
                     reinterpret_cast<uint8_t*>(info.order.data()), size);
      }
      curves->emplace_back(name, std::move(info));
    }
    return curves;
  }();
  static const CurveInfo kNone;
  for (const auto& [name, info] : *kCurves) {
    if (name == crv) return info;
  }
  return kNone;
}

// Reads one DER INTEGER (non-negative, as ECDSA produces) into a fixed-size
// big-endian field.
bool ReadDerInteger(absl::string_view* der, char* out, size_t size) {
  if (der->size() < 2 || (*der)[0] != 0x02) return false;
  size_t len = static_cast<uint8_t>((*der)[1]);
  if (len > 0x7f || der->size() < 2 + len || len == 0) return false;
  absl::string_view value = der->substr(2, len);
  der->remove_prefix(2 + len);
  while (!value.empty() && value[0] == '\0') value.remove_prefix(1);
  if (value.size() > size) return false;
  std::memset(out, 0, size - value.size());
  std::memcpy(out + size - value.size(), value.data(), value.size());
  return true;
}

void AppendDerInteger(absl::string_view value, std::string* out) {
  while (value.size() > 1 && value[0] == '\0') value.remove_prefix(1);
  const bool pad = static_cast<uint8_t>(value[0]) & 0x80;
  out->push_back(0x02);
  out->push_back(static_cast<char>(value.size() + (pad ? 1 : 0)));
  if (pad) out->push_back('\0');
  out->append(value.data(), value.size());
}

absl::Status CheckKeyType(Algorithm alg, const Jwk& key) {
  if (KeyTypeFor(alg) != key.kty() ||
      (key.kty() == KeyType::kEC && CurveFor(alg) != key.crv())) {
    return MakeError(Reason::kKeyAlgMismatch,
                     "the key's type or curve cannot do this algorithm");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Hmac(Algorithm alg, const Jwk& key,
                                 absl::string_view data) {
  uint8_t out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(EvpDigestFor(alg), key.secret().data(), key.secret().size(),
           Bytes(data), data.size(), out, &out_len) == nullptr) {
    return CryptoError("HMAC failed");
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

// DER ECDSA-Sig-Value (what EVP produces) -> fixed-size r‖s (RFC 7518 §3.4).
// Done by hand: the library's d2i/BIGNUM round trip costs more than a tenth of
// an ES256 signature.
absl::StatusOr<std::string> DerToRaw(absl::string_view der,
                                     size_t field_bytes) {
  std::string raw(2 * field_bytes, '\0');
  size_t len = der.size() >= 2 ? static_cast<uint8_t>(der[1]) : 0;
  size_t header = 2;
  if (len == 0x81 && der.size() >= 3) {
    len = static_cast<uint8_t>(der[2]);
    header = 3;
  }
  if (der.size() < 2 || der[0] != 0x30 || der.size() != header + len) {
    return CryptoError("bad ECDSA signature from the library");
  }
  der.remove_prefix(header);
  if (!ReadDerInteger(&der, raw.data(), field_bytes) ||
      !ReadDerInteger(&der, raw.data() + field_bytes, field_bytes) ||
      !der.empty()) {
    return CryptoError("bad ECDSA signature from the library");
  }
  return raw;
}

// Fixed-size r‖s -> DER, after the range checks the raw form lets us do
// exactly.
absl::StatusOr<std::string> RawToDer(const Jwk& key, absl::string_view raw) {
  const CurveInfo& curve = CurveInfoFor(key.crv());
  const size_t size = curve.field_bytes;
  if (raw.size() != 2 * size) {
    return MakeError(
        Reason::kSignatureLengthInvalid,
        "ECDSA signature is not exactly r || s of the curve's size");
  }
  const absl::string_view r = raw.substr(0, size);
  const absl::string_view s = raw.substr(size);
  // 0 < r, s < n (FIPS 186-4 §6.4.2); r = s = 0 is the "psychic signature"
  // (CVE-2022-21449). Equal-length big-endian strings compare like the numbers
  // they encode.
  const auto in_range = [&curve](absl::string_view v) {
    return v.find_first_not_of('\0') != absl::string_view::npos &&
           v < curve.order;
  };
  if (!in_range(r) || !in_range(s)) {
    return MakeError(Reason::kSignatureRangeInvalid,
                     "ECDSA r or s is out of range");
  }
  std::string body;
  body.reserve(2 * size + 6);
  AppendDerInteger(r, &body);
  AppendDerInteger(s, &body);
  std::string der;
  der.reserve(body.size() + 3);
  der.push_back(0x30);
  if (body.size() > 0x7f) der.push_back(static_cast<char>(0x81));
  der.push_back(static_cast<char>(body.size()));
  der.append(body);
  return der;
}

}  // namespace

absl::StatusOr<std::string> SignBytes(Algorithm alg, const Jwk& key,
                                      absl::string_view data) {
  if (absl::Status status = CheckKeyType(alg, key); !status.ok()) return status;
  if (!key.is_private()) {
    return MakeError(Reason::kKeyNotPrivate, "signing needs a private key");
  }
  if (key.kty() == KeyType::kOct) return Hmac(alg, key, data);

  EvpMdCtxPtr ctx = key.evp_key()->NewContext(alg, KeyOperation::kSign);
  if (!ctx) {
    return CryptoError("cannot initialise signing");
  }
  // EVP_PKEY_size bounds every signature of the key (DER ECDSA included).
  size_t len = EVP_PKEY_size(key.pkey());
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<uint8_t*>(sig.data()), &len,
                     Bytes(data), data.size()) != 1) {
    return CryptoError("signing failed");
  }
  sig.resize(len);
  if (key.kty() == KeyType::kEC) {
    return DerToRaw(sig, CurveInfoFor(key.crv()).field_bytes);
  }
  return sig;
}

absl::Status VerifyBytes(Algorithm alg, const Jwk& key, absl::string_view data,
                         absl::string_view signature) {
  if (absl::Status status = CheckKeyType(alg, key); !status.ok()) return status;

  if (key.kty() == KeyType::kOct) {
    auto expected = Hmac(alg, key, data);
    if (!expected.ok()) return expected.status();
    if (signature.size() != expected->size()) {
      return MakeError(Reason::kSignatureLengthInvalid,
                       "HMAC tag has the wrong length");
    }
    if (CRYPTO_memcmp(expected->data(), signature.data(), signature.size()) !=
        0) {
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
        return MakeError(Reason::kSignatureLengthInvalid,
                         "Ed25519 signatures are 64 bytes");
      }
      break;
    case KeyType::kOct:
      break;
  }

  EvpMdCtxPtr ctx = key.evp_key()->NewContext(alg, KeyOperation::kVerify);
  if (!ctx) {
    return CryptoError("cannot initialise verification");
  }
  const int ok = EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(),
                                  Bytes(data), data.size());
  if (ok != 1) {
    // Leave nothing in the thread's error queue: TLS code sharing the thread
    // reads it.
    ERR_clear_error();
    return MakeError(Reason::kSignatureInvalid, "signature does not verify");
  }
  return absl::OkStatus();
}

}  // namespace identity::jwt
