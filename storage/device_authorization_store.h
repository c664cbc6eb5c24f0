// Persistence of device authorizations (RFC 8628): what the device
// authorization endpoint issued, waiting for the user's answer at the
// verification URI and polled by the device at the token endpoint. Both codes
// are stored only as hashes (the core hashes; the store never sees a
// device_code or a user_code). A user_code's hash is unique among the
// authorizations that have not expired. The decision, each poll and the
// redemption are atomic here, also across replicas sharing one PostgreSQL
// (conditional UPDATE ... RETURNING). No OAuth rules here: the core decides
// what a poll's time or a state means.
#ifndef IDENTITY_STORAGE_DEVICE_AUTHORIZATION_STORE_H_
#define IDENTITY_STORAGE_DEVICE_AUTHORIZATION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

enum class DeviceAuthorizationState { kPending, kApproved, kDenied };

struct DeviceAuthorizationRecord {
  std::string device_code_hash;  // Primary key.
  std::string user_code_hash;    // Unique among those not expired.
  std::string client_id;
  std::string scope;  // Granted if approved, space-delimited.
  // The grant this authorization starts: the family id of its refresh
  // tokens.
  std::string grant_id;
  absl::Time created_at;
  absl::Time expires_at;
  // The least time between two polls, in seconds (it grows with slow_down).
  int32_t interval_seconds = 5;
  // The last poll (UnixEpoch when never polled).
  absl::Time last_polled_at = absl::UnixEpoch();
  DeviceAuthorizationState state = DeviceAuthorizationState::kPending;
  // Set by the decision: who answered, when they authenticated, and the
  // login session they answered from (empty: none).
  std::string user_id = {};
  absl::Time auth_time = absl::UnixEpoch();
  std::string sid = {};
  // Set by the redemption: when, and the jti of the access token it issued.
  std::optional<absl::Time> redeemed_at = {};
  std::string access_token_jti = {};

  bool operator==(const DeviceAuthorizationRecord& other) const;
};

// Thread-safe. Errors: NotFound, AlreadyExists, FailedPrecondition (below),
// Unavailable, Internal.
class DeviceAuthorizationStore {
 public:
  virtual ~DeviceAuthorizationStore() = default;

  // Stores a new (pending) authorization. AlreadyExists if its
  // device_code_hash is taken, or its user_code_hash is held by an
  // authorization that expires after `now` (one that expired is replaced).
  virtual absl::Status CreateDeviceAuthorization(
      const DeviceAuthorizationRecord& record, absl::Time now) = 0;
  // How many authorizations of `client_id` expire after `now`.
  virtual absl::StatusOr<int64_t> CountLiveDeviceAuthorizations(
      absl::string_view client_id, absl::Time now) = 0;
  // The pending authorization whose user code hashes to `user_code_hash`,
  // if it expires after `now`. NotFound otherwise (absent, expired,
  // decided).
  virtual absl::StatusOr<DeviceAuthorizationRecord>
  GetPendingDeviceAuthorization(absl::string_view user_code_hash,
                                absl::Time now) = 0;
  // Atomically: if the authorization of `user_code_hash` is pending and
  // expires after `now`, sets its state to `state` (kApproved or kDenied)
  // with the user, auth_time and sid, and returns the updated record. Of
  // concurrent calls at most one succeeds. NotFound otherwise.
  virtual absl::StatusOr<DeviceAuthorizationRecord> DecideDeviceAuthorization(
      absl::string_view user_code_hash, absl::Time now,
      DeviceAuthorizationState state, absl::string_view user_id,
      absl::Time auth_time, absl::string_view sid) = 0;
  // Atomically records a poll of `device_code_hash` by `client_id` at `now`
  // and returns the record with last_polled_at the PREVIOUS poll's time
  // (UnixEpoch for the first). Concurrent polls are ordered: each sees the
  // one before it. Expired or redeemed authorizations are returned too.
  // NotFound if absent or another client's (left as it is).
  virtual absl::StatusOr<DeviceAuthorizationRecord> PollDeviceAuthorization(
      absl::string_view device_code_hash, absl::string_view client_id,
      absl::Time now) = 0;
  // Atomically adds `seconds` to the authorization's interval; returns the
  // new interval. NotFound if absent.
  virtual absl::StatusOr<int32_t> IncreaseDevicePollInterval(
      absl::string_view device_code_hash, int32_t seconds) = 0;
  // Atomically marks an approved authorization of `client_id` redeemed at
  // `now`, recording the access token's jti. Of concurrent calls exactly
  // one succeeds. NotFound if absent or another client's;
  // FailedPrecondition when not approved, already redeemed or expired
  // (expires_at <= now).
  virtual absl::StatusOr<DeviceAuthorizationRecord> RedeemDeviceAuthorization(
      absl::string_view device_code_hash, absl::string_view client_id,
      absl::Time now, absl::string_view access_token_jti) = 0;
  // Forgets authorizations that expired before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredDeviceAuthorizations(
      absl::Time now) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_DEVICE_AUTHORIZATION_STORE_H_
