// Test-only: the real identity-server binary as a child process, a free
// loopback port, and shell commands (idctl) with their output. Shared by the
// integration tests, which run the binary on PostgreSQL as production does
// (each on a scratch database of its own); the memory store is for unit
// tests.
#ifndef IDENTITY_SERVER_TESTING_SERVER_PROCESS_H_
#define IDENTITY_SERVER_TESTING_SERVER_PROCESS_H_

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "storage/testing/scratch_database.h"

extern char** environ;

namespace identity::server::testing {

inline constexpr char kAdminId[] = "admin";
inline constexpr char kAdminSecret[] =
    "admin-secret-for-tests-0123456789abcdef";

inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// `server/identity-server ARGS` with a KEK and the bootstrap admin client
// (kAdminId, kAdminSecret) in its environment, each replaced by the entry of
// `env_overrides` ("NAME=value") of the same name. Killed if still running
// when destroyed. Not thread-safe.
class ServerProcess {
 public:
  // `server/identity-server --store=postgres --database-url=URL ARGS`, on a
  // database created empty for this process on the server that
  // IDENTITY_TEST_DATABASE_URL names, and dropped after the process is gone.
  // Errors: those of storage::testing::ScratchDatabase::Create, among them
  // FailedPrecondition when IDENTITY_TEST_DATABASE_URL is unset: the caller
  // fails its test with the status (a test needing PostgreSQL fails, it does
  // not skip, when none is given; docs/build.md).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> OnScratchDatabase(
      std::vector<std::string> args,
      const std::vector<std::string>& env_overrides = {}) {
    auto database = storage::testing::ScratchDatabase::Create();
    if (!database.ok()) return database.status();
    args.insert(args.begin(),
                {"--store=postgres", "--database-url=" + (*database)->url()});
    auto process = std::make_unique<ServerProcess>(args, env_overrides);
    process->database_ = *std::move(database);
    return process;
  }

  explicit ServerProcess(const std::vector<std::string>& args,
                         const std::vector<std::string>& env_overrides = {}) {
    std::vector<std::string> env = {
        "IDENTITY_KEK=" + std::string(64, 'a'),
        std::string("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID=") + kAdminId,
        std::string("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET=") + kAdminSecret};
    for (const std::string& replacement : env_overrides) {
      const std::string name = replacement.substr(0, replacement.find('=') + 1);
      for (std::string& entry : env) {
        if (entry.compare(0, name.size(), name) == 0) entry = replacement;
      }
    }
    std::vector<char*> argv = {const_cast<char*>("server/identity-server")};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    EXPECT_EQ(
        posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), envp.data()),
        0);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // SIGTERM, then the exit status.
  int Stop() {
    kill(pid_, SIGTERM);
    return Wait();
  }

  // The exit status (128 + signal when killed).
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // The exit status if the process has exited, without waiting; nullopt
  // while it runs.
  std::optional<int> TryWait() {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) {
      return std::nullopt;
    }
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    // database_ goes after the process (a member outlives this body).
  }

 private:
  pid_t pid_ = 0;
  // OnScratchDatabase's database, or null.
  std::unique_ptr<storage::testing::ScratchDatabase> database_;
};

struct CommandResult {
  int exit_code;
  std::string output;
};

// Runs a shell command (from the runfiles root), capturing stdout and stderr.
inline CommandResult RunCommand(const std::string& command) {
  CommandResult result{-1, ""};
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_TESTING_SERVER_PROCESS_H_
