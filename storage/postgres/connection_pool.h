// A bounded pool of PostgreSQL connections (libpqxx 6.4). libpqxx exceptions
// stop at this layer: callers see absl::Status.
#ifndef IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_
#define IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace identity::storage {

struct PoolOptions {
  // libpq URL, e.g. postgresql://user@host:5432/identity.
  std::string url;
  // At most this many connections, opened on demand.
  int size = 8;
  // How long Acquire waits for a free connection before Unavailable.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // libpq connect_timeout (whole seconds, at least 1).
  absl::Duration connect_timeout = absl::Seconds(5);
  // statement_timeout set on every connection.
  absl::Duration statement_timeout = absl::Seconds(5);
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
  // cannot be reached).
  absl::StatusOr<Lease> Acquire();

 private:
  ConnectionPool(PoolOptions options, OnConnect on_connect)
      : options_(std::move(options)), on_connect_(std::move(on_connect)) {}
  void Return(std::unique_ptr<pqxx::connection> connection, bool discard);

  const PoolOptions options_;
  const OnConnect on_connect_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // Idle plus leased plus connecting.
};

// Runs `body` with a leased connection and maps libpqxx exceptions to
// statuses: broken connections are Unavailable (and the connection is
// discarded), unique violations AlreadyExists, other SQL errors Internal.
absl::Status WithConnection(ConnectionPool& pool,
                            const std::function<void(pqxx::connection&)>& body);

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_POSTGRES_CONNECTION_POOL_H_
