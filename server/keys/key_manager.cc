#include "server/keys/key_manager.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/json.h"
#include "jwt/jwk.h"

namespace identity::server {

const std::vector<jwt::Algorithm>& ServerSigningAlgorithms() {
  static const auto* const kAlgorithms = [] {
    auto* algorithms = new std::vector<jwt::Algorithm>;
    for (jwt::Algorithm alg : jwt::AllAlgorithms()) {
      if (jwt::KeyTypeFor(alg) != jwt::KeyType::kOct)
        algorithms->push_back(alg);
    }
    return algorithms;
  }();
  return *kAlgorithms;
}
namespace {

using jwt::Json;
using storage::KeyState;
using storage::SigningKeyRecord;

}  // namespace

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::Create(
    storage::SigningKeyStore* store, const KeySealer* sealer,
    const jwt::Clock* clock, KeyManagerOptions options) {
  if (store == nullptr || sealer == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError(
        "key manager needs a store, sealer, clock");
  }
  if (options.rotation_period <= absl::ZeroDuration() ||
      options.retired_key_lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("key lifetimes must be positive");
  }
  std::unique_ptr<KeyManager> manager(
      new KeyManager(store, sealer, clock, options));
  auto keys = store->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  bool has_current = false;
  for (const SigningKeyRecord& key : *keys) {
    has_current |= key.state == KeyState::kCurrent;
  }
  if (!has_current) {
    const absl::Time now = clock->Now();
    auto current = manager->NewKey(now);
    auto next = manager->NewKey(now);
    if (!current.ok()) return current.status();
    if (!next.ok()) return next.status();
    current->activated_at = now;
    absl::Status status = store->InitializeSigningKeys(*current, *next);
    // Aborted: another replica initialized first; its keys are loaded below.
    if (!status.ok() && status.code() != absl::StatusCode::kAborted) {
      return status;
    }
  }
  if (absl::Status status = manager->Refresh(); !status.ok()) return status;
  return manager;
}

absl::StatusOr<SigningKeyRecord> KeyManager::NewKey(absl::Time now) const {
  auto key =
      jwt::Jwk::Generate(options_.algorithm);  // kid: RFC 7638 thumbprint
  if (!key.ok()) return key.status();
  Json private_jwk = key->ToPrivateJson();
  private_jwk["use"] = "sig";
  SigningKeyRecord record;
  record.kid = key->kid();
  record.alg = std::string(jwt::AlgorithmName(options_.algorithm));
  Json public_jwk = key->ToPublicJson();
  public_jwk["use"] = "sig";
  record.public_jwk = jwt::DumpJson(public_jwk);
  auto sealed = sealer_->Seal(jwt::DumpJson(private_jwk), record.kid);
  if (!sealed.ok()) return sealed.status();
  record.sealed_private_jwk = *std::move(sealed);
  record.created_at = now;
  return record;
}

absl::Status KeyManager::Refresh() {
  // One reload at a time, read and install together: a slow reload cannot
  // install a view older than one a later reload already installed.
  absl::MutexLock reloading(&refresh_mu_);
  auto keys = store_->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  auto snapshot = std::make_shared<KeySnapshot>();
  std::vector<jwt::Jwk> public_keys;
  for (SigningKeyRecord& key : *keys) {
    auto jwk = jwt::Jwk::Parse(key.public_jwk);
    if (!jwk.ok()) {
      return absl::DataLossError(absl::StrCat("stored public key ", key.kid,
                                              ": ", jwk.status().message()));
    }
    public_keys.push_back(*std::move(jwk));
    if (key.state == KeyState::kCurrent) {
      auto opened = sealer_->Open(key.sealed_private_jwk, key.kid);
      if (!opened.ok()) {
        return absl::DataLossError(absl::StrCat(
            "the private key ", key.kid,
            " does not open under the configured key-encryption keys: ",
            opened.status().message()));
      }
      auto private_key = jwt::Jwk::Parse(*opened);
      if (!private_key.ok()) return private_key.status();
      auto signer =
          jwt::JwtSigner::Create(*private_key, jwt::SignerOptions{"at+jwt"});
      if (!signer.ok()) return signer.status();
      auto id_token_signer = jwt::JwtSigner::Create(*std::move(private_key),
                                                    jwt::SignerOptions{"JWT"});
      if (!id_token_signer.ok()) return id_token_signer.status();
      snapshot->signer =
          std::make_shared<const jwt::JwtSigner>(*std::move(signer));
      snapshot->id_token_signer =
          std::make_shared<const jwt::JwtSigner>(*std::move(id_token_signer));
      snapshot->current_since = key.activated_at.value_or(key.created_at);
    }
    key.sealed_private_jwk.clear();
    snapshot->keys.push_back(std::move(key));
  }
  if (snapshot->signer == nullptr) {
    return absl::FailedPreconditionError("the store holds no CURRENT key");
  }
  auto jwks = jwt::Jwks::FromKeys(std::move(public_keys));
  if (!jwks.ok()) return jwks.status();
  snapshot->jwks = std::make_shared<const jwt::Jwks>(*std::move(jwks));
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

std::shared_ptr<const KeySnapshot> KeyManager::snapshot() const {
  absl::ReaderMutexLock lock(&mu_);  // Hot path: many readers, rare writes.
  return snapshot_;
}

absl::Status KeyManager::Rotate(const KeySnapshot& seen) {
  std::string current, next;
  for (const SigningKeyRecord& key : seen.keys) {
    if (key.state == KeyState::kCurrent) current = key.kid;
    if (key.state == KeyState::kNext) next = key.kid;
  }
  if (current.empty() || next.empty()) {
    return absl::FailedPreconditionError("no CURRENT or NEXT key to rotate");
  }
  const absl::Time now = clock_->Now();
  auto new_next = NewKey(now);
  if (!new_next.ok()) return new_next.status();
  absl::Status status = store_->RotateSigningKeys(
      current, next, *new_next, now, now + options_.retired_key_lifetime);
  // Reload in every case: on Aborted another replica's rotation is the truth.
  absl::Status refreshed = Refresh();
  if (!status.ok()) return status;
  return refreshed;
}

absl::Status KeyManager::RotateNow() {
  // From the store's latest state: a rotation by another replica since the
  // last refresh is not a conflict.
  if (absl::Status status = Refresh(); !status.ok()) return status;
  return Rotate(*snapshot());
}

absl::StatusOr<KekCensus> KeyManager::ResealUnderCurrentKek() {
  return SurveySealedValues(store_, *sealer_, /*reseal=*/true);
}

absl::StatusOr<bool> KeyManager::Maintain() {
  if (absl::Status status = Refresh(); !status.ok()) return status;
  const absl::Time now = clock_->Now();
  auto removed = store_->RemoveExpiredSigningKeys(now);
  if (!removed.ok()) return removed.status();
  std::shared_ptr<const KeySnapshot> seen = snapshot();
  if (*removed > 0) {
    if (absl::Status status = Refresh(); !status.ok()) return status;
    seen = snapshot();
  }
  if (now < seen->current_since + options_.rotation_period) return false;
  absl::Status status = Rotate(*seen);
  if (status.code() == absl::StatusCode::kAborted) return false;
  if (!status.ok()) return status;
  return true;
}

}  // namespace identity::server
