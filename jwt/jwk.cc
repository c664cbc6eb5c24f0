#include "jwt/jwk.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/evp_key.h"
#include "jwt/openssl_ptr.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;
constexpr size_t kEd25519KeySize = 32;

absl::Status Invalid(absl::string_view message) {
  return MakeError(Reason::kJwkInvalid, message);
}

// Reads an optional string member; kJwkInvalid when present with another type.
absl::StatusOr<std::optional<std::string>> OptionalString(
    const Json& json, absl::string_view name) {
  auto it = json.find(std::string(name));
  if (it == json.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Invalid(absl::StrCat("\"", name, "\" must be a string"));
  }
  return std::optional<std::string>(it->get<std::string>());
}

absl::StatusOr<std::string> RequiredString(const Json& json,
                                           absl::string_view name) {
  auto value = OptionalString(json, name);
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return Invalid(absl::StrCat("\"", name, "\" is missing"));
  }
  return **value;
}

// A base64url-encoded member decoded to bytes.
absl::StatusOr<std::optional<std::string>> OptionalBytes(
    const Json& json, absl::string_view name) {
  auto text = OptionalString(json, name);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return std::optional<std::string>();
  auto bytes = Base64UrlDecode(**text);
  if (!bytes.ok()) {
    return Invalid(
        absl::StrCat("\"", name, "\" is not canonical unpadded base64url"));
  }
  return std::optional<std::string>(*std::move(bytes));
}

absl::StatusOr<std::string> RequiredBytes(const Json& json,
                                          absl::string_view name) {
  auto bytes = OptionalBytes(json, name);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) {
    return Invalid(absl::StrCat("\"", name, "\" is missing"));
  }
  return **bytes;
}

BignumPtr ToBignum(absl::string_view bytes) {
  return BignumPtr(BN_bin2bn(reinterpret_cast<const uint8_t*>(bytes.data()),
                             bytes.size(), nullptr));
}

