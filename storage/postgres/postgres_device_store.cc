// PostgresStore's DeviceAuthorizationStore
// (storage/device_authorization_store.h). Each atomic step is one
// conditional statement, so replicas sharing the database agree: the
// decision and the redemption update a row only in the state they expect;
// a poll locks the row, so concurrent polls (from any replica) each see the
// poll before them.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "storage/postgres/postgres_store.h"

namespace identity::storage {
namespace {

#define IDENTITY_MICROS(column) \
  "(extract(epoch from " column ") * 1000000)::bigint"

// The columns, in DeviceFromRow's order.
constexpr char kDeviceColumns[] =
    "d.device_code_hash, d.user_code_hash, d.client_id, d.scope, d.grant_id, "
    IDENTITY_MICROS("d.created_at") ", " IDENTITY_MICROS("d.expires_at")
    ", d.interval_seconds, " IDENTITY_MICROS("d.last_polled_at")
    ", d.state, d.user_id, " IDENTITY_MICROS("d.auth_time")
    ", d.sid, " IDENTITY_MICROS("d.redeemed_at") ", d.access_token_jti";

// The same, but the last poll's time as it was before the UPDATE (from the
// locked row `old`).
constexpr char kPolledColumns[] =
    "d.device_code_hash, d.user_code_hash, d.client_id, d.scope, d.grant_id, "
    IDENTITY_MICROS("d.created_at") ", " IDENTITY_MICROS("d.expires_at")
    ", d.interval_seconds, " IDENTITY_MICROS("old.last_polled_at")
    ", d.state, d.user_id, " IDENTITY_MICROS("d.auth_time")
    ", d.sid, " IDENTITY_MICROS("d.redeemed_at") ", d.access_token_jti";

#undef IDENTITY_MICROS

#define IDENTITY_TIME(n) "to_timestamp($" #n "::bigint / 1000000.0)"

const char* StateText(DeviceAuthorizationState state) {
  switch (state) {
    case DeviceAuthorizationState::kApproved:
      return "approved";
    case DeviceAuthorizationState::kDenied:
      return "denied";
    case DeviceAuthorizationState::kPending:
      break;
  }
  return "pending";
}

DeviceAuthorizationState StateOf(const std::string& text) {
  if (text == "approved") return DeviceAuthorizationState::kApproved;
  if (text == "denied") return DeviceAuthorizationState::kDenied;
  return DeviceAuthorizationState::kPending;
}

DeviceAuthorizationRecord DeviceFromRow(const pqxx::row& row) {
  const auto time = [](const pqxx::field& f) {
    return absl::FromUnixMicros(f.as<int64_t>());
  };
  DeviceAuthorizationRecord r;
  r.device_code_hash = row[0].as<std::string>();
  r.user_code_hash = row[1].as<std::string>();
  r.client_id = row[2].as<std::string>();
  r.scope = row[3].as<std::string>();
  r.grant_id = row[4].as<std::string>();
  r.created_at = time(row[5]);
  r.expires_at = time(row[6]);
  r.interval_seconds = row[7].as<int32_t>();
  r.last_polled_at = time(row[8]);
  r.state = StateOf(row[9].as<std::string>());
  r.user_id = row[10].as<std::string>();
  r.auth_time = time(row[11]);
  r.sid = row[12].as<std::string>();
  if (!row[13].is_null()) r.redeemed_at = time(row[13]);
  r.access_token_jti = row[14].as<std::string>();
  return r;
}

// Runs the prepared `statement` and returns the record of its first row, if
// any.
template <typename... Params>
absl::StatusOr<std::optional<DeviceAuthorizationRecord>> OneRecord(
    ConnectionPool& pool, const char* statement, const Params&... params) {
  std::optional<DeviceAuthorizationRecord> found;
  absl::Status status =
      WithConnection(pool, statement, [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(statement, params...);
        if (!rows.empty()) found = DeviceFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  return found;
}

}  // namespace

void PrepareDeviceAuthorizations(pqxx::connection& c) {
  c.prepare("delete_expired_user_code",
            "DELETE FROM device_authorizations WHERE user_code_hash = $1"
            " AND expires_at <= " IDENTITY_TIME(2));
  c.prepare("create_device_authorization",
            "INSERT INTO device_authorizations (device_code_hash,"
            " user_code_hash, client_id, scope, grant_id, created_at,"
            " expires_at, interval_seconds, last_polled_at, state, user_id,"
            " auth_time, sid, redeemed_at, access_token_jti) VALUES ($1, $2,"
            " $3, $4, $5, " IDENTITY_TIME(6) ", " IDENTITY_TIME(7) ", $8, "
            IDENTITY_TIME(9) ", $10, $11, " IDENTITY_TIME(12) ", $13, NULL,"
            " $14)");
  c.prepare("count_live_device_authorizations",
            "SELECT count(*) FROM device_authorizations WHERE client_id = $1"
            " AND expires_at > " IDENTITY_TIME(2));
  c.prepare(
      "get_pending_device_authorization",
      absl::StrCat(
          "SELECT ", kDeviceColumns,
          " FROM device_authorizations d"
          " WHERE d.user_code_hash = $1"
          " AND d.state = 'pending' AND d.expires_at > " IDENTITY_TIME(2)));
  c.prepare(
      "decide_device_authorization",
      absl::StrCat(
          "UPDATE device_authorizations d SET state = $3,"
          " user_id = $4, auth_time = " IDENTITY_TIME(
              5) ", sid = $6 WHERE d.user_code_hash = $1"
                 " AND d.state = 'pending' AND d.expires_at > " IDENTITY_TIME(
                     2) " RETURNING ",
          kDeviceColumns));
  // The subquery locks the row (FOR UPDATE waits for a concurrent poll and
  // then reads its result), so `old` is the poll before this one.
  c.prepare(
      "poll_device_authorization",
      absl::StrCat("UPDATE device_authorizations d"
                   " SET last_polled_at = " IDENTITY_TIME(
                       3) " FROM (SELECT device_code_hash, last_polled_at"
                          " FROM device_authorizations"
                          " WHERE device_code_hash = $1 AND client_id = $2"
                          " FOR UPDATE) old"
                          " WHERE d.device_code_hash = old.device_code_hash"
                          " RETURNING ",
                   kPolledColumns));
  c.prepare("increase_device_poll_interval",
            "UPDATE device_authorizations"
            " SET interval_seconds = interval_seconds + $2"
            " WHERE device_code_hash = $1 RETURNING interval_seconds");
  c.prepare(
      "redeem_device_authorization",
      absl::StrCat("UPDATE device_authorizations d"
                   " SET redeemed_at = " IDENTITY_TIME(
                       3) ", access_token_jti = $4"
                          " WHERE d.device_code_hash = $1 AND d.client_id = $2"
                          " AND d.state = 'approved' AND d.redeemed_at IS NULL"
                          " AND d.expires_at > " IDENTITY_TIME(3) " RETURNING ",
                   kDeviceColumns));
  c.prepare("device_authorization_exists",
            "SELECT 1 FROM device_authorizations"
            " WHERE device_code_hash = $1 AND client_id = $2");
  c.prepare("purge_device_authorizations",
            "DELETE FROM device_authorizations"
            " WHERE expires_at < " IDENTITY_TIME(1));
}

#undef IDENTITY_TIME

absl::Status PostgresStore::CreateDeviceAuthorization(
    const DeviceAuthorizationRecord& r, absl::Time now) {
  absl::Status status = WithConnection(
      pool(), "create_device_authorization", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        txn.exec_prepared("delete_expired_user_code", r.user_code_hash,
                          absl::ToUnixMicros(now));
        txn.exec_prepared(
            "create_device_authorization", r.device_code_hash, r.user_code_hash,
            r.client_id, r.scope, r.grant_id, absl::ToUnixMicros(r.created_at),
            absl::ToUnixMicros(r.expires_at), r.interval_seconds,
            absl::ToUnixMicros(r.last_polled_at), StateText(r.state), r.user_id,
            absl::ToUnixMicros(r.auth_time), r.sid, r.access_token_jti);
        txn.commit();
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        "a device code or live user code with this hash exists");
  }
  return status;
}

absl::StatusOr<int64_t> PostgresStore::CountLiveDeviceAuthorizations(
    absl::string_view client_id, absl::Time now) {
  int64_t live = 0;
  absl::Status status = WithConnection(
      pool(), "count_live_device_authorizations", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        live = txn.exec_prepared1("count_live_device_authorizations",
                                  std::string(client_id),
                                  absl::ToUnixMicros(now))[0]
                   .as<int64_t>();
      });
  if (!status.ok()) return status;
  return live;
}

absl::StatusOr<DeviceAuthorizationRecord>
PostgresStore::GetPendingDeviceAuthorization(absl::string_view user_code_hash,
                                             absl::Time now) {
  auto found = OneRecord(pool(), "get_pending_device_authorization",
                         std::string(user_code_hash), absl::ToUnixMicros(now));
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return absl::NotFoundError("no such pending device authorization");
  }
  return **std::move(found);
}

