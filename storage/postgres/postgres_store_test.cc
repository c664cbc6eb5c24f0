#include "storage/postgres/postgres_store.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/no_io_scope.h"
#include "storage/postgres/migrations.h"
#include "storage/testing/scratch_database.h"
#include "storage/testing/store_conformance.h"
#include "tests/support/silent_listener.h"

namespace identity::storage {
namespace {

// A database of this test's own on the server tests/run_all.sh starts; run
// by hand with
//   eval "$(tests/postgres/postgres.sh start)"
//   bazel test --test_env=IDENTITY_TEST_DATABASE_URL //storage/...
std::string DatabaseUrl() {
  // Dropped at exit.
  static const std::unique_ptr<testing::ScratchDatabase> database = [] {
    auto created = testing::ScratchDatabase::Create();
    if (created.ok()) return *std::move(created);
    ADD_FAILURE() << created.status();
    return std::unique_ptr<testing::ScratchDatabase>();
  }();
  return database == nullptr ? "" : database->url();
}

PoolOptions Options() {
  PoolOptions options;
  options.url = DatabaseUrl();
  options.size = 4;
  return options;
}

void Exec(PostgresStore& store, const std::string& sql) {
  ASSERT_TRUE(WithConnection(store.pool(), "test", [&](pqxx::connection& c) {
                pqxx::work txn(c);
                txn.exec(sql);
                txn.commit();
              }).ok());
}

testing::Stores MakePostgresStores() {
  PoolOptions options = Options();
  // The concurrency cases race 16 callers, each on a connection of its own.
  options.size = 16;
  auto opened = PostgresStore::Open(options);
  if (!opened.ok()) {
    ADD_FAILURE() << "PostgreSQL at IDENTITY_TEST_DATABASE_URL=\""
                  << DatabaseUrl() << "\": " << opened.status();
    return {};
  }
  std::shared_ptr<PostgresStore> store = *std::move(opened);
  Exec(*store,
       "TRUNCATE clients, revoked_tokens, signing_keys, users,"
       " authorization_codes, refresh_tokens, login_attempts,"
       " sealed_secrets, pushed_authorization_requests, login_sessions,"
       " session_clients, consents, resources, device_authorizations,"
       " replay_claims");
  return testing::AllStoresOf(std::move(store));
}

}  // namespace

namespace testing {
INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(&MakePostgresStores));
}  // namespace testing

namespace {

TEST(PostgresStoreTest, MigrationsAreIdempotentAndSafeInParallel) {
  // Replicas starting together: each Open applies migrations under the lock.
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (PostgresStore::Open(Options()).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 4);
  auto store = PostgresStore::Open(Options());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*ApplyMigrations((*store)->pool()), LatestSchemaVersion());
}

