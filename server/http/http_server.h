// identity's HTTP listener, on Boost.Beast (Debian's Boost 1.74, TLS through
// Asio on OpenSSL 3 like gRPC; docs/http.md gives the measured comparison
// behind the choice). It serves the operational endpoints (observability.h)
// and is the base of the OpenID Connect front door.
//
// Routes and handlers see only HttpRequest and HttpResponse: Beast stays in
// http_server.cc. Requests are bounded: headers `max_header_bytes`, body
// `max_body_bytes` (431 and 413 otherwise), and a deadline for reading each
// whole request (`read_timeout`: a client trickling bytes is cut off, so
// slow clients cannot hold the server), and one for writing each response.
// Connections are bounded too: at most `max_connections` open (the others
// wait in the kernel's accept queue, holding no descriptor of ours), and a
// connection idle for `idle_timeout` is closed. Every response carries
// SecurityHeaders() unless its handler sets them.
#ifndef IDENTITY_SERVER_HTTP_HTTP_SERVER_H_
#define IDENTITY_SERVER_HTTP_HTTP_SERVER_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::server {

struct HttpServerOptions {
  // host:port; port 0 picks a free one (see HttpServer::port()).
  // "0.0.0.0:9464" or "[::]:9464" listen on every address.
  std::string listen = "127.0.0.1:0";
  // PEM files; TLS (1.2 and later) when both are set.
  std::string tls_cert_file;
  std::string tls_key_file;
  int threads = 2;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  // Open connections at most. At the cap the listener stops accepting until
  // one closes: a flood of connections cannot take every file descriptor of
  // the process (which would stop the gRPC listener, docs/http.md).
  int max_connections = 1024;
  // A connection with no byte of a request for this long is closed: a new
  // one before its first request, a keep-alive one between requests.
  absl::Duration idle_timeout = absl::Seconds(5);
  // Each whole request (headers and body), from its first byte to its last.
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(5);
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // The target up to '?', as sent (not decoded).
  std::string query;   // After '?', as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // "127.0.0.1"
  bool tls = false;

  // The first header named `name` (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void SetContent(std::string content, absl::string_view content_type);
  // Replaces any header of that name (case-insensitive).
  void SetHeader(absl::string_view name, absl::string_view value);
  // Adds one more (Set-Cookie may repeat).
  void AddHeader(absl::string_view name, absl::string_view value) {
    headers.emplace_back(std::string(name), std::string(value));
  }
};

// Handlers run on the server's threads; they must not block for long.
using HttpHandler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Headers set on every response (a handler may replace them).
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

class HttpServer {
 public:
  // Errors: InvalidArgument for a malformed address or options, or TLS files
  // that do not load.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(
      HttpServerOptions options);
  ~HttpServer();

  // Registers `handler` for `method` on exactly `path`, before Start. Other
  // methods on a known path get 405 with Allow; unknown paths 404. HEAD is
  // answered by the GET handler, without the body.
  void Handle(absl::string_view method, absl::string_view path,
              HttpHandler handler);

  // Told about every routed request when its answer is ready (a log line).
  // Set before Start; runs on the server's threads.
  using Observer = std::function<void(const HttpRequest&, const HttpResponse&,
                                      absl::Duration latency)>;
  void SetObserver(Observer observer);

  // Binds and serves on `threads` threads of its own. Errors: Unavailable
  // when the address cannot be bound (a taken port included).
  absl::Status Start();
  // Stops accepting, drops open connections and joins the threads.
  // Idempotent.
  void Stop();

  int port() const { return port_; }  // The bound port, after Start.
  bool tls() const;
  // Connections open now (at most max_connections). Thread-safe.
  int open_connections() const;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// Splits "host:port" ("[::1]:80" gives "::1" and 80). Errors:
// InvalidArgument.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    absl::string_view address);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_HTTP_SERVER_H_
