// The verified-token cache (issue 16): a token seen before is not verified
// again, yet exp, revocation and key removal act exactly as without it.
#include "server/oauth/verified_token_cache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/introspector.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/testing/oauth_fixture.h"

namespace identity::server {
namespace {

class VerifiedTokenCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fixture_.AddClient("worker", "worker-secret").ok());
  }

  std::string IssueToken() {
    return fixture_.tokens
        .Exchange({"client_credentials", "worker", "worker-secret", ""})
        ->access_token;
  }

  absl::StatusOr<Introspection> Introspect(const std::string& token) {
    return fixture_.introspector.Introspect("worker", "worker-secret", token);
  }

  // The same rule without a cache: what the server answered before it.
  OwnAccessTokens Uncached() {
    return *OwnAccessTokens::Create(testing::kFixtureIssuer, &fixture_.clock,
                                    fixture_.keys.get(), &fixture_.store);
  }

  testing::OAuthFixture fixture_;
  VerifiedTokenCache& cache_ = fixture_.token_cache;
};

std::shared_ptr<const jwt::VerifiedJwt> Verified(const std::string& jti) {
  auto verified = std::make_shared<jwt::VerifiedJwt>();
  verified->claims.jti = jti;
  return verified;
}

std::shared_ptr<const jwt::Jwks> EmptyKeySet() {
  return std::make_shared<const jwt::Jwks>(*jwt::Jwks::Parse(R"({"keys":[]})"));
}

TEST_F(VerifiedTokenCacheTest, SecondSightIsAnsweredFromTheCache) {
  const std::string token = IssueToken();
  auto first = fixture_.access_tokens.CheckShared(token);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(cache_.size(), 1u);
  auto second = fixture_.access_tokens.CheckShared(token);
  ASSERT_TRUE(second.ok());
  // The very object the first verification made: not verified again.
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_TRUE(Introspect(token)->active);
}

// RFC 7519 §4.1.4 and RFC 7662 §2.2: a cached token is inactive from exp
// (plus the replicas' leeway) on, on the injected clock.
TEST_F(VerifiedTokenCacheTest, CachedTokenIsInactiveOnceExpHasPassed) {
  const std::string token = IssueToken();
  ASSERT_TRUE(Introspect(token)->active);
  fixture_.clock.Advance(absl::Minutes(10) + kReplicaClockLeeway -
                         absl::Seconds(1));
  ASSERT_TRUE(Introspect(token)->active);
  fixture_.clock.Advance(absl::Seconds(1));
  fixture_.events.Take();
  EXPECT_FALSE(Introspect(token)->active);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"validated inactive expired"});
  auto checked = fixture_.access_tokens.Check(token);
  EXPECT_EQ(OwnAccessTokens::ReasonOf(checked.status()),
            OwnAccessTokens::ReasonOf(Uncached().Check(token).status()));
  EXPECT_EQ(cache_.size(), 0u);  // The expired entry is dropped.
}

// RFC 7009 §2: a revoked token is inactive at the next call; the cache never
// answers for the revocation list.
TEST_F(VerifiedTokenCacheTest, TokenRevokedWhileCachedIsInactive) {
  const std::string token = IssueToken();
  auto active = Introspect(token);
  ASSERT_TRUE(active->active);
  ASSERT_TRUE(fixture_.access_tokens
                  .Revoke(active->jti, absl::FromUnixSeconds(active->exp))
                  .ok());
  fixture_.events.Take();
  EXPECT_FALSE(Introspect(token)->active);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"validated inactive revoked"});
}

// A token whose signing key was removed is refused as without the cache:
// removing a key makes a new key set, and an entry answers only for the set
// that verified it.
TEST_F(VerifiedTokenCacheTest, TokenOfARemovedKeyStopsBeingAccepted) {
  KeyManagerOptions options;
  options.retired_key_lifetime = absl::Minutes(1);
  testing::OAuthFixture fixture(options);
  ASSERT_TRUE(fixture.AddClient("worker", "worker-secret").ok());
  const std::string token =
      fixture.tokens
          .Exchange({"client_credentials", "worker", "worker-secret", ""})
          ->access_token;
  ASSERT_TRUE(fixture.access_tokens.Check(token).ok());
  ASSERT_TRUE(fixture.keys->RotateNow().ok());
  ASSERT_TRUE(fixture.access_tokens.Check(token).ok());  // Retired: verifies.
  fixture.clock.Advance(absl::Minutes(2));
  ASSERT_TRUE(fixture.keys->Maintain().ok());  // Removes the retired key.
  auto checked = fixture.access_tokens.Check(token);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(OwnAccessTokens::ReasonOf(checked.status()), "kid_unknown");
  auto uncached =
      *OwnAccessTokens::Create(testing::kFixtureIssuer, &fixture.clock,
                               fixture.keys.get(), &fixture.store);
  EXPECT_EQ(OwnAccessTokens::ReasonOf(uncached.Check(token).status()),
            "kid_unknown");
}

