// gtest's main for tests that start gRPC servers or channels.
//
// gRPC 1.51 shuts itself down when its last object goes. When that last
// release happens on one of gRPC's own threads, the clean-up runs on a new
// detached thread, and the process may exit while gRPC's executor threads are
// still running. Their per-thread OpenSSL error state (904 bytes, allocated by
// the TLS handshake's ERR_clear_error) is then reported by LeakSanitizer at
// exit, about once in 30 runs of //client/interceptor:interceptor_test.
//
// This main holds one gRPC reference for the whole run, so the last release
// is its own, made on the main thread: grpc_shutdown_blocking() then joins
// gRPC's threads before returning. It finally waits, bounded, for any other
// thread of the process to end, and names those still running if some do.

#include <dirent.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/grpc.h"
#include "gtest/gtest.h"

namespace {

// The names of the process's threads other than this one.
std::vector<std::string> OtherThreads() {
  std::vector<std::string> names;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return names;
  const std::string self = std::to_string(gettid());
  while (const dirent* entry = readdir(tasks)) {
    const std::string tid = entry->d_name;
    if (tid == "." || tid == ".." || tid == self) continue;
    std::ifstream comm("/proc/self/task/" + tid + "/comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(tid + " (" + name + ")");
  }
  closedir(tasks);
  return names;
}

// Waits until this is the process's only thread, for at most `limit`.
void AwaitOtherThreads(absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  std::vector<std::string> others = OtherThreads();
  while (!others.empty() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
    others = OtherThreads();
  }
  for (const std::string& thread : others) {
    std::cerr << "grpc_gtest_main: thread " << thread
              << " still runs at exit\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  grpc_init();
  const int result = RUN_ALL_TESTS();
  grpc_shutdown_blocking();
  AwaitOtherThreads(absl::Seconds(10));
  return result;
}
