#include "server/http/http_server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/optional.hpp>
#include <chrono>
#include <exception>
#include <thread>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"

namespace identity::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

absl::string_view View(beast::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// A plain-text error body with the security headers.
HttpResponse ErrorResponse(int status, absl::string_view text) {
  HttpResponse response;
  response.headers = SecurityHeaders();
  response.status = status;
  response.SetContent(absl::StrCat(text, "\n"), "text/plain; charset=utf-8");
  return response;
}

}  // namespace

std::string HttpRequest::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

void HttpResponse::SetContent(std::string content,
                              absl::string_view content_type) {
  body = std::move(content);
  SetHeader("Content-Type", content_type);
}

void HttpResponse::SetHeader(absl::string_view name, absl::string_view value) {
  for (auto it = headers.begin(); it != headers.end();) {
    it = absl::EqualsIgnoreCase(it->first, name) ? headers.erase(it) : it + 1;
  }
  headers.emplace_back(std::string(name), std::string(value));
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const auto* const headers =
      new std::vector<std::pair<std::string, std::string>>{
          {"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Content-Security-Policy",
           "default-src 'none'; frame-ancestors 'none'"},
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

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o) : options(std::move(o)) {}

  void Accept();
  // Starts a session on an accepted socket, counted as an open connection.
  void Serve(tcp::socket socket);
  // Whether to accept the next connection now; false at the cap, which
  // pauses accepting until ReleaseConnection.
  bool MayAcceptMore();
  // A session ended: one connection fewer, and accepting resumes if the cap
  // had paused it.
  void ReleaseConnection();
  HttpResponse Dispatch(const HttpRequest& request) const;
  HttpResponse Route(const HttpRequest& request) const;

  const HttpServerOptions options;
  tcp::endpoint endpoint;
  // Before `io`, so they outlive the connections `io` destroys last (their
  // sessions release their connection on destruction).
  std::unique_ptr<asio::ssl::context> ssl;
  mutable absl::Mutex mu;
  int open ABSL_GUARDED_BY(mu) = 0;
  bool accept_paused ABSL_GUARDED_BY(mu) = false;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  // path -> method -> handler.
  std::map<std::string, std::map<std::string, HttpHandler>> routes;
  HttpServer::Observer observer;
  std::vector<std::thread> threads;
};

