#include "server/http/observability.h"

#include <utility>

namespace identity::server {

void AddObservabilityRoutes(httplib::Server& server,
                            const metrics::Registry* registry,
                            std::function<bool()> ready) {
  server.Get("/metrics",
             [registry](const httplib::Request&, httplib::Response& res) {
               res.set_content(registry->Serialize(),
                               "text/plain; version=0.0.4; charset=utf-8");
             });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server.Get("/readyz", [ready = std::move(ready)](const httplib::Request&,
                                                   httplib::Response& res) {
    if (ready()) {
      res.set_content("ready\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content("not ready: the database is unreachable\n",
                      "text/plain; charset=utf-8");
    }
  });
}

}  // namespace identity::server