TEST(PostgresStoreTest, RefusesASchemaNewerThanTheBinary) {
  auto store = PostgresStore::Open(Options());
  ASSERT_TRUE(store.ok()) << store.status();
  Exec(**store, "INSERT INTO schema_migrations (version) VALUES (9999)");
  EXPECT_EQ(ApplyMigrations((*store)->pool()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  Exec(**store, "DELETE FROM schema_migrations WHERE version = 9999");
}

TEST(PostgresStoreTest, UnreachableDatabaseIsUnavailable) {
  PoolOptions options;
  options.url = "postgresql://postgres@127.0.0.1:1/identity";
  options.connect_timeout = absl::Seconds(1);
  EXPECT_EQ(PostgresStore::Open(options).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(PostgresStoreTest, PoolWaitIsBounded) {
  PoolOptions options = Options();
  options.size = 1;
  options.acquire_timeout = absl::Milliseconds(20);
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  auto held = (*pool)->Acquire();
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ((*pool)->Acquire().status().code(), absl::StatusCode::kUnavailable);
}

// libpq's connect_timeout bounds neither name resolution nor a list of
// hosts: the pool bounds the whole attempt itself, gives the caller its
// answer at the bound, and starts no more attempts while `size` of them are
// still unanswered. (A stalled DNS lookup held request handlers, and so a
// replica's drain, for more than 20 s.)
TEST(PostgresStoreTest, NewConnectionsAreBoundedWhateverTheServer) {
  test_support::SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  PoolOptions options;
  options.url = absl::StrFormat("postgresql://postgres@127.0.0.1:%d/identity",
                                silent.port());
  options.size = 2;
  options.connect_timeout = absl::Seconds(60);  // libpq alone would wait.
  options.establish_timeout = absl::Milliseconds(200);
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok()) << pool.status();
  for (int stalled = 1; stalled <= 2; ++stalled) {
    auto lease = (*pool)->Acquire();
    EXPECT_EQ(lease.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(lease.status().message(),
                ::testing::HasSubstr("no connection within 200ms"));
    PoolStats stats = (*pool)->Stats();
    EXPECT_EQ(stats.stalled, stalled);
    EXPECT_EQ(stats.in_use, 0);  // The slot is free again.
  }
  // `size` attempts unanswered: no third thread, an answer at once.
  auto refused = (*pool)->Acquire();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(
      refused.status().message(),
      ::testing::HasSubstr("2 connection attempts are still unanswered"));
  // When the host answers at last (here: refuses), the attempts end.
  silent.Close();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((*pool)->Stats().stalled > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*pool)->Stats().stalled, 0);
}

// The default bound: connect_timeout for each host of the URL, plus one for
// name resolution; commas in the password or the query are no hosts.
TEST(PostgresStoreTest, EstablishBoundCountsTheHostsOfTheUrl) {
  const auto bound = [](const std::string& url, absl::Duration connect,
                        absl::Duration establish = absl::ZeroDuration()) {
    PoolOptions options;
    options.url = url;
    options.connect_timeout = connect;
    options.establish_timeout = establish;
    auto pool = ConnectionPool::Create(options, nullptr);
    return pool.ok() ? (*pool)->establish_timeout() : absl::ZeroDuration();
  };
  EXPECT_EQ(bound("postgresql://u@db:5432/identity", absl::Seconds(5)),
            absl::Seconds(10));
  EXPECT_EQ(bound("postgresql://u:pa,ss@db1:5432,db2:5432,db3/identity"
                  "?target_session_attrs=read-write&application_name=a,b",
                  absl::Seconds(2)),
            absl::Seconds(8));
  EXPECT_EQ(bound("host=db1 dbname=identity", absl::Seconds(3)),
            absl::Seconds(6));
  // Whole seconds, at least one, as libpq's connect_timeout.
  EXPECT_EQ(bound("postgresql://db/identity", absl::Milliseconds(300)),
            absl::Seconds(2));
  EXPECT_EQ(bound("postgresql://db/identity", absl::Seconds(5),
                  absl::Milliseconds(250)),
            absl::Milliseconds(250));
}

// No database call on a thread that may not wait (storage/no_io_scope.h):
// refused before a connection is leased, and noted for the caller.
TEST(PostgresStoreTest, NoIoScopeRefusesEveryCallAtOnce) {
  auto opened = PostgresStore::Open(Options());
  ASSERT_TRUE(opened.ok()) << opened.status();
  PostgresStore& store = **opened;
  {
    NoIoScope scope;
    EXPECT_TRUE(IsWouldBlock(store.GetClient("anyone").status()));
    EXPECT_TRUE(IsWouldBlock(store.IsRevoked("jti").status()));
    EXPECT_TRUE(scope.refused());
    EXPECT_EQ(store.pool().Stats().in_use, 0);
  }
  EXPECT_EQ(store.GetClient("anyone").status().code(),
            absl::StatusCode::kNotFound)
      << "outside the scope the store answers";
}

TEST(PostgresStoreTest, WarmOpensEveryConnection) {
  PoolOptions options = Options();
  options.size = 3;
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ((*pool)->Stats().idle, 0);  // Lazy until warmed.
  ASSERT_TRUE((*pool)->Warm().ok());
  PoolStats stats = (*pool)->Stats();
  EXPECT_EQ(stats.idle, 3);
  EXPECT_EQ(stats.in_use, 0);
  // A lease takes one of them: nothing new is opened.
  auto lease = (*pool)->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ((*pool)->Stats().idle, 2);
  EXPECT_EQ((*pool)->Stats().in_use, 1);
}

TEST(PostgresStoreTest, WarmingAnUnreachableDatabaseFailsAsUnavailable) {
  PoolOptions options;
  options.url = "postgresql://postgres@127.0.0.1:1/identity";
  options.connect_timeout = absl::Seconds(1);
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ((*pool)->Warm().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*pool)->Stats().in_use, 0);
}

TEST(PostgresStoreTest, BrokenConnectionIsDiscardedAndReplaced) {
  auto store = PostgresStore::Open(Options());
  ASSERT_TRUE(store.ok());
  // Kill every other session of this database: pooled connections die.
  Exec(**store,
       "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
       " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  // Some call may see the dead connection (Unavailable); the pool then opens
  // a new one, and the store recovers by itself.
  bool recovered = false;
  for (int i = 0; i < 8 && !recovered; ++i) {
    recovered = (*store)->IsRevoked("x").ok();
  }
  EXPECT_TRUE(recovered);
}

// Leases `n` connections at once and returns their backends' pids; the
// connections go back to the pool idle.
std::vector<int> FillPool(ConnectionPool& pool, int n) {
  std::vector<ConnectionPool::Lease> leases;
  std::vector<int> pids;
  for (int i = 0; i < n; ++i) {
    auto lease = pool.Acquire();
    if (!lease.ok()) {
      ADD_FAILURE() << lease.status();
      return pids;
    }
    pids.push_back((**lease).backendpid());
    leases.push_back(*std::move(lease));
  }
  return pids;
}

TEST(PostgresStoreTest, IdleConnectionsTheServerEndedAreNotHandedOut) {
  // A restarted or failed-over server ends every session (FATAL 57P01, then
  // EOF): the pool must not hand those out, or the first call after the
  // restart fails for each of them.
  PoolOptions options = Options();
  options.size = 3;
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  const std::vector<int> pids = FillPool(**pool, 3);
  ASSERT_EQ(pids.size(), 3u);
  ASSERT_EQ((*pool)->Stats().idle, 3);
  pqxx::connection admin(DatabaseUrl());
  pqxx::nontransaction txn(admin);
  const std::string list = absl::StrJoin(pids, ",");
  txn.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
      " WHERE pid IN (" +
      list + ")");
  // Bounded wait for the three backends to exit (they have sent their FATAL
  // by then).
  int left = 3;
  for (int i = 0; i < 5000 && left > 0; ++i) {
    left = txn.exec("SELECT count(*) FROM pg_stat_activity WHERE pid IN (" +
                    list + ")")[0][0]
               .as<int>();
  }
  ASSERT_EQ(left, 0);
  // Every call succeeds the first time, on a new connection.
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(WithConnection(**pool, "test", [](pqxx::connection& c) {
                  pqxx::nontransaction(c).exec("SELECT 1");
                }).ok());
  }
  const PoolStats stats = (*pool)->Stats();
  EXPECT_EQ(stats.idle, 1);
  EXPECT_EQ(stats.in_use, 0);
}

TEST(PostgresStoreTest, ConnectionLostInUseClosesTheIdleOnes) {
  // A connection found dead only on use means the server vanished without
  // ending its sessions: the idle ones, opened to it too, are dropped.
  PoolOptions options = Options();
  options.size = 3;
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  ASSERT_EQ(FillPool(**pool, 3).size(), 3u);
  const absl::Status lost =
      WithConnection(**pool, "test", [](pqxx::connection&) {
        throw pqxx::broken_connection("the server vanished");
      });
  EXPECT_EQ(lost.code(), absl::StatusCode::kUnavailable) << lost;
  PoolStats stats = (*pool)->Stats();
  EXPECT_EQ(stats.idle, 0);
  EXPECT_EQ(stats.in_use, 0);
  // All three slots are free for new connections.
  EXPECT_EQ(FillPool(**pool, 3).size(), 3u);
}

TEST(PostgresStoreTest, ConnectionToAReadOnlyServerIsDiscardedAndReplaced) {
  // A pooled connection whose server turned read-only (a primary demoted by a
  // failover) refuses writes with SQLSTATE 25006. Here the session itself is
  // made read-only, as a standby's would be.
  PoolOptions options = Options();
  options.size = 1;
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  ASSERT_TRUE(WithConnection(**pool, "test", [](pqxx::connection& c) {
                c.set_variable("default_transaction_read_only", "on");
              }).ok());
  auto write = [](pqxx::connection& c) {
    pqxx::work txn(c);
    txn.exec("CREATE TEMP TABLE IF NOT EXISTS read_only_probe (x int)");
    txn.exec("INSERT INTO read_only_probe VALUES (1)");
    txn.commit();
  };
  const absl::Status refused = WithConnection(**pool, "test", write);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_EQ((*pool)->Stats().idle, 0) << "the read-only connection is closed";
  // The next call gets a new connection, writable again.
  EXPECT_TRUE(WithConnection(**pool, "test", write).ok());
}

TEST(PostgresStoreTest, StatsCountInUseIdleAndWaiting) {
  PoolOptions options = Options();
  options.size = 1;
  options.acquire_timeout = absl::Seconds(10);
  auto pool = ConnectionPool::Create(options, nullptr);
  ASSERT_TRUE(pool.ok());
  PoolStats stats = (*pool)->Stats();
  EXPECT_EQ(stats.size, 1);
  EXPECT_EQ(stats.in_use + stats.idle + stats.waiting, 0);
  std::optional<ConnectionPool::Lease> held;
  {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok()) << lease.status();
    held.emplace(*std::move(lease));
  }
  EXPECT_EQ((*pool)->Stats().in_use, 1);
  std::thread waiter([&] { EXPECT_TRUE((*pool)->Acquire().ok()); });
  while ((*pool)->Stats().waiting == 0) std::this_thread::yield();
  EXPECT_EQ((*pool)->Stats().waiting, 1);
  held.reset();  // The waiter gets the connection, then returns it.
  waiter.join();
  stats = (*pool)->Stats();
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.idle, 1);
  EXPECT_EQ(stats.waiting, 0);
}

