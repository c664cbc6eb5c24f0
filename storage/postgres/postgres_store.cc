#include "storage/postgres/postgres_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "storage/postgres/migrations.h"

namespace identity::storage {
namespace {

// Times cross the wire as microseconds since the epoch.
constexpr char kClientColumns[] =
    "client_id, name, allowed_scopes, secret_hash,"
    " (extract(epoch from created_at) * 1000000)::bigint,"
    " (extract(epoch from updated_at) * 1000000)::bigint";

void Prepare(pqxx::connection& c) {
  c.prepare("create_client",
            "INSERT INTO clients (client_id, name, allowed_scopes, secret_hash,"
            " created_at, updated_at) VALUES ($1, $2, $3, $4,"
            " to_timestamp($5::bigint / 1000000.0),"
            " to_timestamp($6::bigint / 1000000.0))");
  c.prepare("get_client", std::string("SELECT ") + kClientColumns +
                              " FROM clients WHERE client_id = $1");
  c.prepare("list_clients", std::string("SELECT ") + kClientColumns +
                                " FROM clients WHERE client_id > $1"
                                " ORDER BY client_id LIMIT $2");
  c.prepare("update_client",
            "UPDATE clients SET name = $2, allowed_scopes = $3,"
            " updated_at = to_timestamp($4::bigint / 1000000.0)"
            " WHERE client_id = $1");
  c.prepare("delete_client", "DELETE FROM clients WHERE client_id = $1");
  c.prepare("revoke",
            "INSERT INTO revoked_tokens (jti, expires_at)"
            " VALUES ($1, to_timestamp($2::bigint / 1000000.0))"
            " ON CONFLICT (jti) DO UPDATE SET expires_at ="
            " greatest(revoked_tokens.expires_at, excluded.expires_at)");
  c.prepare("is_revoked", "SELECT 1 FROM revoked_tokens WHERE jti = $1");
  c.prepare("list_revoked",
            "SELECT jti FROM revoked_tokens"
            " WHERE expires_at >= to_timestamp($1::bigint / 1000000.0)");
  c.prepare("list_keys",
            "SELECT kid, alg, state, public_jwk, sealed_private_jwk,"
            " (extract(epoch from created_at) * 1000000)::bigint,"
            " (extract(epoch from activated_at) * 1000000)::bigint,"
            " (extract(epoch from retired_at) * 1000000)::bigint,"
            " (extract(epoch from remove_at) * 1000000)::bigint"
            " FROM signing_keys ORDER BY created_at DESC, kid DESC");
  c.prepare("insert_key",
            "INSERT INTO signing_keys (kid, alg, state, public_jwk,"
            " sealed_private_jwk, created_at, activated_at) VALUES ($1, $2, $3,"
            " $4, $5, to_timestamp($6::bigint / 1000000.0),"
            " to_timestamp($7::bigint / 1000000.0))");
  c.prepare("retire_key",
            "UPDATE signing_keys SET state = 'retired',"
            " retired_at = to_timestamp($2::bigint / 1000000.0),"
            " remove_at = to_timestamp($3::bigint / 1000000.0)"
            " WHERE kid = $1 AND state = 'current'");
  c.prepare("activate_key",
            "UPDATE signing_keys SET state = 'current',"
            " activated_at = to_timestamp($2::bigint / 1000000.0)"
            " WHERE kid = $1 AND state = 'next'");
  c.prepare("remove_keys",
            "DELETE FROM signing_keys WHERE state = 'retired'"
            " AND remove_at < to_timestamp($1::bigint / 1000000.0)");
  c.prepare("purge_revoked",
            "DELETE FROM revoked_tokens"
            " WHERE expires_at < to_timestamp($1::bigint / 1000000.0)");
}

ClientRecord ClientFromRow(const pqxx::row& row) {
  ClientRecord client;
  client.client_id = row[0].as<std::string>();
  client.name = row[1].as<std::string>();
  client.allowed_scopes =
      absl::StrSplit(row[2].as<std::string>(), ' ', absl::SkipEmpty());
  client.secret_hash = row[3].as<std::string>();
  client.created_at = absl::FromUnixMicros(row[4].as<int64_t>());
  client.updated_at = absl::FromUnixMicros(row[5].as<int64_t>());
  return client;
}

const char* StateName(KeyState state) {
  switch (state) {
    case KeyState::kNext:
      return "next";
    case KeyState::kCurrent:
      return "current";
    case KeyState::kRetired:
      return "retired";
  }
  return "retired";
}

KeyState StateFromName(const std::string& name) {
  if (name == "current") return KeyState::kCurrent;
  if (name == "next") return KeyState::kNext;
  return KeyState::kRetired;
}

std::optional<absl::Time> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return absl::FromUnixMicros(field.as<int64_t>());
}

SigningKeyRecord KeyFromRow(const pqxx::row& row) {
  SigningKeyRecord key;
  key.kid = row[0].as<std::string>();
  key.alg = row[1].as<std::string>();
  key.state = StateFromName(row[2].as<std::string>());
  key.public_jwk = row[3].as<std::string>();
  // Sealed bytes are kept as base64url text.
  key.sealed_private_jwk =
      jwt::Base64UrlDecode(row[4].as<std::string>()).value_or("");
  key.created_at = absl::FromUnixMicros(row[5].as<int64_t>());
  key.activated_at = OptionalTime(row[6]);
  key.retired_at = OptionalTime(row[7]);
  key.remove_at = OptionalTime(row[8]);
  return key;
}

// Inserts `key` in `state`; activated_at is set for a CURRENT key.
void InsertKey(pqxx::work& txn, const SigningKeyRecord& key, KeyState state) {
  const int64_t created = absl::ToUnixMicros(key.created_at);
  if (state == KeyState::kCurrent) {
    txn.exec_prepared(
        "insert_key", key.kid, key.alg, StateName(state), key.public_jwk,
        jwt::Base64UrlEncode(key.sealed_private_jwk), created,
        absl::ToUnixMicros(key.activated_at.value_or(key.created_at)));
  } else {
    txn.exec_prepared(
        "insert_key", key.kid, key.alg, StateName(state), key.public_jwk,
        jwt::Base64UrlEncode(key.sealed_private_jwk), created, nullptr);
  }
}

std::string Scopes(const ClientRecord& client) {
  return absl::StrJoin(client.allowed_scopes, " ");
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    PoolOptions options) {
  PoolOptions probe_options = options;
  probe_options.size = 1;
  // A probe must answer within a health-check period, whatever the database.
  probe_options.connect_timeout =
      std::min(probe_options.connect_timeout, absl::Seconds(2));
  probe_options.statement_timeout =
      std::min(probe_options.statement_timeout, absl::Seconds(2));
  auto probe = ConnectionPool::Create(std::move(probe_options), nullptr);
  if (!probe.ok()) return probe.status();
  auto pool = ConnectionPool::Create(std::move(options), &Prepare);
  if (!pool.ok()) return pool.status();
  if (auto version = ApplyMigrations(**pool); !version.ok()) {
    return version.status();
  }
  return std::unique_ptr<PostgresStore>(
      new PostgresStore(*std::move(pool), *std::move(probe)));
}

absl::Status PostgresStore::Ping() {
  return WithConnection(*probe_, "ping", [](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    txn.exec("SELECT 1");
  });
}

// Calls of one statement run without BEGIN/COMMIT (pqxx::nontransaction: the
// statement commits by itself), one round trip instead of three; those of
// several statements (key initialization and rotation) use a transaction.
absl::Status PostgresStore::CreateClient(const ClientRecord& client) {
  absl::Status status =
      WithConnection(*pool_, "create_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        txn.exec_prepared("create_client", client.client_id, client.name,
                          Scopes(client), client.secret_hash,
                          absl::ToUnixMicros(client.created_at),
                          absl::ToUnixMicros(client.updated_at));
      });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a client with this client_id exists");
  }
  return status;
}

