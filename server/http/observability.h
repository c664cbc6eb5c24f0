// The operational endpoints, on the management listener (--management-listen)
// or, when there is none, on the front door (server/app.cc, StartHttp):
//   GET /metrics  Prometheus text format 0.0.4.
//   GET /healthz  liveness: 200 while the process serves HTTP at all.
//   GET /readyz   readiness: 200 when `ready()`, else 503; the same state
//                 as grpc.health.v1 (server/health/health_monitor.h).
#ifndef IDENTITY_SERVER_HTTP_OBSERVABILITY_H_
#define IDENTITY_SERVER_HTTP_OBSERVABILITY_H_

#include <functional>

#include "server/http/http_server.h"
#include "server/metrics/metrics.h"

namespace identity::server {

// `registry` must outlive `server`; `ready` is called on every /readyz.
void AddObservabilityRoutes(HttpServer& server,
                            const metrics::Registry* registry,
                            std::function<bool()> ready);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_OBSERVABILITY_H_
