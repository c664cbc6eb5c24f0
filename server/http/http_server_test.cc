// The HTTP listener over real loopback sockets, plain and TLS: the
// operational endpoints, security headers, and bounded requests.
#include "server/http/http_server.h"

#include <atomic>
#include <fstream>
#include <string>

#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "server/http/observability.h"

namespace identity::server {
namespace {

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
    AddObservabilityRoutes(server_->server(), &registry_,
                           [this] { return ready_.load(); });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
  }

  httplib::Client Client() {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(5);
    return client;
  }

  metrics::Registry registry_;
  metrics::Counter* requests_ = nullptr;
  std::atomic<bool> ready_{true};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesMetricsInTheTextFormat) {
  Start();
  requests_->Increment(3);
  httplib::Client client = Client();
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res->body.find("# TYPE test_requests_total counter\n"
                           "test_requests_total 3\n"),
            std::string::npos)
      << res->body;
}

TEST_F(HttpServerTest, MetricsAreGzippedWhenTheScraperAsks) {
  Start();
  httplib::Client client = Client();
  auto res = client.Get("/metrics", {{"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(res);
  // The client inflates it; the header says it travelled compressed.
  EXPECT_EQ(res->get_header_value("Content-Encoding"), "gzip");
  EXPECT_NE(res->body.find("test_requests_total 0\n"), std::string::npos);
}

TEST_F(HttpServerTest, LivenessAndReadinessAreSeparate) {
  Start();
  httplib::Client client = Client();
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  EXPECT_EQ(client.Get("/readyz")->status, 200);
  ready_ = false;
  auto not_ready = client.Get("/readyz");
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_NE(not_ready->body.find("database"), std::string::npos);
  EXPECT_EQ(client.Get("/healthz")->status, 200);  // Still alive.
  ready_ = true;
  EXPECT_EQ(client.Get("/readyz")->status, 200);
}

TEST_F(HttpServerTest, EveryResponseCarriesTheSecurityHeaders) {
  Start();
  httplib::Client client = Client();
  for (const char* path : {"/metrics", "/healthz", "/nowhere"}) {
    auto res = client.Get(path);
    ASSERT_TRUE(res) << path;
    for (const auto& [name, value] : SecurityHeaders()) {
      EXPECT_EQ(res->get_header_value(name.c_str()), value)
          << path << " " << name;
    }
  }
  EXPECT_EQ(client.Get("/nowhere")->status, 404);
}

TEST_F(HttpServerTest, OversizedRequestsAreRefused) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  server_->server().Post(
      "/echo", [](const httplib::Request& req, httplib::Response& res) {
        res.set_content(req.body, "text/plain");
      });
  httplib::Client client = Client();
  EXPECT_EQ(client.Post("/echo", std::string(100, 'x'), "text/plain")->status,
            200);
  EXPECT_EQ(client.Post("/echo", std::string(4096, 'x'), "text/plain")->status,
            413);
  // An 16 KiB header line is more than any client of ours sends.
  auto res = client.Get("/healthz", {{"X-Big", std::string(16 * 1024, 'h')}});
  EXPECT_TRUE(!res || res->status == 400 || res->status == 431);
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
  httplib::SSLClient client("127.0.0.1", server_->port());
  client.set_ca_cert_path((dir + "/cert.pem").c_str());
  client.enable_server_certificate_verification(false);  // Name: localhost.
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  // A plaintext client gets nothing from a TLS port.
  EXPECT_FALSE(Client().Get("/healthz"));
}

TEST(HttpServerCreateTest, RefusesBadAddressesAndTlsFiles) {
  for (const char* bad : {"", "9464", ":80", "host:http", "host:70000"}) {
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
  EXPECT_EQ(*SplitHostPort("[::1]:8080"),
            std::make_pair(std::string("::1"), 8080));
  EXPECT_EQ(*SplitHostPort("0.0.0.0:0"),
            std::make_pair(std::string("0.0.0.0"), 0));
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
}

}  // namespace
}  // namespace identity::server
