#include "server/app_policy.h"

#include <algorithm>
#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::server {

int HttpThreads(int configured, unsigned cores) {
  if (configured > 0) return configured;
  return std::max(4, 2 * static_cast<int>(cores));
}

GrpcPollers GrpcPollersFor(unsigned cores) {
  const int n = static_cast<int>(std::max(1u, cores));
  return {n, 4 * n};
}

absl::StatusOr<ConnectionBudget> ConnectionBudgetFor(uint64_t open_file_limit,
                                                     bool http,
                                                     int configured_http,
                                                     bool management,
                                                     int database_pool_size) {
  ConnectionBudget budget;
  budget.management = management ? kManagementMaxConnections : 0;
  const int64_t limit = static_cast<int64_t>(
      std::min<uint64_t>(open_file_limit, std::numeric_limits<int32_t>::max()));
  const int64_t left =
      limit - kReservedDescriptors - database_pool_size - budget.management;
  const int64_t half = left / 2;
  if (half < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the open-file limit ", open_file_limit, " is too low: at least ",
        kReservedDescriptors + database_pool_size + budget.management + 2,
        " descriptors are needed"));
  }
  if (http && configured_http > half) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--http-max-connections: at most ", half, " under the open-file limit ",
        open_file_limit, ", so that gRPC keeps as many"));
  }
  if (http) {
    budget.http = configured_http > 0
                      ? configured_http
                      : static_cast<int>(std::min<int64_t>(
                            half, kDefaultHttpMaxConnectionsCeiling));
  }
  budget.grpc = left - budget.http;
  return budget;
}

GrpcLimits GrpcLimitsFor(int max_threads, unsigned cores) {
  GrpcLimits limits;
  limits.max_threads = max_threads;
  limits.pollers = GrpcPollersFor(cores);
  limits.pollers.min = std::min(limits.pollers.min, max_threads);
  limits.pollers.max = std::min(limits.pollers.max, max_threads);
  return limits;
}

absl::Duration RetiredKeyLifetime(absl::Duration access_token_lifetime,
                                  absl::Duration key_refresh_interval) {
  return access_token_lifetime + key_refresh_interval;
}

logging::Level HttpRequestLogLevel(int status) {
  if (status >= 500) return logging::Level::kWarn;
  if (status >= 400) return logging::Level::kInfo;
  return logging::Level::kDebug;
}

bool SecureCookies(bool tls, absl::string_view issuer) {
  return tls || absl::StartsWith(issuer, "https://");
}

}  // namespace identity::server
