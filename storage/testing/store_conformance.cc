#include "storage/testing/store_conformance.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::storage::testing {
namespace {

// Whole microseconds: what both backends keep.
const absl::Time kT0 = absl::FromUnixMicros(1'800'000'000'123'456);

ClientRecord Client(const std::string& id) {
  ClientRecord c;
  c.client_id = id;
  c.name = "Client " + id + " — é";
  c.allowed_scopes = {"orders.read", "orders.write"};
  c.secret_hash = "v1:hash-of-" + id;
  c.created_at = kT0;
  c.updated_at = kT0;
  return c;
}

SigningKeyRecord Key(const std::string& kid, absl::Time created) {
  SigningKeyRecord key;
  key.kid = kid;
  key.alg = "ES256";
  key.public_jwk = R"({"kty":"EC","kid":")" + kid + R"("})";
  key.sealed_private_jwk = std::string("\x01\x00sealed\xff", 9) + kid;
  key.created_at = created;
  return key;
}

const SigningKeyRecord* Find(const std::vector<SigningKeyRecord>& keys,
                             const std::string& kid) {
  for (const auto& key : keys) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

}  // namespace

void StoreConformanceTest::SetUp() {
  stores_ = GetParam()();
  ASSERT_NE(stores_.clients, nullptr);
  ASSERT_NE(stores_.revocations, nullptr);
  ASSERT_NE(stores_.keys, nullptr);
}

TEST_P(StoreConformanceTest, CreatedClientReadsBackUnchanged) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  auto got = stores_.clients->GetClient("a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, Client("a"));
}

TEST_P(StoreConformanceTest, ClientWithoutScopesReadsBackEmpty) {
  ClientRecord c = Client("a");
  c.allowed_scopes.clear();
  ASSERT_TRUE(stores_.clients->CreateClient(c).ok());
  EXPECT_TRUE(stores_.clients->GetClient("a")->allowed_scopes.empty());
}

TEST_P(StoreConformanceTest, DuplicateClientIdIsAlreadyExists) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ClientRecord other = Client("a");
  other.name = "impostor";
  EXPECT_EQ(stores_.clients->CreateClient(other).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(stores_.clients->GetClient("a")->name, Client("a").name);
}

TEST_P(StoreConformanceTest, MissingClientIsNotFound) {
  EXPECT_EQ(stores_.clients->GetClient("nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.clients->UpdateClient(Client("nobody")).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(stores_.clients->DeleteClient("nobody").code(),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, UpdateReplacesNameScopesAndUpdatedAtOnly) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ClientRecord changed = Client("a");
  changed.name = "renamed";
  changed.allowed_scopes = {"x"};
  changed.updated_at = kT0 + absl::Seconds(5);
  changed.secret_hash = "v1:must-not-change";
  changed.created_at = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.clients->UpdateClient(changed).ok());
  ClientRecord expected = Client("a");
  expected.name = "renamed";
  expected.allowed_scopes = {"x"};
  expected.updated_at = kT0 + absl::Seconds(5);
  EXPECT_EQ(*stores_.clients->GetClient("a"), expected);
}

TEST_P(StoreConformanceTest, DeleteRemoves) {
  ASSERT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
  ASSERT_TRUE(stores_.clients->DeleteClient("a").ok());
  EXPECT_EQ(stores_.clients->GetClient("a").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(stores_.clients->CreateClient(Client("a")).ok());
}

TEST_P(StoreConformanceTest, ListPagesInClientIdOrder) {
  for (const char* id : {"c", "a", "e", "b", "d"}) {
    ASSERT_TRUE(stores_.clients->CreateClient(Client(id)).ok());
  }
  auto first = stores_.clients->ListClients("", 2);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].client_id, "a");
  EXPECT_EQ((*first)[1].client_id, "b");
  auto rest = stores_.clients->ListClients("b", 10);
  ASSERT_EQ(rest->size(), 3u);
  EXPECT_EQ((*rest)[2].client_id, "e");
  EXPECT_TRUE(stores_.clients->ListClients("e", 10)->empty());
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneIdHaveOneWinner) {
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, exists{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      ClientRecord c = Client("race");
      c.name = absl::StrCat("writer ", i);
      const absl::Status s = stores_.clients->CreateClient(c);
      (s.ok() ? created : exists)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), 7);
}

TEST_P(StoreConformanceTest, RevocationIsRecordedAndPurgedAfterExpiry) {
  EXPECT_FALSE(*stores_.revocations->IsRevoked("jti-1"));
  ASSERT_TRUE(stores_.revocations->Revoke("jti-1", kT0).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("jti-2", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*stores_.revocations->IsRevoked("jti-1"));
  EXPECT_EQ(*stores_.revocations->PurgeExpired(kT0 + absl::Seconds(1)), 1);
  EXPECT_FALSE(*stores_.revocations->IsRevoked("jti-1"));
  EXPECT_TRUE(*stores_.revocations->IsRevoked("jti-2"));
}

TEST_P(StoreConformanceTest, ListsTheRevocationsNotYetExpired) {
  EXPECT_TRUE(stores_.revocations->ListRevoked(kT0)->empty());
  ASSERT_TRUE(stores_.revocations->Revoke("old", kT0).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("new", kT0 + absl::Hours(1)).ok());
  auto at_t0 = stores_.revocations->ListRevoked(kT0);
  ASSERT_TRUE(at_t0.ok()) << at_t0.status();
  std::sort(at_t0->begin(), at_t0->end());
  EXPECT_EQ(*at_t0, (std::vector<std::string>{"new", "old"}));  // >= now.
  EXPECT_EQ(*stores_.revocations->ListRevoked(kT0 + absl::Seconds(1)),
            std::vector<std::string>{"new"});
  EXPECT_TRUE(stores_.revocations->ListRevoked(kT0 + absl::Hours(2))->empty());
}

TEST_P(StoreConformanceTest, RevokingTwiceKeepsTheLaterExpiry) {
  ASSERT_TRUE(stores_.revocations->Revoke("j", kT0 + absl::Hours(2)).ok());
  ASSERT_TRUE(stores_.revocations->Revoke("j", kT0).ok());
  EXPECT_EQ(*stores_.revocations->PurgeExpired(kT0 + absl::Hours(1)), 0);
  EXPECT_TRUE(*stores_.revocations->IsRevoked("j"));
}

TEST_P(StoreConformanceTest, SigningKeysInitializeOnce) {
  EXPECT_TRUE(stores_.keys->ListSigningKeys()->empty());
  SigningKeyRecord current = Key("k1", kT0);
  current.activated_at = kT0;
  ASSERT_TRUE(
      stores_.keys
          ->InitializeSigningKeys(current, Key("k2", kT0 + absl::Seconds(1)))
          .ok());
  auto keys = stores_.keys->ListSigningKeys();
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "k2");  // Newest first.
  SigningKeyRecord expected_current = current;
  expected_current.state = KeyState::kCurrent;
  EXPECT_EQ(*Find(*keys, "k1"), expected_current);
  EXPECT_EQ(Find(*keys, "k2")->state, KeyState::kNext);
  EXPECT_EQ(Find(*keys, "k2")->sealed_private_jwk,
            Key("k2", kT0).sealed_private_jwk);
  EXPECT_EQ(stores_.keys->InitializeSigningKeys(Key("k3", kT0), Key("k4", kT0))
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(stores_.keys->ListSigningKeys()->size(), 2u);
}

TEST_P(StoreConformanceTest, RotationMovesEveryStateInOneStep) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  const absl::Time now = kT0 + absl::Hours(1);
  ASSERT_TRUE(stores_.keys
                  ->RotateSigningKeys("k1", "k2", Key("k3", now), now,
                                      now + absl::Minutes(10))
                  .ok());
  auto keys = *stores_.keys->ListSigningKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(Find(keys, "k1")->state, KeyState::kRetired);
  EXPECT_EQ(Find(keys, "k1")->retired_at, now);
  EXPECT_EQ(Find(keys, "k1")->remove_at, now + absl::Minutes(10));
  EXPECT_EQ(Find(keys, "k2")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "k2")->activated_at, now);
  EXPECT_EQ(Find(keys, "k3")->state, KeyState::kNext);
  EXPECT_FALSE(Find(keys, "k3")->activated_at.has_value());
}