std::string BignumBytes(const BIGNUM* bn) {
  std::string out(BN_num_bytes(bn), '\0');
  BN_bn2bin(bn, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string BignumBytesPadded(const BIGNUM* bn, size_t size) {
  std::string out(size, '\0');
  BN_bn2binpad(bn, reinterpret_cast<uint8_t*>(out.data()), size);
  return out;
}

int CurveNid(absl::string_view crv) {
  if (crv == "P-256") return NID_X9_62_prime256v1;
  if (crv == "P-384") return NID_secp384r1;
  if (crv == "P-521") return NID_secp521r1;
  return NID_undef;
}

absl::string_view CurveName(int nid) {
  switch (nid) {
    case NID_X9_62_prime256v1:
      return "P-256";
    case NID_secp384r1:
      return "P-384";
    case NID_secp521r1:
      return "P-521";
  }
  return "";
}

size_t FieldBytes(const EC_GROUP* group) {
  return (EC_GROUP_get_degree(group) + 7) / 8;
}

// ROCA (CVE-2017-15361): Infineon's generator made primes p = k·M + (65537^a
// mod M), so a modulus is a power of 65537 modulo every small prime dividing M.
// A random modulus passes this test for all of these primes with negligible
// probability.
bool HasRocaFingerprint(const BIGNUM* n) {
  static constexpr BN_ULONG kPrimes[] = {
      3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,
      47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103,
      107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167};
  for (const BN_ULONG p : kPrimes) {
    const BN_ULONG residue = BN_mod_word(n, p);
    const BN_ULONG g = 65537 % p;
    BN_ULONG power = 1;
    bool in_subgroup = false;
    for (BN_ULONG i = 0; i < p; ++i) {
      if (power == residue) {
        in_subgroup = true;
        break;
      }
      power = (power * g) % p;
      if (power == 1) break;
    }
    if (!in_subgroup && power != residue) return false;
  }
  return true;
}

absl::StatusOr<std::optional<std::vector<std::string>>> ParseKeyOps(
    const Json& json) {
  auto it = json.find("key_ops");
  if (it == json.end()) return std::optional<std::vector<std::string>>();
  if (!it->is_array()) {
    return Invalid("\"key_ops\" must be an array of strings");
  }
  std::vector<std::string> ops;
  std::set<std::string> seen;
  for (const Json& op : *it) {
    if (!op.is_string()) {
      return Invalid("\"key_ops\" must be an array of strings");
    }
    // RFC 7517 §4.3: duplicate key operation values MUST NOT be present.
    if (!seen.insert(op.get<std::string>()).second) {
      return Invalid("\"key_ops\" repeats a value");
    }
    ops.push_back(op.get<std::string>());
  }
  return std::optional<std::vector<std::string>>(std::move(ops));
}

// Public (and, with `include_private`, private) members of an RSA/EC/OKP key.
absl::StatusOr<Json> PkeyMembers(EVP_PKEY* pkey, bool include_private) {
  Json json = Json::object();
  switch (EVP_PKEY_id(pkey)) {
    case EVP_PKEY_RSA: {
      const RSA* rsa = EVP_PKEY_get0_RSA(pkey);
      const BIGNUM *n, *e, *d, *p, *q, *dp, *dq, *qi;
      RSA_get0_key(rsa, &n, &e, &d);
      RSA_get0_factors(rsa, &p, &q);
      RSA_get0_crt_params(rsa, &dp, &dq, &qi);
      json["kty"] = "RSA";
      json["n"] = Base64UrlEncode(BignumBytes(n));
      json["e"] = Base64UrlEncode(BignumBytes(e));
      if (include_private && d != nullptr) {
        if (p == nullptr || q == nullptr || dp == nullptr || dq == nullptr ||
            qi == nullptr) {
          return MakeError(Reason::kJwkUnsupported,
                           "RSA private keys need all CRT parameters");
        }
        json["d"] = Base64UrlEncode(BignumBytes(d));
        json["p"] = Base64UrlEncode(BignumBytes(p));
        json["q"] = Base64UrlEncode(BignumBytes(q));
        json["dp"] = Base64UrlEncode(BignumBytes(dp));
        json["dq"] = Base64UrlEncode(BignumBytes(dq));
        json["qi"] = Base64UrlEncode(BignumBytes(qi));
      }
      return json;
    }
    case EVP_PKEY_EC: {
      const EC_KEY* ec = EVP_PKEY_get0_EC_KEY(pkey);
      const EC_GROUP* group = EC_KEY_get0_group(ec);
      const absl::string_view crv = CurveName(EC_GROUP_get_curve_name(group));
      if (crv.empty()) {
        return MakeError(Reason::kJwkUnsupported, "unsupported EC curve");
      }
      BignumPtr x(BN_new()), y(BN_new());
      if (!x || !y ||
          !EC_POINT_get_affine_coordinates_GFp(
              group, EC_KEY_get0_public_key(ec), x.get(), y.get(), nullptr)) {
        return CryptoError("cannot read EC public point");
      }
      const size_t size = FieldBytes(group);
      json["kty"] = "EC";
      json["crv"] = std::string(crv);
      json["x"] = Base64UrlEncode(BignumBytesPadded(x.get(), size));
      json["y"] = Base64UrlEncode(BignumBytesPadded(y.get(), size));
      const BIGNUM* d = EC_KEY_get0_private_key(ec);
      if (include_private && d != nullptr) {
        json["d"] = Base64UrlEncode(BignumBytesPadded(d, size));
      }
      return json;
    }
    case EVP_PKEY_ED25519: {
      uint8_t raw[kEd25519KeySize];
      size_t len = sizeof(raw);
      if (!EVP_PKEY_get_raw_public_key(pkey, raw, &len) || len != sizeof(raw)) {
        return CryptoError("cannot read Ed25519 public key");
      }
      json["kty"] = "OKP";
      json["crv"] = "Ed25519";
      json["x"] =
          Base64UrlEncode(absl::string_view(reinterpret_cast<char*>(raw), len));
      len = sizeof(raw);
      if (include_private) {
        if (EVP_PKEY_get_raw_private_key(pkey, raw, &len) &&
            len == sizeof(raw)) {
          json["d"] = Base64UrlEncode(
              absl::string_view(reinterpret_cast<char*>(raw), len));
        } else {
          ERR_clear_error();  // A public key: nothing to read, nothing queued.
        }
      }
      return json;
    }
  }
  return MakeError(Reason::kJwkUnsupported,
                   "key type is not RSA, EC or Ed25519");
}

absl::StatusOr<EvpPkeyPtr> RsaFromJson(const Json& json, bool* is_private) {
  auto n_bytes = RequiredBytes(json, "n");
  if (!n_bytes.ok()) return n_bytes.status();
  auto e_bytes = RequiredBytes(json, "e");
  if (!e_bytes.ok()) return e_bytes.status();
  BignumPtr n = ToBignum(*n_bytes), e = ToBignum(*e_bytes);
  if (!n || !e) return CryptoError("out of memory");
  // RFC 7518 §3.3: 2048 bits or larger. The upper bound keeps verification cost
  // bounded.
  const int bits = BN_num_bits(n.get());
  if (bits < kMinRsaBits) {
    return MakeError(Reason::kJwkWeakKey,
                     absl::StrCat("RSA modulus has ", bits,
                                  " bits; at least 2048 are required"));
  }
  if (bits > kMaxRsaBits) {
    return MakeError(Reason::kJwkUnsupported, "RSA modulus too large");
  }
  if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_num_bits(e.get()) > 33) {
    return MakeError(Reason::kJwkWeakKey,
                     "RSA public exponent must be odd, >= 3 and < 2^33");
  }
  if (HasRocaFingerprint(n.get())) {
    return MakeError(Reason::kJwkWeakKey,
                     "RSA modulus has the ROCA fingerprint (CVE-2017-15361)");
  }
  if (json.contains("oth")) {
    return MakeError(Reason::kJwkUnsupported,
                     "multi-prime RSA (\"oth\") is not supported");
  }
  RsaPtr rsa(RSA_new());
  if (!rsa) return CryptoError("out of memory");
  auto d_bytes = OptionalBytes(json, "d");
  if (!d_bytes.ok()) return d_bytes.status();
  *is_private = d_bytes->has_value();
  BignumPtr d;
  if (*is_private) {
    d = ToBignum(**d_bytes);
    // RFC 7518 §6.3.2: the CRT members come together. We require them: both
    // crypto libraries sign far faster with them and BoringSSL needs p and q.
    std::string parts[5];
    const char* names[5] = {"p", "q", "dp", "dq", "qi"};
    for (int i = 0; i < 5; ++i) {
      auto part = OptionalBytes(json, names[i]);
      if (!part.ok()) return part.status();
      if (!part->has_value()) {
        return MakeError(
            Reason::kJwkUnsupported,
            absl::StrCat("RSA private key without \"", names[i], "\""));
      }
      parts[i] = **part;
    }
    BignumPtr p = ToBignum(parts[0]), q = ToBignum(parts[1]),
              dp = ToBignum(parts[2]), dq = ToBignum(parts[3]),
              qi = ToBignum(parts[4]);
    if (!d || !p || !q || !dp || !dq || !qi ||
        !RSA_set0_factors(rsa.get(), p.get(), q.get())) {
      return CryptoError("cannot build RSA key");
    }
    p.release(), q.release();
    if (!RSA_set0_crt_params(rsa.get(), dp.get(), dq.get(), qi.get())) {
      return CryptoError("cannot build RSA key");
    }
    dp.release(), dq.release(), qi.release();
  }
  if (!RSA_set0_key(rsa.get(), n.get(), e.get(), d.get())) {
    return CryptoError("cannot build RSA key");
  }
  n.release(), e.release(), d.release();
  if (*is_private && RSA_check_key(rsa.get()) != 1) {
    return MakeError(Reason::kJwkInvalidKey, "RSA private key is inconsistent");
  }
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (!pkey || !EVP_PKEY_assign_RSA(pkey.get(), rsa.get())) {
    return CryptoError("cannot build RSA key");
  }
  rsa.release();
  return pkey;
}

absl::StatusOr<EvpPkeyPtr> EcFromJson(const Json& json, absl::string_view crv,
                                      bool* is_private) {
  const int nid = CurveNid(crv);
  if (nid == NID_undef) {
    return MakeError(Reason::kJwkUnsupported,
                     absl::StrCat("EC curve \"", crv, "\""));
  }
  EcKeyPtr ec(EC_KEY_new_by_curve_name(nid));
  if (!ec) return CryptoError("cannot build EC key");
  const size_t size = FieldBytes(EC_KEY_get0_group(ec.get()));
  auto x = RequiredBytes(json, "x");
  if (!x.ok()) return x.status();
  auto y = RequiredBytes(json, "y");
  if (!y.ok()) return y.status();
  // RFC 7518 §6.2.1.2/3: coordinates are exactly the field size, leading zeros
  // kept.
  if (x->size() != size || y->size() != size) {
    return Invalid(
        absl::StrCat("EC coordinates must be ", size, " bytes for ", crv));
  }
  BignumPtr bx = ToBignum(*x), by = ToBignum(*y);
  if (!bx || !by) return CryptoError("out of memory");
  if (!EC_KEY_set_public_key_affine_coordinates(ec.get(), bx.get(), by.get())) {
    return MakeError(Reason::kJwkInvalidKey, "EC point is not on the curve");
  }
  auto d = OptionalBytes(json, "d");
  if (!d.ok()) return d.status();
  *is_private = d->has_value();
  if (*is_private) {
    if ((*d)->size() != size) {
      return Invalid(
          absl::StrCat("EC \"d\" must be ", size, " bytes for ", crv));
    }
    BignumPtr bd = ToBignum(**d);
    if (!bd || !EC_KEY_set_private_key(ec.get(), bd.get()) ||
        !EC_KEY_check_key(ec.get())) {
      return MakeError(Reason::kJwkInvalidKey,
                       "EC private key does not match its public point");
    }
  }
  EvpPkeyPtr pkey(EVP_PKEY_new());
  if (!pkey || !EVP_PKEY_assign_EC_KEY(pkey.get(), ec.get())) {
    return CryptoError("cannot build EC key");
  }
  ec.release();
  return pkey;
}

absl::StatusOr<EvpPkeyPtr> OkpFromJson(const Json& json, absl::string_view crv,
                                       bool* is_private) {
  if (crv != "Ed25519") {
    return MakeError(Reason::kJwkUnsupported,
                     absl::StrCat("OKP curve \"", crv, "\""));
  }
  auto x = RequiredBytes(json, "x");
  if (!x.ok()) return x.status();
  if (x->size() != kEd25519KeySize) {
    return Invalid("Ed25519 \"x\" must be 32 bytes");
  }
  auto d = OptionalBytes(json, "d");
  if (!d.ok()) return d.status();
  *is_private = d->has_value();
  if (!*is_private) {
    EvpPkeyPtr pkey(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const uint8_t*>(x->data()),
        x->size()));
    if (!pkey) {
      return MakeError(Reason::kJwkInvalidKey, "invalid Ed25519 public key");
    }
    return pkey;
  }
  if ((*d)->size() != kEd25519KeySize) {
    return Invalid("Ed25519 \"d\" must be 32 bytes");
  }
  EvpPkeyPtr pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const uint8_t*>((*d)->data()),
      (*d)->size()));
  if (!pkey) {
    return MakeError(Reason::kJwkInvalidKey, "invalid Ed25519 private key");
  }
  uint8_t derived[kEd25519KeySize];
  size_t len = sizeof(derived);
  if (!EVP_PKEY_get_raw_public_key(pkey.get(), derived, &len) ||
      len != sizeof(derived) ||
      absl::string_view(reinterpret_cast<char*>(derived), len) != *x) {
    return MakeError(Reason::kJwkInvalidKey,
                     "Ed25519 \"d\" does not match \"x\"");
  }
  return pkey;
}

