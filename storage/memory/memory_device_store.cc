// MemoryStore's DeviceAuthorizationStore
// (storage/device_authorization_store.h).
#include <algorithm>

#include "storage/memory/memory_store.h"

namespace identity::storage {

absl::Status MemoryStore::CreateDeviceAuthorization(
    const DeviceAuthorizationRecord& record, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (device_authorizations_.count(record.device_code_hash) > 0) {
    return absl::AlreadyExistsError("a device code with this hash exists");
  }
  for (auto it = device_authorizations_.begin();
       it != device_authorizations_.end();) {
    if (it->second.user_code_hash != record.user_code_hash) {
      ++it;
    } else if (it->second.expires_at > now) {
      return absl::AlreadyExistsError("a live user code with this hash exists");
    } else {
      it = device_authorizations_.erase(it);  // Expired: replaced.
    }
  }
  device_authorizations_.emplace(record.device_code_hash, record);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::CountLiveDeviceAuthorizations(
    absl::string_view client_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t live = 0;
  for (const auto& [hash, record] : device_authorizations_) {
    live += record.client_id == client_id && record.expires_at > now;
  }
  return live;
}

absl::StatusOr<DeviceAuthorizationRecord>
MemoryStore::GetPendingDeviceAuthorization(absl::string_view user_code_hash,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  for (const auto& [hash, record] : device_authorizations_) {
    if (record.user_code_hash == user_code_hash && record.expires_at > now &&
        record.state == DeviceAuthorizationState::kPending) {
      return record;
    }
  }
  return absl::NotFoundError("no such pending device authorization");
}

absl::StatusOr<DeviceAuthorizationRecord>
MemoryStore::DecideDeviceAuthorization(absl::string_view user_code_hash,
                                       absl::Time now,
                                       DeviceAuthorizationState state,
                                       absl::string_view user_id,
                                       absl::Time auth_time,
                                       absl::string_view sid) {
  absl::MutexLock lock(&mu_);
  for (auto& [hash, record] : device_authorizations_) {
    if (record.user_code_hash == user_code_hash && record.expires_at > now &&
        record.state == DeviceAuthorizationState::kPending) {
      record.state = state;
      record.user_id = std::string(user_id);
      record.auth_time = auth_time;
      record.sid = std::string(sid);
      return record;
    }
  }
  return absl::NotFoundError("no such pending device authorization");
}

absl::StatusOr<DeviceAuthorizationRecord> MemoryStore::PollDeviceAuthorization(
    absl::string_view device_code_hash, absl::string_view client_id,
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = device_authorizations_.find(device_code_hash);
  if (it == device_authorizations_.end() || it->second.client_id != client_id) {
    return absl::NotFoundError("no such device code");
  }
  DeviceAuthorizationRecord before = it->second;
  it->second.last_polled_at = now;
  return before;
}

absl::StatusOr<int32_t> MemoryStore::IncreaseDevicePollInterval(
    absl::string_view device_code_hash, int32_t seconds) {
  absl::MutexLock lock(&mu_);
  auto it = device_authorizations_.find(device_code_hash);
  if (it == device_authorizations_.end()) {
    return absl::NotFoundError("no such device code");
  }
  it->second.interval_seconds += seconds;
  return it->second.interval_seconds;
}

absl::StatusOr<DeviceAuthorizationRecord>
MemoryStore::RedeemDeviceAuthorization(absl::string_view device_code_hash,
                                       absl::string_view client_id,
                                       absl::Time now,
                                       absl::string_view access_token_jti) {
  absl::MutexLock lock(&mu_);
  auto it = device_authorizations_.find(device_code_hash);
  if (it == device_authorizations_.end() || it->second.client_id != client_id) {
    return absl::NotFoundError("no such device code");
  }
  DeviceAuthorizationRecord& record = it->second;
  if (record.state != DeviceAuthorizationState::kApproved ||
      record.redeemed_at.has_value() || record.expires_at <= now) {
    return absl::FailedPreconditionError(
        "the device authorization is not approved, used or expired");
  }
  record.redeemed_at = now;
  record.access_token_jti = std::string(access_token_jti);
  return record;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredDeviceAuthorizations(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t erased = 0;
  for (auto it = device_authorizations_.begin();
       it != device_authorizations_.end();) {
    if (it->second.expires_at < now) {
      it = device_authorizations_.erase(it);
      ++erased;
    } else {
      ++it;
    }
  }
  return erased;
}

}  // namespace identity::storage
