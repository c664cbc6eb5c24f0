#include "server/oauth/purge.h"

namespace identity::server {

absl::StatusOr<PurgeCounts> PurgeExpired(const PurgeStores& stores,
                                         absl::Time now) {
  PurgeCounts counts;
  auto revoked = stores.revocations->PurgeExpired(now);
  if (!revoked.ok()) return revoked.status();
  counts.revocations = *revoked;
  auto codes = stores.grants->PurgeExpiredCodes(now - kExpiredCodeRetention);
  if (!codes.ok()) return codes.status();
  counts.codes = *codes;
  auto pushed = stores.grants->PurgeExpiredPushedRequests(now);
  if (!pushed.ok()) return pushed.status();
  counts.pushed_requests = *pushed;
  auto refresh = stores.grants->PurgeExpiredRefreshTokens(now);
  if (!refresh.ok()) return refresh.status();
  counts.refresh_tokens = *refresh;
  if (stores.sessions != nullptr) {
    auto ended = stores.sessions->PurgeExpiredSessions(now);
    if (!ended.ok()) return ended.status();
    counts.sessions = *ended;
  }
  if (stores.devices != nullptr) {
    auto expired = stores.devices->PurgeExpiredDeviceAuthorizations(now);
    if (!expired.ok()) return expired.status();
    counts.device_authorizations = *expired;
  }
  if (stores.replays != nullptr) {
    auto claims = stores.replays->PurgeExpiredClaims(now);
    if (!claims.ok()) return claims.status();
    counts.replay_claims = *claims;
  }
  return counts;
}

}  // namespace identity::server