size_t DigestBytes(Digest digest) {
  switch (digest) {
    case Digest::kSha256:
      return 32;
    case Digest::kSha384:
      return 48;
    case Digest::kSha512:
      return 64;
    case Digest::kNone:
      break;
  }
  return 0;
}

}  // namespace

absl::StatusOr<Jwk> Jwk::FromJson(const Json& json) {
  absl::StatusOr<Jwk> key = FromJsonUnchecked(json);
  // Rejected input leaves entries in the thread's OpenSSL error queue; TLS code
  // sharing the thread reads that queue, so leave it empty.
  if (!key.ok()) ERR_clear_error();
  return key;
}

absl::StatusOr<Jwk> Jwk::FromJsonUnchecked(const Json& json) {
  if (!json.is_object()) return Invalid("a JWK must be a JSON object");
  auto kty = RequiredString(json, "kty");
  if (!kty.ok()) return kty.status();
  Jwk key;
  if (*kty == "EC") {
    key.kty_ = KeyType::kEC;
  } else if (*kty == "RSA") {
    key.kty_ = KeyType::kRSA;
  } else if (*kty == "OKP") {
    key.kty_ = KeyType::kOKP;
  } else if (*kty == "oct") {
    key.kty_ = KeyType::kOct;
  } else {
    return MakeError(Reason::kJwkUnsupported,
                     "\"kty\" is not EC, RSA, OKP or oct");
  }

  auto kid = OptionalString(json, "kid");
  if (!kid.ok()) return kid.status();
  key.kid_ = kid->value_or("");
  auto use = OptionalString(json, "use");
  if (!use.ok()) return use.status();
  key.use_ = *use;
  auto key_ops = ParseKeyOps(json);
  if (!key_ops.ok()) return key_ops.status();
  key.key_ops_ = *std::move(key_ops);

  auto alg_name = OptionalString(json, "alg");
  if (!alg_name.ok()) return alg_name.status();
  if (alg_name->has_value()) {
    key.alg_ = AlgorithmFromName(**alg_name);
    if (!key.alg_.has_value()) {
      return MakeError(
          Reason::kJwkUnsupported,
          "\"alg\" is not a signature algorithm this library implements");
    }
    if (KeyTypeFor(*key.alg_) != key.kty_) {
      return Invalid(absl::StrCat("\"alg\" ", AlgorithmName(*key.alg_),
                                  " needs kty ",
                                  KeyTypeName(KeyTypeFor(*key.alg_))));
    }
  }

  absl::StatusOr<EvpPkeyPtr> pkey = EvpPkeyPtr();
  switch (key.kty_) {
    case KeyType::kRSA:
      pkey = RsaFromJson(json, &key.is_private_);
      break;
    case KeyType::kEC:
    case KeyType::kOKP: {
      auto crv = RequiredString(json, "crv");
      if (!crv.ok()) return crv.status();
      key.crv_ = *crv;
      if (key.kty_ == KeyType::kEC && key.alg_.has_value() &&
          CurveFor(*key.alg_) != *crv) {
        return Invalid(absl::StrCat("\"alg\" ", AlgorithmName(*key.alg_),
                                    " needs curve ", CurveFor(*key.alg_)));
      }
      pkey = key.kty_ == KeyType::kEC
                 ? EcFromJson(json, *crv, &key.is_private_)
                 : OkpFromJson(json, *crv, &key.is_private_);
      break;
    }
    case KeyType::kOct: {
      auto k = RequiredBytes(json, "k");
      if (!k.ok()) return k.status();
      // RFC 7518 §3.2: a key of the same size as the hash output or larger.
      const size_t min_size = key.alg_ ? DigestBytes(DigestFor(*key.alg_)) : 32;
      if (k->size() < min_size) {
        return MakeError(
            Reason::kJwkWeakKey,
            absl::StrCat("HMAC key has ", k->size(), " bytes; at least ",
                         min_size, " are required"));
      }
      key.secret_ = *std::move(k);
      key.is_private_ = true;
      return key;
    }
  }
  if (!pkey.ok()) return pkey.status();
  key.pkey_ = std::make_shared<const EvpKey>(*std::move(pkey));
  return key;
}

