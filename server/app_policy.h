// The few decisions the App makes while wiring the server: how many threads
// serve, how long a retired signing key stays published, at which level an
// HTTP request is logged, and when the session cookie is Secure. Pure
// functions, so tests state them without starting a server.
#ifndef IDENTITY_SERVER_APP_POLICY_H_
#define IDENTITY_SERVER_APP_POLICY_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/logging/log.h"

namespace identity::server {

// Threads of the HTTP listener: `configured` (--http-threads) when positive,
// else max(4, 2 x `cores`). Handlers block on the database and on Argon2id (a
// login holds its thread for ~25 ms): more threads than cores.
int HttpThreads(int configured, unsigned cores);

// Polling threads of gRPC's synchronous server. It starts and ends them as
// load moves between min and max; gRPC's defaults (1 and 2) churned hundreds
// of thread creations per second under load, so: min = cores, max = 4 x cores,
// with at least one core (`cores` is 0 when unknown).
struct GrpcPollers {
  int min;
  int max;
};
GrpcPollers GrpcPollersFor(unsigned cores);

// How long a RETIRED key stays published (KeyManagerOptions): a token it
// signed lives `access_token_lifetime` (ID tokens as long), and a replica
// whose key snapshot is up to `key_refresh_interval` old may still sign with
// the key after another replica retired it.
absl::Duration RetiredKeyLifetime(absl::Duration access_token_lifetime,
                                  absl::Duration key_refresh_interval);

// The level of an HTTP request's log line: warn for 5xx, info for 4xx, debug
// otherwise (successes are logged at debug, docs/observability.md).
logging::Level HttpRequestLogLevel(int status);

// Whether the session cookie carries Secure: when the listener speaks TLS, or
// the issuer is https:// (TLS ended by a proxy in front).
bool SecureCookies(bool tls, absl::string_view issuer);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_APP_POLICY_H_
