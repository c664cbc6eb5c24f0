#include "server/oauth/verified_token_cache.h"

#include <algorithm>
#include <cstring>

namespace identity::server {
namespace {

bool SameOwner(const std::weak_ptr<const jwt::Jwks>& a,
               const std::shared_ptr<const jwt::Jwks>& b) {
  return !a.owner_before(b) && !b.owner_before(a);
}

}  // namespace

size_t VerifiedTokenCache::KeyHash::operator()(const Key& key) const {
  // The key is already a uniform hash: its first bytes will do.
  size_t h;
  std::memcpy(&h, key.data(), sizeof(h));
  return h;
}

VerifiedTokenCache::VerifiedTokenCache(VerifiedTokenCacheOptions options)
    : max_token_size_(options.max_token_size) {
  const size_t max_entries = std::max<size_t>(options.max_entries, 1);
  const size_t shards = std::clamp<size_t>(options.shards, 1, max_entries);
  per_shard_ = max_entries / shards;
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

VerifiedTokenCache::Key VerifiedTokenCache::KeyOf(absl::string_view token) {
  return Sha256(token);
}

VerifiedTokenCache::Shard& VerifiedTokenCache::ShardOf(const Key& key) {
  // Bytes the in-shard hash (KeyHash: the first eight) does not use.
  uint32_t h;
  std::memcpy(&h, key.data() + 8, sizeof(h));
  return *shards_[h % shards_.size()];
}

std::shared_ptr<const jwt::VerifiedJwt> VerifiedTokenCache::Find(
    const Key& key, const std::shared_ptr<const jwt::Jwks>& jwks) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return nullptr;
  if (!SameOwner(it->second->jwks, jwks)) {
    // Verified by a key set no longer current: verify again.
    shard.entries.erase(it->second);
    shard.index.erase(it);
    return nullptr;
  }
  shard.entries.splice(shard.entries.begin(), shard.entries, it->second);
  return it->second->verified;
}

void VerifiedTokenCache::Insert(
    const Key& key, const std::shared_ptr<const jwt::Jwks>& jwks,
    std::shared_ptr<const jwt::VerifiedJwt> verified) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.index.find(key);
  if (it != shard.index.end()) {
    it->second->jwks = jwks;
    it->second->verified = std::move(verified);
    shard.entries.splice(shard.entries.begin(), shard.entries, it->second);
    return;
  }
  if (shard.entries.size() >= per_shard_) {
    shard.index.erase(shard.entries.back().key);
    shard.entries.pop_back();
  }
  shard.entries.push_front(Entry{key, jwks, std::move(verified)});
  shard.index.emplace(key, shard.entries.begin());
}

void VerifiedTokenCache::Erase(const Key& key) {
  Shard& shard = ShardOf(key);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return;
  shard.entries.erase(it->second);
  shard.index.erase(it);
}

size_t VerifiedTokenCache::size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    absl::MutexLock lock(&shard->mu);
    total += shard->entries.size();
  }
  return total;
}

}  // namespace identity::server