absl::StatusOr<Jwk> Jwk::Parse(absl::string_view text) {
  auto json = ParseJsonObject(text);
  if (!json.ok()) return json.status();
  return FromJson(*json);
}

absl::StatusOr<Jwk> Jwk::Generate(Algorithm alg, absl::string_view kid,
                                  int rsa_bits) {
  EvpPkeyPtr pkey;
  switch (KeyTypeFor(alg)) {
    case KeyType::kRSA: {
      if (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits) {
        return MakeError(Reason::kJwkWeakKey,
                         "RSA keys have 2048 to 16384 bits");
      }
      RsaPtr rsa(RSA_new());
      BignumPtr e(BN_new());
      pkey.reset(EVP_PKEY_new());
      if (!rsa || !e || !pkey || !BN_set_word(e.get(), RSA_F4) ||
          !RSA_generate_key_ex(rsa.get(), rsa_bits, e.get(), nullptr) ||
          !EVP_PKEY_assign_RSA(pkey.get(), rsa.get())) {
        return CryptoError("RSA key generation failed");
      }
      rsa.release();
      break;
    }
    case KeyType::kEC: {
      EcKeyPtr ec(EC_KEY_new_by_curve_name(CurveNid(CurveFor(alg))));
      pkey.reset(EVP_PKEY_new());
      if (!ec || !pkey || !EC_KEY_generate_key(ec.get()) ||
          !EVP_PKEY_assign_EC_KEY(pkey.get(), ec.get())) {
        return CryptoError("EC key generation failed");
      }
      ec.release();
      break;
    }
    case KeyType::kOKP: {
      EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
      EVP_PKEY* raw = nullptr;
      if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
          EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
        return CryptoError("Ed25519 key generation failed");
      }
      pkey.reset(raw);
      break;
    }
    case KeyType::kOct: {
      std::string secret(DigestBytes(DigestFor(alg)), '\0');
      if (RAND_bytes(reinterpret_cast<uint8_t*>(secret.data()),
                     secret.size()) != 1) {
        return CryptoError("random generator failed");
      }
      Json json = {{"kty", "oct"},
                   {"k", Base64UrlEncode(secret)},
                   {"alg", AlgorithmName(alg)}};
      auto key = FromJson(json);
      if (!key.ok()) return key.status();
      key->kid_ = kid.empty() ? key->Thumbprint() : std::string(kid);
      return key;
    }
  }
  Jwk key;
  key.kty_ = KeyTypeFor(alg);
  key.crv_ = key.kty_ == KeyType::kEC    ? std::string(CurveFor(alg))
             : key.kty_ == KeyType::kOKP ? "Ed25519"
                                         : "";
  key.alg_ = alg;
  key.is_private_ = true;
  key.pkey_ = std::make_shared<const EvpKey>(std::move(pkey));
  key.kid_ = kid.empty() ? key.Thumbprint() : std::string(kid);
  return key;
}

