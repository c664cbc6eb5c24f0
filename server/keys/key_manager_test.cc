#include "server/keys/key_manager.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "jwt/json.h"
#include "jwt/jwt_verifier.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

using storage::KeyState;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class KeyManagerTest : public ::testing::Test {
 protected:
  KeyManagerTest()
      : sealer_(*KeySealer::Create(std::string(32, 'k'))), clock_(kStart) {
    options_.rotation_period = absl::Hours(24);
    options_.retired_key_lifetime = absl::Minutes(15);
  }

  std::unique_ptr<KeyManager> NewManager(const KeySealer* sealer = nullptr) {
    auto manager = KeyManager::Create(&store_, sealer ? sealer : &sealer_,
                                      &clock_, options_);
    EXPECT_TRUE(manager.ok()) << manager.status();
    return manager.ok() ? *std::move(manager) : nullptr;
  }

  std::string KidIn(const KeySnapshot& snapshot, KeyState state) {
    for (const auto& key : snapshot.keys) {
      if (key.state == state) return key.kid;
    }
    return "";
  }

  // Signs with the snapshot's signer and verifies against `jwks`.
  absl::Status SignAndVerify(const KeySnapshot& signer_from,
                             const jwt::Jwks& jwks) {
    jwt::Claims claims;
    claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
    auto token = signer_from.signer->Sign(claims);
    if (!token.ok()) return token.status();
    // The keys are under test, not the claims: the token names no issuer
    // or audience.
    jwt::VerifierOptions options;
    options.clock = &clock_;
    options.skip_issuer_check = true;
    options.skip_audience_check = true;
    options.required_typ = "at+jwt";
    return jwt::JwtVerifier::Create(options)->Verify(*token, jwks).status();
  }

  storage::MemoryStore store_;
  KeySealer sealer_;
  jwt::FakeClock clock_;
  KeyManagerOptions options_;
};

TEST_F(KeyManagerTest, FirstStartCreatesCurrentAndNextBothPublished) {
  auto manager = NewManager();
  auto snapshot = manager->snapshot();
  ASSERT_NE(snapshot->signer, nullptr);
  EXPECT_EQ(snapshot->keys.size(), 2u);
  EXPECT_EQ(snapshot->jwks->keys().size(), 2u);
  const std::string current = KidIn(*snapshot, KeyState::kCurrent);
  EXPECT_EQ(snapshot->signer->key().kid(), current);
  EXPECT_EQ(snapshot->signer->algorithm(), jwt::Algorithm::kES256);
  EXPECT_NE(snapshot->jwks->FindByKid(KidIn(*snapshot, KeyState::kNext)),
            nullptr);
  EXPECT_TRUE(SignAndVerify(*snapshot, *snapshot->jwks).ok());
}

TEST_F(KeyManagerTest, PrivateKeysAreStoredSealed) {
  auto manager = NewManager();
  const auto stored = store_.ListSigningKeys();
  ASSERT_TRUE(stored.ok());
  for (const auto& key : *stored) {
    EXPECT_EQ(key.sealed_private_jwk.find("\"d\""), std::string::npos);
    EXPECT_TRUE(sealer_.Open(key.sealed_private_jwk, key.kid).ok());
    EXPECT_EQ(key.public_jwk.find("\"d\""), std::string::npos);
  }
  for (const auto& key : manager->snapshot()->keys) {
    EXPECT_TRUE(key.sealed_private_jwk.empty());  // Not kept in snapshots.
  }
}

TEST_F(KeyManagerTest, ReplicasOnOneStoreShareKeys) {
  auto a = NewManager();
  auto b = NewManager();
  EXPECT_EQ(KidIn(*a->snapshot(), KeyState::kCurrent),
            KidIn(*b->snapshot(), KeyState::kCurrent));
  EXPECT_TRUE(SignAndVerify(*a->snapshot(), *b->snapshot()->jwks).ok());
}