absl::StatusOr<ClientRecord> PostgresStore::GetClient(
    absl::string_view client_id) {
  std::optional<ClientRecord> found;
  absl::Status status =
      WithConnection(*pool_, "get_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        pqxx::result rows =
            txn.exec_prepared("get_client", std::string(client_id));
        if (!rows.empty()) found = ClientFromRow(rows[0]);
      });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such client");
  return *std::move(found);
}

absl::StatusOr<std::vector<ClientRecord>> PostgresStore::ListClients(
    absl::string_view after, int limit) {
  std::vector<ClientRecord> clients;
  absl::Status status =
      WithConnection(*pool_, "list_clients", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_clients", std::string(after), limit)) {
          clients.push_back(ClientFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return clients;
}

absl::Status PostgresStore::UpdateClient(const ClientRecord& client) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "update_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("update_client", client.client_id,
                                     client.name, Scopes(client),
                                     absl::ToUnixMicros(client.updated_at))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::DeleteClient(absl::string_view client_id) {
  size_t affected = 0;
  absl::Status status =
      WithConnection(*pool_, "delete_client", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        affected = txn.exec_prepared("delete_client", std::string(client_id))
                       .affected_rows();
      });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::Revoke(absl::string_view jti,
                                   absl::Time expires_at) {
  return WithConnection(*pool_, "revoke", [&](pqxx::connection& c) {
    pqxx::nontransaction txn(c);
    txn.exec_prepared("revoke", std::string(jti),
                      absl::ToUnixMicros(expires_at));
  });
}

absl::StatusOr<bool> PostgresStore::IsRevoked(absl::string_view jti) {
  bool revoked = false;
  absl::Status status =
      WithConnection(*pool_, "is_revoked", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        revoked = !txn.exec_prepared("is_revoked", std::string(jti)).empty();
      });
  if (!status.ok()) return status;
  return revoked;
}

