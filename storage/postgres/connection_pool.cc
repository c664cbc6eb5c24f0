#include "storage/postgres/connection_pool.h"

#include <poll.h>

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/no_io_scope.h"

namespace identity::storage {
namespace {

// libpq takes connection parameters in the URL's query string.
std::string WithParameters(const PoolOptions& options) {
  const int64_t connect =
      std::max<int64_t>(1, absl::ToInt64Seconds(options.connect_timeout));
  const int64_t statement =
      absl::ToInt64Milliseconds(options.statement_timeout);
  return absl::StrCat(options.url,
                      absl::StrContains(options.url, "?") ? "&" : "?",
                      "connect_timeout=", connect,
                      "&options=-c%20statement_timeout%3D", statement);
}

// How many hosts a libpq URL lists (postgresql://u@h1:5432,h2:5432/db): one
// for anything else.
int HostCount(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos) return 1;
  absl::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?"));
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) authority.remove_prefix(at + 1);
  return 1 +
         static_cast<int>(std::count(authority.begin(), authority.end(), ','));
}

absl::Duration EstablishTimeout(const PoolOptions& options) {
  if (options.establish_timeout > absl::ZeroDuration()) {
    return options.establish_timeout;
  }
  const absl::Duration per_host = std::max(
      absl::Seconds(1), absl::Trunc(options.connect_timeout, absl::Seconds(1)));
  return per_host * (HostCount(options.url) + 1);
}

// What one connection attempt shares with the thread making it: the thread
// may outlive the caller that gave up waiting, and the pool.
struct ConnectAttempt {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  bool abandoned ABSL_GUARDED_BY(mu) = false;
  std::unique_ptr<pqxx::connection> connection ABSL_GUARDED_BY(mu);
  std::string error ABSL_GUARDED_BY(mu);
};

void RunAttempt(const std::shared_ptr<ConnectAttempt>& attempt,
                const std::string& conninfo,
                const std::shared_ptr<std::atomic<int>>& stalled) {
  std::unique_ptr<pqxx::connection> connection;  // Closed after the lock.
  std::string error;
  try {
    connection = std::make_unique<pqxx::connection>(conninfo);
  } catch (const std::exception& e) {
    error = e.what();
  }
  absl::MutexLock lock(&attempt->mu);
  attempt->done = true;
  if (attempt->abandoned) {
    stalled->fetch_sub(1);
    return;
  }
  attempt->connection = std::move(connection);
  attempt->error = std::move(error);
}

// Whether an idle connection is unusable: its socket is gone, or the server
// has closed it or written to it. An idle session receives nothing unless
// the server is ending it (an ErrorResponse such as FATAL 57P01, then EOF);
// a rare ParameterStatus after a configuration reload also counts, costing
// one reconnect. One poll(2) with no wait: no round trip to the server.
bool LooksDead(const pqxx::connection& connection) {
  if (!connection.is_open()) return true;
  struct pollfd watched = {connection.sock(), POLLIN, 0};
  if (watched.fd < 0) return true;
  return poll(&watched, 1, 0) != 0;
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options, OnConnect on_connect)
    : options_(std::move(options)),
      on_connect_(std::move(on_connect)),
      establish_timeout_(EstablishTimeout(options_)) {}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      connection_(std::move(other.connection_)),
      discard_(other.discard_) {
  other.pool_ = nullptr;
}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr && connection_ != nullptr) {
    pool_->Return(std::move(connection_), discard_);
  }
}

