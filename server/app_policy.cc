#include "server/app_policy.h"

#include <algorithm>

#include "absl/strings/match.h"

namespace identity::server {

int HttpThreads(int configured, unsigned cores) {
  if (configured > 0) return configured;
  return std::max(4, 2 * static_cast<int>(cores));
}

GrpcPollers GrpcPollersFor(unsigned cores) {
  const int n = static_cast<int>(std::max(1u, cores));
  return {n, 4 * n};
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
