// The schema, as numbered migrations applied in order at start-up.
#ifndef IDENTITY_STORAGE_POSTGRES_MIGRATIONS_H_
#define IDENTITY_STORAGE_POSTGRES_MIGRATIONS_H_

#include "absl/status/statusor.h"
#include "storage/postgres/connection_pool.h"

namespace identity::storage {

// Applies every migration the database lacks, in one transaction under a
// PostgreSQL advisory lock, so replicas starting together apply each exactly
// once and a failure leaves the schema as it was. Returns the schema version
// afterwards. A database whose version is newer than this binary knows is
// refused (FailedPrecondition): an old binary must not run against a schema it
// does not understand.
absl::StatusOr<int> ApplyMigrations(ConnectionPool& pool);

// The same, stopping at schema version `target` (tests of upgrades: a
// database as an older binary left it). InvalidArgument if this binary does
// not know `target`.
absl::StatusOr<int> ApplyMigrationsUpTo(ConnectionPool& pool, int target);

// The schema version this binary brings.
int LatestSchemaVersion();

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_POSTGRES_MIGRATIONS_H_
