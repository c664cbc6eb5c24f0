// A bounded cache of this server's access tokens that verified (signature,
// header and claims parsed), so that a token seen before is not verified
// again: issue 16, "Introspect of a token seen before". It keeps the result of
// jwt::JwtVerifier::Verify only; what changes with time is judged again on
// every hit by its owner (OwnAccessTokens: exp, nbf and iat on the injected
// clock, then the revocation list, never cached here).
//
// Keyed by SHA-256 of the token: the token itself is not kept. Each entry
// remembers the key set (KeySnapshot::jwks) that verified it and answers only
// while that same set is current: after a key refresh or rotation the next
// hit verifies again, so a token whose key was removed stops being accepted
// exactly when it would without the cache.
//
// Bounded: at most `max_entries` entries, split evenly over `shards` shards,
// each with its own mutex and least-recently-used eviction (the entry
// touched longest ago goes first when a shard is full). Tokens longer than
// `max_token_size` bytes are not cached.
//
// Thread-safe.
#ifndef IDENTITY_SERVER_OAUTH_VERIFIED_TOKEN_CACHE_H_
#define IDENTITY_SERVER_OAUTH_VERIFIED_TOKEN_CACHE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "jwt/jwks.h"
#include "jwt/jwt_verifier.h"
#include "server/oauth/digest.h"

namespace identity::server {

struct VerifiedTokenCacheOptions {
  // Entries at most, over all shards; at least `shards`.
  size_t max_entries = 10000;
  // Longer tokens are verified every time (RFC 9068 tokens of this server
  // are about 450 to 1,000 bytes).
  size_t max_token_size = 4096;
  // Independent locks; more shards, less contention.
  size_t shards = 16;
};

class VerifiedTokenCache {
 public:
  // SHA-256 of a token.
  using Key = Sha256Digest;

  // Never fails: the options are clamped (shards from 1 to max_entries;
  // max_entries rounded down to a multiple of shards).
  explicit VerifiedTokenCache(VerifiedTokenCacheOptions options = {});

  VerifiedTokenCache(const VerifiedTokenCache&) = delete;
  VerifiedTokenCache& operator=(const VerifiedTokenCache&) = delete;

  static Key KeyOf(absl::string_view token);

  // Whether `token` may be cached at all (its size).
  bool Cacheable(absl::string_view token) const {
    return token.size() <= max_token_size_;
  }

  // The verification stored under `key` while `jwks` verified it, else null
  // (none, or verified by another key set: that entry is dropped). A hit
  // makes the entry the most recently used of its shard.
  std::shared_ptr<const jwt::VerifiedJwt> Find(
      const Key& key, const std::shared_ptr<const jwt::Jwks>& jwks);

  // Stores `verified`, which `jwks` verified, under `key`, replacing any
  // entry there; evicts its shard's least recently used entry when full.
  void Insert(const Key& key, const std::shared_ptr<const jwt::Jwks>& jwks,
              std::shared_ptr<const jwt::VerifiedJwt> verified);

  // Drops the entry under `key`, if any.
  void Erase(const Key& key);

  // Entries now, over all shards.
  size_t size() const;
  // The configured bound (after clamping).
  size_t capacity() const { return per_shard_ * shards_.size(); }

 private:
  struct Entry {
    Key key;
    // Compared by owner only (never locked): a weak_ptr keeps the control
    // block, not the key set, alive, so an old set is freed as usual and
    // its address cannot be mistaken for a new one's.
    std::weak_ptr<const jwt::Jwks> jwks;
    std::shared_ptr<const jwt::VerifiedJwt> verified;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Shard {
    mutable absl::Mutex mu;
    // Most recently used first.
    std::list<Entry> entries ABSL_GUARDED_BY(mu);
    absl::flat_hash_map<Key, std::list<Entry>::iterator, KeyHash> index
        ABSL_GUARDED_BY(mu);
  };

  Shard& ShardOf(const Key& key);

  size_t per_shard_;
  size_t max_token_size_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_VERIFIED_TOKEN_CACHE_H_
