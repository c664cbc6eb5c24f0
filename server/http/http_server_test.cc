// The HTTP listener over real loopback sockets, plain and TLS: routing, the
// operational endpoints, security headers, and the bounds on requests that
// keep slow or oversized clients from holding the server.
#include "server/http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "server/http/observability.h"
#include "server/http/testing/raw_http.h"

namespace identity::server {
namespace {

using testing::RawConnection;
using testing::StatusOf;

std::string Get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    auto created = HttpServer::Create(std::move(options));
    ASSERT_TRUE(created.ok()) << created.status();
    server_ = *std::move(created);
    requests_ = &metrics::MustRegister(metrics::BuildCounter()
                                           .Name("test_requests_total")
                                           .Help("Requests.")
                                           .Register(registry_))
                     ->Get({});
    AddObservabilityRoutes(*server_, &registry_,
                           [this] { return ready_.load(); });
    server_->Handle("POST", "/echo",
                    [](const HttpRequest& request, HttpResponse& response) {
                      response.SetContent(request.method + " " + request.path +
                                              " ? " + request.query + " | " +
                                              request.Header("x-test") + " | " +
                                              request.body + " | " +
                                              request.remote_address,
                                          "text/plain");
                    });
    server_->Handle("GET", "/throws", [](const HttpRequest&, HttpResponse&) {
      throw std::runtime_error("secret detail");
    });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  std::string Exchange(const std::string& request, bool head = false) {
    RawConnection connection(server_->port());
    EXPECT_TRUE(connection.connected());
    connection.Send(request);
    return connection.ReadResponse(head);
  }