TEST_F(VerifiedTokenCacheTest, KeyRefreshVerifiesOnceMoreAndStaysActive) {
  const std::string token = IssueToken();
  auto first = fixture_.access_tokens.VerifyShared(token);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(fixture_.keys->Refresh().ok());  // A new snapshot, same keys.
  auto second = fixture_.access_tokens.VerifyShared(token);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(first->get(), second->get());  // Verified under the new set.
  auto third = fixture_.access_tokens.VerifyShared(token);
  EXPECT_EQ(second->get(), third->get());
  EXPECT_EQ(cache_.size(), 1u);
}

// The cache is keyed by the whole token: another token with the same jti
// (here the genuine one with its signature altered) is verified on its own.
TEST_F(VerifiedTokenCacheTest, AlteredCopyOfACachedTokenIsRefused) {
  const std::string token = IssueToken();
  ASSERT_TRUE(Introspect(token)->active);
  std::string forged = token;
  char& last = forged[forged.size() - 2];
  last = last == 'A' ? 'B' : 'A';
  fixture_.events.Take();
  EXPECT_FALSE(Introspect(forged)->active);
  EXPECT_EQ(fixture_.events.Take(),
            std::vector<std::string>{"validated inactive signature_invalid"});
  EXPECT_TRUE(Introspect(token)->active);
}

TEST_F(VerifiedTokenCacheTest, FailedVerificationsAreNotCached) {
  EXPECT_FALSE(Introspect("a.b.c")->active);
  EXPECT_FALSE(Introspect(IssueToken() + "x")->active);
  EXPECT_EQ(cache_.size(), 0u);
}

TEST(VerifiedTokenCacheBoundTest, FullShardEvictsLeastRecentlyUsed) {
  VerifiedTokenCache cache({/*max_entries=*/2, /*max_token_size=*/100,
                            /*shards=*/1});
  auto jwks = EmptyKeySet();
  const auto a = VerifiedTokenCache::KeyOf("a");
  const auto b = VerifiedTokenCache::KeyOf("b");
  const auto c = VerifiedTokenCache::KeyOf("c");
  cache.Insert(a, jwks, Verified("a"));
  cache.Insert(b, jwks, Verified("b"));
  ASSERT_NE(cache.Find(a, jwks), nullptr);  // b is now the oldest.
  cache.Insert(c, jwks, Verified("c"));
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find(b, jwks), nullptr);
  EXPECT_EQ(*cache.Find(a, jwks)->claims.jti, "a");
  EXPECT_EQ(*cache.Find(c, jwks)->claims.jti, "c");
}

TEST(VerifiedTokenCacheBoundTest, NeverHoldsMoreThanItsCapacity) {
  VerifiedTokenCache cache({/*max_entries=*/64, /*max_token_size=*/100,
                            /*shards=*/8});
  EXPECT_EQ(cache.capacity(), 64u);
  auto jwks = EmptyKeySet();
  for (int i = 0; i < 1000; ++i) {
    const std::string token = "token-" + std::to_string(i);
    cache.Insert(VerifiedTokenCache::KeyOf(token), jwks, Verified(token));
    ASSERT_LE(cache.size(), cache.capacity());
  }
  // The most recent is always there.
  EXPECT_NE(cache.Find(VerifiedTokenCache::KeyOf("token-999"), jwks), nullptr);
}

TEST(VerifiedTokenCacheBoundTest, LongTokensAreNotCacheable) {
  VerifiedTokenCache cache({/*max_entries=*/8, /*max_token_size=*/10,
                            /*shards=*/1});
  EXPECT_TRUE(cache.Cacheable(std::string(10, 'x')));
  EXPECT_FALSE(cache.Cacheable(std::string(11, 'x')));
}

TEST(VerifiedTokenCacheBoundTest, AnotherKeySetDropsTheEntry) {
  VerifiedTokenCache cache;
  auto old_set = EmptyKeySet();
  auto new_set = EmptyKeySet();
  const auto key = VerifiedTokenCache::KeyOf("t");
  cache.Insert(key, old_set, Verified("t"));
  EXPECT_EQ(cache.Find(key, new_set), nullptr);
  EXPECT_EQ(cache.Find(key, old_set), nullptr);  // Dropped, not kept.
  // A set freed and another allocated, possibly at the same address, is
  // still another set.
  cache.Insert(key, new_set, Verified("t"));
  new_set.reset();
  auto newer = EmptyKeySet();
  EXPECT_EQ(cache.Find(key, newer), nullptr);
}

TEST(VerifiedTokenCacheBoundTest, ConcurrentUseStaysWithinBounds) {
  VerifiedTokenCache cache({/*max_entries=*/128, /*max_token_size=*/100,
                            /*shards=*/4});
  auto jwks = EmptyKeySet();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, &jwks, t] {
      for (int i = 0; i < 2000; ++i) {
        const auto key = VerifiedTokenCache::KeyOf(std::to_string(t) + ":" +
                                                   std::to_string(i % 300));
        if (cache.Find(key, jwks) == nullptr) {
          cache.Insert(key, jwks, Verified("x"));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(cache.size(), cache.capacity());
}

}  // namespace
}  // namespace identity::server
