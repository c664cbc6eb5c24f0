#include "server/keys/key_manager.h"

#include <algorithm>
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
jwt::Algorithm DefaultIdTokenAlgorithm(
    const std::vector<jwt::Algorithm>& algorithms) {
  for (jwt::Algorithm alg : algorithms) {
    if (alg == jwt::Algorithm::kRS256) return alg;
  }
  return algorithms.front();
}

std::vector<std::string> AlgorithmNames(
    const std::vector<jwt::Algorithm>& algorithms) {
  std::vector<std::string> names;
  for (jwt::Algorithm alg : algorithms) {
    names.emplace_back(jwt::AlgorithmName(alg));
  }
  return names;
}

namespace {

using jwt::Json;
using storage::KeyState;
using storage::SigningKeyRecord;

absl::Status CheckOptions(const KeyManagerOptions& options) {
  if (options.rotation_period <= absl::ZeroDuration() ||
      options.retired_key_lifetime <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("key lifetimes must be positive");
  }
  if (options.algorithms.empty()) {
    return absl::InvalidArgumentError("no signing algorithm configured");
  }
  for (size_t i = 0; i < options.algorithms.size(); ++i) {
    const jwt::Algorithm alg = options.algorithms[i];
    if (jwt::KeyTypeFor(alg) == jwt::KeyType::kOct) {
      return absl::InvalidArgumentError(
          absl::StrCat(jwt::AlgorithmName(alg),
                       " is not a signing algorithm "
                       "a public key can verify"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (options.algorithms[j] == alg) {
        return absl::InvalidArgumentError(absl::StrCat(
            "signing algorithm ", jwt::AlgorithmName(alg), " listed twice"));
      }
    }
  }
  return absl::OkStatus();
}

// The CURRENT and NEXT keys of `alg` in `keys` (null when absent).
struct AlgorithmKeys {
  const SigningKeyRecord* current = nullptr;
  const SigningKeyRecord* next = nullptr;
};

AlgorithmKeys KeysOf(const std::vector<SigningKeyRecord>& keys,
                     jwt::Algorithm alg) {
  AlgorithmKeys found;
  for (const SigningKeyRecord& key : keys) {
    if (key.alg != jwt::AlgorithmName(alg)) continue;
    if (key.state == KeyState::kCurrent) found.current = &key;
    if (key.state == KeyState::kNext) found.next = &key;
  }
  return found;
}

// Another replica changed the keys first: its change is the truth.
absl::Status IgnoreAborted(absl::Status status) {
  if (status.code() == absl::StatusCode::kAborted) return absl::OkStatus();
  return status;
}

}  // namespace

std::shared_ptr<const jwt::JwtSigner> KeySnapshot::IdTokenSigner(
    jwt::Algorithm alg) const {
  for (const AlgorithmSigners& signers : signing) {
    if (signers.algorithm == alg) return signers.id_token_signer;
  }
  return nullptr;
}

std::vector<jwt::Algorithm> KeySnapshot::SigningAlgorithms() const {
  std::vector<jwt::Algorithm> algorithms;
  for (const AlgorithmSigners& signers : signing) {
    algorithms.push_back(signers.algorithm);
  }
  return algorithms;
}

absl::StatusOr<std::unique_ptr<KeyManager>> KeyManager::Create(
    storage::SigningKeyStore* store, const KeySealer* sealer,
    const jwt::Clock* clock, KeyManagerOptions options) {
  if (store == nullptr || sealer == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError(
        "key manager needs a store, sealer, clock");
  }
  if (absl::Status status = CheckOptions(options); !status.ok()) return status;
  std::unique_ptr<KeyManager> manager(
      new KeyManager(store, sealer, clock, std::move(options)));
  auto keys = store->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  if (absl::Status status = manager->InitializeMissing(*keys); !status.ok()) {
    return status;
  }
  if (absl::Status status = manager->Refresh(); !status.ok()) return status;
  return manager;
}

bool KeyManager::Configured(absl::string_view alg) const {
  for (jwt::Algorithm configured : options_.algorithms) {
    if (jwt::AlgorithmName(configured) == alg) return true;
  }
  return false;
}

absl::Status KeyManager::InitializeMissing(
    const std::vector<SigningKeyRecord>& keys) {
  for (jwt::Algorithm alg : options_.algorithms) {
    if (KeysOf(keys, alg).current != nullptr) continue;
    const absl::Time now = clock_->Now();
    auto current = NewKey(alg, now);
    if (!current.ok()) return current.status();
    auto next = NewKey(alg, now);
    if (!next.ok()) return next.status();
    current->activated_at = now;
    // Aborted: another replica initialized it first; Refresh loads its keys.
    absl::Status status =
        IgnoreAborted(store_->InitializeSigningKeys(*current, *next));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status KeyManager::RetireUnconfigured(
    const std::vector<SigningKeyRecord>& keys) {
  const absl::Time now = clock_->Now();
  for (const SigningKeyRecord& key : keys) {
    if (key.state == KeyState::kRetired || Configured(key.alg)) continue;
    // Published until every token it signed has expired, like a rotated key.
    absl::Status status = IgnoreAborted(store_->RetireSigningKey(
        key.kid, now, now + options_.retired_key_lifetime));
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<SigningKeyRecord> KeyManager::NewKey(jwt::Algorithm alg,
                                                    absl::Time now) const {
  auto key = jwt::Jwk::Generate(alg);  // kid: RFC 7638 thumbprint
  if (!key.ok()) return key.status();
  Json private_jwk = key->ToPrivateJson();
  private_jwk["use"] = "sig";
  SigningKeyRecord record;
  record.kid = key->kid();
  record.alg = std::string(jwt::AlgorithmName(alg));
  Json public_jwk = key->ToPublicJson();
  public_jwk["use"] = "sig";
  record.public_jwk = jwt::DumpJson(public_jwk);
  auto sealed = sealer_->Seal(jwt::DumpJson(private_jwk), record.kid);
  if (!sealed.ok()) return sealed.status();
  record.sealed_private_jwk = *std::move(sealed);
  record.created_at = now;
  return record;
}

absl::Status KeyManager::AddSigners(const SigningKeyRecord& key,
                                    KeySnapshot& snapshot) const {
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
  AlgorithmSigners signers;
  signers.algorithm = signer->algorithm();
  signers.access_token_signer =
      std::make_shared<const jwt::JwtSigner>(*std::move(signer));
  signers.id_token_signer =
      std::make_shared<const jwt::JwtSigner>(*std::move(id_token_signer));
  signers.current_since = key.activated_at.value_or(key.created_at);
  snapshot.signing.push_back(std::move(signers));
  return absl::OkStatus();
}

absl::Status KeyManager::Refresh() {
  // One reload at a time, read and install together: a slow reload cannot
  // install a view older than one a later reload already installed.
  absl::MutexLock reloading(&refresh_mu_);
  auto keys = store_->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  auto snapshot = std::make_shared<KeySnapshot>();
  std::vector<jwt::Jwk> public_keys;
  for (const SigningKeyRecord& key : *keys) {
    auto jwk = jwt::Jwk::Parse(key.public_jwk);
    if (!jwk.ok()) {
      return absl::DataLossError(absl::StrCat("stored public key ", key.kid,
                                              ": ", jwk.status().message()));
    }
    public_keys.push_back(*std::move(jwk));
  }
  // In the configured order: the first signs access tokens.
  for (jwt::Algorithm alg : options_.algorithms) {
    const SigningKeyRecord* current = KeysOf(*keys, alg).current;
    if (current == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the store holds no CURRENT ", jwt::AlgorithmName(alg), " key"));
    }
    if (absl::Status s = AddSigners(*current, *snapshot); !s.ok()) return s;
  }
  snapshot->signer = snapshot->signing.front().access_token_signer;
  snapshot->id_token_signer =
      snapshot->IdTokenSigner(DefaultIdTokenAlgorithm(options_.algorithms));
  snapshot->current_since = snapshot->signing.front().current_since;
  for (const AlgorithmSigners& signers : snapshot->signing) {
    snapshot->current_since =
        std::min(snapshot->current_since, signers.current_since);
  }
  for (SigningKeyRecord& key : *keys) {
    key.sealed_private_jwk.clear();
    snapshot->keys.push_back(std::move(key));
  }
  auto jwks = jwt::Jwks::FromKeys(std::move(public_keys));
  if (!jwks.ok()) return jwks.status();
  snapshot->jwks = std::make_shared<const jwt::Jwks>(*std::move(jwks));
  snapshot->public_jwks = snapshot->jwks->ToPublicJson();
  snapshot->public_jwks_json = jwt::DumpJson(snapshot->public_jwks);
  absl::MutexLock lock(&mu_);
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

std::shared_ptr<const KeySnapshot> KeyManager::snapshot() const {
  absl::ReaderMutexLock lock(&mu_);  // Hot path: many readers, rare writes.
  return snapshot_;
}

absl::StatusOr<bool> KeyManager::Rotate(
    const std::vector<SigningKeyRecord>& keys, jwt::Algorithm alg,
    bool due_only) {
  const AlgorithmKeys found = KeysOf(keys, alg);
  if (found.current == nullptr || found.next == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no CURRENT or NEXT ", jwt::AlgorithmName(alg), " key to rotate"));
  }
  const absl::Time now = clock_->Now();
  const absl::Time since =
      found.current->activated_at.value_or(found.current->created_at);
  if (due_only && now < since + options_.rotation_period) return false;
  auto new_next = NewKey(alg, now);
  if (!new_next.ok()) return new_next.status();
  absl::Status status =
      store_->RotateSigningKeys(found.current->kid, found.next->kid, *new_next,
                                now, now + options_.retired_key_lifetime);
  if (!status.ok()) return status;
  return true;
}

absl::Status KeyManager::RotateNow(std::optional<jwt::Algorithm> algorithm) {
  if (algorithm.has_value() && !Configured(jwt::AlgorithmName(*algorithm))) {
    return absl::InvalidArgumentError(
        absl::StrCat(jwt::AlgorithmName(*algorithm),
                     " is not a configured signing algorithm"));
  }
  // From the store's latest state: a rotation by another replica since the
  // last refresh is not a conflict.
  if (absl::Status status = Refresh(); !status.ok()) return status;
  const std::shared_ptr<const KeySnapshot> seen = snapshot();
  absl::Status first_error;
  for (jwt::Algorithm alg : options_.algorithms) {
    if (algorithm.has_value() && alg != *algorithm) continue;
    auto rotated = Rotate(seen->keys, alg, /*due_only=*/false);
    if (!rotated.ok() && first_error.ok()) first_error = rotated.status();
  }
  // Reload in every case: on Aborted another replica's rotation is the truth.
  absl::Status refreshed = Refresh();
  if (!first_error.ok()) return first_error;
  return refreshed;
}

absl::StatusOr<KekCensus> KeyManager::ResealUnderCurrentKek() {
  return SurveySealedValues(store_, *sealer_, /*reseal=*/true);
}

absl::StatusOr<bool> KeyManager::Maintain() {
  // From the store, not the snapshot: a snapshot cannot be built while a
  // configured algorithm has no key (another replica with another
  // configuration retired it), and this is what creates it again.
  auto keys = store_->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  auto removed = store_->RemoveExpiredSigningKeys(clock_->Now());
  if (!removed.ok()) return removed.status();
  if (absl::Status s = RetireUnconfigured(*keys); !s.ok()) return s;
  if (absl::Status s = InitializeMissing(*keys); !s.ok()) return s;
  bool rotated = false;
  for (jwt::Algorithm alg : options_.algorithms) {
    // Keys just created above are not in `keys`: not due.
    if (KeysOf(*keys, alg).current == nullptr) continue;
    auto done = Rotate(*keys, alg, /*due_only=*/true);
    if (done.status().code() == absl::StatusCode::kAborted) continue;
    if (!done.ok()) return done.status();
    rotated |= *done;
  }
  if (absl::Status status = Refresh(); !status.ok()) return status;
  return rotated;
}

}  // namespace identity::server
