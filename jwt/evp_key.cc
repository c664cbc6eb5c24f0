#include "jwt/evp_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

namespace identity::jwt {
namespace {

bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPS256 || alg == Algorithm::kPS384 ||
         alg == Algorithm::kPS512;
}

}  // namespace

const EVP_MD* EvpDigestFor(Algorithm alg) {
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
  return nullptr;  // EdDSA hashes internally.
}

EvpKey::~EvpKey() {
  for (auto& slot : templates_) EVP_MD_CTX_free(slot.load());
}

EvpMdCtxPtr EvpKey::Initialize(Algorithm alg, KeyOperation op) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = EvpDigestFor(alg);
  const int ok =
      op == KeyOperation::kSign
          ? EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, pkey_.get())
          : EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, pkey_.get());
  if (!ctx || ok != 1) return nullptr;
  // RFC 7518 §3.5: PSS with MGF1 over the same hash and a salt as long as the
  // hash.
  if (IsPss(alg) &&
      (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1 /* digest length */) <= 0 ||
       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) <= 0)) {
    return nullptr;
  }
  return ctx;
}

EvpMdCtxPtr EvpKey::NewContext(Algorithm alg, KeyOperation op) const {
  const size_t slot =
      2 * static_cast<size_t>(alg) + (op == KeyOperation::kSign ? 1 : 0);
  if (slot >= kSlots || cannot_copy_[slot].load(std::memory_order_relaxed)) {
    return Initialize(alg, op);
  }
  EVP_MD_CTX* prototype = templates_[slot].load(std::memory_order_acquire);
  if (prototype == nullptr) {
    EvpMdCtxPtr fresh = Initialize(alg, op);
    if (!fresh) return nullptr;
    if (templates_[slot].compare_exchange_strong(prototype, fresh.get(),
                                                 std::memory_order_acq_rel)) {
      prototype = fresh.release();
    }  // Else another thread published first: `prototype` now holds its
       // template.
  }
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx && EVP_MD_CTX_copy_ex(ctx.get(), prototype) == 1) return ctx;
  // Copying is either supported for this key type or not; a failure is taken as
  // the latter (at worst this costs speed, never correctness).
  ERR_clear_error();
  cannot_copy_[slot].store(true, std::memory_order_relaxed);
  return Initialize(alg, op);
}

}  // namespace identity::jwt
