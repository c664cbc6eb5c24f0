// The revocation list: token ids (jti) revoked before they expire.
#ifndef IDENTITY_STORAGE_REVOCATION_STORE_H_
#define IDENTITY_STORAGE_REVOCATION_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

// Thread-safe. Errors: Unavailable, Internal.
class RevocationStore {
 public:
  virtual ~RevocationStore() = default;

  // Records `jti` as revoked until `expires_at` (after which the token is
  // invalid anyway). Idempotent: revoking twice keeps the later expiry.
  virtual absl::Status Revoke(absl::string_view jti, absl::Time expires_at) = 0;
  virtual absl::StatusOr<bool> IsRevoked(absl::string_view jti) = 0;
  // Every jti whose revocation has not expired at `now` (expires_at >= now),
  // in no particular order: what a replica keeps in memory
  // (storage/cache/caching_store.h).
  virtual absl::StatusOr<std::vector<std::string>> ListRevoked(
      absl::Time now) = 0;
  // Forgets entries whose expiry is before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpired(absl::Time now) = 0;

  // Whether IsRevoked would answer now from memory, with no I/O (as
  // ClientStore::AnswersFromMemory). False unless the store knows.
  virtual bool AnswersFromMemory() { return false; }
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_REVOCATION_STORE_H_
