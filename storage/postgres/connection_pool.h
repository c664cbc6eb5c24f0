// A bounded pool of PostgreSQL connections (libpqxx 6.4). libpqxx exceptions
// stop at this layer: callers see absl::Status.
#ifndef IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_
#define IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace identity::storage {

// Told about every database call made through WithConnection, for metrics.
// Implementations are thread-safe and quick.
class PoolObserver {
 public:
  virtual ~PoolObserver() = default;
  // `operation` names the call ("get_client", ...): a short constant.
  virtual void OnQuery(absl::string_view operation, absl::Duration latency,
                       const absl::Status& status) = 0;
};

struct PoolOptions {
  // libpq URL, e.g. postgresql://user@host:5432/identity.
  std::string url;
  // At most this many connections, opened on demand.
  int size = 8;
  // How long Acquire waits for a free connection before Unavailable.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // libpq connect_timeout (whole seconds, at least 1), per host tried.
  absl::Duration connect_timeout = absl::Seconds(5);
  // The bound on opening one connection, name resolution included: libpq's
  // connect_timeout covers neither a stalled DNS lookup (glibc's resolver
  // retries for 10 s and more) nor the sum over a list of hosts. Zero:
  // connect_timeout × (the hosts in the URL + 1).
  absl::Duration establish_timeout = absl::ZeroDuration();
  // statement_timeout set on every connection.
  absl::Duration statement_timeout = absl::Seconds(5);
  // Optional; must outlive the pool.
  PoolObserver* observer = nullptr;
};

// What the pool holds at one moment.
struct PoolStats {
  int size = 0;     // The configured maximum.
  int in_use = 0;   // Leased or connecting.
  int idle = 0;     // Open and free.
  int waiting = 0;  // Callers blocked in Acquire.
  int stalled = 0;  // Attempts given up past establish_timeout, still running.
};

// Thread-safe.
class ConnectionPool {
 public:
  // Prepares statements (and anything else per connection) on each new one.
  using OnConnect = std::function<void(pqxx::connection&)>;

  // A connection on loan; returns it to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    pqxx::connection& operator*() const { return *connection_; }
    pqxx::connection* operator->() const { return connection_.get(); }
    // The connection failed: close it instead of returning it.
    void Discard() { discard_ = true; }

   private:
    friend class ConnectionPool;
    Lease(ConnectionPool* pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}

    ConnectionPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
    bool discard_ = false;
  };

  // Validates `options`; connects lazily. Errors: InvalidArgument.
  static absl::StatusOr<std::unique_ptr<ConnectionPool>> Create(
      PoolOptions options, OnConnect on_connect);

  // A connection: idle, new (if under `size`), or the first one returned
  // within acquire_timeout. Errors: Unavailable (timeout, or the database
  // cannot be reached). Opening a new one takes at most establish_timeout:
  // the attempt runs on a thread of its own, and a caller that gives up on
  // it leaves it to end by itself (closing what it opened). While `size`
  // such attempts are still running, Acquire fails at once instead of
  // starting another: a database that cannot be reached costs neither
  // unbounded threads nor callers blocked past their bound. An idle connection
  // the server has closed or written to meanwhile (a restart's FATAL 57P01, a
  // terminated backend) is closed here instead of being handed out; another one
  // is taken.
  absl::StatusOr<Lease> Acquire();

  // Opens connections until the pool holds `size`: a server that starts
  // with them open resolves no name and makes no connection when its load
  // grows (a DNS outage then costs nothing until a connection breaks).
  // Errors: the first failure; the connections opened before it stay.
  absl::Status Warm();

  // Closes every idle connection: one of them was found dead without notice
  // (the server vanished), so the others, opened to the same server, are
  // suspect. Leased ones go on; they are checked when they fail.
  void DropIdle();

  PoolStats Stats() const;
  // The bound on opening one connection (PoolOptions::establish_timeout).
  absl::Duration establish_timeout() const { return establish_timeout_; }
  PoolObserver* observer() const { return options_.observer; }

 private:
  ConnectionPool(PoolOptions options, OnConnect on_connect);
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);
  // A new connection within establish_timeout (see Acquire).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect();

  const PoolOptions options_;
  const OnConnect on_connect_;
  const absl::Duration establish_timeout_;
  // Shared with the attempts' threads, which may outlive the pool.
  const std::shared_ptr<std::atomic<int>> stalled_ =
      std::make_shared<std::atomic<int>>(0);
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // Idle plus leased plus connecting.
  int waiting_ ABSL_GUARDED_BY(mu_) = 0;
};

// Runs `body` with a leased connection and maps libpqxx exceptions to
// statuses: broken connections, a server shutting down and a read-only
// server (SQLSTATE 25006: the primary was demoted) are Unavailable and the
// connection is discarded; unique violations AlreadyExists, other SQL errors
// Internal.
// The pool's observer learns the `operation`, the time taken (waiting for a
// connection included) and the status. Inside a NoIoScope
// (storage/no_io_scope.h) it refuses at once, touching no connection.
absl::Status WithConnection(ConnectionPool& pool, absl::string_view operation,
                            const std::function<void(pqxx::connection&)>& body);

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_
