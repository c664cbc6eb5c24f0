#include "server/http/http_server.h"

#include <sys/socket.h>

#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

// Whole seconds and microseconds, as cpp-httplib takes timeouts.
std::pair<time_t, time_t> SecondsAndMicros(absl::Duration d) {
  const int64_t micros = absl::ToInt64Microseconds(d);
  return {static_cast<time_t>(micros / 1'000'000),
          static_cast<time_t>(micros % 1'000'000)};
}

}  // namespace

const httplib::Headers& SecurityHeaders() {
  static const auto* const headers = new httplib::Headers{
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
  };
  return *headers;
}

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(
    absl::string_view address) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected host:port, got \"", address, "\""));
  }
  absl::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::make_pair(std::string(host), port);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(
    HttpServerOptions options) {
  auto address = SplitHostPort(options.listen);
  if (!address.ok()) return address.status();
  if (options.threads < 1 || options.max_body_bytes == 0) {
    return absl::InvalidArgumentError("bad HTTP server options");
  }
  std::unique_ptr<httplib::Server> server;
  const bool tls = !options.tls_cert_file.empty();
  if (tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(
        options.tls_cert_file.c_str(), options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(
          "the HTTP listener's TLS certificate or key does not load");
    }
    server = std::move(ssl);
  } else {
    server = std::make_unique<httplib::Server>();
  }
  const int threads = options.threads;
  server->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second process
  // bind the same port and take a share of the connections. SO_REUSEADDR
  // only: restart without waiting for TIME_WAIT, and a taken port is an
  // error.
  server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server->set_default_headers(SecurityHeaders());
  server->set_payload_max_length(options.max_body_bytes);
  auto [read_s, read_us] = SecondsAndMicros(options.read_timeout);
  server->set_read_timeout(read_s, read_us);
  auto [write_s, write_us] = SecondsAndMicros(options.write_timeout);
  server->set_write_timeout(write_s, write_us);
  server->set_keep_alive_timeout(
      std::max<time_t>(1, absl::ToInt64Seconds(options.keep_alive_timeout)));
  // No exception text reaches a client; routes do not throw, but the
  // library may (std::bad_alloc).
  server->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain; charset=utf-8");
      });
  return std::unique_ptr<HttpServer>(
      new HttpServer(std::move(server), address->first, address->second, tls));
}

absl::Status HttpServer::Start() {
  if (port_ == 0) {
    port_ = server_->bind_to_any_port(host_);
    if (port_ <= 0) {
      port_ = 0;
      return absl::UnavailableError(
          absl::StrCat("cannot listen for HTTP on ", host_));
    }
  } else if (!server_->bind_to_port(host_, port_)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", host_, ":", port_));
  }
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    finished_.store(true);
  });
  // stop() only acts on a running server: wait until it is.
  while (!server_->is_running() && !finished_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace identity::server