namespace {

// One connection: wait for a request's first byte (idle deadline), read the
// whole request (read deadline), answer, and wait for the next while the
// client keeps it alive. Counted as an open connection until destroyed.
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl* server, Stream stream, std::string remote)
      : server_(server),
        stream_(std::move(stream)),
        remote_(std::move(remote)) {}
  ~Session() { server_->ReleaseConnection(); }

  void Start() {
    if constexpr (kTls) {
      Socket().expires_after(ToChrono(server_->options.read_timeout));
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [self = this->shared_from_this()](beast::error_code ec) {
            if (ec) return self->Close();
            self->Read();
          });
    } else {
      Read();
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;
  static constexpr std::size_t kFirstRead = 4096;

  beast::tcp_stream& Socket() { return beast::get_lowest_layer(stream_); }

  // Waits for the first bytes of the next request, unless a pipelined one
  // is already buffered. Idle past idle_timeout: closed without an answer.
  void Read() {
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(server_->options.max_header_bytes));
    parser_->body_limit(server_->options.max_body_bytes);
    if (buffer_.size() > 0) return ReadRequest();
    Socket().expires_after(ToChrono(server_->options.idle_timeout));
    stream_.async_read_some(
        buffer_.prepare(kFirstRead),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          if (ec) return self->Close();
          self->buffer_.commit(n);
          self->ReadRequest();
        });
  }

  // The rest of the request, within read_timeout of its first byte: a
  // client trickling its headers (slowloris) is cut off.
  void ReadRequest() {
    Socket().expires_after(ToChrono(server_->options.read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          self->OnRead(ec);
        });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Write(ErrorResponse(413, "request body too large"), false);
    }
    if (ec == http::error::header_limit) {
      return Write(ErrorResponse(431, "request headers too large"), false);
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset || ec == asio::error::eof ||
        ec == asio::ssl::error::stream_truncated) {
      return Close();
    }
    if (ec) return Write(ErrorResponse(400, "malformed request"), false);

    const http::request<http::string_body>& message = parser_->get();
    HttpRequest request;
    request.method = std::string(View(message.method_string()));
    const absl::string_view target = View(message.target());
    const size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != absl::string_view::npos) {
      request.query = std::string(target.substr(question + 1));
    }
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(View(field.name_string())),
                                   std::string(View(field.value())));
    }
    request.body = message.body();
    request.remote_address = remote_;
    request.tls = kTls;
    const bool keep_alive = message.keep_alive();
    head_ = message.method() == http::verb::head;
    Write(server_->Dispatch(request), keep_alive);
  }

  void Write(HttpResponse response, bool keep_alive) {
    // A header holding CR, LF or NUL would split the response (a Location
    // built from request data, say): answer 500 instead, never send it.
    for (const auto& [name, value] : response.headers) {
      if (name.find_first_of(std::string("\r\n\0:", 4)) != std::string::npos ||
          value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
        response = ErrorResponse(500, "internal error");
        keep_alive = false;
        break;
      }
    }
    response_ = {};
    response_.result(static_cast<unsigned>(response.status));
    response_.version(11);
    for (const auto& [name, value] : response.headers) {
      response_.insert(name, value);
    }
    response_.keep_alive(keep_alive);
    if (head_) {
      // The GET answer's headers, with its length but without its body.
      response_.content_length(response.body.size());
    } else {
      response_.body() = std::move(response.body);
      response_.prepare_payload();
    }
    Socket().expires_after(ToChrono(server_->options.write_timeout));
    http::async_write(stream_, response_,
                      [self = this->shared_from_this(), keep_alive](
                          beast::error_code ec, std::size_t) {
                        if (ec || !keep_alive) return self->Close();
                        self->head_ = false;
                        self->Read();
                      });
  }

  void Close() {
    beast::error_code ignored;
    Socket().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close();
  }

  HttpServer::Impl* const server_;
  Stream stream_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  boost::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool head_ = false;
};

}  // namespace

HttpResponse HttpServer::Impl::Dispatch(const HttpRequest& request) const {
  if (!observer) return Route(request);
  const absl::Time start = absl::Now();
  HttpResponse response = Route(request);
  observer(request, response, absl::Now() - start);
  return response;
}

HttpResponse HttpServer::Impl::Route(const HttpRequest& request) const {
  auto path = routes.find(request.path);
  if (path == routes.end()) return ErrorResponse(404, "not found");
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  auto handler = path->second.find(method);
  if (handler == path->second.end()) {
    HttpResponse response = ErrorResponse(405, "method not allowed");
    std::vector<std::string> allowed;
    for (const auto& [name, unused] : path->second) allowed.push_back(name);
    if (path->second.count("GET") > 0) allowed.push_back("HEAD");
    response.SetHeader("Allow", absl::StrJoin(allowed, ", "));
    return response;
  }
  HttpResponse response;
  response.headers = SecurityHeaders();
  try {
    handler->second(request, response);
  } catch (const std::exception&) {
    // Handlers report errors in the response; only the library or memory
    // exhaustion throw. No exception text reaches a client.
    return ErrorResponse(500, "internal error");
  }
  return response;
}

void HttpServer::Impl::Accept() {
  acceptor.async_accept(
      asio::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
        if (!acceptor.is_open()) return;  // Stopped.
        if (ec) {
          // Out of descriptors, say: wait a moment rather than spin.
          accept_retry.expires_after(std::chrono::milliseconds(100));
          accept_retry.async_wait([this](beast::error_code) { Accept(); });
          return;
        }
        Serve(std::move(socket));
        if (MayAcceptMore()) Accept();
      });
}

