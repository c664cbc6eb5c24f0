#include "server/maintenance.h"

namespace identity::server {

Maintenance::Maintenance(KeyManager* keys, PurgeStores stores,
                         const jwt::Clock* clock, const logging::Logger* logger,
                         metrics::KeyMetrics* key_metrics)
    : keys_(keys),
      stores_(stores),
      clock_(clock),
      logger_(logger),
      key_metrics_(key_metrics),
      next_purge_(clock->Now()) {}

Maintenance::~Maintenance() { Stop(); }

void LogKekCensus(const logging::Logger& logger, const KekCensus& census) {
  if (!census.unopenable.empty()) {
    logger.Warn("sealed values open under no configured KEK",
                {{"count", static_cast<int>(census.unopenable.size())},
                 {"first", census.unopenable.front()}});
  }
  if (census.resealed > 0) {
    logger.Info("re-sealed under the current KEK",
                {{"resealed", census.resealed},
                 {"under_previous", census.under_previous}});
  }
}

MaintenanceRound Maintenance::RunRound() {
  MaintenanceRound round;
  if (clock_->Now() >= next_purge_) {
    next_purge_ = clock_->Now() + kPurgeInterval;
    round.purged = PurgeExpired(stores_, clock_->Now());
    const absl::StatusOr<PurgeCounts>& purged = *round.purged;
    if (!purged.ok()) {
      logger_->Warn("purge failed", {{"error", purged.status().message()}});
    } else if (purged->revocations + purged->codes + purged->refresh_tokens +
                   purged->pushed_requests + purged->sessions +
                   purged->device_authorizations + purged->replay_claims >
               0) {
      logger_->Info("purged expired entries",
                    {{"revocations", purged->revocations},
                     {"codes", purged->codes},
                     {"refresh_tokens", purged->refresh_tokens},
                     {"pushed_requests", purged->pushed_requests},
                     {"sessions", purged->sessions},
                     {"device_authorizations", purged->device_authorizations},

                     {"replay_claims", purged->replay_claims}});
    }
  }
  round.rotated = keys_->Maintain();
  key_metrics_->Refreshed(round.rotated.status());
  if (!round.rotated.ok()) {
    logger_->Warn("key maintenance failed",
                  {{"error", round.rotated.status().message()}});
  } else if (*round.rotated) {
    logger_->Info("rotated the signing keys");
  }
  round.kek = keys_->ResealUnderCurrentKek();
  if (!round.kek.ok()) {
    logger_->Warn("KEK re-sealing failed",
                  {{"error", round.kek.status().message()}});
  } else {
    key_metrics_->KekSurveyed(*round.kek);
    LogKekCensus(*logger_, *round.kek);
  }
  return round;
}

void Maintenance::Start(absl::Duration interval) {
  thread_ = std::thread([this, interval] {
    while (!stopping_.WaitForNotificationWithTimeout(interval)) RunRound();
  });
}

void Maintenance::Stop() {
  if (!stopping_.HasBeenNotified()) stopping_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace identity::server