class RecordingObserver : public PoolObserver {
 public:
  void OnQuery(absl::string_view operation, absl::Duration latency,
               const absl::Status& status) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back(std::string(operation) + " " +
                     absl::StatusCodeToString(status.code()));
    EXPECT_GE(latency, absl::ZeroDuration());
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> calls_;
};

TEST(PostgresStoreTest, ObserverSeesEveryCallWithItsOperationAndStatus) {
  RecordingObserver observer;
  PoolOptions options = Options();
  options.observer = &observer;
  auto store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->IsRevoked("x").ok());
  EXPECT_EQ((*store)->GetClient("nobody").status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE((*store)->Ping().ok());
  EXPECT_EQ(WithConnection((*store)->pool(), "bad_sql",
                           [](pqxx::connection& c) {
                             pqxx::nontransaction txn(c);
                             txn.exec("SELECT * FROM no_such_table");
                           })
                .code(),
            absl::StatusCode::kInternal);
  EXPECT_THAT(
      observer.calls(),
      ::testing::ElementsAre("migrate OK", "is_revoked OK", "get_client OK",
                             "ping OK", "bad_sql INTERNAL"));
}

TEST(PostgresStoreTest, UpgradeGivesExistingClientsTheClientCredentialsGrant) {
  // A database as the schema-2 binary left it, with a client in it.
  auto database = testing::ScratchDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  PoolOptions options = Options();
  options.url = (*database)->url();
  {
    auto pool = ConnectionPool::Create(options, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    ASSERT_EQ(*ApplyMigrationsUpTo(**pool, 2), 2);
    ASSERT_TRUE(WithConnection(**pool, "test", [](pqxx::connection& c) {
                  pqxx::work txn(c);
                  txn.exec(
                      "INSERT INTO clients (client_id, name, allowed_scopes,"
                      " secret_hash, created_at, updated_at) VALUES ('old',"
                      " 'Old', 'a b', 'v1:h', to_timestamp(1800000000),"
                      " to_timestamp(1800000001))");
                  txn.commit();
                }).ok());
  }
  auto store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto old = (*store)->GetClient("old");
  ASSERT_TRUE(old.ok()) << old.status();
  ClientRecord expected;
  expected.client_id = "old";
  expected.name = "Old";
  expected.allowed_scopes = {"a", "b"};
  expected.secret_hash = "v1:h";
  expected.grant_types = {"client_credentials"};
  expected.created_at = absl::FromUnixSeconds(1800000000);
  expected.updated_at = absl::FromUnixSeconds(1800000001);
  EXPECT_EQ(*old, expected);
  // A replica still running the previous binary during a rolling upgrade
  // inserts without the new columns: its clients get the same.
  Exec(**store,
       "INSERT INTO clients (client_id, name, allowed_scopes, secret_hash,"
       " created_at, updated_at) VALUES ('older', 'O', '', 'v1:h', now(),"
       " now())");
  auto older = (*store)->GetClient("older");
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(older->grant_types, std::vector<std::string>{"client_credentials"});
  EXPECT_TRUE(older->redirect_uris.empty());
  EXPECT_FALSE(older->public_client);
  EXPECT_EQ(*ApplyMigrations((*store)->pool()), LatestSchemaVersion());
}

TEST(PostgresStoreTest, UpgradeKeepsExistingUsersWithNoClaims) {
  // A database as the schema-8 binary left it, with a user in it.
  auto database = testing::ScratchDatabase::Create();
  ASSERT_TRUE(database.ok()) << database.status();
  PoolOptions options = Options();
  options.url = (*database)->url();
  const char* const kInsertUser =
      "INSERT INTO users (user_id, username, password_hash, name, email,"
      " email_verified, disabled, created_at, updated_at) VALUES ('%s', '%s',"
      " 'h', 'Old', 'old@example.com', true, false, to_timestamp(1800000000),"
      " to_timestamp(1800000001))";
  {
    auto pool = ConnectionPool::Create(options, nullptr);
    ASSERT_TRUE(pool.ok()) << pool.status();
    ASSERT_EQ(*ApplyMigrationsUpTo(**pool, 8), 8);
    ASSERT_TRUE(WithConnection(**pool, "test", [&](pqxx::connection& c) {
                  pqxx::work txn(c);
                  txn.exec(absl::StrFormat(kInsertUser, "u1", "old"));
                  txn.commit();
                }).ok());
  }
  auto store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  auto old = (*store)->GetUser("u1");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->name, "Old");
  EXPECT_EQ(old->claims, StandardClaims());
  EXPECT_EQ(old->claims_updated_at, absl::FromUnixSeconds(1800000001));
  // A replica still running the previous binary inserts without the new
  // columns: its users read back with no claims.
  Exec(**store, absl::StrFormat(kInsertUser, "u2", "older"));
  auto older = (*store)->GetUser("u2");
  ASSERT_TRUE(older.ok()) << older.status();
  EXPECT_EQ(older->claims, StandardClaims());
}

