#include "storage/memory/memory_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace identity::storage {

absl::Status MemoryStore::CreateClient(const ClientRecord& client) {
  absl::MutexLock lock(&mu_);
  if (!clients_.emplace(client.client_id, client).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("client \"", client.client_id, "\" already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClientRecord> MemoryStore::GetClient(
    absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  return it->second;
}

absl::StatusOr<std::vector<ClientRecord>> MemoryStore::ListClients(
    absl::string_view after, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<ClientRecord> out;
  for (auto it = clients_.upper_bound(after);
       it != clients_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status MemoryStore::UpdateClient(const ClientRecord& client) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client.client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  it->second.name = client.name;
  it->second.allowed_scopes = client.allowed_scopes;
  it->second.updated_at = client.updated_at;
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteClient(absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  clients_.erase(it);
  return absl::OkStatus();
}

absl::Status MemoryStore::Revoke(absl::string_view jti, absl::Time expires_at) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = revoked_.emplace(std::string(jti), expires_at);
  if (!inserted) it->second = std::max(it->second, expires_at);
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStore::IsRevoked(absl::string_view jti) {
  absl::MutexLock lock(&mu_);
  return revoked_.find(jti) != revoked_.end();
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpired(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t purged = 0;
  for (auto it = revoked_.begin(); it != revoked_.end();) {
    if (it->second < now) {
      it = revoked_.erase(it);
      ++purged;
    } else {
      ++it;
    }
  }
  return purged;
}

}  // namespace identity::storage
