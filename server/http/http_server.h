// identity's HTTP listener, on cpp-httplib (Debian's libcpp-httplib, built
// with OpenSSL 3 like gRPC; docs/http.md says why this library). Today it
// serves the operational endpoints (observability.h); the OpenID Connect
// front door registers its routes on the same server.
//
// Every response carries the security headers below; requests are bounded
// (headers 8 KiB, body `max_body_bytes`, read/write timeouts), so a slow or
// oversized client cannot hold a worker for long.
#ifndef IDENTITY_SERVER_HTTP_HTTP_SERVER_H_
#define IDENTITY_SERVER_HTTP_HTTP_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace identity::server {

struct HttpServerOptions {
  // host:port; port 0 picks a free one (see HttpServer::port()). "[::]:80"
  // and "0.0.0.0:80" listen on every address.
  std::string listen = "127.0.0.1:0";
  // PEM files; TLS when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 4;
  size_t max_body_bytes = 64 * 1024;
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(5);
  absl::Duration keep_alive_timeout = absl::Seconds(5);
};

// Headers set on every response (routes may override them).
const httplib::Headers& SecurityHeaders();

// Register routes on server() before Start. Thread-safe after Start.
class HttpServer {
 public:
  // Errors: InvalidArgument for a malformed address, or TLS files that do
  // not load.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(
      HttpServerOptions options);
  ~HttpServer() { Stop(); }

  httplib::Server& server() { return *server_; }

  // Binds, then serves on a thread of its own. Errors: Unavailable when the
  // address cannot be bound.
  absl::Status Start();
  // Stops accepting and waits for the serving thread. Idempotent.
  void Stop();

  // The bound port, after Start.
  int port() const { return port_; }
  bool tls() const { return tls_; }

 private:
  HttpServer(std::unique_ptr<httplib::Server> server, std::string host,
             int port, bool tls)
      : server_(std::move(server)),
        host_(std::move(host)),
        port_(port),
        tls_(tls) {}

  std::unique_ptr<httplib::Server> server_;
  const std::string host_;
  int port_;
  const bool tls_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

// Splits "host:port" ("[::1]:80" gives "::1" and 80). Errors:
// InvalidArgument.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    absl::string_view address);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_HTTP_SERVER_H_