TEST(PostgresStoreTest, UnknownTargetSchemaIsInvalidArgument) {
  auto store = PostgresStore::Open(Options());
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(ApplyMigrationsUpTo((*store)->pool(), LatestSchemaVersion() + 1)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PostgresStoreTest, UserAndGrantCallsNameTheirOperations) {
  RecordingObserver observer;
  PoolOptions options = Options();
  options.observer = &observer;
  auto opened = PostgresStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  PostgresStore& store = **opened;
  Exec(store, "TRUNCATE users, authorization_codes, refresh_tokens, consents");
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  UserRecord user;
  user.user_id = "u";
  user.username = "u";
  ASSERT_TRUE(store.CreateUser(user).ok());
  ASSERT_TRUE(store.GetUser("u").ok());
  ASSERT_TRUE(store.GetUserByUsername("u").ok());
  ASSERT_TRUE(store.ListUsers("", 1).ok());
  ASSERT_TRUE(store.UpdateUser(user).ok());
  ASSERT_TRUE(store.SetPasswordHash("u", "h", now).ok());
  AuthorizationCodeRecord code;
  code.code_hash = "c";
  code.client_id = "app";
  code.expires_at = now + absl::Minutes(1);
  ASSERT_TRUE(store.CreateAuthorizationCode(code).ok());
  ASSERT_TRUE(store.GetAuthorizationCode("c").ok());
  ASSERT_TRUE(store.RedeemAuthorizationCode("c", "app", now, "j", now).ok());
  ASSERT_TRUE(store.PurgeExpiredCodes(now).ok());
  RefreshTokenRecord token;
  token.token_hash = "r";
  token.family_id = "f";
  token.client_id = "app";
  token.idle_expires_at = token.absolute_expires_at = now + absl::Hours(1);
  ASSERT_TRUE(store.CreateRefreshToken(token).ok());
  ASSERT_TRUE(store.GetRefreshToken("r").ok());
  RefreshTokenRecord next = token;
  next.token_hash = "r2";
  ASSERT_TRUE(store.RotateRefreshToken("r", "app", now, next).ok());
  EXPECT_EQ(*store.RevokeRefreshFamily("f"), 1);
  ASSERT_TRUE(store.PurgeExpiredRefreshTokens(now).ok());
  std::vector<std::string> calls = observer.calls();
  ASSERT_FALSE(calls.empty());
  calls.erase(calls.begin(), calls.begin() + 2);  // migrate, test.
  EXPECT_THAT(calls,
              ::testing::ElementsAre(
                  "create_user OK", "get_user OK", "get_user_by_username OK",
                  "list_users OK", "update_user OK", "set_password_hash OK",
                  "create_authorization_code OK", "get_authorization_code OK",
                  "redeem_authorization_code OK", "purge_expired_codes OK",
                  "create_refresh_token OK", "get_refresh_token OK",
                  "rotate_refresh_token OK", "revoke_refresh_family OK",
                  "purge_expired_refresh_tokens OK"));
}

// Two replicas: each its own store (own pool) on one database. The row
// lock, not a mutex of the process, is what keeps every update.
TEST(PostgresStoreTest, LoginAttemptUpdatesOfTwoReplicasAreAllCounted) {
  auto a = PostgresStore::Open(Options());
  auto b = PostgresStore::Open(Options());
  ASSERT_TRUE(a.ok() && b.ok());
  Exec(**a, "DELETE FROM login_attempts WHERE key = 'user:both'");
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  for (PostgresStore* store : {a->get(), b->get(), a->get(), b->get()}) {
    threads.emplace_back([store] {
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(
            store
                ->UpdateLoginAttempts({"user:both"},
                                      [](LoginAttemptStore::Counters& c) {
                                        if (!c[0].has_value())
                                          c[0] = LoginAttempts{};
                                        ++c[0]->failures;
                                        return absl::OkStatus();
                                      })
                .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ((*(*b)->GetLoginAttempts({"user:both"}))[0]->failures, 4 * kEach);
}

TEST(PostgresStoreTest, PoolOptionsAreValidated) {
  PoolOptions options;
  EXPECT_EQ(ConnectionPool::Create(options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  options.url = "postgresql://x";
  options.size = 0;
  EXPECT_EQ(ConnectionPool::Create(options, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace identity::storage
