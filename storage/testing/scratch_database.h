// A PostgreSQL database of its own for one test: created empty on the server
// named by IDENTITY_TEST_DATABASE_URL (tests/run_all.sh starts a private one),
// dropped when the object goes. Tests that each own a database can neither
// see each other's rows nor depend on the order they run in.
#ifndef IDENTITY_STORAGE_TESTING_SCRATCH_DATABASE_H_
#define IDENTITY_STORAGE_TESTING_SCRATCH_DATABASE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace identity::storage::testing {

class ScratchDatabase {
 public:
  // Errors: FailedPrecondition when IDENTITY_TEST_DATABASE_URL is unset;
  // Unavailable when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<ScratchDatabase>> Create();

  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  // Drops the database, closing any connection still open to it.
  ~ScratchDatabase();

  // A libpq URL of the new database.
  const std::string& url() const { return url_; }

 private:
  ScratchDatabase(std::string server_url, std::string name, std::string url)
      : server_url_(std::move(server_url)),
        name_(std::move(name)),
        url_(std::move(url)) {}

  const std::string server_url_;  // The database we connect to for DDL.
  const std::string name_;
  const std::string url_;
};

}  // namespace identity::storage::testing

#endif  // IDENTITY_STORAGE_TESTING_SCRATCH_DATABASE_H_
