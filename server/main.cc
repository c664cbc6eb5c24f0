// identity-server: reads the configuration, starts the App (server/app.h),
// and drains it on SIGTERM or SIGINT. No logic of its own
// (docs/architecture.md).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/app.h"
#include "server/config.h"
#include "server/logging/log.h"

namespace identity::server {
namespace {

std::optional<std::string> Getenv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Signals go to the main thread only, which starts the drain: blocked here,
// before any thread starts (threads inherit the mask), and taken by sigwait.
sigset_t BlockTerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int Run(int argc, char** argv) {
  // Debian's absl is built with the deadlock detector on for every Mutex,
  // gRPC's included; it costs a few per cent of the CPU per call and finds
  // nothing the tests (run under ASan/TSan-free debug builds) would not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << HelpText();
    return 0;
  }
  auto config = LoadConfig(args, &Getenv, &ReadFile);
  if (!config.ok()) {
    // Before the configuration (and so the log level) is known.
    logging::Logger(logging::Level::kInfo, jwt::Clock::Real())
        .Error(config.status().message(), {{"component", "config"}});
    return 2;
  }
  const logging::Logger logger(config->log_level, jwt::Clock::Real());
  sigset_t signals = BlockTerminationSignals();
  App app(*std::move(config), jwt::Clock::Real(), &logger);
  if (std::optional<StartFailure> failure = app.Start()) {
    logger.Error(failure->status.message());
    return failure->exit_code;
  }
  int signal = 0;
  sigwait(&signals, &signal);
  logger.Info("draining");
  app.Drain();
  logger.Info("stopped");
  return 0;
}

}  // namespace
}  // namespace identity::server

int main(int argc, char** argv) { return identity::server::Run(argc, argv); }
