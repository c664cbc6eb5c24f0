// KEK rotation over a store: what a previous KEK sealed is re-sealed under
// the current one, a "next" KEK's values are left alone, and a KEK retired
// too early is reported (the server then refuses to start).
#include "server/keys/kek_rotation.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/keys/server_secrets.h"
#include "server/keys/testing/legacy_seal.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

std::string Kek(char fill) { return std::string(KeySealer::kKekSize, fill); }

KeySealer Ring(char current, std::vector<char> previous = {},
               std::vector<char> next = {}) {
  KekRing ring;
  ring.current = Kek(current);
  for (char c : previous) ring.previous.push_back(Kek(c));
  for (char c : next) ring.next.push_back(Kek(c));
  return *KeySealer::Create(std::move(ring));
}

class KekRotationTest : public ::testing::Test {
 protected:
  // The keys and secrets a replica holding only `kek` creates.
  void StartWith(char kek) {
    KeySealer sealer = Ring(kek);
    ASSERT_TRUE(
        LoadServerSecrets(&store_, sealer, SystemRandom(), clock_.Now()).ok());
    auto manager = KeyManager::Create(&store_, &sealer, &clock_, {});
    ASSERT_TRUE(manager.ok()) << manager.status();
  }

  std::vector<std::string> KekIds() {
    std::vector<std::string> ids;
    const auto keys = store_.ListSigningKeys().value();
    for (const auto& key : keys) {
      ids.push_back(*KeySealer::SealedKekId(key.sealed_private_jwk));
    }
    const auto secrets = store_.ListSealedSecrets().value();
    for (const auto& secret : secrets) {
      ids.push_back(*KeySealer::SealedKekId(secret.sealed));
    }
    return ids;
  }

  storage::MemoryStore store_;
  jwt::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
};

TEST_F(KekRotationTest, ReSealsWhatThePreviousKekSealedAndIsIdempotent) {
  StartWith('o');
  const std::vector<std::string> before = KekIds();
  ASSERT_EQ(before.size(), 5u);  // CURRENT, NEXT and three secrets.
  KeySealer rotating = Ring('n', {'o'});
  auto census = SurveySealedValues(&store_, rotating, /*reseal=*/true);
  ASSERT_TRUE(census.ok()) << census.status();
  EXPECT_EQ(census->resealed, 5);
  EXPECT_EQ(census->under_current, 5);
  EXPECT_EQ(census->under_previous, 0);
  EXPECT_TRUE(census->unopenable.empty());
  for (const std::string& id : KekIds()) {
    EXPECT_EQ(id, KeySealer::KekId(Kek('n')));
  }
  // A second pass (another replica, a restart) has nothing to do.
  auto again = SurveySealedValues(&store_, rotating, /*reseal=*/true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->resealed, 0);
  EXPECT_EQ(again->under_current, 5);
  // Now the old KEK can go: the new one alone opens everything.
  KeySealer retired = Ring('n');
  auto after = SurveySealedValues(&store_, retired, /*reseal=*/false);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(RequireEveryValueOpens(*after, retired).ok());
  EXPECT_TRUE(
      LoadServerSecrets(&store_, retired, SystemRandom(), clock_.Now()).ok());
  EXPECT_TRUE(KeyManager::Create(&store_, &retired, &clock_, {}).ok());
}

TEST_F(KekRotationTest, SecretsSurviveTheRotationUnchanged) {
  StartWith('o');
  auto before =
      LoadServerSecrets(&store_, Ring('o'), SystemRandom(), clock_.Now());
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(
      SurveySealedValues(&store_, Ring('n', {'o'}), /*reseal=*/true).ok());
  auto after =
      LoadServerSecrets(&store_, Ring('n'), SystemRandom(), clock_.Now());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->client_secret_key_v1, before->client_secret_key_v1);
  EXPECT_EQ(after->client_secret_key_v2, before->client_secret_key_v2);
  EXPECT_EQ(after->session_key, before->session_key);
  // The legacy key is the one the server derived from the KEK of that time.
  EXPECT_EQ(after->client_secret_key_v1,
            Ring('o').DeriveFromCurrentKek("identity client-secret hash v1"));
  EXPECT_NE(after->client_secret_key_v2, after->client_secret_key_v1);
  EXPECT_EQ(after->client_secret_key_v2.size(), 32u);
}

TEST_F(KekRotationTest, ACensusWithoutResealingChangesNothing) {
  StartWith('o');
  const auto before = KekIds();
  auto census = SurveySealedValues(&store_, Ring('n', {'o'}), false);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->under_previous, 5);
  EXPECT_EQ(census->resealed, 0);
  EXPECT_EQ(KekIds(), before);
}

// While replicas roll onto a new KEK, one that still seals under the old
// KEK (holding the new one as "next") must not undo the others' re-sealing.
TEST_F(KekRotationTest, AReplicaBehindNeverReSealsAwayFromTheNextKek) {
  StartWith('o');
  ASSERT_TRUE(SurveySealedValues(&store_, Ring('n', {'o'}), true).ok());
  KeySealer behind = Ring('o', {}, {'n'});
  auto census = SurveySealedValues(&store_, behind, /*reseal=*/true);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->resealed, 0);
  EXPECT_EQ(census->under_next, 5);
  for (const std::string& id : KekIds()) {
    EXPECT_EQ(id, KeySealer::KekId(Kek('n')));
  }
  // And it still signs: it opens the keys sealed under the next KEK.
  EXPECT_TRUE(KeyManager::Create(&store_, &behind, &clock_, {}).ok());
}

