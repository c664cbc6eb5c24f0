#include "server/users/trusted_proxies.h"

#include "gtest/gtest.h"

namespace identity::server {
namespace {

TrustedProxies Proxies(absl::string_view list) {
  auto proxies = TrustedProxies::Parse(list);
  EXPECT_TRUE(proxies.ok()) << proxies.status();
  return proxies.ok() ? *proxies : TrustedProxies();
}

TEST(TrustedProxiesTest, WithoutTrustedProxiesTheSourceIsThePeer) {
  const TrustedProxies none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.SourceOf("203.0.113.9", "198.51.100.1"), "203.0.113.9");
  EXPECT_TRUE(Proxies("").empty());
  EXPECT_TRUE(Proxies(" , ").empty());
}

TEST(TrustedProxiesTest, AnUntrustedPeersHeaderIsIgnored) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8");
  EXPECT_EQ(proxies.SourceOf("203.0.113.9", "198.51.100.1"), "203.0.113.9");
}

TEST(TrustedProxiesTest, ATrustedPeerForwardsTheClient) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8, 192.0.2.7");
  EXPECT_EQ(proxies.SourceOf("10.1.2.3", "198.51.100.1"), "198.51.100.1");
  EXPECT_EQ(proxies.SourceOf("192.0.2.7", " 198.51.100.1 "), "198.51.100.1");
  // No header: the proxy itself.
  EXPECT_EQ(proxies.SourceOf("10.1.2.3", ""), "10.1.2.3");
}

// A client may send its own X-Forwarded-For; the proxy appends the address
// it saw. Only the right-most untrusted entry is believed.
TEST(TrustedProxiesTest, TheRightMostUntrustedHopIsTheClient) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8");
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "1.2.3.4, 198.51.100.1"),
            "198.51.100.1");
  // Two proxies in a row: skipped.
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "1.2.3.4, 198.51.100.1, 10.9.9.9"),
            "198.51.100.1");
  // Every hop trusted: the left-most.
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "10.0.0.3, 10.0.0.2"), "10.0.0.3");
}

TEST(TrustedProxiesTest, AMalformedHopStopsAtTheLastOneBelieved) {
  const TrustedProxies proxies = Proxies("10.0.0.0/8");
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "198.51.100.1, unknown"), "10.0.0.1");
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "198.51.100.1:4711"), "10.0.0.1");
  EXPECT_EQ(proxies.SourceOf("10.0.0.1", "evil, 10.0.0.2"), "10.0.0.2");
}

TEST(TrustedProxiesTest, IPv6AndMappedAddresses) {
  const TrustedProxies proxies = Proxies("fd00::/8, 127.0.0.1");
  EXPECT_EQ(proxies.SourceOf("fd12::1", "2001:db8::7"), "2001:db8::7");
  EXPECT_EQ(proxies.SourceOf("fd12::1", "[2001:db8::7]"), "2001:db8::7");
  EXPECT_EQ(proxies.SourceOf("fe80::1", "2001:db8::7"), "fe80::1");
  // An IPv4 peer on a dual-stack listener matches the IPv4 entry.
  EXPECT_EQ(proxies.SourceOf("::ffff:127.0.0.1", "192.0.2.1"), "192.0.2.1");
  // A peer that is no IP address (a Unix socket) stays as it is.
  EXPECT_EQ(proxies.SourceOf("unix", "192.0.2.1"), "unix");
}

TEST(TrustedProxiesTest, PrefixLengthsAreExact) {
  const TrustedProxies proxies = Proxies("192.0.2.0/25, 2001:db8::/33");
  EXPECT_EQ(proxies.SourceOf("192.0.2.127", "1.1.1.1"), "1.1.1.1");
  EXPECT_EQ(proxies.SourceOf("192.0.2.128", "1.1.1.1"), "192.0.2.128");
  EXPECT_EQ(proxies.SourceOf("2001:db8:7fff::1", "1.1.1.1"), "1.1.1.1");
  EXPECT_EQ(proxies.SourceOf("2001:db8:8000::1", "1.1.1.1"),
            "2001:db8:8000::1");
  EXPECT_EQ(Proxies("0.0.0.0/0").SourceOf("8.8.8.8", "1.1.1.1"), "1.1.1.1");
}

TEST(TrustedProxiesTest, BadEntriesAreRefusedByName) {
  for (absl::string_view bad :
       {"10.0.0.0/33", "fd00::/129", "10.0.0.0/-1", "localhost", "10.0.0.1/x",
        "10.0.0.0/8, nope"}) {
    auto parsed = TrustedProxies::Parse(bad);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_NE(TrustedProxies::Parse("10.0.0.0/8, nope")
                .status()
                .message()
                .find("\"nope\""),
            absl::string_view::npos);
}

}  // namespace
}  // namespace identity::server
