#include "server/oauth/purge.h"

namespace identity::server {

absl::StatusOr<PurgeCounts> PurgeExpired(
    storage::RevocationStore* revocations, storage::GrantStore* grants,
    absl::Time now, storage::SessionStore* sessions,
    storage::DeviceAuthorizationStore* devices, storage::ReplayStore* replays) {
  PurgeCounts counts;
  auto revoked = revocations->PurgeExpired(now);
  if (!revoked.ok()) return revoked.status();
  counts.revocations = *revoked;
  auto codes = grants->PurgeExpiredCodes(now - kExpiredCodeRetention);
  if (!codes.ok()) return codes.status();
  counts.codes = *codes;
  auto pushed = grants->PurgeExpiredPushedRequests(now);
  if (!pushed.ok()) return pushed.status();
  counts.pushed_requests = *pushed;
  auto refresh = grants->PurgeExpiredRefreshTokens(now);
  if (!refresh.ok()) return refresh.status();
  counts.refresh_tokens = *refresh;
  if (sessions != nullptr) {
    auto ended = sessions->PurgeExpiredSessions(now);
    if (!ended.ok()) return ended.status();
    counts.sessions = *ended;
  }
  if (devices != nullptr) {
    auto expired = devices->PurgeExpiredDeviceAuthorizations(now);
    if (!expired.ok()) return expired.status();
    counts.device_authorizations = *expired;
  }
  if (replays != nullptr) {
    auto claims = replays->PurgeExpiredClaims(now);
    if (!claims.ok()) return claims.status();
    counts.replay_claims = *claims;
  }
  return counts;
}

}  // namespace identity::server
