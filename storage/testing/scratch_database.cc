#include "storage/testing/scratch_database.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <iostream>
#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace identity::storage::testing {
namespace {

absl::Status RunOutsideTransaction(const std::string& url,
                                   const std::string& sql) {
  try {
    pqxx::connection connection(url);
    pqxx::nontransaction statement(connection);
    statement.exec(sql);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(sql, ": ", e.what()));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScratchDatabase>> ScratchDatabase::Create() {
  const char* env = std::getenv("IDENTITY_TEST_DATABASE_URL");
  if (env == nullptr || *env == '\0') {
    return absl::FailedPreconditionError(
        "IDENTITY_TEST_DATABASE_URL is not set: this test needs a PostgreSQL "
        "server (tests/run_all.sh starts one; docs/build.md)");
  }
  const std::string server_url = env;
  // postgresql://user@host:port/dbname[?params]: replace dbname.
  const size_t scheme = server_url.find("://");
  const size_t slash =
      server_url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) {
    return absl::FailedPreconditionError(
        "IDENTITY_TEST_DATABASE_URL names no database");
  }
  const size_t query = server_url.find('?', slash);
  unsigned char random[8];
  RAND_bytes(random, sizeof(random));
  const std::string name =
      absl::StrCat("identity_test_",
                   absl::BytesToHexString(absl::string_view(
                       reinterpret_cast<const char*>(random), sizeof(random))));
  std::string url = server_url.substr(0, slash + 1) + name;
  if (query != std::string::npos) url += server_url.substr(query);
  if (absl::Status s =
          RunOutsideTransaction(server_url, "CREATE DATABASE " + name);
      !s.ok()) {
    return s;
  }
  return std::unique_ptr<ScratchDatabase>(
      new ScratchDatabase(server_url, name, std::move(url)));
}

ScratchDatabase::~ScratchDatabase() {
  absl::Status dropped = RunOutsideTransaction(
      server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  if (!dropped.ok()) std::cerr << "scratch database: " << dropped << "\n";
}

}  // namespace identity::storage::testing
