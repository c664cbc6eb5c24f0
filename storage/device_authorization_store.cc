#include "storage/device_authorization_store.h"

#include <tuple>

namespace identity::storage {

bool DeviceAuthorizationRecord::operator==(
    const DeviceAuthorizationRecord& o) const {
  return std::tie(device_code_hash, user_code_hash, client_id, scope, grant_id,
                  created_at, expires_at, interval_seconds, last_polled_at,
                  state, user_id, auth_time, sid, redeemed_at,
                  access_token_jti) ==
         std::tie(o.device_code_hash, o.user_code_hash, o.client_id, o.scope,
                  o.grant_id, o.created_at, o.expires_at, o.interval_seconds,
                  o.last_polled_at, o.state, o.user_id, o.auth_time, o.sid,
                  o.redeemed_at, o.access_token_jti);
}

}  // namespace identity::storage
