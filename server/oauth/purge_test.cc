// Purging keeps what can still matter and forgets the rest.
#include "server/oauth/purge.h"

#include "gtest/gtest.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

TEST(PurgeTest, ForgetsOnlyWhatExpired) {
  storage::MemoryStore store;
  ASSERT_TRUE(store.Revoke("old", kNow - absl::Seconds(1)).ok());
  ASSERT_TRUE(store.Revoke("live", kNow + absl::Minutes(5)).ok());
  storage::AuthorizationCodeRecord code;
  code.code_hash = "stale";
  code.client_id = "c";
  code.expires_at = kNow - kExpiredCodeRetention - absl::Seconds(1);
  ASSERT_TRUE(store.CreateAuthorizationCode(code).ok());
  code.code_hash = "recent";  // Expired, but a replay may still come.
  code.expires_at = kNow - absl::Minutes(5);
  ASSERT_TRUE(store.CreateAuthorizationCode(code).ok());
  storage::RefreshTokenRecord token;
  token.token_hash = "ended";
  token.family_id = "f";
  token.client_id = "c";
  token.idle_expires_at = token.absolute_expires_at = kNow - absl::Seconds(1);
  ASSERT_TRUE(store.CreateRefreshToken(token).ok());
  token.token_hash = "alive";
  token.idle_expires_at = token.absolute_expires_at = kNow + absl::Hours(1);
  ASSERT_TRUE(store.CreateRefreshToken(token).ok());
  storage::SessionRecord session;
  session.sid = "expired";
  session.secret_hash = "h1";
  session.expires_at = kNow - absl::Seconds(1);
  ASSERT_TRUE(store.CreateSession(session).ok());
  session.sid = "live";
  session.secret_hash = "h2";
  session.expires_at = kNow + absl::Hours(1);
  ASSERT_TRUE(store.CreateSession(session).ok());

  ASSERT_TRUE(store
                  .ClaimOnce("client_assertion", "spent",
                             kNow - absl::Seconds(1), kNow - absl::Minutes(1))
                  .ok());
  ASSERT_TRUE(
      store.ClaimOnce("client_assertion", "live", kNow + absl::Minutes(1), kNow)
          .ok());

  auto counts = PurgeExpired({&store, &store, &store, &store, &store}, kNow);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->revocations, 1);
  EXPECT_EQ(counts->codes, 1);
  EXPECT_EQ(counts->refresh_tokens, 1);
  EXPECT_EQ(counts->sessions, 1);
  EXPECT_EQ(counts->replay_claims, 1);
  EXPECT_EQ(*store.ClaimOnce("client_assertion", "live",
                             kNow + absl::Minutes(1), kNow),
            storage::ReplayClaim::kReplay);
  EXPECT_TRUE(store.GetSession("live").ok());
  EXPECT_FALSE(store.GetSession("expired").ok());
  EXPECT_TRUE(*store.IsRevoked("live"));
  EXPECT_FALSE(*store.IsRevoked("old"));
  EXPECT_TRUE(store.GetAuthorizationCode("recent").ok());
  EXPECT_FALSE(store.GetAuthorizationCode("stale").ok());
  EXPECT_TRUE(store.GetRefreshToken("alive").ok());
  EXPECT_FALSE(store.GetRefreshToken("ended").ok());
  // Again: nothing left to purge.
  counts = PurgeExpired({&store, &store, &store, &store, &store}, kNow);
  EXPECT_EQ(counts->revocations + counts->codes + counts->refresh_tokens +
                counts->sessions + counts->replay_claims,
            0);
}

}  // namespace
}  // namespace identity::server
