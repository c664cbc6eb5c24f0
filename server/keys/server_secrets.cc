#include "server/keys/server_secrets.h"

#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

constexpr size_t kSecretSize = 32;
// The label app.cc derived the client-secret hashing key with before KEK
// rotation existed; hashes made with it begin "v1:".
constexpr absl::string_view kLegacyClientSecretLabel =
    "identity client-secret hash v1";

// The key "v1:" hashes were made with: derived from the KEK that sealed the
// version-1 signing keys, since that was the only KEK there was then.
absl::StatusOr<std::string> LegacyClientSecretKey(
    storage::SigningKeyStore* store, const KeySealer& sealer) {
  auto keys = store->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  for (const storage::SigningKeyRecord& key : *keys) {
    auto id = KeySealer::SealedKekId(key.sealed_private_jwk);
    if (id.ok() && id->empty()) {
      return sealer.DeriveFromSealingKek(key.sealed_private_jwk, key.kid,
                                         kLegacyClientSecretLabel);
    }
  }
  return sealer.DeriveFromCurrentKek(kLegacyClientSecretLabel);
}

absl::StatusOr<std::string> NewValue(absl::string_view name,
                                     storage::SigningKeyStore* store,
                                     const KeySealer& sealer,
                                     const RandomSource& random) {
  if (name == kClientSecretKeyV1) return LegacyClientSecretKey(store, sealer);
  return RandomBytes(random, kSecretSize);
}

// Creates each missing secret; AlreadyExists means another replica won.
absl::Status CreateMissing(
    const std::map<std::string, std::string, std::less<>>& present,
    storage::SigningKeyStore* store, const KeySealer& sealer,
    const RandomSource& random, absl::Time now) {
  for (absl::string_view name :
       {kClientSecretKeyV1, kClientSecretKeyV2, kSessionCookieKey}) {
    if (present.count(name) != 0) continue;
    auto value = NewValue(name, store, sealer, random);
    if (!value.ok()) return value.status();
    auto sealed = sealer.Seal(*value, SecretContext(name));
    if (!sealed.ok()) return sealed.status();
    absl::Status created = store->CreateSealedSecret(
        storage::SealedSecretRecord{std::string(name), *sealed, now});
    if (!created.ok() && created.code() != absl::StatusCode::kAlreadyExists) {
      return created;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::string, std::less<>>> ListSealed(
    storage::SigningKeyStore* store) {
  auto secrets = store->ListSealedSecrets();
  if (!secrets.ok()) return secrets.status();
  std::map<std::string, std::string, std::less<>> sealed;
  for (storage::SealedSecretRecord& secret : *secrets) {
    sealed.emplace(std::move(secret.name), std::move(secret.sealed));
  }
  return sealed;
}

}  // namespace

std::string SecretContext(absl::string_view name) {
  return absl::StrCat("identity sealed secret ", name);
}

absl::StatusOr<ServerSecrets> LoadServerSecrets(storage::SigningKeyStore* store,
                                                const KeySealer& sealer,
                                                const RandomSource& random,
                                                absl::Time now) {
  auto sealed = ListSealed(store);
  if (!sealed.ok()) return sealed.status();
  if (sealed->size() < 3) {
    absl::Status created = CreateMissing(*sealed, store, sealer, random, now);
    if (!created.ok()) return created;
    sealed = ListSealed(store);
    if (!sealed.ok()) return sealed.status();
  }
  ServerSecrets secrets;
  const std::vector<std::pair<absl::string_view, std::string*>> wanted = {
      {kClientSecretKeyV1, &secrets.client_secret_key_v1},
      {kClientSecretKeyV2, &secrets.client_secret_key_v2},
      {kSessionCookieKey, &secrets.session_key}};
  for (const auto& [name, out] : wanted) {
    auto found = sealed->find(name);
    if (found == sealed->end()) {
      return absl::InternalError(
          absl::StrCat("sealed secret ", name, " missing after creation"));
    }
    auto opened = sealer.Open(found->second, SecretContext(name));
    if (!opened.ok()) {
      return absl::Status(opened.status().code(),
                          absl::StrCat("sealed secret ", name, ": ",
                                       opened.status().message()));
    }
    *out = *std::move(opened);
  }
  return secrets;
}

}  // namespace identity::server