absl::StatusOr<std::vector<std::string>> PostgresStore::ListRevoked(
    absl::Time now) {
  std::vector<std::string> jtis;
  absl::Status status =
      WithConnection(*pool_, "list_revoked", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row :
             txn.exec_prepared("list_revoked", absl::ToUnixMicros(now))) {
          jtis.push_back(row[0].as<std::string>());
        }
      });
  if (!status.ok()) return status;
  return jtis;
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpired(absl::Time now) {
  int64_t purged = 0;
  absl::Status status =
      WithConnection(*pool_, "purge_expired", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        purged = txn.exec_prepared("purge_revoked", absl::ToUnixMicros(now))
                     .affected_rows();
      });
  if (!status.ok()) return status;
  return purged;
}

absl::StatusOr<std::vector<SigningKeyRecord>> PostgresStore::ListSigningKeys() {
  std::vector<SigningKeyRecord> keys;
  absl::Status status =
      WithConnection(*pool_, "list_signing_keys", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        for (const pqxx::row& row : txn.exec_prepared("list_keys")) {
          keys.push_back(KeyFromRow(row));
        }
      });
  if (!status.ok()) return status;
  return keys;
}

absl::Status PostgresStore::InitializeSigningKeys(
    const SigningKeyRecord& current, const SigningKeyRecord& next) {
  absl::Status status = WithConnection(
      *pool_, "initialize_signing_keys", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        InsertKey(txn, current, KeyState::kCurrent);
        InsertKey(txn, next, KeyState::kNext);
        txn.commit();
      });
  // The partial unique index refuses a second CURRENT key: another replica
  // initialized first. (A duplicate kid lands here too; with random kids it
  // means the same.)
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AbortedError("signing keys are already initialized");
  }
  return status;
}

absl::Status PostgresStore::RotateSigningKeys(absl::string_view current_kid,
                                              absl::string_view next_kid,
                                              const SigningKeyRecord& new_next,
                                              absl::Time now,
                                              absl::Time remove_at) {
  bool changed_meanwhile = false;
  absl::Status status =
      WithConnection(*pool_, "rotate_signing_keys", [&](pqxx::connection& c) {
        pqxx::work txn(c);
        // The first UPDATE locks the CURRENT row: a concurrent rotation waits
        // here, then finds the row no longer CURRENT and changes nothing.
        if (txn.exec_prepared("retire_key", std::string(current_kid),
                              absl::ToUnixMicros(now),
                              absl::ToUnixMicros(remove_at))
                    .affected_rows() != 1 ||
            txn.exec_prepared("activate_key", std::string(next_kid),
                              absl::ToUnixMicros(now))
                    .affected_rows() != 1) {
          changed_meanwhile = true;
          return;  // Not committed: the transaction rolls back.
        }
        InsertKey(txn, new_next, KeyState::kNext);
        txn.commit();
      });
  if (!status.ok()) return status;
  if (changed_meanwhile) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PostgresStore::RemoveExpiredSigningKeys(
    absl::Time now) {
  int64_t removed = 0;
  absl::Status status = WithConnection(
      *pool_, "remove_expired_signing_keys", [&](pqxx::connection& c) {
        pqxx::nontransaction txn(c);
        removed = txn.exec_prepared("remove_keys", absl::ToUnixMicros(now))
                      .affected_rows();
      });
  if (!status.ok()) return status;
  return removed;
}

}  // namespace identity::storage