// Backward compatibility: a database written before KEK rotation existed
// (version-1 values, no KEK id) upgraded and rotated in one restart. The
// legacy client-secret key comes from the KEK that sealed the old keys, not
// from the new current one, and the old values are re-sealed in version 2.
TEST_F(KekRotationTest, Version1ValuesOpenAndAreReSealedWithTheirKeksKey) {
  storage::SigningKeyRecord current, next;
  current.kid = "old-current";
  next.kid = "old-next";
  for (storage::SigningKeyRecord* key : {&current, &next}) {
    key->alg = "ES256";
    key->public_jwk = "{}";
    key->sealed_private_jwk =
        testing::SealVersion1(Kek('o'), "private " + key->kid, key->kid);
    key->created_at = clock_.Now();
  }
  ASSERT_TRUE(store_.InitializeSigningKeys(current, next).ok());
  KeySealer upgraded = Ring('n', {'o'});
  auto secrets =
      LoadServerSecrets(&store_, upgraded, SystemRandom(), clock_.Now());
  ASSERT_TRUE(secrets.ok()) << secrets.status();
  EXPECT_EQ(secrets->client_secret_key_v1,
            Ring('o').DeriveFromCurrentKek("identity client-secret hash v1"));
  auto census = SurveySealedValues(&store_, upgraded, /*reseal=*/true);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->legacy_format, 2);
  EXPECT_EQ(census->resealed, 2);  // The secrets were sealed under 'n'.
  EXPECT_EQ(census->under_current, 5);
  for (const std::string& id : KekIds()) {
    EXPECT_EQ(id, KeySealer::KekId(Kek('n')));
  }
  const auto keys = store_.ListSigningKeys().value();
  for (const auto& key : keys) {
    EXPECT_EQ(*Ring('n').Open(key.sealed_private_jwk, key.kid),
              "private " + key.kid);
  }
}

// Version-1 values sealed under the current KEK are left as they are (a
// replica of the previous version may still read them).
TEST_F(KekRotationTest, Version1ValuesUnderTheCurrentKekStay) {
  storage::SigningKeyRecord current, next;
  current.kid = "c";
  next.kid = "n";
  for (storage::SigningKeyRecord* key : {&current, &next}) {
    key->sealed_private_jwk =
        testing::SealVersion1(Kek('o'), "private", key->kid);
    key->created_at = clock_.Now();
  }
  ASSERT_TRUE(store_.InitializeSigningKeys(current, next).ok());
  auto census = SurveySealedValues(&store_, Ring('o'), /*reseal=*/true);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->under_current, 2);
  EXPECT_EQ(census->legacy_format, 2);
  EXPECT_EQ(census->resealed, 0);
}

// Retiring the old KEK before the re-sealing is refused, naming the KEK.
TEST_F(KekRotationTest, RetiringTooEarlyIsReportedWithTheMissingKekId) {
  StartWith('o');
  KeySealer too_early = Ring('n');
  auto census = SurveySealedValues(&store_, too_early, /*reseal=*/true);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->unopenable.size(), 5u);
  EXPECT_EQ(census->resealed, 0);
  absl::Status refused = RequireEveryValueOpens(*census, too_early);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find(KeySealer::KekId(Kek('o'))),
            std::string::npos)
      << refused;
  EXPECT_FALSE(KeyManager::Create(&store_, &too_early, &clock_, {}).ok());
  EXPECT_EQ(LoadServerSecrets(&store_, too_early, SystemRandom(), clock_.Now())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(KekRotationTest, ATamperedValueIsReportedNotReSealed) {
  StartWith('o');
  auto keys = *store_.ListSigningKeys();
  std::string tampered = keys[0].sealed_private_jwk;
  tampered[tampered.size() - 1] ^= 1;
  ASSERT_TRUE(
      store_.ResealSigningKey(keys[0].kid, keys[0].sealed_private_jwk, tampered)
          .ok());
  auto census = SurveySealedValues(&store_, Ring('n', {'o'}), true);
  ASSERT_TRUE(census.ok());
  ASSERT_EQ(census->unopenable.size(), 1u);
  EXPECT_NE(census->unopenable[0].find(keys[0].kid), std::string::npos);
  EXPECT_EQ(census->resealed, 4);
  EXPECT_FALSE(RequireEveryValueOpens(*census, Ring('n', {'o'})).ok());
}

// A replica that re-seals a value another replica re-sealed meanwhile loses
// the compare-and-set and leaves the winner's value.
TEST_F(KekRotationTest, ConcurrentReSealsKeepOneWinner) {
  StartWith('o');
  auto key = (*store_.ListSigningKeys())[0];
  KeySealer rotating = Ring('n', {'o'});
  const std::string winner =
      *rotating.Seal(*rotating.Open(key.sealed_private_jwk, key.kid), key.kid);
  ASSERT_TRUE(
      store_.ResealSigningKey(key.kid, key.sealed_private_jwk, winner).ok());
  EXPECT_EQ(
      store_.ResealSigningKey(key.kid, key.sealed_private_jwk, "late").code(),
      absl::StatusCode::kAborted);
  auto census = SurveySealedValues(&store_, rotating, true);
  ASSERT_TRUE(census.ok());
  EXPECT_EQ(census->resealed, 4);
  const auto keys = store_.ListSigningKeys().value();
  for (const auto& k : keys) {
    if (k.kid == key.kid) {
      EXPECT_EQ(k.sealed_private_jwk, winner);
    }
  }
}

}  // namespace
}  // namespace identity::server
