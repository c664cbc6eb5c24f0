// Where a login comes from, for the login throttle's per-source limit
// (login_throttle.h). Behind a reverse proxy every login arrives from the
// proxy's address, so one guessing client would lock out everyone, and the
// per-source limit would mean nothing. The client's address is then the one
// the proxy forwards in X-Forwarded-For (HTTP header; gRPC metadata
// "x-forwarded-for") — but only a configured proxy is believed: anyone else
// can write any header.
//
// The rule (the usual one for X-Forwarded-For, e.g. nginx's real_ip_recursive,
// and RFC 7239 §5.2's for "Forwarded"): when the peer is a trusted proxy,
// walk the forwarded list from the right (the hop nearest to us), skipping
// trusted proxies; the first address that is not one is the client. A
// malformed entry stops the walk at the last hop believed. With every hop
// trusted, the left-most is the client.
//
// "Forwarded" (RFC 7239) is not read: a proxy that writes X-Forwarded-For
// passes a client's own Forwarded header through unchanged, so believing both
// would let the client choose its address. Proxies that only write
// "Forwarded" are not supported.
//
// Immutable; thread-safe.
#ifndef IDENTITY_SERVER_USERS_TRUSTED_PROXIES_H_
#define IDENTITY_SERVER_USERS_TRUSTED_PROXIES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

class TrustedProxies {
 public:
  // No proxy is trusted: every source is the peer.
  TrustedProxies() = default;

  // `list`: comma-separated IP addresses and CIDR blocks, IPv4 or IPv6
  // ("10.0.0.0/8, 192.0.2.7, fd00::/8"); empty: none. Errors:
  // InvalidArgument naming the entry that is not an address or a block.
  static absl::StatusOr<TrustedProxies> Parse(absl::string_view list);

  // The source of a request from `peer` (an IP address, as the faces give
  // it) carrying `forwarded_for` (every X-Forwarded-For value in the order
  // received, joined by commas; empty when there is none): the rule above.
  // Addresses are returned in a canonical text form (inet_ntop; IPv4-mapped
  // IPv6 as IPv4).
  std::string SourceOf(absl::string_view peer,
                       absl::string_view forwarded_for) const;

  bool empty() const { return blocks_.empty(); }

 private:
  // An IPv4 address is kept as IPv4-mapped IPv6 (::ffff:a.b.c.d).
  using Address = std::array<uint8_t, 16>;
  struct Block {
    Address address;
    int prefix_bits;  // Of the 128.
  };

  static std::optional<Address> ParseAddress(absl::string_view text);
  static std::string Format(const Address& address);
  bool Trusted(const Address& address) const;

  std::vector<Block> blocks_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_TRUSTED_PROXIES_H_