  metrics::Registry registry_;
  metrics::Counter* requests_ = nullptr;
  std::atomic<bool> ready_{true};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesMetricsInTheTextFormat) {
  Start();
  requests_->Increment(3);
  const std::string response = Exchange(Get("/metrics"));
  EXPECT_EQ(StatusOf(response), 200) << response;
  EXPECT_NE(response.find(
                "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(response.find("# TYPE test_requests_total counter\n"
                          "test_requests_total 3\n"),
            std::string::npos)
      << response;
}

TEST_F(HttpServerTest, LivenessAndReadinessAreSeparate) {
  Start();
  EXPECT_EQ(StatusOf(Exchange(Get("/healthz"))), 200);
  EXPECT_EQ(StatusOf(Exchange(Get("/readyz"))), 200);
  ready_ = false;
  const std::string not_ready = Exchange(Get("/readyz"));
  EXPECT_EQ(StatusOf(not_ready), 503);
  EXPECT_NE(not_ready.find("database"), std::string::npos);
  EXPECT_EQ(StatusOf(Exchange(Get("/healthz"))), 200);  // Still alive.
  ready_ = true;
  EXPECT_EQ(StatusOf(Exchange(Get("/readyz"))), 200);
}

TEST_F(HttpServerTest, RoutesByPathAndMethod) {
  Start();
  const std::string echoed = Exchange(
      "POST /echo?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nX-Test: hi\r\n"
      "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_EQ(StatusOf(echoed), 200);
  EXPECT_NE(echoed.find("POST /echo ? a=1&b=%20 | hi | hello | 127.0.0.1"),
            std::string::npos)
      << echoed;
  EXPECT_EQ(StatusOf(Exchange(Get("/nowhere"))), 404);
  const std::string wrong = Exchange(Get("/echo"));
  EXPECT_EQ(StatusOf(wrong), 405);
  EXPECT_NE(wrong.find("Allow: POST\r\n"), std::string::npos) << wrong;
  const std::string post_metrics = Exchange(
      "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(StatusOf(post_metrics), 405);
  EXPECT_NE(post_metrics.find("Allow: GET, HEAD\r\n"), std::string::npos);
  // HEAD: the GET answer's headers and length, no body.
  const std::string head =
      Exchange("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", /*head=*/true);
  EXPECT_EQ(StatusOf(head), 200);
  EXPECT_NE(head.find("Content-Length: 3\r\n"), std::string::npos) << head;
}

TEST_F(HttpServerTest, KeepsTheConnectionForSeveralRequests) {
  Start();
  RawConnection connection(server_->port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(connection.Send(Get("/healthz")));
    EXPECT_EQ(StatusOf(connection.ReadResponse()), 200) << i;
  }
  // Two requests in one packet (pipelining) get two answers in order.
  ASSERT_TRUE(connection.Send(Get("/healthz") + Get("/nowhere")));
  EXPECT_EQ(StatusOf(connection.ReadResponse()), 200);
  EXPECT_EQ(StatusOf(connection.ReadResponse()), 404);
  ASSERT_TRUE(connection.Send(Get("/healthz", "Connection: close\r\n")));
  EXPECT_EQ(StatusOf(connection.ReadResponse()), 200);
  EXPECT_TRUE(connection.ClosedByServer());
}

TEST_F(HttpServerTest, EveryResponseCarriesTheSecurityHeaders) {
  Start();
  for (const std::string& request :
       {Get("/metrics"), Get("/healthz"), Get("/nowhere"), Get("/echo"),
        Get("/throws"), std::string("BAD\r\n\r\n")}) {
    const std::string response = Exchange(request);
    ASSERT_FALSE(response.empty()) << request;
    for (const auto& [name, value] : SecurityHeaders()) {
      EXPECT_NE(response.find(name + ": " + value + "\r\n"), std::string::npos)
          << request << " lacks " << name << ":\n"
          << response;
    }
  }
}

TEST_F(HttpServerTest, HeadersThatWouldSplitTheResponseAreNeverSent) {
  Start();
  server_->Stop();
  auto created = HttpServer::Create({});
  ASSERT_TRUE(created.ok());
  server_ = *std::move(created);
  server_->Handle("GET", "/split", [](const HttpRequest&, HttpResponse& r) {
    r.status = 302;
    r.SetHeader("Location", "https://x/\r\nSet-Cookie: evil=1");
  });
  ASSERT_TRUE(server_->Start().ok());
  const std::string response = Exchange(Get("/split"));
  EXPECT_EQ(StatusOf(response), 500) << response;
  EXPECT_EQ(response.find("evil"), std::string::npos);
}

TEST_F(HttpServerTest, AHandlerThatThrowsIsA500WithoutDetails) {
  Start();
  const std::string response = Exchange(Get("/throws"));
  EXPECT_EQ(StatusOf(response), 500);
  EXPECT_EQ(response.find("secret detail"), std::string::npos);
  EXPECT_EQ(StatusOf(Exchange(Get("/healthz"))), 200);  // Still serving.
}

TEST_F(HttpServerTest, OversizedAndMalformedRequestsAreRefused) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  options.max_header_bytes = 2048;
  Start(options);
  auto post = [](size_t size) {
    return "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(size) + "\r\n\r\n" + std::string(size, 'x');
  };
  EXPECT_EQ(StatusOf(Exchange(post(1000))), 200);
  EXPECT_EQ(StatusOf(Exchange(post(4096))), 413);
  EXPECT_EQ(StatusOf(Exchange(
                Get("/healthz", "X-Big: " + std::string(4096, 'h') + "\r\n"))),
            431);
  EXPECT_EQ(StatusOf(Exchange("GARBAGE\r\n\r\n")), 400);
  EXPECT_EQ(StatusOf(Exchange("GET /healthz HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: -1\r\n\r\n")),
            400);
}

TEST_F(HttpServerTest, SlowClientsAreCutOffAndDoNotStarveOthers) {
  HttpServerOptions options;
  options.threads = 1;
  options.read_timeout = absl::Milliseconds(500);
  Start(options);
  // More trickling clients than threads: each sends part of a request and
  // then a byte now and then, never finishing.
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 8; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nX-Slow: "));
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      for (auto& c : slow) c->Send("a");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // A normal client is answered meanwhile.
  EXPECT_EQ(StatusOf(Exchange(Get("/healthz"))), 200);
  // And the slow ones are closed by the deadline on the whole request,
  // although they keep sending.
  for (auto& c : slow) EXPECT_TRUE(c->ClosedByServer());
  trickling = false;
  trickle.join();
}

// The cap on open connections: the rest wait in the kernel's accept queue,
// holding no descriptor of the server's, and are served once one closes.
TEST_F(HttpServerTest, ConnectionsBeyondTheCapWaitUntilOneCloses) {
  HttpServerOptions options;
  options.max_connections = 2;
  options.idle_timeout = absl::Seconds(30);
  Start(options);
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(held.back()->Send(Get("/healthz")));
    ASSERT_EQ(StatusOf(held.back()->ReadResponse()), 200) << i;
  }
  // Connected (the kernel completes the handshake) but not accepted.
  RawConnection waiting(server_->port());
  ASSERT_TRUE(waiting.connected());
  ASSERT_TRUE(waiting.Send(Get("/healthz")));
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(server_->open_connections(), 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(server_->open_connections(), 2);
  held.pop_back();  // One closes: the waiting one is accepted and answered.
  EXPECT_EQ(StatusOf(waiting.ReadResponse()), 200);
  EXPECT_EQ(server_->open_connections(), 2);
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionsAreClosed) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  Start(options);
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/healthz")));
  ASSERT_EQ(StatusOf(connection.ReadResponse()), 200);
  // Nothing more is sent: the server closes it (the receive timeout is 10 s).
  EXPECT_TRUE(connection.ClosedByServer());
  // So does a connection that never sends a byte.
  RawConnection silent(server_->port());
  EXPECT_TRUE(silent.ClosedByServer());
  // Closed connections give their places back.
  for (int i = 0; i < 100 && server_->open_connections() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(server_->open_connections(), 0);
}

// The read deadline runs from a request's first byte: idle time before it
// counts against idle_timeout only.
TEST_F(HttpServerTest, IdleTimeBetweenRequestsIsNotReadTime) {
  HttpServerOptions options;
  options.idle_timeout = absl::Seconds(30);
  options.read_timeout = absl::Milliseconds(200);
  Start(options);
  RawConnection connection(server_->port());
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    ASSERT_TRUE(connection.Send(Get("/healthz")));
    EXPECT_EQ(StatusOf(connection.ReadResponse()), 200) << i;
  }
}

TEST_F(HttpServerTest, ServesTls) {
  const auto pair = interceptor::testing::SelfSignedLocalhost();
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/cert.pem") << pair.cert_chain;
  std::ofstream(dir + "/key.pem") << pair.private_key;
  HttpServerOptions options;
  options.tls_cert_file = dir + "/cert.pem";
  options.tls_key_file = dir + "/key.pem";
  Start(options);
  EXPECT_TRUE(server_->tls());

  namespace asio = boost::asio;
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(dir + "/cert.pem");
  asio::ssl::stream<asio::ip::tcp::socket> stream(io, context);
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.lowest_layer().connect({asio::ip::make_address("127.0.0.1"),
                                 static_cast<unsigned short>(server_->port())});
  stream.handshake(asio::ssl::stream_base::client);
  asio::write(stream, asio::buffer(Get("/healthz", "Connection: close\r\n")));
  std::string response;
  boost::system::error_code ec;
  char chunk[1024];
  while (size_t n = stream.read_some(asio::buffer(chunk), ec)) {
    response.append(chunk, n);
  }
  EXPECT_EQ(StatusOf(response), 200) << response;
  EXPECT_NE(response.find("\r\n\r\nok\n"), std::string::npos);

  // A plaintext request on the TLS port gets no HTTP answer.
  RawConnection plain(server_->port());
  plain.Send(Get("/healthz"));
  EXPECT_EQ(StatusOf(plain.ReadResponse()), 0);
}

TEST(HttpServerObserverTest, HearsEveryRoutedRequestWithItsStatus) {
  auto server = HttpServer::Create({});
  ASSERT_TRUE(server.ok());
  absl::Mutex mu;
  std::vector<std::string> heard;
  (*server)->Handle(
      "GET", "/x", [](const HttpRequest&, HttpResponse& r) { r.status = 204; });
  (*server)->SetObserver([&](const HttpRequest& request,
                             const HttpResponse& response,
                             absl::Duration latency) {
    EXPECT_GE(latency, absl::ZeroDuration());
    absl::MutexLock lock(&mu);
    heard.push_back(request.method + " " + request.path + " " +
                    std::to_string(response.status));
  });
  ASSERT_TRUE((*server)->Start().ok());
  for (const char* path : {"/x?secret=1", "/nowhere"}) {
    RawConnection connection((*server)->port());
    connection.Send(std::string("GET ") + path +
                    " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    connection.ReadResponse();
  }
  (*server)->Stop();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(heard,
            (std::vector<std::string>{"GET /x 204", "GET /nowhere 404"}));
}

TEST(HttpServerCreateTest, RefusesBadAddressesOptionsAndTlsFiles) {
  for (const char* bad :
       {"", "9464", ":80", "host:http", "host:70000", "example.com:80"}) {
    HttpServerOptions options;
    options.listen = bad;
    EXPECT_EQ(HttpServer::Create(options).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  HttpServerOptions options;
  options.tls_cert_file = "/nonexistent/cert.pem";
  options.tls_key_file = "/nonexistent/key.pem";
  EXPECT_EQ(HttpServer::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  HttpServerOptions no_threads;
  no_threads.threads = 0;
  EXPECT_EQ(HttpServer::Create(no_threads).status().code(),
            absl::StatusCode::kInvalidArgument);
  HttpServerOptions no_connections;
  no_connections.max_connections = 0;
  EXPECT_EQ(HttpServer::Create(no_connections).status().code(),
            absl::StatusCode::kInvalidArgument);
  HttpServerOptions no_idle;
  no_idle.idle_timeout = absl::ZeroDuration();
  EXPECT_EQ(HttpServer::Create(no_idle).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*SplitHostPort("[::1]:8080"),
            std::make_pair(std::string("::1"), 8080));
  EXPECT_EQ(*SplitHostPort("0.0.0.0:0"),
            std::make_pair(std::string("0.0.0.0"), 0));
  HttpServerOptions v6;
  v6.listen = "[::1]:0";
  EXPECT_TRUE(HttpServer::Create(v6).ok());
}

TEST(HttpServerCreateTest, APortInUseIsUnavailable) {
  auto first = HttpServer::Create({});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE((*first)->Start().ok());
  HttpServerOptions options;
  options.listen = "127.0.0.1:" + std::to_string((*first)->port());
  auto second = HttpServer::Create(options);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*second)->Start().code(), absl::StatusCode::kUnavailable);
  (*first)->Stop();
  (*first)->Stop();  // Idempotent.
}

}  // namespace
}  // namespace identity::server
