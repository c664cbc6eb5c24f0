// Keys over HTTPS against a real HTTPS server on 127.0.0.1 (testing/
// http_test_server.h) with certificates made in the test: what is fetched,
// what is refused (wrong CA, wrong host name, too large, not 200, plain
// http:// to a non-loopback host, an impostor discovery document), and the
// Cache-Control max-age reaching the JWKS cache, clamped.
#include "client/interceptor/http_get.h"

#include <string>

#include "client/interceptor/jwks_cache.h"
#include "client/interceptor/key_sources.h"
#include "client/interceptor/testing/http_test_server.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "jwt/clock.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"

namespace identity::interceptor {
namespace {

using testing::HttpTestServer;
using testing::SelfSignedCert;

std::string PublicJwks(const std::string& kid) {
  const jwt::Jwk key = *jwt::Jwk::Generate(jwt::Algorithm::kES256, kid);
  return jwt::DumpJson(jwt::Jwks::FromKeys({key.PublicKey()})->ToPublicJson());
}

class HttpGetTest : public ::testing::Test {
 protected:
  HttpGetTest()
      : ip_cert_(SelfSignedCert("IP:127.0.0.1")),
        server_(ip_cert_.private_key, ip_cert_.cert_chain),
        jwks_(PublicJwks("k1")) {
    server_.Set("/jwks", {200, jwks_, {}});
  }

  std::string Url(const std::string& target) const {
    return "https://127.0.0.1:" + std::to_string(server_.port()) + target;
  }

  HttpGetOptions Trusting(const std::string& ca_pem) const {
    HttpGetOptions options;
    options.ca_pem = ca_pem;
    options.timeout = absl::Seconds(10);
    return options;
  }

  const grpc::SslServerCredentialsOptions::PemKeyCertPair ip_cert_;
  HttpTestServer server_;
  const std::string jwks_;
};

TEST_F(HttpGetTest, FetchesOverTlsVerifiedAgainstTheGivenCa) {
  absl::StatusOr<HttpGetResult> got =
      HttpGet(Url("/jwks"), Trusting(ip_cert_.cert_chain));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, jwks_);
  EXPECT_FALSE(got->max_age.has_value());
  EXPECT_EQ(server_.requests(), 1);
}

TEST_F(HttpGetTest, RefusesACertificateFromAnotherCa) {
  const auto other = SelfSignedCert("IP:127.0.0.1");
  absl::StatusOr<HttpGetResult> got =
      HttpGet(Url("/jwks"), Trusting(other.cert_chain));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("TLS"), std::string::npos)
      << got.status();
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(HttpGetTest, RefusesTheSystemRootsForAPrivateCa) {
  HttpGetOptions options = Trusting("");
  EXPECT_EQ(HttpGet(Url("/jwks"), options).status().code(),
            absl::StatusCode::kUnavailable);
}

// RFC 6125 §6: a certificate valid for another name is refused even from a
// trusted CA; here it names localhost, the URL 127.0.0.1.
TEST_F(HttpGetTest, RefusesACertificateForAnotherHost) {
  const auto localhost = SelfSignedCert("DNS:localhost");
  HttpTestServer other(localhost.private_key, localhost.cert_chain);
  other.Set("/jwks", {200, jwks_, {}});
  absl::StatusOr<HttpGetResult> got =
      HttpGet("https://127.0.0.1:" + std::to_string(other.port()) + "/jwks",
              Trusting(localhost.cert_chain));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable)
      << got.status();
  EXPECT_EQ(other.requests(), 0);
}

TEST_F(HttpGetTest, RefusesABodyOverTheLimit) {
  server_.Set("/big", {200, std::string((1 << 20) + 1, ' '), {}});
  absl::StatusOr<HttpGetResult> got =
      HttpGet(Url("/big"), Trusting(ip_cert_.cert_chain));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("too large"), std::string::npos)
      << got.status();
}

TEST_F(HttpGetTest, RefusesAStatusOtherThan200) {
  absl::StatusOr<HttpGetResult> got =
      HttpGet(Url("/missing"), Trusting(ip_cert_.cert_chain));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("HTTP status 404"), std::string::npos);
}

TEST_F(HttpGetTest, FollowsNoRedirect) {
  server_.Set("/moved", {302, "", {{"Location", Url("/jwks")}}});
  absl::StatusOr<HttpGetResult> got =
      HttpGet(Url("/moved"), Trusting(ip_cert_.cert_chain));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("HTTP status 302"), std::string::npos);
  EXPECT_EQ(server_.requests(), 1);
}

