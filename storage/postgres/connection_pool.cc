#include "storage/postgres/connection_pool.h"

#include <poll.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

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
    ++open_;  // Reserve the slot, then connect without holding the lock.
  }
  try {
    auto connection =
        std::make_unique<pqxx::connection>(WithParameters(options_));
    if (on_connect_) on_connect_(*connection);
    return Lease(this, std::move(connection));
  } catch (const std::exception& e) {
    absl::MutexLock lock(&mu_);
    --open_;
    // The message names host and port, never a password (URLs carry none
    // in our configuration; libpq does not echo passwords).
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ", e.what()));
  }
}

PoolStats ConnectionPool::Stats() const {
  absl::MutexLock lock(&mu_);
  PoolStats stats;
  stats.size = options_.size;
  stats.idle = static_cast<int>(idle_.size());
  stats.in_use = open_ - stats.idle;
  stats.waiting = waiting_;
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
  PoolObserver* observer = pool.observer();
  if (observer == nullptr) return RunWithConnection(pool, body);
  const absl::Time start = absl::Now();
  absl::Status status = RunWithConnection(pool, body);
  observer->OnQuery(operation, absl::Now() - start, status);
  return status;
}

}  // namespace identity::storage
