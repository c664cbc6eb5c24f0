// Read caches in front of a shared store, so that the hot paths (client
// authentication on every Token and Introspect, the revocation check on every
// active introspection) make no database round trip.
//
// Consistency: writes made through a cache take effect at once on this
// replica. Writes made by other replicas take effect here within `ttl`: a
// client record is reread when its copy is older than `ttl`; the revocation
// list is reread whole when it is older than `ttl`. A zero `ttl` turns the
// cache off (every read goes to the store).
#ifndef IDENTITY_STORAGE_CACHE_CACHING_STORE_H_
#define IDENTITY_STORAGE_CACHE_CACHING_STORE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "storage/client_store.h"
#include "storage/revocation_store.h"

namespace identity::storage {

// Caches GetClient; every other call goes to `store` (and a write drops the
// cached copy). Only found clients are cached: a client created on another
// replica is usable here at once. Thread-safe; `store` and `clock` must
// outlive it.
class CachingClientStore final : public ClientStore {
 public:
  // At most `max_entries` clients are kept (the cache is emptied when full).
  CachingClientStore(ClientStore* store, const jwt::Clock* clock,
                     absl::Duration ttl, size_t max_entries = 100'000)
      : store_(store), clock_(clock), ttl_(ttl), max_entries_(max_entries) {}

  absl::Status CreateClient(const ClientRecord& client) override;
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override;
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override;
  absl::Status UpdateClient(const ClientRecord& client) override;
  absl::Status DeleteClient(absl::string_view client_id) override;

  // The same store for administration: GetClient always reads the store
  // (and refreshes the cached copy), so that a read-modify-write never starts
  // from a stale copy; writes go through this cache.
  ClientStore* fresh() { return &fresh_; }

 private:
  class FreshView final : public ClientStore {
   public:
    explicit FreshView(CachingClientStore* cache) : cache_(cache) {}
    absl::Status CreateClient(const ClientRecord& client) override {
      return cache_->CreateClient(client);
    }
    absl::StatusOr<ClientRecord> GetClient(
        absl::string_view client_id) override {
      return cache_->Read(client_id);
    }
    absl::StatusOr<std::vector<ClientRecord>> ListClients(
        absl::string_view after, int limit) override {
      return cache_->ListClients(after, limit);
    }
    absl::Status UpdateClient(const ClientRecord& client) override {
      return cache_->UpdateClient(client);
    }
    absl::Status DeleteClient(absl::string_view client_id) override {
      return cache_->DeleteClient(client_id);
    }

   private:
    CachingClientStore* const cache_;
  };

  // Reads the store and caches what it found.
  absl::StatusOr<ClientRecord> Read(absl::string_view client_id);
  struct Entry {
    ClientRecord client;
    absl::Time read_at;
  };
  void Forget(absl::string_view client_id);

  ClientStore* const store_;
  const jwt::Clock* const clock_;
  const absl::Duration ttl_;
  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Bumped by every write: a read that started before a write does not cache
  // what it read.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  FreshView fresh_{this};
};

// Answers IsRevoked from an in-memory copy of the unexpired revocations,
// reread from `store` when older than `ttl`. One caller rereads; the others
// keep answering from the previous copy meanwhile while it is younger than
// 2 × ttl, else they wait for the reread. So another replica's revocation
// shows here within ttl while the store answers, and within 2 × ttl at worst
// while a reread is slow; once the copy is older than 2 × ttl and the store
// still fails, IsRevoked fails (Unavailable), at most one store attempt per
// second being made.
// Thread-safe; `store` and `clock` must outlive it.
class CachingRevocationStore final : public RevocationStore {
 public:
  CachingRevocationStore(RevocationStore* store, const jwt::Clock* clock,
                         absl::Duration ttl)
      : store_(store), clock_(clock), ttl_(ttl) {}

  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override;
  // Unavailable only when there is no copy yet (or it is too old to use,
  // past 2 × ttl) and the store cannot be read.
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override;
  absl::StatusOr<std::vector<std::string>> ListRevoked(absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpired(absl::Time now) override;

 private:
  // Rereads the list unless another caller just did. Needs refresh_mu_.
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(refresh_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  // While the store fails, at most one reread per this interval (or ttl).
  static constexpr absl::Duration kRetryInterval = absl::Seconds(1);

  RevocationStore* const store_;
  const jwt::Clock* const clock_;
  const absl::Duration ttl_;
  absl::Mutex refresh_mu_;  // One reread at a time.
  absl::Time failed_at_ ABSL_GUARDED_BY(refresh_mu_) = absl::InfinitePast();
  absl::Status failure_ ABSL_GUARDED_BY(refresh_mu_);
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  // Revocations made through this object, with when they committed.
  absl::flat_hash_map<std::string, absl::Time> recent_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_CACHE_CACHING_STORE_H_