absl::StatusOr<Jwk> Jwk::FromPem(absl::string_view pem,
                                 std::optional<Algorithm> alg,
                                 absl::string_view kid) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return CryptoError("out of memory");
  const bool private_pem =
      pem.find("PRIVATE KEY-----") != absl::string_view::npos;
  // A password callback that supplies none: an encrypted key fails instead of
  // prompting (OpenSSL's default callback reads the terminal).
  pem_password_cb* no_password = [](char*, int, int, void*) { return 0; };
  EvpPkeyPtr pkey(
      private_pem
          ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr)
          : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
  if (!pkey) {
    ERR_clear_error();
    return MakeError(Reason::kPemInvalid,
                     "no unencrypted PEM key could be read");
  }
  // Going through the JWK form runs every validation FromJson performs.
  auto json = PkeyMembers(pkey.get(), /*include_private=*/true);
  if (!json.ok()) return json.status();
  if (alg.has_value()) (*json)["alg"] = AlgorithmName(*alg);
  auto key = FromJson(*json);
  if (!key.ok()) return key.status();
  key->kid_ = kid.empty() ? key->Thumbprint() : std::string(kid);
  return key;
}

EVP_PKEY* Jwk::pkey() const { return pkey_ ? pkey_->get() : nullptr; }

Json Jwk::CommonMembers() const {
  Json json = Json::object();
  if (!kid_.empty()) json["kid"] = kid_;
  if (use_.has_value()) json["use"] = *use_;
  if (key_ops_.has_value()) json["key_ops"] = *key_ops_;
  if (alg_.has_value()) json["alg"] = AlgorithmName(*alg_);
  return json;
}

