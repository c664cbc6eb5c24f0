#include "storage/postgres/migrations.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::storage {
namespace {

// Append only: never edit a migration that has shipped.
const std::vector<std::string>& Migrations() {
  static const auto* const kMigrations = new std::vector<std::string>{
      // 1: clients and the revocation list.
      R"sql(
        CREATE TABLE clients (
          client_id      text PRIMARY KEY,
          name           text NOT NULL,
          allowed_scopes text NOT NULL,  -- space-separated scope tokens
          secret_hash    text NOT NULL,  -- keyed hash, never the secret
          created_at     timestamptz NOT NULL,
          updated_at     timestamptz NOT NULL
        );
        CREATE TABLE revoked_tokens (
          jti        text PRIMARY KEY,
          expires_at timestamptz NOT NULL
        );
        CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);
      )sql",
      // 2: signing keys. The partial unique indexes make "at most one CURRENT
      // and one NEXT key" a database fact, whatever replicas do at once.
      R"sql(
        CREATE TABLE signing_keys (
          kid                text PRIMARY KEY,
          alg                text NOT NULL,
          state              text NOT NULL
                             CHECK (state IN ('next', 'current', 'retired')),
          public_jwk         text NOT NULL,
          sealed_private_jwk text NOT NULL,  -- base64url, sealed under the KEK
          created_at         timestamptz NOT NULL,
          activated_at       timestamptz,
          retired_at         timestamptz,
          remove_at          timestamptz
        );
        CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (state)
          WHERE state = 'current';
        CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (state)
          WHERE state = 'next';
      )sql",
  };
  return *kMigrations;
}

// An arbitrary constant naming identity's migration lock.
constexpr int64_t kMigrationLock = 0x1d3e7171;

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(Migrations().size()); }

absl::StatusOr<int> ApplyMigrations(ConnectionPool& pool) {
  int version = 0;
  absl::Status status =
      WithConnection(pool, "migrate", [&](pqxx::connection& c) {
        // One transaction holding a transaction-scoped advisory lock: replicas
        // that start together wait for each other, DDL is transactional in
        // PostgreSQL, and the lock cannot outlive a failure.
        pqxx::work txn(c);
        txn.exec(
            absl::StrCat("SELECT pg_advisory_xact_lock(", kMigrationLock, ")"));
        txn.exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
        version =
            txn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")
                [0][0]
                    .as<int>();
        for (int next = version + 1; next <= LatestSchemaVersion(); ++next) {
          txn.exec(Migrations()[next - 1]);
          txn.exec(absl::StrCat(
              "INSERT INTO schema_migrations (version) VALUES (", next, ")"));
        }
        txn.commit();
      });
  if (!status.ok()) return status;
  if (version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database schema is version ", version, " but this binary knows ",
        LatestSchemaVersion(), ": upgrade the binary"));
  }
  return std::max(version, LatestSchemaVersion());
}

}  // namespace identity::storage
