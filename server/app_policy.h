// The few decisions the App makes while wiring the server: how many threads
// serve, how the open-file limit is shared between the listeners, the gRPC
// server's bounds, how long a retired signing key stays published, at which
// level an HTTP request is logged, and when the session cookie is Secure.
// Pure functions, so tests state them without starting a server.
#ifndef IDENTITY_SERVER_APP_POLICY_H_
#define IDENTITY_SERVER_APP_POLICY_H_

#include <cstdint>

#include "absl/status/statusor.h"
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

// How the process's open-file limit (RLIMIT_NOFILE, after the soft limit is
// raised to the hard one) is shared between the listeners. gRPC 1.51 stops
// accepting on a listening socket for good once accept4 fails with EMFILE,
// and has no cap on its connections of its own: so the HTTP listeners are
// capped, and what they and a fixed reserve leave is gRPC's.
struct ConnectionBudget {
  int http = 0;        // Open connections of the HTTP listener at most.
  int management = 0;  // Of the management listener.
  int64_t grpc = 0;    // Descriptors left for gRPC's connections.
};

// Descriptors kept for everything but connections: standard streams, the
// event loops' epoll and event descriptors, the listening sockets, the
// readiness probe's database connection, /proc reads for the metrics, and
// the files read at start. An idle server holds about 30.
inline constexpr int kReservedDescriptors = 64;
// The management listener serves Prometheus and probes: a few connections.
inline constexpr int kManagementMaxConnections = 16;
// The default HTTP cap is never more than this, however high the limit.
inline constexpr int kDefaultHttpMaxConnectionsCeiling = 4096;

// `open_file_limit` shared among: the reserve, the database pool
// (`database_pool_size`), the management listener when `management`, then
// what is left halved between HTTP (when `http`) and gRPC. HTTP gets
// `configured_http` (--http-max-connections) when positive, else its half,
// at most kDefaultHttpMaxConnectionsCeiling. Errors: InvalidArgument when
// `configured_http` is more than the half, or the limit leaves nothing.
absl::StatusOr<ConnectionBudget> ConnectionBudgetFor(uint64_t open_file_limit,
                                                     bool http,
                                                     int configured_http,
                                                     bool management,
                                                     int database_pool_size);

// The gRPC server's own bounds, set through the ServerBuilder.
struct GrpcLimits {
  // grpc::ResourceQuota::SetMaxThreads (--grpc-max-threads): a call that
  // finds no thread is refused with RESOURCE_EXHAUSTED at once.
  int max_threads = 0;
  // The polling threads, within max_threads.
  GrpcPollers pollers;
  // Streams (calls) open at once on one connection, advertised in
  // SETTINGS_MAX_CONCURRENT_STREAMS; RFC 9113 §6.5.2 advises at least 100.
  int max_concurrent_streams = 100;
  // A request message, as the HTTP listener's body limit: the largest
  // requests (client registrations) are a few KiB. gRPC's default: 4 MiB.
  int max_receive_message_bytes = 64 * 1024;
  // The request's metadata, as the HTTP header limit (gRPC's default).
  int max_metadata_bytes = 8 * 1024;
  // A connection must finish its TLS and HTTP/2 handshakes within this, so
  // a silent connection does not hold a descriptor for gRPC's 120 s.
  int handshake_timeout_ms = 10'000;
};
GrpcLimits GrpcLimitsFor(int max_threads, unsigned cores);

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
