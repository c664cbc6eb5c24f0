// The read caches over a real (in-memory) store. "Another replica" writes to
// the store directly; writes through the cache are this replica's.
#include "storage/cache/caching_store.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"
#include "storage/memory/memory_store.h"
#include "storage/no_io_scope.h"

namespace identity::storage {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);
constexpr absl::Duration kTtl = absl::Seconds(5);

ClientRecord Client(const std::string& id, const std::string& name) {
  ClientRecord client;
  client.client_id = id;
  client.name = name;
  client.secret_hash = "v1:hash";
  client.created_at = client.updated_at = kT0;
  return client;
}

class CachingClientStoreTest : public ::testing::Test {
 protected:
  MemoryStore store_;
  jwt::FakeClock clock_{kT0};
  CachingClientStore cache_{&store_, &clock_, kTtl};
};

TEST_F(CachingClientStoreTest, OtherReplicasChangesShowWithinTheTtl) {
  ASSERT_TRUE(store_.CreateClient(Client("a", "first")).ok());
  EXPECT_EQ(cache_.GetClient("a")->name, "first");
  ASSERT_TRUE(store_.UpdateClient(Client("a", "second")).ok());
  clock_.Advance(kTtl - absl::Milliseconds(1));
  EXPECT_EQ(cache_.GetClient("a")->name, "first") << "served from memory";
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(cache_.GetClient("a")->name, "second");
  ASSERT_TRUE(store_.DeleteClient("a").ok());
  clock_.Advance(kTtl);
  EXPECT_EQ(cache_.GetClient("a").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CachingClientStoreTest, OwnWritesShowAtOnce) {
  ASSERT_TRUE(cache_.CreateClient(Client("a", "first")).ok());
  EXPECT_EQ(cache_.GetClient("a")->name, "first");
  ASSERT_TRUE(cache_.UpdateClient(Client("a", "second")).ok());
  EXPECT_EQ(cache_.GetClient("a")->name, "second");
  ASSERT_TRUE(cache_.DeleteClient("a").ok());
  EXPECT_EQ(cache_.GetClient("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(cache_.DeleteClient("a").code(), absl::StatusCode::kNotFound);
}

TEST_F(CachingClientStoreTest, CachedCopiesKeepEveryField) {
  ClientRecord client = Client("spa", "app");
  client.secret_hash.clear();
  client.redirect_uris = {"https://app.example/cb"};
  client.grant_types = {"authorization_code", "refresh_token"};
  client.public_client = true;
  ASSERT_TRUE(store_.CreateClient(client).ok());
  EXPECT_EQ(*cache_.GetClient("spa"), client);  // From the store.
  EXPECT_EQ(*cache_.GetClient("spa"), client);  // From memory.
  client.redirect_uris.push_back("https://app.example/cb2");
  ASSERT_TRUE(cache_.UpdateClient(client).ok());
  EXPECT_EQ(*cache_.GetClient("spa"), client);
}

TEST_F(CachingClientStoreTest, AbsenceIsNotCached) {
  EXPECT_EQ(cache_.GetClient("new").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_.CreateClient(Client("new", "n")).ok());
  EXPECT_TRUE(cache_.GetClient("new").ok());
}

TEST_F(CachingClientStoreTest, ZeroTtlReadsThroughAndTheSizeIsBounded) {
  CachingClientStore uncached(&store_, &clock_, absl::ZeroDuration());
  ASSERT_TRUE(store_.CreateClient(Client("a", "first")).ok());
  EXPECT_EQ(uncached.GetClient("a")->name, "first");
  ASSERT_TRUE(store_.UpdateClient(Client("a", "second")).ok());
  EXPECT_EQ(uncached.GetClient("a")->name, "second");

  CachingClientStore small(&store_, &clock_, kTtl, absl::ZeroDuration(),
                           /*max_entries=*/2);
  for (const char* id : {"b", "c", "d"}) {
    ASSERT_TRUE(store_.CreateClient(Client(id, id)).ok());
  }
  for (int round = 0; round < 2; ++round) {
    for (const char* id : {"a", "b", "c", "d"}) {
      ASSERT_TRUE(small.GetClient(id).ok()) << id;
    }
  }
  EXPECT_EQ(*small.ListClients("", 10), *store_.ListClients("", 10));
}

TEST_F(CachingClientStoreTest, FreshViewReadsTheStoreAndRefreshesTheCopy) {
  ASSERT_TRUE(store_.CreateClient(Client("a", "first")).ok());
  EXPECT_EQ(cache_.GetClient("a")->name, "first");
  ASSERT_TRUE(store_.UpdateClient(Client("a", "second")).ok());  // Elsewhere.
  EXPECT_EQ(cache_.fresh()->GetClient("a")->name, "second");
  EXPECT_EQ(cache_.GetClient("a")->name, "second") << "the copy followed";
  ASSERT_TRUE(cache_.fresh()->UpdateClient(Client("a", "third")).ok());
  EXPECT_EQ(cache_.GetClient("a")->name, "third");
  ASSERT_TRUE(cache_.fresh()->DeleteClient("a").ok());
  EXPECT_EQ(cache_.GetClient("a").status().code(), absl::StatusCode::kNotFound);
}

// A real store whose revocation list can be made unreachable, counting the
// attempts to read it.
class FlakyRevocations final : public RevocationStore {
 public:
  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override {
    return store.Revoke(jti, expires_at);
  }
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override {
    return store.IsRevoked(jti);
  }
  absl::StatusOr<std::vector<std::string>> ListRevoked(
      absl::Time now) override {
    ++list_calls;
    if (down) return absl::UnavailableError("database unreachable");
    return store.ListRevoked(now);
  }
  absl::StatusOr<int64_t> PurgeExpired(absl::Time now) override {
    return store.PurgeExpired(now);
  }
  MemoryStore store;
  std::atomic<bool> down{false};
  std::atomic<int> list_calls{0};
};

TEST(CachingRevocationOutageTest, ServesTheCopyThenFailsFastThenRecovers) {
  FlakyRevocations flaky;
  jwt::FakeClock clock(kT0);
  CachingRevocationStore cache(&flaky, &clock, kTtl);
  ASSERT_TRUE(flaky.Revoke("j", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*cache.IsRevoked("j"));
  flaky.down = true;
  clock.Advance(kTtl);
  // Stale but younger than 2 × ttl: the reread fails, the copy answers.
  EXPECT_TRUE(*cache.IsRevoked("j"));
  clock.Advance(kTtl);
  // Too old to use: Unavailable, and many callers make one attempt a second.
  const int before = flaky.list_calls;
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(cache.IsRevoked("j").status().code(),
              absl::StatusCode::kUnavailable);
  }
  EXPECT_EQ(flaky.list_calls - before, 1);
  flaky.down = false;
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(*cache.IsRevoked("j"));
  EXPECT_FALSE(*cache.IsRevoked("other"));
}

TEST(CachingRevocationOutageTest,
     StaleIfErrorServesLongerOnlyWhileUnreachable) {
  FlakyRevocations flaky;
  jwt::FakeClock clock(kT0);
  const absl::Duration stale = absl::Seconds(30);
  CachingRevocationStore cache(&flaky, &clock, kTtl, stale);
  ASSERT_TRUE(flaky.Revoke("j", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*cache.IsRevoked("j"));
  flaky.down = true;
  clock.Advance(kTtl + stale - absl::Milliseconds(1));
  EXPECT_TRUE(*cache.IsRevoked("j")) << "the copy answers through the outage";
  EXPECT_FALSE(*cache.IsRevoked("other"));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(cache.IsRevoked("j").status().code(),
            absl::StatusCode::kUnavailable)
      << "never past ttl + stale_if_error";
  flaky.down = false;
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(*cache.IsRevoked("j"));
}

// A real store whose client reads can be made to fail, counting them.
class FlakyClients final : public ClientStore {
 public:
  absl::Status CreateClient(const ClientRecord& client) override {
    return store.CreateClient(client);
  }
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override {
    ++get_calls;
    if (failure.load() != absl::StatusCode::kOk) {
      return absl::Status(failure.load(), "store failing");
    }
    return store.GetClient(client_id);
  }
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override {
    return store.ListClients(after, limit);
  }
  absl::Status UpdateClient(const ClientRecord& client) override {
    return store.UpdateClient(client);
  }
  absl::Status DeleteClient(absl::string_view client_id) override {
    return store.DeleteClient(client_id);
  }
  MemoryStore store;
  std::atomic<absl::StatusCode> failure{absl::StatusCode::kOk};
  std::atomic<int> get_calls{0};
};

TEST(CachingClientOutageTest, ServesStaleCopiesOnlyWhileUnreachable) {
  FlakyClients flaky;
  jwt::FakeClock clock(kT0);
  const absl::Duration stale = absl::Seconds(30);
  CachingClientStore cache(&flaky, &clock, kTtl, stale);
  ASSERT_TRUE(flaky.CreateClient(Client("a", "first")).ok());
  ASSERT_TRUE(cache.GetClient("a").ok());

  flaky.failure = absl::StatusCode::kUnavailable;
  clock.Advance(kTtl);
  EXPECT_EQ(cache.GetClient("a")->name, "first") << "stale if error";
  // While failing: one store attempt a second, the copy answering at once.
  const int before = flaky.get_calls;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(cache.GetClient("a").ok());
  EXPECT_EQ(flaky.get_calls - before, 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(cache.GetClient("a").ok());
  EXPECT_EQ(flaky.get_calls - before, 1);
  // The administrative view never answers from a stale copy.
  EXPECT_EQ(cache.fresh()->GetClient("a").status().code(),
            absl::StatusCode::kUnavailable);
  // Never unknown clients, never past ttl + stale_if_error.
  EXPECT_EQ(cache.GetClient("b").status().code(),
            absl::StatusCode::kUnavailable);
  clock.Advance(kTtl + stale);
  EXPECT_EQ(cache.GetClient("a").status().code(),
            absl::StatusCode::kUnavailable);

  // Other errors are not an outage: no stale copy.
  flaky.failure = absl::StatusCode::kOk;
  ASSERT_TRUE(cache.GetClient("a").ok());
  flaky.failure = absl::StatusCode::kInternal;
  clock.Advance(kTtl);
  EXPECT_EQ(cache.GetClient("a").status().code(), absl::StatusCode::kInternal);
  // The store back: fresh copies again.
  flaky.failure = absl::StatusCode::kOk;
  ASSERT_TRUE(flaky.store.UpdateClient(Client("a", "second")).ok());
  EXPECT_EQ(cache.GetClient("a")->name, "second");
}

TEST(CachingClientOutageTest, ZeroStaleIfErrorFailsAtTheTtl) {
  FlakyClients flaky;
  jwt::FakeClock clock(kT0);
  CachingClientStore cache(&flaky, &clock, kTtl);
  ASSERT_TRUE(flaky.CreateClient(Client("a", "first")).ok());
  ASSERT_TRUE(cache.GetClient("a").ok());
  flaky.failure = absl::StatusCode::kUnavailable;
  clock.Advance(kTtl);
  EXPECT_EQ(cache.GetClient("a").status().code(),
            absl::StatusCode::kUnavailable);
}

// What the gRPC face asks before answering on the thread that read a call
// (server/grpc/call_runner.h): FlakyClients and FlakyRevocations stand for a
// database (their AnswersFromMemory is the interface's false).
TEST(CachingAnswersFromMemoryTest, OnlyAFreshClientCopyAnswersFromMemory) {
  FlakyClients database;
  ASSERT_TRUE(database.store.CreateClient(Client("a", "first")).ok());
  jwt::FakeClock clock(kT0);
  CachingClientStore cache(&database, &clock, kTtl);
  EXPECT_FALSE(cache.AnswersFromMemory("a")) << "not read yet";
  ASSERT_TRUE(cache.GetClient("a").ok());
  EXPECT_TRUE(cache.AnswersFromMemory("a"));
  EXPECT_FALSE(cache.AnswersFromMemory("b"));
  // Fresh for the ttl; from memory only while the copy is still fresh a
  // moment later (100 ms of margin), so that the caller's read finds it so.
  clock.Advance(kTtl - absl::Milliseconds(101));
  EXPECT_TRUE(cache.AnswersFromMemory("a"));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_FALSE(cache.AnswersFromMemory("a")) << "within the margin";
  const int before = database.get_calls;
  ASSERT_TRUE(cache.GetClient("a").ok());
  EXPECT_EQ(database.get_calls, before) << "yet the copy is still fresh";
  clock.Advance(absl::Milliseconds(100));
  EXPECT_FALSE(cache.AnswersFromMemory("a")) << "GetClient would reread";
  const int reads = database.get_calls;
  ASSERT_TRUE(cache.GetClient("a").ok());
  EXPECT_EQ(database.get_calls, reads + 1);
  EXPECT_TRUE(cache.AnswersFromMemory("a"));

  CachingClientStore off(&database, &clock, absl::ZeroDuration());
  ASSERT_TRUE(off.GetClient("a").ok());
  EXPECT_FALSE(off.AnswersFromMemory("a")) << "no cache: every read is I/O";
  MemoryStore memory;
  CachingClientStore over_memory(&memory, &clock, kTtl);
  EXPECT_TRUE(over_memory.AnswersFromMemory("anyone")) << "the store's word";
}

TEST(CachingAnswersFromMemoryTest, OnlyAFreshRevocationListAnswersFromMemory) {
  FlakyRevocations database;
  jwt::FakeClock clock(kT0);
  CachingRevocationStore cache(&database, &clock, kTtl);
  EXPECT_FALSE(cache.AnswersFromMemory()) << "not read yet";
  ASSERT_TRUE(cache.IsRevoked("j").ok());
  EXPECT_TRUE(cache.AnswersFromMemory());
  clock.Advance(kTtl - absl::Milliseconds(101));
  EXPECT_TRUE(cache.AnswersFromMemory());
  clock.Advance(absl::Milliseconds(1));
  EXPECT_FALSE(cache.AnswersFromMemory()) << "within the margin";
  clock.Advance(absl::Milliseconds(100));
  EXPECT_FALSE(cache.AnswersFromMemory()) << "IsRevoked would reread";
  ASSERT_TRUE(cache.IsRevoked("j").ok());
  EXPECT_TRUE(cache.AnswersFromMemory());

  CachingRevocationStore off(&database, &clock, absl::ZeroDuration());
  EXPECT_FALSE(off.AnswersFromMemory());
  MemoryStore memory;
  CachingRevocationStore over_memory(&memory, &clock, kTtl);
  EXPECT_TRUE(over_memory.AnswersFromMemory());
}

// Inside a NoIoScope (a gRPC callback thread) a cache that would have to
// read refuses instead, and notes it: the call then runs where it may wait.
TEST(CachingNoIoScopeTest, ACacheThatWouldReadRefusesInsteadOfWaiting) {
  FlakyClients clients;
  ASSERT_TRUE(clients.store.CreateClient(Client("a", "first")).ok());
  FlakyRevocations revocations;
  jwt::FakeClock clock(kT0);
  CachingClientStore client_cache(&clients, &clock, kTtl);
  CachingRevocationStore revocation_cache(&revocations, &clock, kTtl);
  ASSERT_TRUE(client_cache.GetClient("a").ok());
  ASSERT_TRUE(revocation_cache.IsRevoked("j").ok());
  const int client_reads = clients.get_calls;
  const int list_reads = revocations.list_calls;
  {
    NoIoScope scope;
    EXPECT_TRUE(client_cache.GetClient("a").ok()) << "a fresh copy answers";
    EXPECT_TRUE(revocation_cache.IsRevoked("j").ok());
    EXPECT_FALSE(scope.refused());
  }
  clock.Advance(kTtl);
  {
    NoIoScope scope;
    EXPECT_TRUE(IsWouldBlock(client_cache.GetClient("a").status()));
    EXPECT_TRUE(scope.refused());
  }
  {
    NoIoScope scope;
    EXPECT_TRUE(IsWouldBlock(client_cache.GetClient("unknown").status()));
    EXPECT_TRUE(IsWouldBlock(revocation_cache.IsRevoked("j").status()));
    EXPECT_TRUE(scope.refused());
  }
  EXPECT_EQ(clients.get_calls, client_reads) << "no read inside the scope";
  EXPECT_EQ(revocations.list_calls, list_reads);
  // Outside a scope the same calls read, and nothing was noted as a failure.
  EXPECT_EQ(client_cache.GetClient("a")->name, "first");
  EXPECT_EQ(clients.get_calls, client_reads + 1);
  EXPECT_FALSE(*revocation_cache.IsRevoked("j"));
  EXPECT_EQ(revocations.list_calls, list_reads + 1);
  EXPECT_FALSE(NoIoScope::Active());
  EXPECT_TRUE(NoIoScope::Refuse().ok()) << "outside a scope nothing refuses";
}

class CachingRevocationStoreTest : public ::testing::Test {
 protected:
  MemoryStore store_;
  jwt::FakeClock clock_{kT0};
  CachingRevocationStore cache_{&store_, &clock_, kTtl};
};

TEST_F(CachingRevocationStoreTest, OtherReplicasRevocationsShowWithinTheTtl) {
  EXPECT_FALSE(*cache_.IsRevoked("j1"));  // Loads the (empty) list.
  ASSERT_TRUE(store_.Revoke("j1", kT0 + absl::Hours(1)).ok());
  clock_.Advance(kTtl - absl::Milliseconds(1));
  EXPECT_FALSE(*cache_.IsRevoked("j1")) << "served from memory";
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(*cache_.IsRevoked("j1"));
}

TEST_F(CachingRevocationStoreTest, OwnRevocationsShowAtOnceAndSurviveRereads) {
  EXPECT_FALSE(*cache_.IsRevoked("j1"));
  ASSERT_TRUE(cache_.Revoke("j1", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*cache_.IsRevoked("j1"));
  EXPECT_TRUE(*store_.IsRevoked("j1"));
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(kTtl);
    EXPECT_TRUE(*cache_.IsRevoked("j1"));
  }
}

TEST_F(CachingRevocationStoreTest, ExpiredRevocationsLeaveTheCopy) {
  ASSERT_TRUE(cache_.Revoke("short", kT0 + absl::Seconds(1)).ok());
  ASSERT_TRUE(cache_.Revoke("long", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*cache_.IsRevoked("short"));
  clock_.Advance(kTtl);  // Past "short"'s expiry: its token is expired too.
  EXPECT_FALSE(*cache_.IsRevoked("short"));
  EXPECT_TRUE(*cache_.IsRevoked("long"));
}

TEST_F(CachingRevocationStoreTest, ZeroTtlReadsThrough) {
  CachingRevocationStore uncached(&store_, &clock_, absl::ZeroDuration());
  EXPECT_FALSE(*uncached.IsRevoked("j"));
  ASSERT_TRUE(store_.Revoke("j", kT0 + absl::Hours(1)).ok());
  EXPECT_TRUE(*uncached.IsRevoked("j"));
}

TEST_F(CachingRevocationStoreTest, ConcurrentReadersAcrossRereads) {
  ASSERT_TRUE(store_.Revoke("j", kT0 + absl::Hours(1)).ok());
  std::vector<std::thread> readers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto revoked = cache_.IsRevoked(i % 2 == 0 ? "j" : "other");
        if (!revoked.ok() || *revoked != (i % 2 == 0)) ++wrong;
      }
    });
  }
  for (int i = 0; i < 50; ++i) clock_.Advance(kTtl);
  for (auto& t : readers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace identity::storage
