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

absl::StatusOr<std::vector<std::string>> MemoryStore::ListRevoked(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> jtis;
  for (const auto& [jti, expires_at] : revoked_) {
    if (expires_at >= now) jtis.push_back(jti);
  }
  return jtis;
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

absl::StatusOr<std::vector<SigningKeyRecord>> MemoryStore::ListSigningKeys() {
  absl::MutexLock lock(&mu_);
  std::vector<SigningKeyRecord> keys;
  for (const auto& [kid, key] : keys_) keys.push_back(key);
  std::sort(keys.begin(), keys.end(),
            [](const SigningKeyRecord& a, const SigningKeyRecord& b) {
              return a.created_at != b.created_at ? a.created_at > b.created_at
                                                  : a.kid > b.kid;
            });
  return keys;
}

absl::Status MemoryStore::InitializeSigningKeys(const SigningKeyRecord& current,
                                                const SigningKeyRecord& next) {
  absl::MutexLock lock(&mu_);
  for (const auto& [kid, key] : keys_) {
    if (key.state == KeyState::kCurrent) {
      return absl::AbortedError("signing keys are already initialized");
    }
  }
  if (current.kid == next.kid || keys_.count(current.kid) != 0 ||
      keys_.count(next.kid) != 0) {
    return absl::AlreadyExistsError("a signing key with this kid exists");
  }
  SigningKeyRecord c = current;
  c.state = KeyState::kCurrent;
  SigningKeyRecord n = next;
  n.state = KeyState::kNext;
  keys_.emplace(c.kid, std::move(c));
  keys_.emplace(n.kid, std::move(n));
  return absl::OkStatus();
}

absl::Status MemoryStore::RotateSigningKeys(absl::string_view current_kid,
                                            absl::string_view next_kid,
                                            const SigningKeyRecord& new_next,
                                            absl::Time now,
                                            absl::Time remove_at) {
  absl::MutexLock lock(&mu_);
  auto current = keys_.find(current_kid);
  auto next = keys_.find(next_kid);
  if (current == keys_.end() || current->second.state != KeyState::kCurrent ||
      next == keys_.end() || next->second.state != KeyState::kNext) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  if (keys_.count(new_next.kid) != 0) {
    return absl::AlreadyExistsError("a signing key with this kid exists");
  }
  current->second.state = KeyState::kRetired;
  current->second.retired_at = now;
  current->second.remove_at = remove_at;
  next->second.state = KeyState::kCurrent;
  next->second.activated_at = now;
  SigningKeyRecord n = new_next;
  n.state = KeyState::kNext;
  keys_.emplace(n.kid, std::move(n));
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::RemoveExpiredSigningKeys(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t removed = 0;
  for (auto it = keys_.begin(); it != keys_.end();) {
    if (it->second.state == KeyState::kRetired && it->second.remove_at &&
        *it->second.remove_at < now) {
      it = keys_.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace identity::storage