void HttpServer::Impl::Serve(tcp::socket socket) {
  {
    absl::MutexLock lock(&mu);
    ++open;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const auto remote = socket.remote_endpoint(ignored);
  std::string address = remote.address().to_string(ignored);
  if (ssl != nullptr) {
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;
    std::make_shared<Session<TlsStream>>(
        this, TlsStream(beast::tcp_stream(std::move(socket)), *ssl),
        std::move(address))
        ->Start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(
        this, beast::tcp_stream(std::move(socket)), std::move(address))
        ->Start();
  }
}

bool HttpServer::Impl::MayAcceptMore() {
  absl::MutexLock lock(&mu);
  if (open < options.max_connections) return true;
  accept_paused = true;
  return false;
}

void HttpServer::Impl::ReleaseConnection() {
  absl::MutexLock lock(&mu);
  --open;
  // Never once Stop began: `io` may be destroying this very session.
  if (accept_paused && !stopping) {
    accept_paused = false;
    asio::post(io, [this] { Accept(); });
  }
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(
    HttpServerOptions options) {
  auto address = SplitHostPort(options.listen);
  if (!address.ok()) return address.status();
  if (options.threads < 1 || options.max_body_bytes == 0 ||
      options.max_header_bytes == 0 || options.max_connections < 1 ||
      options.idle_timeout <= absl::ZeroDuration() ||
      options.read_timeout <= absl::ZeroDuration() ||
      options.write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("bad HTTP server options");
  }
  const std::string host =
      address->first == "localhost" ? "127.0.0.1" : address->first;
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the HTTP listen host must be an IP address, got \"", host, "\""));
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->endpoint =
      tcp::endpoint(ip, static_cast<unsigned short>(address->second));
  if (!impl->options.tls_cert_file.empty() ||
      !impl->options.tls_key_file.empty()) {
    auto ssl =
        std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ssl->set_options(
        asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
            asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
        ec);
    if (!ec) {
      ssl->use_certificate_chain_file(impl->options.tls_cert_file, ec);
    }
    if (!ec) {
      ssl->use_private_key_file(impl->options.tls_key_file,
                                asio::ssl::context::pem, ec);
    }
    if (ec) {
      return absl::InvalidArgumentError(
          "the HTTP listener's TLS certificate or key does not load");
    }
    impl->ssl = std::move(ssl);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::tls() const { return impl_->ssl != nullptr; }

int HttpServer::open_connections() const {
  absl::MutexLock lock(&impl_->mu);
  return impl_->open;
}

void HttpServer::SetObserver(Observer observer) {
  impl_->observer = std::move(observer);
}

void HttpServer::Handle(absl::string_view method, absl::string_view path,
                        HttpHandler handler) {
  impl_->routes[std::string(path)][std::string(method)] = std::move(handler);
}

absl::Status HttpServer::Start() {
  beast::error_code ec;
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(impl_->endpoint.protocol(), ec);
  // SO_REUSEADDR (a restart need not wait for TIME_WAIT), never
  // SO_REUSEPORT: a taken port must be an error, not a shared one.
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(impl_->endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor.close(ec);
    return absl::UnavailableError(absl::StrCat(
        "cannot listen for HTTP on ", impl_->endpoint.address().to_string(),
        ":", impl_->endpoint.port(), ": ", ec.message()));
  }
  port_ = acceptor.local_endpoint(ec).port();
  impl_->Accept();
  for (int i = 0; i < impl_->options.threads; ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
  return absl::OkStatus();
}

void HttpServer::Stop() {
  {
    absl::MutexLock lock(&impl_->mu);
    impl_->stopping = true;
  }
  if (impl_->threads.empty()) return;
  impl_->io.stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  // No handler runs any more: the acceptor is ours to close. Connections
  // go when `io` destroys their pending handlers.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

}  // namespace identity::server
