#include "client/interceptor/http_get.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace identity::interceptor {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// The host spellings the server's issuer rule (server/config.cc) allows
// over plain http, for local trials.
bool IsLoopbackHost(absl::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "::1";
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code error;
  asio::ip::make_address(host, error);
  return !error;
}

// What one exchange sends besides the URL's target and host.
struct Outgoing {
  http::verb method = http::verb::get;
  std::string content_type = {};  // POST only.
  std::string body = {};
  const char* method_name() const {
    return method == http::verb::get ? "GET" : "POST";
  }
};

absl::Status Unavailable(const Outgoing& out, absl::string_view url,
                         absl::string_view why) {
  return absl::UnavailableError(
      absl::StrCat(out.method_name(), " ", url, ": ", why));
}

// The TLS context: peer verification against the given roots, TLS >= 1.2.
absl::StatusOr<std::unique_ptr<asio::ssl::context>> TlsContext(
    const HttpGetOptions& options) {
  auto context =
      std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(asio::ssl::verify_peer);
  boost::system::error_code error;
  if (!options.ca_pem.empty()) {
    context->add_certificate_authority(asio::buffer(options.ca_pem), error);
  } else if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, error);
  } else {
    context->set_default_verify_paths(error);
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTPS roots: ", error.message()));
  }
  return context;
}

// One exchange: resolve, connect, (TLS handshake), write, read, each step
// chained from the last on one io_context that the caller runs for at most
// the timeout.
template <typename Stream>
class Exchange {
 public:
  Exchange(asio::io_context& io, Stream& stream, const HttpUrl& url,
           const Outgoing& out, size_t max_body_bytes)
      : resolver_(io), stream_(stream), url_(url) {
    parser_.body_limit(max_body_bytes);
    parser_.header_limit(16 * 1024);
    request_.version(11);
    request_.method(out.method);
    request_.target(url.target);
    if (out.method != http::verb::get) {
      request_.set(http::field::content_type, out.content_type);
      request_.body() = out.body;
      request_.prepare_payload();
    }
    request_.set(http::field::host,
                 absl::StrContains(url.host, ':')
                     ? absl::StrCat("[", url.host, "]:", url.port)
                     : absl::StrCat(url.host, ":", url.port));
    request_.set(http::field::accept, "application/json");
    request_.set(http::field::user_agent, "identity");
    request_.set(http::field::connection, "close");
  }

  void Start() {
    resolver_.async_resolve(
        url_.host, url_.port,
        [this](boost::system::error_code error,
               tcp::resolver::results_type results) {
          if (Failed(error, "resolve")) return;
          beast::get_lowest_layer(stream_).async_connect(
              results,
              [this](boost::system::error_code error, const tcp::endpoint&) {
                if (Failed(error, "connect")) return;
                Handshake();
              });
        });
  }

  bool done() const { return done_; }
  const std::string& error() const { return error_; }
  bool timed_out() const { return timed_out_; }
  http::response_parser<http::string_body>& parser() { return parser_; }

 private:
  void Handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Write();
    } else {
      stream_.async_handshake(asio::ssl::stream_base::client,
                              [this](boost::system::error_code error) {
                                if (Failed(error, "TLS")) return;
                                Write();
                              });
    }
  }

  void Write() {
    http::async_write(
        stream_, request_, [this](boost::system::error_code error, size_t) {
          if (Failed(error, "write")) return;
          http::async_read(stream_, buffer_, parser_,
                           [this](boost::system::error_code error, size_t) {
                             if (Failed(error, "read")) return;
                             done_ = true;
                           });
        });
  }

  bool Failed(boost::system::error_code error, absl::string_view step) {
    if (!error) return false;
    error_ = absl::StrCat(step, ": ", error.message());
    if (error == beast::error::timeout) timed_out_ = true;
    if (error == http::error::body_limit) error_ = "response body too large";
    return true;
  }

  tcp::resolver resolver_;
  Stream& stream_;
  const HttpUrl& url_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool done_ = false;
  bool timed_out_ = false;
  std::string error_;
};

// Runs the exchange on `stream` for at most `timeout`: the response, of any
// status.
template <typename Stream>
absl::StatusOr<http::response<http::string_body>> Run(
    asio::io_context& io, Stream& stream, absl::string_view url_text,
    const HttpUrl& url, const Outgoing& out, const HttpGetOptions& options) {
  const auto budget = absl::ToChronoMilliseconds(options.timeout);
  beast::get_lowest_layer(stream).expires_after(budget);
  Exchange<Stream> exchange(io, stream, url, out, options.max_body_bytes);
  exchange.Start();
  io.run_for(budget);
  if (!exchange.done()) {
    if (exchange.error().empty() || exchange.timed_out()) {
      return absl::DeadlineExceededError(absl::StrCat(
          out.method_name(), " ", url_text, ": no response within ",
          absl::FormatDuration(options.timeout)));
    }
    return Unavailable(out, url_text, exchange.error());
  }
  return exchange.parser().release();
}