TEST_F(KeyManagerTest, RotatesWhenTheCurrentKeyIsDue) {
  auto manager = NewManager();
  const auto before = manager->snapshot();
  clock_.Advance(absl::Hours(23));
  EXPECT_FALSE(*manager->Maintain());
  clock_.Advance(absl::Hours(1));
  EXPECT_TRUE(*manager->Maintain());
  const auto after = manager->snapshot();
  // NEXT became CURRENT, CURRENT became RETIRED, a new NEXT appeared.
  EXPECT_EQ(KidIn(*after, KeyState::kCurrent), KidIn(*before, KeyState::kNext));
  EXPECT_EQ(KidIn(*after, KeyState::kRetired),
            KidIn(*before, KeyState::kCurrent));
  EXPECT_EQ(after->jwks->keys().size(), 3u);
  EXPECT_EQ(after->signer->key().kid(), KidIn(*after, KeyState::kCurrent));
  // Tokens signed before the rotation still verify.
  EXPECT_TRUE(SignAndVerify(*before, *after->jwks).ok());
  EXPECT_FALSE(*manager->Maintain());  // Not due again yet.
  // What GetJwks and /jwks publish, built with each snapshot, follows.
  EXPECT_EQ(before->public_jwks_json,
            jwt::DumpJson(before->jwks->ToPublicJson()));
  EXPECT_EQ(after->public_jwks_json,
            jwt::DumpJson(after->jwks->ToPublicJson()));
  EXPECT_EQ(after->public_jwks, after->jwks->ToPublicJson());
  EXPECT_NE(after->public_jwks_json, before->public_jwks_json);
  EXPECT_EQ(after->public_jwks["keys"].size(), 3u);
}

TEST_F(KeyManagerTest, VerifiersKnewTheNewSigningKeyBeforeItSigned) {
  // SPEC: a cached JWKS already holds a key before any token is signed with
  // it, because NEXT is published.
  auto manager = NewManager();
  const auto before = manager->snapshot();
  ASSERT_TRUE(manager->RotateNow().ok());
  EXPECT_TRUE(SignAndVerify(*manager->snapshot(), *before->jwks).ok());
}

TEST_F(KeyManagerTest, RetiredKeysLeaveAfterTheirLifetime) {
  auto manager = NewManager();
  ASSERT_TRUE(manager->RotateNow().ok());
  const std::string retired = KidIn(*manager->snapshot(), KeyState::kRetired);
  clock_.Advance(absl::Minutes(14));
  ASSERT_TRUE(manager->Maintain().ok());
  EXPECT_NE(manager->snapshot()->jwks->FindByKid(retired), nullptr);
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(manager->Maintain().ok());
  EXPECT_EQ(manager->snapshot()->jwks->FindByKid(retired), nullptr);
  EXPECT_EQ(manager->snapshot()->keys.size(), 2u);
}

TEST_F(KeyManagerTest, ReplicaSeesARotationOnRefresh) {
  auto a = NewManager();
  auto b = NewManager();
  ASSERT_TRUE(a->RotateNow().ok());
  EXPECT_NE(KidIn(*a->snapshot(), KeyState::kCurrent),
            KidIn(*b->snapshot(), KeyState::kCurrent));  // Stale until...
  ASSERT_TRUE(b->Refresh().ok());
  EXPECT_EQ(KidIn(*a->snapshot(), KeyState::kCurrent),
            KidIn(*b->snapshot(), KeyState::kCurrent));
}

TEST_F(KeyManagerTest, RotateNowOnAStaleReplicaRotatesFromTheLatestKeys) {
  auto a = NewManager();
  auto b = NewManager();
  ASSERT_TRUE(a->RotateNow().ok());
  const std::string a_next = KidIn(*a->snapshot(), KeyState::kNext);
  ASSERT_TRUE(b->RotateNow().ok()) << "b reloads before rotating";
  EXPECT_EQ(KidIn(*b->snapshot(), KeyState::kCurrent), a_next);
  EXPECT_EQ(store_.ListSigningKeys()->size(), 4u);
}

TEST_F(KeyManagerTest, DueReplicasRotateOnce) {
  auto a = NewManager();
  auto b = NewManager();
  clock_.Advance(absl::Hours(25));
  // b has not seen a's rotation when it tries its own: the store refuses it.
  const auto stale = b->snapshot();
  EXPECT_TRUE(*a->Maintain());
  EXPECT_FALSE(*b->Maintain());  // Refreshes first: a's rotation is current.
  EXPECT_EQ(store_.ListSigningKeys()->size(), 3u);
  EXPECT_EQ(KidIn(*a->snapshot(), KeyState::kCurrent),
            KidIn(*b->snapshot(), KeyState::kCurrent));
  EXPECT_NE(KidIn(*stale, KeyState::kCurrent),
            KidIn(*b->snapshot(), KeyState::kCurrent));
}