// A server that accepts the connection (the kernel's backlog does) and never
// answers: the deadline ends the exchange.
TEST_F(HttpGetTest, ASilentServerRunsIntoTheTimeout) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(
      io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpGetOptions options = Trusting(ip_cert_.cert_chain);
  options.timeout = absl::Milliseconds(300);
  absl::StatusOr<HttpGetResult> got = HttpGet(
      "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
          "/jwks",
      options);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded)
      << got.status();
}

TEST_F(HttpGetTest, PlainHttpOnLoopbackWorks) {
  HttpTestServer plain;
  plain.Set("/jwks", {200, jwks_, {{"Cache-Control", "max-age=120"}}});
  absl::StatusOr<HttpGetResult> got =
      HttpGet("http://127.0.0.1:" + std::to_string(plain.port()) + "/jwks", {});
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->body, jwks_);
  EXPECT_EQ(got->max_age, absl::Minutes(2));
}

// POST (back-channel logout notices): the body and its type arrive; any
// status is the caller's to judge; TLS is verified as for GET.
TEST_F(HttpGetTest, PostSendsTheBodyAndReturnsAnyStatus) {
  HttpTestServer plain;
  plain.Set("/logout", {200, "", {}});
  plain.Set("/bad", {400, "{\"error\":\"invalid_request\"}", {}});
  const std::string base = "http://127.0.0.1:" + std::to_string(plain.port());
  absl::StatusOr<HttpPostResult> ok =
      HttpPost(base + "/logout", "application/x-www-form-urlencoded",
               "logout_token=abc", {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->status, 200);
  absl::StatusOr<HttpPostResult> bad =
      HttpPost(base + "/bad", "application/x-www-form-urlencoded", "x=1", {});
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "{\"error\":\"invalid_request\"}");
  const auto received = plain.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].target, "/logout");
  EXPECT_EQ(received[0].content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(received[0].body, "logout_token=abc");

  server_.Set("/logout", {204, "", {}});
  absl::StatusOr<HttpPostResult> tls = HttpPost(
      Url("/logout"), "text/plain", "x", Trusting(ip_cert_.cert_chain));
  ASSERT_TRUE(tls.ok()) << tls.status();
  EXPECT_EQ(tls->status, 204);
  const auto other = SelfSignedCert("IP:127.0.0.1");
  EXPECT_EQ(
      HttpPost(Url("/logout"), "text/plain", "x", Trusting(other.cert_chain))
          .status()
          .code(),
      absl::StatusCode::kUnavailable);
}