// One exchange with `url_text` over plain TCP or TLS as its scheme says.
absl::StatusOr<http::response<http::string_body>> Send(
    absl::string_view url_text, const Outgoing& out,
    const HttpGetOptions& options) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(url_text, options);
  if (!url.ok()) return url.status();
  if (options.timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HTTP timeout must be positive");
  }
  asio::io_context io;
  if (!url->tls) {
    beast::tcp_stream stream(io);
    return Run(io, stream, url_text, *url, out, options);
  }
  absl::StatusOr<std::unique_ptr<asio::ssl::context>> context =
      TlsContext(options);
  if (!context.ok()) return context.status();
  beast::ssl_stream<beast::tcp_stream> stream(io, **context);
  SSL* ssl = stream.native_handle();
  if (IsIpAddress(url->host)) {
    // RFC 6125 §1.7.2 / RFC 5280: an IP address is matched against the
    // certificate's iPAddress SANs.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url->host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl, url->host.c_str());  // SNI
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, url->host.c_str()) != 1) {
      return absl::InternalError("TLS: cannot set the expected host name");
    }
  }
  return Run(io, stream, url_text, *url, out, options);
}

}  // namespace

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url,
                                     const HttpGetOptions& options) {
  const auto wrong = [url](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("URL \"", url, "\": ", why));
  };
  absl::string_view rest = url;
  HttpUrl parsed;
  if (absl::ConsumePrefix(&rest, "https://")) {
    parsed.tls = true;
  } else if (absl::ConsumePrefix(&rest, "http://")) {
    parsed.tls = false;
  } else {
    return wrong("must be https:// (or http://)");
  }
  for (unsigned char c : rest) {
    if (c <= ' ' || c >= 0x7f || c == '\\') return wrong("bad character");
  }
  rest = rest.substr(0, rest.find('#'));
  const size_t slash = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, slash);
  parsed.target =
      slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (parsed.target[0] == '?') parsed.target.insert(0, "/");
  if (absl::StrContains(authority, '@')) return wrong("userinfo not allowed");
  absl::string_view port = parsed.tls ? "443" : "80";
  if (absl::ConsumePrefix(&authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return wrong("unclosed [");
    parsed.host = std::string(authority.substr(0, close));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !absl::ConsumePrefix(&authority, ":")) {
      return wrong("bad port");
    }
    if (!authority.empty()) port = authority;
  } else {
    const size_t colon = authority.find(':');
    parsed.host = std::string(authority.substr(0, colon));
    if (colon != absl::string_view::npos) port = authority.substr(colon + 1);
  }
  int port_number = 0;
  if (parsed.host.empty()) return wrong("no host");
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 1 ||
      port_number > 65535 || port[0] == '+') {
    return wrong("bad port");
  }
  parsed.port = std::string(port);
  if (!parsed.tls && !options.allow_insecure_http &&
      !IsLoopbackHost(parsed.host)) {
    return wrong(
        "plain http:// only to localhost, 127.0.0.1 or [::1] unless "
        "allow_insecure_http is set");
  }
  return parsed;
}

std::optional<absl::Duration> CacheControlMaxAge(
    absl::string_view cache_control) {
  std::optional<absl::Duration> max_age;
  for (absl::string_view directive : absl::StrSplit(cache_control, ',')) {
    directive = absl::StripAsciiWhitespace(directive);
    const std::string lower = absl::AsciiStrToLower(directive);
    // RFC 9111 §5.2.2.4-5: not to be reused without revalidation.
    if (lower == "no-cache" || lower == "no-store") return absl::ZeroDuration();
    absl::string_view value = lower;
    if (!absl::ConsumePrefix(&value, "max-age=")) continue;
    int64_t seconds = 0;
    // §1.2.2: delta-seconds are digits; §4.2.1: a duplicate or invalid
    // max-age makes the response stale, which is zero here.
    if (max_age.has_value() || value.empty() || value[0] == '+' ||
        value[0] == '-' || !absl::SimpleAtoi(value, &seconds)) {
      return absl::ZeroDuration();
    }
    max_age = absl::Seconds(seconds);
  }
  return max_age;
}

absl::StatusOr<HttpGetResult> HttpGet(absl::string_view url_text,
                                      const HttpGetOptions& options) {
  const Outgoing out;
  auto response = Send(url_text, out, options);
  if (!response.ok()) return response.status();
  if (response->result() != http::status::ok) {
    // No redirects followed: a jwks_uri or discovery URL is configured
    // exactly, and following one would widen where keys come from.
    return Unavailable(out, url_text,
                       absl::StrCat("HTTP status ", response->result_int()));
  }
  HttpGetResult result;
  result.body = std::move(response->body());
  const auto cache_control = response->find(http::field::cache_control);
  if (cache_control != response->end()) {
    const auto value = cache_control->value();
    result.max_age =
        CacheControlMaxAge(absl::string_view(value.data(), value.size()));
  }
  return result;
}

absl::StatusOr<HttpPostResult> HttpPost(absl::string_view url_text,
                                        absl::string_view content_type,
                                        absl::string_view body,
                                        const HttpGetOptions& options) {
  Outgoing out;
  out.method = http::verb::post;
  out.content_type = std::string(content_type);
  out.body = std::string(body);
  auto response = Send(url_text, out, options);
  if (!response.ok()) return response.status();
  HttpPostResult result;
  result.status = response->result_int();
  result.body = std::move(response->body());
  return result;
}

}  // namespace identity::interceptor