absl::StatusOr<DeviceAuthorizationRecord>
PostgresStore::DecideDeviceAuthorization(absl::string_view user_code_hash,
                                         absl::Time now,
                                         DeviceAuthorizationState state,
                                         absl::string_view user_id,
                                         absl::Time auth_time,
                                         absl::string_view sid) {
  auto decided = OneRecord(pool(), "decide_device_authorization",
                           std::string(user_code_hash), absl::ToUnixMicros(now),
                           std::string(StateText(state)), std::string(user_id),
                           absl::ToUnixMicros(auth_time), std::string(sid));
  if (!decided.ok()) return decided.status();
  if (!decided->has_value()) {
    return absl::NotFoundError("no such pending device authorization");
  }
  return **std::move(decided);
}

absl::StatusOr<DeviceAuthorizationRecord>
PostgresStore::PollDeviceAuthorization(absl::string_view device_code_hash,
                                       absl::string_view client_id,
                                       absl::Time now) {
  auto polled = OneRecord(pool(), "poll_device_authorization",
                          std::string(device_code_hash), std::string(client_id),
                          absl::ToUnixMicros(now));
  if (!polled.ok()) return polled.status();
  if (!polled->has_value()) return absl::NotFoundError("no such device code");
  return **std::move(polled);
}

absl::StatusOr<int32_t> PostgresStore::IncreaseDevicePollInterval(
    absl::string_view device_code_hash, int32_t seconds) {
  std::optional<int32_t> interval;
  absl::Status status = WithConnection(
      pool(), "increase_device_poll_interval", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("increase_device_poll_interval",
                              std::string(device_code_hash), seconds);
        if (!rows.empty()) interval = rows[0][0].as<int32_t>();
      });
  if (!status.ok()) return status;
  if (!interval.has_value()) return absl::NotFoundError("no such device code");
  return *interval;
}

