#include "server/keys/kek_rotation.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/keys/server_secrets.h"

namespace identity::server {
namespace {

// Stores `resealed` in place of `sealed` (compare-and-set).
using ResealFn = absl::Status (*)(storage::SigningKeyStore*, absl::string_view,
                                  absl::string_view, absl::string_view);

absl::Status ResealKey(storage::SigningKeyStore* store, absl::string_view kid,
                       absl::string_view sealed, absl::string_view resealed) {
  return store->ResealSigningKey(kid, sealed, resealed);
}

absl::Status ResealNamedSecret(storage::SigningKeyStore* store,
                               absl::string_view name, absl::string_view sealed,
                               absl::string_view resealed) {
  return store->ResealSecret(name, sealed, resealed);
}

struct Value {
  std::string what;     // For messages: "signing key <kid>".
  std::string id;       // The kid or the secret's name.
  std::string context;  // The associated data it is sealed with.
  std::string sealed;
  ResealFn reseal;
};

// One value: counted, and re-sealed when a previous KEK sealed it.
absl::Status Visit(const Value& value, storage::SigningKeyStore* store,
                   const KeySealer& sealer, bool reseal, KekCensus& census) {
  auto opened = sealer.OpenWithRole(value.sealed, value.context);
  if (!opened.ok()) {
    census.unopenable.push_back(
        absl::StrCat(value.what, ": ", opened.status().message()));
    return absl::OkStatus();
  }
  if (opened->version == 1) ++census.legacy_format;
  if (opened->role == KekRole::kNext) {
    ++census.under_next;
    return absl::OkStatus();
  }
  if (opened->role == KekRole::kCurrent || !reseal) {
    ++(opened->role == KekRole::kCurrent ? census.under_current
                                         : census.under_previous);
    return absl::OkStatus();
  }
  auto resealed = sealer.Seal(opened->plaintext, value.context);
  if (!resealed.ok()) return resealed.status();
  absl::Status stored = value.reseal(store, value.id, value.sealed, *resealed);
  if (stored.ok()) {
    ++census.under_current;
    ++census.resealed;
  } else if (stored.code() == absl::StatusCode::kAborted) {
    ++census.under_previous;  // Changed meanwhile: the next pass sees it.
  } else if (stored.code() != absl::StatusCode::kNotFound) {
    return stored;  // NotFound: the key was removed meanwhile.
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KekCensus> SurveySealedValues(storage::SigningKeyStore* store,
                                             const KeySealer& sealer,
                                             bool reseal) {
  std::vector<Value> values;
  auto keys = store->ListSigningKeys();
  if (!keys.ok()) return keys.status();
  for (storage::SigningKeyRecord& key : *keys) {
    values.push_back(Value{absl::StrCat("signing key ", key.kid), key.kid,
                           key.kid, std::move(key.sealed_private_jwk),
                           &ResealKey});
  }
  auto secrets = store->ListSealedSecrets();
  if (!secrets.ok()) return secrets.status();
  for (storage::SealedSecretRecord& secret : *secrets) {
    values.push_back(Value{absl::StrCat("sealed secret ", secret.name),
                           secret.name, SecretContext(secret.name),
                           std::move(secret.sealed), &ResealNamedSecret});
  }
  KekCensus census;
  for (const Value& value : values) {
    if (absl::Status s = Visit(value, store, sealer, reseal, census); !s.ok()) {
      return s;
    }
  }
  return census;
}

absl::Status RequireEveryValueOpens(const KekCensus& census,
                                    const KeySealer& sealer) {
  if (census.unopenable.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      census.unopenable.size(),
      " sealed value(s) open under none of the configured key-encryption "
      "keys (current ",
      sealer.current_kek_id(),
      "); configure the KEK that sealed them (--previous-kek-files) until "
      "they are re-sealed: ",
      absl::StrJoin(census.unopenable, "; ")));
}

}  // namespace identity::server
