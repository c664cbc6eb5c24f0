#include "server/users/trusted_proxies.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::server {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0,    0,
                                       0, 0, 0, 0, 0xff, 0xff};

bool IsMapped(const std::array<uint8_t, 16>& address) {
  return std::memcmp(address.data(), kMappedPrefix, sizeof(kMappedPrefix)) == 0;
}

}  // namespace

std::optional<TrustedProxies::Address> TrustedProxies::ParseAddress(
    absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  // "[2001:db8::1]" as some proxies write IPv6.
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  const std::string copy(text);
  Address address{};
  in_addr v4;
  if (inet_pton(AF_INET, copy.c_str(), &v4) == 1) {
    std::memcpy(address.data(), kMappedPrefix, sizeof(kMappedPrefix));
    std::memcpy(address.data() + 12, &v4, 4);
    return address;
  }
  if (inet_pton(AF_INET6, copy.c_str(), address.data()) == 1) return address;
  return std::nullopt;
}

std::string TrustedProxies::Format(const Address& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (IsMapped(address)) {
    inet_ntop(AF_INET, address.data() + 12, text, sizeof(text));
  } else {
    inet_ntop(AF_INET6, address.data(), text, sizeof(text));
  }
  return text;
}

absl::StatusOr<TrustedProxies> TrustedProxies::Parse(absl::string_view list) {
  TrustedProxies proxies;
  for (absl::string_view entry :
       absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const size_t slash = entry.find('/');
    const std::optional<Address> address = ParseAddress(entry.substr(0, slash));
    int bits = 128;
    bool ok = address.has_value();
    if (ok && slash != absl::string_view::npos) {
      const int max = IsMapped(*address) ? 32 : 128;
      ok = absl::SimpleAtoi(entry.substr(slash + 1), &bits) && bits >= 0 &&
           bits <= max;
      if (IsMapped(*address)) bits += 96;
    }
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", entry, "\" is not an IP address or a CIDR block"));
    }
    proxies.blocks_.push_back({*address, bits});
  }
  return proxies;
}

bool TrustedProxies::Trusted(const Address& address) const {
  return std::any_of(blocks_.begin(), blocks_.end(), [&](const Block& block) {
    const int whole = block.prefix_bits / 8;
    const int rest = block.prefix_bits % 8;
    if (std::memcmp(address.data(), block.address.data(), whole) != 0) {
      return false;
    }
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (address[whole] & mask) == (block.address[whole] & mask);
  });
}

std::string TrustedProxies::SourceOf(absl::string_view peer,
                                     absl::string_view forwarded_for) const {
  std::optional<Address> hop = ParseAddress(peer);
  if (!hop.has_value()) return std::string(peer);  // E.g. a Unix socket.
  if (blocks_.empty()) return Format(*hop);
  const std::vector<absl::string_view> chain =
      absl::StrSplit(forwarded_for, ',', absl::SkipWhitespace());
  // From the right: while the current hop is a trusted proxy, believe what
  // it says about the hop before it.
  for (auto it = chain.rbegin(); it != chain.rend() && Trusted(*hop); ++it) {
    const std::optional<Address> previous = ParseAddress(*it);
    if (!previous.has_value()) break;
    hop = previous;
  }
  return Format(*hop);
}

}  // namespace identity::server