absl::StatusOr<DeviceAuthorizationRecord>
PostgresStore::RedeemDeviceAuthorization(absl::string_view device_code_hash,
                                         absl::string_view client_id,
                                         absl::Time now,
                                         absl::string_view access_token_jti) {
  std::optional<DeviceAuthorizationRecord> redeemed;
  bool exists = false;
  absl::Status status = WithConnection(
      pool(), "redeem_device_authorization", [&](pqxx::connection& c) {
        // The UPDATE commits by itself: it alone decides who redeems.
        pqxx::nontransaction txn(c);
        pqxx::result rows = txn.exec_prepared(
            "redeem_device_authorization", std::string(device_code_hash),
            std::string(client_id), absl::ToUnixMicros(now),
            std::string(access_token_jti));
        if (!rows.empty()) {
          redeemed = DeviceFromRow(rows[0]);
          return;
        }
        // Nothing redeemed: say why (a second round trip, on refusals only).
        exists = !txn.exec_prepared("device_authorization_exists",
                                    std::string(device_code_hash),
                                    std::string(client_id))
                      .empty();
      });
  if (!status.ok()) return status;
  if (redeemed.has_value()) return *std::move(redeemed);
  if (!exists) return absl::NotFoundError("no such device code");
  return absl::FailedPreconditionError(
      "the device authorization is not approved, used or expired");
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpiredDeviceAuthorizations(
    absl::Time now) {
  int64_t purged = 0;
  absl::Status status = WithConnection(
      pool(), "purge_device_authorizations", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_device_authorizations",
                                   absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

}  // namespace identity::storage