TEST_F(KeyManagerTest, AnotherKekCannotOpenTheKeys) {
  NewManager();
  KeySealer other = *KeySealer::Create(std::string(32, 'x'));
  auto manager = KeyManager::Create(&store_, &other, &clock_, options_);
  EXPECT_EQ(manager.status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(KeyManagerTest, OtherAlgorithmsAreConfigurable) {
  options_.algorithms = {jwt::Algorithm::kEdDSA};
  auto manager = NewManager();
  EXPECT_EQ(manager->snapshot()->signer->algorithm(), jwt::Algorithm::kEdDSA);
  EXPECT_TRUE(
      SignAndVerify(*manager->snapshot(), *manager->snapshot()->jwks).ok());
}

TEST_F(KeyManagerTest, RejectsBadOptions) {
  options_.rotation_period = absl::ZeroDuration();
  EXPECT_EQ(
      KeyManager::Create(&store_, &sealer_, &clock_, options_).status().code(),
      absl::StatusCode::kInvalidArgument);
  options_.rotation_period = absl::Hours(1);
  for (const std::vector<jwt::Algorithm>& algorithms :
       std::vector<std::vector<jwt::Algorithm>>{
           {},
           {jwt::Algorithm::kHS256},
           {jwt::Algorithm::kES256, jwt::Algorithm::kES256}}) {
    options_.algorithms = algorithms;
    EXPECT_EQ(KeyManager::Create(&store_, &sealer_, &clock_, options_)
                  .status()
                  .code(),
              absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(store_.ListSigningKeys()->empty());
}

// The keys of one algorithm in `snapshot`, by state.
std::vector<std::string> KidsOf(const KeySnapshot& snapshot,
                                absl::string_view alg, KeyState state) {
  std::vector<std::string> kids;
  for (const auto& key : snapshot.keys) {
    if (key.alg == alg && key.state == state) kids.push_back(key.kid);
  }
  return kids;
}

// OIDC Core §15.1: RS256 for ID tokens beside a faster access-token
// algorithm; each configured algorithm has its own CURRENT and NEXT key.
TEST_F(KeyManagerTest, EachAlgorithmHasItsOwnCurrentAndNextKey) {
  options_.algorithms = {jwt::Algorithm::kES256, jwt::Algorithm::kRS256};
  auto manager = NewManager();
  const auto snapshot = manager->snapshot();
  EXPECT_EQ(snapshot->keys.size(), 4u);
  EXPECT_EQ(snapshot->jwks->keys().size(), 4u);
  for (const char* alg : {"ES256", "RS256"}) {
    EXPECT_EQ(KidsOf(*snapshot, alg, KeyState::kCurrent).size(), 1u) << alg;
    EXPECT_EQ(KidsOf(*snapshot, alg, KeyState::kNext).size(), 1u) << alg;
  }
  // Access tokens: the first; ID tokens: RS256, the OIDC default.
  EXPECT_EQ(snapshot->signer->algorithm(), jwt::Algorithm::kES256);
  EXPECT_EQ(snapshot->id_token_signer->algorithm(), jwt::Algorithm::kRS256);
  EXPECT_EQ(snapshot->IdTokenSigner(jwt::Algorithm::kES256)->algorithm(),
            jwt::Algorithm::kES256);
  EXPECT_EQ(snapshot->IdTokenSigner(jwt::Algorithm::kPS256), nullptr);
  EXPECT_EQ(snapshot->SigningAlgorithms(), options_.algorithms);
  EXPECT_EQ(snapshot->signing[1].access_token_signer->key().kid(),
            KidsOf(*snapshot, "RS256", KeyState::kCurrent)[0]);
  // A second replica finds them and creates none.
  auto b = NewManager();
  EXPECT_EQ(store_.ListSigningKeys()->size(), 4u);
}

TEST_F(KeyManagerTest, IdTokensUseTheFirstAlgorithmWithoutRs256) {
  EXPECT_EQ(
      DefaultIdTokenAlgorithm({jwt::Algorithm::kEdDSA, jwt::Algorithm::kES256}),
      jwt::Algorithm::kEdDSA);
  EXPECT_EQ(
      DefaultIdTokenAlgorithm({jwt::Algorithm::kES256, jwt::Algorithm::kRS256}),
      jwt::Algorithm::kRS256);
}

TEST_F(KeyManagerTest, AlgorithmsRotateOnTheirOwnSchedules) {
  options_.algorithms = {jwt::Algorithm::kES256, jwt::Algorithm::kEdDSA};
  auto manager = NewManager();
  const auto before = manager->snapshot();
  // Rotating one algorithm on demand moves only its keys.
  clock_.Advance(absl::Hours(12));
  ASSERT_TRUE(manager->RotateNow(jwt::Algorithm::kEdDSA).ok());
  auto after = manager->snapshot();
  EXPECT_EQ(KidsOf(*after, "ES256", KeyState::kCurrent),
            KidsOf(*before, "ES256", KeyState::kCurrent));
  EXPECT_EQ(KidsOf(*after, "EdDSA", KeyState::kCurrent),
            KidsOf(*before, "EdDSA", KeyState::kNext));
  EXPECT_EQ(KidsOf(*after, "EdDSA", KeyState::kRetired),
            KidsOf(*before, "EdDSA", KeyState::kCurrent));
  // 24 h after start only ES256 is due; EdDSA became current 12 h ago.
  clock_.Advance(absl::Hours(12));
  EXPECT_TRUE(*manager->Maintain());
  const auto due = manager->snapshot();
  EXPECT_EQ(KidsOf(*due, "ES256", KeyState::kCurrent),
            KidsOf(*before, "ES256", KeyState::kNext));
  EXPECT_EQ(KidsOf(*due, "EdDSA", KeyState::kCurrent),
            KidsOf(*after, "EdDSA", KeyState::kCurrent));
  // Not configured: refused, nothing rotates.
  EXPECT_EQ(manager->RotateNow(jwt::Algorithm::kRS256).code(),
            absl::StatusCode::kInvalidArgument);
  // Every algorithm at once.
  ASSERT_TRUE(manager->RotateNow().ok());
  EXPECT_EQ(KidsOf(*manager->snapshot(), "ES256", KeyState::kRetired).size(),
            1u + KidsOf(*due, "ES256", KeyState::kRetired).size());
  EXPECT_EQ(KidsOf(*manager->snapshot(), "EdDSA", KeyState::kCurrent),
            KidsOf(*due, "EdDSA", KeyState::kNext));
}

// An algorithm left out of the configuration stops signing at once; its
// keys are retired by maintenance and stay published for
// retired_key_lifetime, so tokens it signed still verify until then.
TEST_F(KeyManagerTest, AnAlgorithmRemovedIsRetiredThenRemoved) {
  options_.algorithms = {jwt::Algorithm::kES256, jwt::Algorithm::kEdDSA};
  auto old_config = NewManager();
  jwt::Claims claims;
  claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(10));
  auto eddsa_token = old_config->snapshot()
                         ->IdTokenSigner(jwt::Algorithm::kEdDSA)
                         ->Sign(claims);
  ASSERT_TRUE(eddsa_token.ok());
  options_.algorithms = {jwt::Algorithm::kES256};
  auto manager = NewManager();
  EXPECT_EQ(manager->snapshot()->SigningAlgorithms(), options_.algorithms);
  EXPECT_EQ(manager->snapshot()->IdTokenSigner(jwt::Algorithm::kEdDSA),
            nullptr);
  ASSERT_TRUE(manager->Maintain().ok());
  const auto retired = manager->snapshot();
  EXPECT_TRUE(KidsOf(*retired, "EdDSA", KeyState::kCurrent).empty());
  EXPECT_TRUE(KidsOf(*retired, "EdDSA", KeyState::kNext).empty());
  EXPECT_EQ(KidsOf(*retired, "EdDSA", KeyState::kRetired).size(), 2u);
  jwt::VerifierOptions options;
  options.clock = &clock_;
  options.skip_issuer_check = true;
  options.skip_audience_check = true;
  options.required_typ = "JWT";
  auto verifier = jwt::JwtVerifier::Create(options);
  EXPECT_TRUE(verifier->Verify(*eddsa_token, *retired->jwks).ok());
  clock_.Advance(absl::Minutes(16));
  ASSERT_TRUE(manager->Maintain().ok());
  EXPECT_TRUE(
      KidsOf(*manager->snapshot(), "EdDSA", KeyState::kRetired).empty());
  EXPECT_EQ(manager->snapshot()->keys.size(), 2u);
}

// A replica configured with an algorithm the store has no key for (it was
// added to the configuration, or another replica retired it) creates it.
TEST_F(KeyManagerTest, MaintenanceCreatesKeysForAConfiguredAlgorithm) {
  auto es256_only = NewManager();
  options_.algorithms = {jwt::Algorithm::kES256, jwt::Algorithm::kEdDSA};
  auto both = NewManager();
  EXPECT_EQ(store_.ListSigningKeys()->size(), 4u);
  // The ES256-only replica retires EdDSA's keys...
  ASSERT_TRUE(es256_only->Maintain().ok());
  EXPECT_EQ(both->Refresh().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(both->snapshot()->IdTokenSigner(jwt::Algorithm::kEdDSA), nullptr)
      << "the last good snapshot keeps serving";
  // ...and the other's maintenance makes new ones.
  ASSERT_TRUE(both->Maintain().ok());
  EXPECT_EQ(KidsOf(*both->snapshot(), "EdDSA", KeyState::kCurrent).size(), 1u);
}

}  // namespace
}  // namespace identity::server
