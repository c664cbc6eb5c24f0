#include "storage/postgres/postgres_store.h"

#include <optional>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

std::string Scopes(const ClientRecord& client) {
  return absl::StrJoin(client.allowed_scopes, " ");
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    PoolOptions options) {
  auto pool = ConnectionPool::Create(std::move(options), &Prepare);
  if (!pool.ok()) return pool.status();
  if (auto version = ApplyMigrations(**pool); !version.ok()) {
    return version.status();
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(*std::move(pool)));
}

absl::Status PostgresStore::CreateClient(const ClientRecord& client) {
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::work txn(c);
    txn.exec_prepared("create_client", client.client_id, client.name,
                      Scopes(client), client.secret_hash,
                      absl::ToUnixMicros(client.created_at),
                      absl::ToUnixMicros(client.updated_at));
    txn.commit();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError("a client with this client_id exists");
  }
  return status;
}

absl::StatusOr<ClientRecord> PostgresStore::GetClient(
    absl::string_view client_id) {
  std::optional<ClientRecord> found;
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::read_transaction txn(c);
    pqxx::result rows = txn.exec_prepared("get_client", std::string(client_id));
    if (!rows.empty()) found = ClientFromRow(rows[0]);
  });
  if (!status.ok()) return status;
  if (!found.has_value()) return absl::NotFoundError("no such client");
  return *std::move(found);
}

absl::StatusOr<std::vector<ClientRecord>> PostgresStore::ListClients(
    absl::string_view after, int limit) {
  std::vector<ClientRecord> clients;
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::read_transaction txn(c);
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
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::work txn(c);
    affected =
        txn.exec_prepared("update_client", client.client_id, client.name,
                          Scopes(client), absl::ToUnixMicros(client.updated_at))
            .affected_rows();
    txn.commit();
  });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::DeleteClient(absl::string_view client_id) {
  size_t affected = 0;
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::work txn(c);
    affected = txn.exec_prepared("delete_client", std::string(client_id))
                   .affected_rows();
    txn.commit();
  });
  if (!status.ok()) return status;
  if (affected == 0) return absl::NotFoundError("no such client");
  return absl::OkStatus();
}

absl::Status PostgresStore::Revoke(absl::string_view jti,
                                   absl::Time expires_at) {
  return WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::work txn(c);
    txn.exec_prepared("revoke", std::string(jti),
                      absl::ToUnixMicros(expires_at));
    txn.commit();
  });
}

absl::StatusOr<bool> PostgresStore::IsRevoked(absl::string_view jti) {
  bool revoked = false;
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::read_transaction txn(c);
    revoked = !txn.exec_prepared("is_revoked", std::string(jti)).empty();
  });
  if (!status.ok()) return status;
  return revoked;
}

absl::StatusOr<int64_t> PostgresStore::PurgeExpired(absl::Time now) {
  int64_t purged = 0;
  absl::Status status = WithConnection(*pool_, [&](pqxx::connection& c) {
    pqxx::work txn(c);
    purged = txn.exec_prepared("purge_revoked", absl::ToUnixMicros(now))
                 .affected_rows();
    txn.commit();
  });
  if (!status.ok()) return status;
  return purged;
}

}  // namespace identity::storage
