// Read caches in front of a shared store, so that the hot paths (client
// authentication on every Token and Introspect, the revocation check on every
// active introspection) make no database round trip.
//
// Consistency: writes made through a cache take effect at once on this
// replica. Writes made by other replicas take effect here within `ttl`: a
// client record is reread when its copy is older than `ttl`; the revocation
// list is reread whole when it is older than `ttl`. A zero `ttl` turns the
// cache off (every read goes to the store).
//
// Stale if error: while the store is unreachable (a read fails with
// Unavailable or DeadlineExceeded: the database is down, failing over, or
// its pool is exhausted), a copy keeps answering for up to `stale_if_error`
// past `ttl`, so that what needs no write keeps working through a database
// failover. While the store keeps failing, at most one read per second is
// tried (per client record; for the whole revocation list), the other calls
// answering from the copy at once. Any other error, and NotFound, is returned
// as it is. Zero `stale_if_error` serves nothing past `ttl` (but the
// revocation list, see CachingRevocationStore).
#ifndef IDENTITY_STORAGE_CACHE_CACHING_STORE_H_
#define IDENTITY_STORAGE_CACHE_CACHING_STORE_H_

#include <algorithm>
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
                     absl::Duration ttl,
                     absl::Duration stale_if_error = absl::ZeroDuration(),
                     size_t max_entries = 100'000)
      : store_(store),
        clock_(clock),
        ttl_(ttl),
        stale_if_error_(stale_if_error),
        max_entries_(max_entries) {}

  absl::Status CreateClient(const ClientRecord& client) override;
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override;
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override;
  absl::Status UpdateClient(const ClientRecord& client) override;
  absl::Status DeleteClient(absl::string_view client_id) override;
  // A copy younger than ttl less a margin (min(100 ms, ttl / 2): the caller
  // reads it a moment later and it must still be fresh then), or the store's
  // own answer.
  bool AnswersFromMemory(absl::string_view client_id) override;

  // The same store for administration: GetClient always reads the store
  // (and refreshes the cached copy), so that a read-modify-write never starts
  // from a stale copy (nor from one served past its ttl on a store error);
  // writes go through this cache.
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
      return cache_->Read(client_id, /*allow_stale=*/false);
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

  // Reads the store and caches what it found. With `allow_stale`, a store
  // that cannot be reached is answered for by a copy within stale_if_error.
  absl::StatusOr<ClientRecord> Read(absl::string_view client_id,
                                    bool allow_stale);
  struct Entry {
    ClientRecord client;
    absl::Time read_at;
    // When a reread of this entry last failed with the store unreachable.
    absl::Time failed_at = absl::InfinitePast();
  };
  // The copy of `client_id` if younger than ttl + stale_if_error and either
  // `failed` (the store just failed) or its last reread failed within the
  // retry interval. Needs mu_ (reader).
  const ClientRecord* Stale(absl::string_view client_id, absl::Time now,
                            bool failed) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Forget(absl::string_view client_id);

  ClientStore* const store_;
  const jwt::Clock* const clock_;
  const absl::Duration ttl_;
  const absl::Duration stale_if_error_;
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
// while a reread is slow or failing. While the store is unreachable (the
// reread fails with Unavailable or DeadlineExceeded) the copy answers until
// it is ttl + max(ttl, stale_if_error) old: no replica can record a
// revocation in a database nobody reaches, so only a revocation made
// elsewhere in the last ttl before the outage (or during a partition that
// spares the other replicas) goes unseen, for at most that long. Past the
// limit, or on any other error past 2 × ttl, IsRevoked fails (Unavailable),
// at most one store attempt per second being made.
// Thread-safe; `store` and `clock` must outlive it.
class CachingRevocationStore final : public RevocationStore {
 public:
  CachingRevocationStore(RevocationStore* store, const jwt::Clock* clock,
                         absl::Duration ttl,
                         absl::Duration stale_if_error = absl::ZeroDuration())
      : store_(store),
        clock_(clock),
        ttl_(ttl),
        stale_limit_(ttl + std::max(ttl, stale_if_error)) {}

  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override;
  // Unavailable only when there is no copy yet (or it is too old to use,
  // see above) and the store cannot be read.
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override;
  absl::StatusOr<std::vector<std::string>> ListRevoked(absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpired(absl::Time now) override;
  // A copy younger than ttl less a margin, as CachingClientStore's (IsRevoked
  // rereads a copy older than ttl), or the store's own answer.
  bool AnswersFromMemory() override;

 private:
  // How old a copy may answer while rereads fail.
  absl::Duration Limit() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return unreachable_ ? stale_limit_ : 2 * ttl_;
  }
  // Rereads the list unless another caller just did. Needs refresh_mu_.
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(refresh_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);

  // While the store fails, at most one reread per this interval (or ttl).
  static constexpr absl::Duration kRetryInterval = absl::Seconds(1);

  RevocationStore* const store_;
  const jwt::Clock* const clock_;
  const absl::Duration ttl_;
  // How old a copy may answer while the store is unreachable.
  const absl::Duration stale_limit_;
  absl::Mutex refresh_mu_;  // One reread at a time.
  absl::Time failed_at_ ABSL_GUARDED_BY(refresh_mu_) = absl::InfinitePast();
  absl::Status failure_ ABSL_GUARDED_BY(refresh_mu_);
  absl::Mutex mu_;
  absl::flat_hash_set<std::string> revoked_ ABSL_GUARDED_BY(mu_);
  // Revocations made through this object, with when they committed.
  absl::flat_hash_map<std::string, absl::Time> recent_ ABSL_GUARDED_BY(mu_);
  absl::Time read_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // The last reread failed with the store unreachable.
  bool unreachable_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_CACHE_CACHING_STORE_H_