// Checked when the options are built: nothing is ever sent to these hosts.
TEST(HttpUrlTest, PlainHttpToANonLoopbackHostIsRefusedUnlessAllowed) {
  absl::StatusOr<std::unique_ptr<JwksFetcher>> fetcher =
      CreateJwksFetcher(JwksUriKeys{"http://keys.example/jwks"}, "");
  EXPECT_EQ(fetcher.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(fetcher.status().message().find("allow_insecure_http"),
            std::string::npos);
  EXPECT_EQ(CreateJwksFetcher(OidcDiscoveryKeys{}, "http://id.example")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  HttpGetOptions allowed;
  allowed.allow_insecure_http = true;
  EXPECT_TRUE(ParseHttpUrl("http://keys.example/jwks", allowed).ok());
  for (const char* loopback :
       {"http://localhost:8080/jwks", "http://127.0.0.1/jwks",
        "http://[::1]:9/jwks"}) {
    EXPECT_TRUE(ParseHttpUrl(loopback, {}).ok()) << loopback;
  }
}

TEST(HttpUrlTest, ParsesHostPortAndTarget) {
  absl::StatusOr<HttpUrl> url =
      ParseHttpUrl("https://[::1]:8443/a/jwks?x=1#frag", {});
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, "8443");
  EXPECT_EQ(url->target, "/a/jwks?x=1");
  url = ParseHttpUrl("https://id.example", {});
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->port, "443");
  EXPECT_EQ(url->target, "/");
  for (const char* bad :
       {"ftp://x/", "https://user@id.example/", "https://id.example:0/",
        "https://id.example:99999/", "https://:443/", "https://[::1/",
        "https://id example/"}) {
    EXPECT_EQ(ParseHttpUrl(bad, {}).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

// RFC 9111 §5.2.2.1 max-age; §5.2.2.4-5 no-cache/no-store; §4.2.1 an
// invalid or duplicated max-age makes the response stale.
TEST(CacheControlTest, MaxAge) {
  EXPECT_EQ(CacheControlMaxAge("public, max-age=300"), absl::Minutes(5));
  EXPECT_EQ(CacheControlMaxAge("Max-Age=60"), absl::Minutes(1));
  EXPECT_EQ(CacheControlMaxAge("no-store"), absl::ZeroDuration());
  EXPECT_EQ(CacheControlMaxAge("max-age=-1"), absl::ZeroDuration());
  EXPECT_EQ(CacheControlMaxAge("max-age=1, max-age=2"), absl::ZeroDuration());
  EXPECT_EQ(CacheControlMaxAge("public"), std::nullopt);
}

// The hint reaches the cache, clamped to [min_refresh_interval,
// max_refresh_interval]; without one, refresh_interval.
TEST_F(HttpGetTest, MaxAgeSetsTheRefreshIntervalWithinBounds) {
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  JwksCacheOptions bounds;
  bounds.refresh_interval = absl::Minutes(5);
  bounds.min_refresh_interval = absl::Minutes(1);
  bounds.max_refresh_interval = absl::Hours(1);
  const struct {
    const char* cache_control;
    absl::Duration interval;
  } cases[] = {{"max-age=120", absl::Minutes(2)},
               {"max-age=5", absl::Minutes(1)},
               {"no-store", absl::Minutes(1)},
               {"max-age=86400", absl::Hours(1)},
               {"", absl::Minutes(5)}};
  for (const auto& c : cases) {
    server_.Set("/jwks", {200, jwks_, {}});
    if (*c.cache_control != '\0') {
      server_.Set("/jwks", {200, jwks_, {{"Cache-Control", c.cache_control}}});
    }
    absl::StatusOr<std::unique_ptr<JwksFetcher>> fetcher =
        HttpsJwksFetcher(Url("/jwks"), Trusting(ip_cert_.cert_chain));
    ASSERT_TRUE(fetcher.ok()) << fetcher.status();
    auto cache = JwksCache::Create(*std::move(fetcher), &clock, bounds);
    ASSERT_TRUE(cache.ok()) << cache.status();
    ASSERT_NE((*cache)->Current(), nullptr) << (*cache)->last_error();
    EXPECT_EQ((*cache)->current_refresh_interval(), c.interval)
        << c.cache_control;
    clock.Advance(c.interval - absl::Seconds(1));
    EXPECT_FALSE((*cache)->Tick()) << c.cache_control;
    clock.Advance(absl::Seconds(1));
    EXPECT_TRUE((*cache)->Tick()) << c.cache_control;
    EXPECT_EQ((*cache)->failed_fetches(), 0);
  }
}

class DiscoveryTest : public HttpGetTest {
 protected:
  DiscoveryTest() : issuer_(Url("/tenant")) {}

  void Publish(const std::string& issuer_in_document) {
    jwt::Json document = {{"issuer", issuer_in_document},
                          {"jwks_uri", Url("/jwks")}};
    server_.Set("/tenant/.well-known/openid-configuration",
                {200, jwt::DumpJson(document), {}});
  }

  absl::StatusOr<FetchedJwks> Discover() {
    OidcDiscoveryKeys keys;
    keys.http = Trusting(ip_cert_.cert_chain);
    absl::StatusOr<std::unique_ptr<JwksFetcher>> fetcher =
        CreateJwksFetcher(keys, issuer_);
    if (!fetcher.ok()) return fetcher.status();
    return (*fetcher)->Fetch();
  }

  const std::string issuer_;
};

TEST_F(DiscoveryTest, FollowsTheDocumentToItsJwksUri) {
  Publish(issuer_);
  server_.Set("/jwks", {200, jwks_, {{"Cache-Control", "max-age=600"}}});
  absl::StatusOr<FetchedJwks> got = Discover();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->json, jwks_);
  EXPECT_EQ(got->max_age, absl::Minutes(10));
  EXPECT_EQ(server_.requests(), 2);
}

// OIDC Discovery §4.3: the document's issuer must be exactly the one asked
// for; a trailing "/" is already another issuer.
TEST_F(DiscoveryTest, RefusesADocumentForAnotherIssuer) {
  for (const std::string& impostor :
       {Url("/other"), issuer_ + "/", Url("/TENANT")}) {
    Publish(impostor);
    absl::StatusOr<FetchedJwks> got = Discover();
    EXPECT_EQ(got.status().code(), absl::StatusCode::kUnavailable) << impostor;
    EXPECT_NE(got.status().message().find("issuer"), std::string::npos);
  }
  EXPECT_EQ(server_.requests(), 3);  // The jwks_uri was never fetched.
}

TEST_F(DiscoveryTest, RefusesADocumentWithoutJwksUri) {
  server_.Set("/tenant/.well-known/openid-configuration",
              {200, jwt::DumpJson(jwt::Json{{"issuer", issuer_}}), {}});
  EXPECT_EQ(Discover().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace identity::interceptor
