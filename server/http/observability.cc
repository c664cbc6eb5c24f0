#include "server/http/observability.h"

#include <utility>

namespace identity::server {

void AddObservabilityRoutes(HttpServer& server,
                            const metrics::Registry* registry,
                            std::function<bool()> ready) {
  server.Handle("GET", "/metrics",
                [registry](const HttpRequest&, HttpResponse& response) {
                  response.SetContent(
                      registry->Serialize(),
                      "text/plain; version=0.0.4; charset=utf-8");
                });
  server.Handle("GET", "/healthz",
                [](const HttpRequest&, HttpResponse& response) {
                  response.SetContent("ok\n", "text/plain; charset=utf-8");
                });
  server.Handle(
      "GET", "/readyz",
      [ready = std::move(ready)](const HttpRequest&, HttpResponse& response) {
        if (ready()) {
          response.SetContent("ready\n", "text/plain; charset=utf-8");
        } else {
          response.status = 503;
          response.SetContent(
              "not ready: the database is unreachable, or the server is "
              "draining\n",
              "text/plain; charset=utf-8");
        }
      });
}

}  // namespace identity::server
