// A replica's periodic upkeep, on one thread of its own: every
// --key-refresh-interval it maintains the signing keys (rotation on schedule,
// and bounded staleness of its snapshot: KeyManager::Maintain) and re-seals
// what a previous KEK sealed (KEK rotation, docs/operations.md), and every
// kPurgeInterval of the injected clock it purges expired revocations, codes
// and refresh tokens (server/oauth/purge.h). Failures are logged and counted
// and the next round tries again; nothing here stops the server.
#ifndef IDENTITY_SERVER_MAINTENANCE_H_
#define IDENTITY_SERVER_MAINTENANCE_H_

#include <optional>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/logging/log.h"
#include "server/metrics/server_metrics.h"
#include "server/oauth/purge.h"
#include "storage/grant_store.h"
#include "storage/replay_store.h"
#include "storage/revocation_store.h"

namespace identity::server {

// What one round did.
struct MaintenanceRound {
  // Set when a purge was due: its counts or its error.
  std::optional<absl::StatusOr<PurgeCounts>> purged;
  // KeyManager::Maintain: whether this round rotated, or its error.
  absl::StatusOr<bool> rotated = false;
  // KeyManager::ResealUnderCurrentKek: what is sealed under which KEK.
  absl::StatusOr<KekCensus> kek = KekCensus();
};

// Logs a KEK survey: a warning when something opens under no configured
// KEK, an info line when it re-sealed something.
void LogKekCensus(const logging::Logger& logger, const KekCensus& census);

// Not thread-safe: one owner calls Start and Stop. RunRound runs on Start's
// thread, or is called by a test that does not Start.
class Maintenance {
 public:
  // Every pointer must outlive the Maintenance.
  Maintenance(KeyManager* keys, PurgeStores stores, const jwt::Clock* clock,
              const logging::Logger* logger, metrics::KeyMetrics* key_metrics);
  ~Maintenance();  // Stops.

  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

  // One round: a purge when kPurgeInterval has passed on the clock since the
  // last one (the first round purges), then the keys' maintenance, counted
  // in `key_metrics`, then the KEK re-sealing pass (KeyManager::
  // ResealUnderCurrentKek, exported in `key_metrics`). Logs failures (warn),
  // rotations, purges that removed something and re-sealing that re-sealed
  // something (info), values that open under no configured KEK (warn).
  MaintenanceRound RunRound();

  // Runs RunRound every `interval` of real time on a thread of its own, the
  // first one `interval` after Start, until Stop. At most once.
  void Start(absl::Duration interval);

  // Ends the thread without waiting for the current interval to pass (a
  // round under way finishes first). Idempotent; a no-op before Start.
  void Stop();

 private:
  KeyManager* const keys_;
  const PurgeStores stores_;  // What RunRound purges.
  const jwt::Clock* const clock_;
  const logging::Logger* const logger_;
  metrics::KeyMetrics* const key_metrics_;
  absl::Time next_purge_;  // Only RunRound's caller touches it.
  absl::Notification stopping_;
  std::thread thread_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_MAINTENANCE_H_
