#include "server/oauth/cors_policy.h"

#include "gtest/gtest.h"
#include "storage/memory/memory_store.h"

namespace identity::server {
namespace {

TEST(WebOriginOfTest, SchemeHostAndAnExplicitNonDefaultPort) {
  EXPECT_EQ(WebOriginOf("https://app.example/cb?x=1#f"), "https://app.example");
  EXPECT_EQ(WebOriginOf("HTTPS://App.Example:443/cb"), "https://app.example");
  EXPECT_EQ(WebOriginOf("http://app.example:80"), "http://app.example");
  EXPECT_EQ(WebOriginOf("http://127.0.0.1:8080/cb"), "http://127.0.0.1:8080");
  EXPECT_EQ(WebOriginOf("https://app.example:8443?q"),
            "https://app.example:8443");
  EXPECT_EQ(WebOriginOf("http://[::1]:3000/cb"), "http://[::1]:3000");
  EXPECT_EQ(WebOriginOf("http://[::1]/cb"), "http://[::1]");
  // An empty port is the default one (WHATWG URL).
  EXPECT_EQ(WebOriginOf("https://app.example:/cb"), "https://app.example");
}

TEST(WebOriginOfTest, NothingButHttpUrlsWithAHostHaveAWebOrigin) {
  for (const char* url :
       {"", "app.example", "//app.example/cb", "com.example.app:/cb",
        "myapp://callback", "ftp://app.example/", "https://", "https:///cb",
        "https://user@app.example/cb", "https://app.example:0/",
        "https://app.example:65536/", "https://app.example:+80/",
        "https://app.example:8x/", "https://app example/", "null"}) {
    EXPECT_EQ(WebOriginOf(url), std::nullopt) << url;
  }
}

TEST(WebOriginOfTest, AnOriginHeaderMustBeSerializedExactly) {
  EXPECT_TRUE(IsSerializedWebOrigin("https://app.example"));
  EXPECT_TRUE(IsSerializedWebOrigin("http://127.0.0.1:8080"));
  for (const char* origin :
       {"null", "", "https://app.example/", "https://app.example/cb",
        "https://APP.example", "https://app.example:443", "*",
        "https://app.example?x", "file://"}) {
    EXPECT_FALSE(IsSerializedWebOrigin(origin)) << origin;
  }
}

class CorsPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ClientRecord spa;
    spa.client_id = "spa";
    spa.name = "SPA";
    spa.redirect_uris = {"https://app.example/callback",
                         "http://127.0.0.1:5173/cb", "com.example.app:/cb"};
    ASSERT_TRUE(store_.CreateClient(spa).ok());
    storage::ClientRecord worker;
    worker.client_id = "worker";
    worker.name = "Worker";
    ASSERT_TRUE(store_.CreateClient(worker).ok());
  }

  storage::MemoryStore store_;
  CorsPolicy policy_{&store_};
};

TEST_F(CorsPolicyTest, TheOriginsOfTheClientsRedirectUrisMayRead) {
  EXPECT_TRUE(policy_.Allows("spa", "https://app.example"));
  EXPECT_TRUE(policy_.Allows("spa", "http://127.0.0.1:5173"));
}

TEST_F(CorsPolicyTest, EveryOtherOriginOrClientMayNot) {
  // Another port, scheme or host; a path; not serialized; "null".
  for (const char* origin :
       {"https://app.example:8443", "http://app.example",
        "https://evil.example", "https://app.example.evil.example",
        "http://127.0.0.1:5174", "http://localhost:5173",
        "https://app.example/callback", "https://APP.example", "null", "",
        "*"}) {
    EXPECT_FALSE(policy_.Allows("spa", origin)) << origin;
  }
  // A client without redirect URIs, an unknown client, no client.
  EXPECT_FALSE(policy_.Allows("worker", "https://app.example"));
  EXPECT_FALSE(policy_.Allows("nobody", "https://app.example"));
  EXPECT_FALSE(policy_.Allows("", "https://app.example"));
}

}  // namespace
}  // namespace identity::server
