// Forgetting what can no longer matter: revocations past their token's
// expiry, authorization codes an hour past theirs (kept that long so a late
// replay still finds the code and revokes what it issued), refresh tokens
// past their family's absolute expiry, pushed authorization requests and
// login sessions past theirs, single-use JWT ids past their JWT's expiry.
// identity-server runs it every kPurgeInterval on one thread per replica; the
// deletes are idempotent, so replicas doing it at the same time is harmless.
#ifndef IDENTITY_SERVER_OAUTH_PURGE_H_
#define IDENTITY_SERVER_OAUTH_PURGE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "storage/device_authorization_store.h"
#include "storage/grant_store.h"
#include "storage/replay_store.h"
#include "storage/revocation_store.h"
#include "storage/session_store.h"

namespace identity::server {

inline constexpr absl::Duration kPurgeInterval = absl::Minutes(10);
inline constexpr absl::Duration kExpiredCodeRetention = absl::Hours(1);

struct PurgeCounts {
  int64_t revocations = 0;
  int64_t codes = 0;
  int64_t refresh_tokens = 0;
  int64_t pushed_requests = 0;
  int64_t sessions = 0;
  int64_t device_authorizations = 0;  // RFC 8628, past their expiry.
  int64_t replay_claims = 0;
};

// What a purge covers, named so that no store can be passed for another.
struct PurgeStores {
  storage::RevocationStore* revocations = nullptr;       // Required.
  storage::GrantStore* grants = nullptr;                 // Required.
  storage::SessionStore* sessions = nullptr;             // Null: not purged.
  storage::DeviceAuthorizationStore* devices = nullptr;  // Null: not purged.
  storage::ReplayStore* replays = nullptr;               // Null: not purged.
};

// Errors: the stores'; what was purged before a failure stays purged.
absl::StatusOr<PurgeCounts> PurgeExpired(const PurgeStores& stores,
                                         absl::Time now);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_PURGE_H_