Json Jwk::ToPublicJson() const {
  Json json = CommonMembers();
  if (kty_ == KeyType::kOct) {
    json["kty"] = "oct";
    return json;  // A symmetric key has no public part.
  }
  auto members = PkeyMembers(pkey(), /*include_private=*/false);
  if (members.ok()) json.update(*members);
  return json;
}

Json Jwk::ToPrivateJson() const {
  Json json = CommonMembers();
  if (kty_ == KeyType::kOct) {
    json["kty"] = "oct";
    json["k"] = Base64UrlEncode(secret_);
    return json;
  }
  auto members = PkeyMembers(pkey(), /*include_private=*/true);
  if (members.ok()) json.update(*members);
  return json;
}

absl::StatusOr<std::string> Jwk::ToPublicPem() const {
  if (kty_ == KeyType::kOct) {
    return MakeError(Reason::kJwkUnsupported, "oct keys have no PEM");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PUBKEY(bio.get(), pkey())) {
    return CryptoError("PEM export failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

absl::StatusOr<std::string> Jwk::ToPrivatePem() const {
  if (kty_ == KeyType::kOct) {
    return MakeError(Reason::kJwkUnsupported, "oct keys have no PEM");
  }
  if (!is_private_) {
    return MakeError(Reason::kKeyNotPrivate, "this is a public key");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || !PEM_write_bio_PrivateKey(bio.get(), pkey(), nullptr, nullptr, 0,
                                        nullptr, nullptr)) {
    return CryptoError("PEM export failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, len);
}

Jwk Jwk::PublicKey() const {
  if (kty_ == KeyType::kOct || !is_private_) return *this;
  auto json = PkeyMembers(pkey(), /*include_private=*/false);
  Jwk key = *this;
  key.is_private_ = false;
  if (!json.ok()) return key;
  // Rebuild the key from its public members so no private material stays
  // reachable.
  auto rebuilt = FromJson(*json);
  if (rebuilt.ok()) key.pkey_ = rebuilt->pkey_;
  return key;
}

std::string Jwk::Thumbprint() const {
  // RFC 7638 §3.2: only the required members, in lexicographic order, no
  // whitespace. Json's object keeps members sorted, and base64url values need
  // no escaping. Only oct keys need a secret member ("k").
  Json full = kty_ == KeyType::kOct ? ToPrivateJson() : ToPublicJson();
  Json required = Json::object();
  required["kty"] = full["kty"];
  switch (kty_) {
    case KeyType::kEC:
      required["crv"] = full["crv"];
      required["x"] = full["x"];
      required["y"] = full["y"];
      break;
    case KeyType::kRSA:
      required["e"] = full["e"];
      required["n"] = full["n"];
      break;
    case KeyType::kOKP:
      required["crv"] = full["crv"];
      required["x"] = full["x"];
      break;
    case KeyType::kOct:
      required["k"] = full["k"];
      break;
  }
  const std::string text = required.dump();
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(text.data()), text.size(), digest);
  return Base64UrlEncode(
      absl::string_view(reinterpret_cast<char*>(digest), sizeof(digest)));
}

absl::Status Jwk::CheckUsableFor(Algorithm alg, KeyOperation op) const {
  if (KeyTypeFor(alg) != kty_ ||
      (kty_ == KeyType::kEC && CurveFor(alg) != crv_) ||
      (kty_ == KeyType::kOKP && crv_ != "Ed25519")) {
    return MakeError(
        Reason::kKeyAlgMismatch,
        absl::StrCat("a ", KeyTypeName(kty_), crv_.empty() ? "" : " ", crv_,
                     " key cannot be used with ", AlgorithmName(alg)));
  }
  if (alg_.has_value() && *alg_ != alg) {
    return MakeError(Reason::kKeyAlgMismatch,
                     absl::StrCat("the key is for ", AlgorithmName(*alg_),
                                  ", not ", AlgorithmName(alg)));
  }
  if (use_.has_value() && *use_ != "sig") {
    return MakeError(Reason::kKeyUseMismatch,
                     "the key's \"use\" is not \"sig\"");
  }
  const char* op_name = op == KeyOperation::kSign ? "sign" : "verify";
  if (key_ops_.has_value() && std::find(key_ops_->begin(), key_ops_->end(),
                                        op_name) == key_ops_->end()) {
    return MakeError(
        Reason::kKeyUseMismatch,
        absl::StrCat("the key's \"key_ops\" does not allow \"", op_name, "\""));
  }
  // RFC 7518 §3.2: an HMAC key at least as long as the hash, whichever
  // algorithm the token names.
  if (kty_ == KeyType::kOct && secret_.size() < DigestBytes(DigestFor(alg))) {
    return MakeError(Reason::kJwkWeakKey,
                     absl::StrCat("the HMAC key is shorter than ",
                                  AlgorithmName(alg), " requires"));
  }
  if (op == KeyOperation::kSign && !is_private_) {
    return MakeError(Reason::kKeyNotPrivate, "signing needs a private key");
  }
  return absl::OkStatus();
}

std::optional<Algorithm> Jwk::SigningAlgorithm() const {
  if (alg_.has_value()) return alg_;
  if (kty_ == KeyType::kEC) {
    if (crv_ == "P-256") return Algorithm::kES256;
    if (crv_ == "P-384") return Algorithm::kES384;
    if (crv_ == "P-521") return Algorithm::kES512;
  }
  if (kty_ == KeyType::kOKP) return Algorithm::kEdDSA;
  return std::nullopt;
}

}  // namespace identity::jwt