absl::StatusOr<std::unique_ptr<ConnectionPool>> ConnectionPool::Create(
    PoolOptions options, OnConnect on_connect) {
  if (options.url.empty()) {
    return absl::InvalidArgumentError("the database URL is empty");
  }
  if (options.size < 1) {
    return absl::InvalidArgumentError("the pool needs at least 1 connection");
  }
  if (options.acquire_timeout <= absl::ZeroDuration() ||
      options.statement_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("pool timeouts must be positive");
  }
  return std::unique_ptr<ConnectionPool>(
      new ConnectionPool(std::move(options), std::move(on_connect)));
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::vector<std::unique_ptr<pqxx::connection>> dead;  // Closed unlocked.
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < options_.size;
    };
    ++waiting_;
    const bool got = mu_.AwaitWithTimeout(absl::Condition(&available),
                                          options_.acquire_timeout);
    --waiting_;
    if (!got) {
      return absl::UnavailableError(
          absl::StrCat("no database connection free within ",
                       absl::FormatDuration(options_.acquire_timeout)));
    }
    while (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      if (!LooksDead(*connection)) {
        return Lease(this, std::move(connection));
      }
      --open_;
      dead.push_back(std::move(connection));
    }
    if (const int stalled = stalled_->load(); stalled >= options_.size) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to the database: ", stalled,
                       " connection attempts are still unanswered"));
    }
    ++open_;  // Reserve the slot, then connect without holding the lock.
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Connect();
  if (connection.ok()) {
    try {
      if (on_connect_) on_connect_(**connection);
      return Lease(this, *std::move(connection));
    } catch (const std::exception& e) {
      connection = absl::UnavailableError(
          absl::StrCat("cannot prepare the database connection: ", e.what()));
    }
  }
  absl::MutexLock lock(&mu_);
  --open_;
  return connection.status();
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Connect() {
  auto attempt = std::make_shared<ConnectAttempt>();
  try {
    std::thread(RunAttempt, attempt, WithParameters(options_), stalled_)
        .detach();
  } catch (const std::system_error& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot start a database connection attempt: ", e.what()));
  }
  absl::MutexLock lock(&attempt->mu);
  if (!attempt->mu.AwaitWithTimeout(absl::Condition(&attempt->done),
                                    establish_timeout_)) {
    // Counted before the thread can see it abandoned (same lock).
    attempt->abandoned = true;
    stalled_->fetch_add(1);
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: no connection within ",
                     absl::FormatDuration(establish_timeout_),
                     " (name resolution included)"));
  }
  if (attempt->connection == nullptr) {
    // The message names host and port, never a password (URLs carry none
    // in our configuration; libpq does not echo passwords).
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", attempt->error));
  }
  return std::move(attempt->connection);
}

absl::Status ConnectionPool::Warm() {
  std::vector<Lease> held;  // Held, Acquire opens new ones; then returned.
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (open_ >= options_.size) return absl::OkStatus();
    }
    absl::StatusOr<Lease> lease = Acquire();
    if (!lease.ok()) return lease.status();
    held.push_back(*std::move(lease));
  }
}

PoolStats ConnectionPool::Stats() const {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.size = options_.size;
  stats.idle = static_cast<int>(idle_.size());
  stats.in_use = open_ - stats.idle;
  stats.waiting = waiting_;
  stats.stalled = stalled_->load();
  return stats;
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<pqxx::connection>> dropped;
  absl::MutexLock lock(&mu_);
  open_ -= static_cast<int>(idle_.size());
  dropped.swap(idle_);
}

void ConnectionPool::Return(std::unique_ptr<pqxx::connection> connection,
                            bool discard) {
  absl::MutexLock lock(&mu_);
  if (discard || !connection->is_open()) {
    --open_;
    return;  // Closed as `connection` goes out of scope.
  }
  idle_.push_back(std::move(connection));
}

namespace {

absl::Status RunWithConnection(
    ConnectionPool& pool, const std::function<void(pqxx::connection&)>& body) {
  auto lease = pool.Acquire();
  if (!lease.ok()) return lease.status();
  try {
    body(**lease);
    return absl::OkStatus();
  } catch (const pqxx::broken_connection& e) {
    lease->Discard();
    // Found dead only on use: the server vanished without closing its
    // sessions (killed, or its network gone), so the idle ones are dead too.
    pool.DropIdle();
    return absl::UnavailableError(
        absl::StrCat("lost the database connection: ", e.what()));
  } catch (const pqxx::unique_violation& e) {
    return absl::AlreadyExistsError(e.what());
  } catch (const pqxx::sql_error& e) {
    // 57P01 admin shutdown, 08xxx connection exceptions: the server is going
    // away; treat like a broken connection. 25006 read_only_sql_transaction:
    // the server this connection reached is (now) a standby, e.g. a primary
    // demoted by a failover; dropping the connection makes the next one go
    // through libpq's host list again (target_session_attrs=read-write picks
    // the new primary).
    const std::string state = e.sqlstate();
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" ||
        state == "57P03" || state == "25006") {
      lease->Discard();
      return absl::UnavailableError(
          state == "25006"
              ? "the database connection reached a read-only server "
                "(a standby, or a primary being demoted)"
              : e.what());
    }
    if (state == "57014") return absl::DeadlineExceededError(e.what());
    return absl::InternalError(absl::StrCat("database error ", state));
  } catch (const std::exception& e) {
    lease->Discard();
    return absl::InternalError(
        absl::StrCat("database client error: ", e.what()));
  }
}

}  // namespace

absl::Status WithConnection(
    ConnectionPool& pool, absl::string_view operation,
    const std::function<void(pqxx::connection&)>& body) {
  // Never on a thread that may not wait (storage/no_io_scope.h).
  if (NoIoScope::Active()) return NoIoScope::Refuse();
  PoolObserver* observer = pool.observer();
  if (observer == nullptr) return RunWithConnection(pool, body);
  const absl::Time start = absl::Now();
  absl::Status status = RunWithConnection(pool, body);
  observer->OnQuery(operation, absl::Now() - start, status);
  return status;
}

}  // namespace identity::storage