TEST_P(StoreConformanceTest, StaleRotationIsAbortedAndChangesNothing) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  EXPECT_EQ(
      stores_.keys->RotateSigningKeys("k2", "k1", Key("k3", kT0), kT0, kT0)
          .code(),
      absl::StatusCode::kAborted);
  EXPECT_EQ(
      stores_.keys->RotateSigningKeys("nope", "k2", Key("k3", kT0), kT0, kT0)
          .code(),
      absl::StatusCode::kAborted);
  auto keys = *stores_.keys->ListSigningKeys();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(Find(keys, "k1")->state, KeyState::kCurrent);
  EXPECT_EQ(Find(keys, "k2")->state, KeyState::kNext);
}

TEST_P(StoreConformanceTest, ConcurrentRotationsHaveOneWinner) {
  // Replicas whose timers fire together: exactly one rotation happens.
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  std::atomic<int> rotated{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      const absl::Status s = stores_.keys->RotateSigningKeys(
          "k1", "k2", Key(absl::StrCat("new", i), kT0), kT0, kT0);
      if (s.ok()) {
        ++rotated;
      } else if (s.code() == absl::StatusCode::kAborted) {
        ++aborted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(aborted.load(), 3);
  EXPECT_EQ(stores_.keys->ListSigningKeys()->size(), 3u);
}

TEST_P(StoreConformanceTest, RetiredKeysAreRemovedAfterTheirTime) {
  ASSERT_TRUE(
      stores_.keys->InitializeSigningKeys(Key("k1", kT0), Key("k2", kT0)).ok());
  ASSERT_TRUE(stores_.keys
                  ->RotateSigningKeys("k1", "k2", Key("k3", kT0), kT0,
                                      kT0 + absl::Minutes(10))
                  .ok());
  EXPECT_EQ(*stores_.keys->RemoveExpiredSigningKeys(kT0 + absl::Minutes(5)), 0);
  EXPECT_EQ(*stores_.keys->RemoveExpiredSigningKeys(kT0 + absl::Minutes(11)),
            1);
  auto keys = *stores_.keys->ListSigningKeys();
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(Find(keys, "k1"), nullptr);
}

}  // namespace identity::storage::testing
