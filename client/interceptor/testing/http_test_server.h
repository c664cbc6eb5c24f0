// Test-only: an HTTP/1.1 server on 127.0.0.1 (an ephemeral port), plain or
// TLS with a given key and certificate, answering requests (GET or POST)
// from a table of canned responses by target, and keeping what it received,
// that the test may change between requests. One connection at a time, served
// on the server's own thread; Stop() (or the destructor) ends it.
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TESTING_HTTP_TEST_SERVER_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TESTING_HTTP_TEST_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace identity::interceptor::testing {

class HttpTestServer {
 public:
  struct Response {
    int status = 200;
    std::string body = {};
    // Extra header fields, e.g. {"Cache-Control", "max-age=120"}.
    std::vector<std::pair<std::string, std::string>> headers = {};
  };

  // Plain HTTP when `key_pem` is empty, else TLS with this key and chain.
  HttpTestServer(const std::string& key_pem = "",
                 const std::string& cert_pem = "")
      : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
        tls_(!key_pem.empty()) {
    if (tls_) {
      tls_context_.use_private_key(boost::asio::buffer(key_pem),
                                   boost::asio::ssl::context::pem);
      tls_context_.use_certificate_chain(boost::asio::buffer(cert_pem));
    }
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpTestServer() { Stop(); }

  void Stop() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return acceptor_.local_endpoint().port(); }

  // The response to GET `target` from now on (404 for unknown targets).
  void Set(const std::string& target, Response response) {
    std::lock_guard<std::mutex> lock(mu_);
    responses_[target] = std::move(response);
  }

  // Requests served so far.
  int requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

  // What a request carried.
  struct Received {
    std::string method;
    std::string target;
    std::string content_type;
    std::string body;
  };
  std::vector<Received> received() const {
    std::lock_guard<std::mutex> lock(mu_);
    return received_;
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code error,
                                  boost::asio::ip::tcp::socket socket) {
      if (error) return;
      Serve(std::move(socket));
      Accept();
    });
  }

  // Synchronous: the client under test always sends or closes, and its own
  // timeout bounds the exchange.
  void Serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    boost::system::error_code error;
    if (!tls_) {
      Exchange(socket);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, error);
      return;
    }
    boost::beast::ssl_stream<boost::asio::ip::tcp::socket&> stream(
        socket, tls_context_);
    stream.handshake(boost::asio::ssl::stream_base::server, error);
    if (error) return;  // The client refused the certificate.
    Exchange(stream);
    stream.shutdown(error);
  }

  template <typename Stream>
  void Exchange(Stream& stream) {
    namespace http = boost::beast::http;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    boost::system::error_code error;
    http::read(stream, buffer, request, error);
    if (error) return;
    Response canned{404, "not found", {}};
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_;
      received_.push_back(
          {std::string(request.method_string()), std::string(request.target()),
           std::string(request[http::field::content_type]), request.body()});
      const auto found = responses_.find(std::string(request.target()));
      if (found != responses_.end()) canned = found->second;
    }
    http::response<http::string_body> response;
    response.version(11);
    response.result(canned.status);
    response.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : canned.headers) response.set(name, value);
    response.body() = canned.body;
    response.prepare_payload();
    response.keep_alive(false);
    http::write(stream, response, error);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const bool tls_;
  boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_server};
  mutable std::mutex mu_;
  std::map<std::string, Response> responses_;
  int requests_ = 0;
  std::vector<Received> received_;
  std::thread thread_;
};

}  // namespace identity::interceptor::testing

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TESTING_HTTP_TEST_SERVER_H_
