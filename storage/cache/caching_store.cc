#include "storage/cache/caching_store.h"

#include <algorithm>

#include "storage/no_io_scope.h"

namespace identity::storage {
namespace {

// While the store fails, at most one reread of an entry per this interval.
constexpr absl::Duration kClientRetryInterval = absl::Seconds(1);

// AnswersFromMemory says true only for a copy this much younger than the ttl:
// the call it is asked for reads the copy a few microseconds later, on a
// thread that must not wait, and the copy must still be fresh then. Copies
// in their last margin send calls to the blocking pool, whose call rereads.
absl::Duration DecisionMargin(absl::Duration ttl) {
  return std::min(absl::Milliseconds(100), ttl / 2);
}

// The store cannot be reached (down, failing over, pool exhausted), as
// opposed to answering with an error.
bool Unreachable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

absl::Status CachingClientStore::CreateClient(const ClientRecord& client) {
  absl::Status status = store_->CreateClient(client);
  Forget(client.client_id);
  return status;
}

absl::StatusOr<ClientRecord> CachingClientStore::GetClient(
    absl::string_view client_id) {
  if (ttl_ <= absl::ZeroDuration()) return store_->GetClient(client_id);
  {
    absl::ReaderMutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    auto it = entries_.find(client_id);
    if (it != entries_.end() && now - it->second.read_at < ttl_) {
      return it->second.client;
    }
    // The store failed a moment ago: answer from the copy without waiting.
    if (const ClientRecord* stale = Stale(client_id, now, /*failed=*/false)) {
      return *stale;
    }
  }
  // On a thread that may not wait, no read (nor a failure noted for one).
  if (NoIoScope::Active() && !store_->AnswersFromMemory(client_id)) {
    return NoIoScope::Refuse();
  }
  return Read(client_id, /*allow_stale=*/true);
}

bool CachingClientStore::AnswersFromMemory(absl::string_view client_id) {
  if (ttl_ > absl::ZeroDuration()) {
    absl::ReaderMutexLock lock(&mu_);
    auto it = entries_.find(client_id);
    if (it != entries_.end() &&
        clock_->Now() - it->second.read_at < ttl_ - DecisionMargin(ttl_)) {
      return true;
    }
  }
  return store_->AnswersFromMemory(client_id);
}

const ClientRecord* CachingClientStore::Stale(absl::string_view client_id,
                                              absl::Time now,
                                              bool failed) const {
  if (stale_if_error_ <= absl::ZeroDuration()) return nullptr;
  auto it = entries_.find(client_id);
  if (it == entries_.end()) return nullptr;
  const Entry& entry = it->second;
  if (now - entry.read_at >= ttl_ + stale_if_error_) return nullptr;
  if (!failed && now - entry.failed_at >= kClientRetryInterval) return nullptr;
  return &entry.client;
}

absl::StatusOr<ClientRecord> CachingClientStore::Read(
    absl::string_view client_id, bool allow_stale) {
  if (ttl_ <= absl::ZeroDuration()) return store_->GetClient(client_id);
  const absl::Time now = clock_->Now();
  uint64_t generation;
  {
    absl::ReaderMutexLock lock(&mu_);
    generation = generation_;
  }
  absl::StatusOr<ClientRecord> client = store_->GetClient(client_id);
  absl::MutexLock lock(&mu_);
  if (client.ok() && generation == generation_) {
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_.insert_or_assign(client->client_id, Entry{*client, now});
  } else if (client.status().code() == absl::StatusCode::kNotFound) {
    entries_.erase(client_id);
  } else if (Unreachable(client.status())) {
    const absl::Time failed = clock_->Now();
    auto it = entries_.find(client_id);
    if (it != entries_.end()) it->second.failed_at = failed;
    if (!allow_stale) return client;
    if (const ClientRecord* stale = Stale(client_id, failed, /*failed=*/true)) {
      return *stale;
    }
  }
  return client;
}

absl::StatusOr<std::vector<ClientRecord>> CachingClientStore::ListClients(
    absl::string_view after, int limit) {
  return store_->ListClients(after, limit);
}

absl::Status CachingClientStore::UpdateClient(const ClientRecord& client) {
  absl::Status status = store_->UpdateClient(client);
  Forget(client.client_id);
  return status;
}

absl::Status CachingClientStore::DeleteClient(absl::string_view client_id) {
  absl::Status status = store_->DeleteClient(client_id);
  Forget(client_id);
  return status;
}

void CachingClientStore::Forget(absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  entries_.erase(client_id);
  ++generation_;
}

absl::Status CachingRevocationStore::Revoke(absl::string_view jti,
                                            absl::Time expires_at) {
  absl::Status status = store_->Revoke(jti, expires_at);
  if (status.ok() && ttl_ > absl::ZeroDuration()) {
    // Stamped after the store committed: a reread that starts later sees it.
    const absl::Time committed = clock_->Now();
    absl::MutexLock lock(&mu_);
    revoked_.insert(std::string(jti));
    recent_[jti] = committed;
    // Entries older than the last reread are in the copy already.
    for (auto it = recent_.begin(); it != recent_.end();) {
      if (it->second < read_at_) {
        recent_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  return status;
}

absl::StatusOr<bool> CachingRevocationStore::IsRevoked(absl::string_view jti) {
  if (ttl_ <= absl::ZeroDuration()) return store_->IsRevoked(jti);
  {
    absl::ReaderMutexLock lock(&mu_);
    if (clock_->Now() - read_at_ < ttl_) return revoked_.contains(jti);
  }
  // On a thread that may not wait: neither a reread nor a wait for one.
  if (NoIoScope::Active() && !store_->AnswersFromMemory()) {
    return NoIoScope::Refuse();
  }
  if (!refresh_mu_.TryLock()) {
    // Another caller is rereading: the previous copy will do meanwhile.
    {
      absl::ReaderMutexLock lock(&mu_);
      if (clock_->Now() - read_at_ < Limit()) return revoked_.contains(jti);
    }
    refresh_mu_.Lock();
  }
  const absl::Status reloaded = Reload();
  refresh_mu_.Unlock();
  absl::ReaderMutexLock lock(&mu_);
  if (!reloaded.ok() && clock_->Now() - read_at_ >= Limit()) return reloaded;
  return revoked_.contains(jti);
}

bool CachingRevocationStore::AnswersFromMemory() {
  if (ttl_ > absl::ZeroDuration()) {
    absl::ReaderMutexLock lock(&mu_);
    if (clock_->Now() - read_at_ < ttl_ - DecisionMargin(ttl_)) return true;
  }
  return store_->AnswersFromMemory();
}

absl::Status CachingRevocationStore::Reload() {
  const absl::Time now = clock_->Now();
  {
    absl::ReaderMutexLock lock(&mu_);
    if (now - read_at_ < ttl_) return absl::OkStatus();  // Just reread.
  }
  // While the store fails, one attempt per retry interval: the callers
  // queued behind a failed attempt get its error instead of each waiting for
  // a timeout of their own.
  if (now - failed_at_ < std::min(ttl_, kRetryInterval)) return failure_;
  auto listed = store_->ListRevoked(now);
  if (!listed.ok()) {
    failed_at_ = clock_->Now();
    failure_ = listed.status();
    absl::MutexLock lock(&mu_);
    unreachable_ = Unreachable(failure_);
    return failure_;
  }
  failed_at_ = absl::InfinitePast();
  absl::flat_hash_set<std::string> revoked(
      std::make_move_iterator(listed->begin()),
      std::make_move_iterator(listed->end()));
  absl::MutexLock lock(&mu_);
  // Revocations made here after the read started may be missing from it.
  for (auto it = recent_.begin(); it != recent_.end();) {
    if (it->second >= now) {
      revoked.insert(it->first);
      ++it;
    } else {
      recent_.erase(it++);
    }
  }
  revoked_ = std::move(revoked);
  read_at_ = now;
  unreachable_ = false;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> CachingRevocationStore::ListRevoked(
    absl::Time now) {
  return store_->ListRevoked(now);
}

absl::StatusOr<int64_t> CachingRevocationStore::PurgeExpired(absl::Time now) {
  return store_->PurgeExpired(now);
}

}  // namespace identity::storage
