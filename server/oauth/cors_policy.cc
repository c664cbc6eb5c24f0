#include "server/oauth/cors_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

// Splits "scheme://authority[/...]" into lowercased scheme and authority.
bool SchemeAndAuthority(absl::string_view url, std::string* scheme,
                        absl::string_view* authority) {
  const size_t colon = url.find("://");
  if (colon == absl::string_view::npos || colon == 0) return false;
  *scheme = absl::AsciiStrToLower(url.substr(0, colon));
  absl::string_view rest = url.substr(colon + 3);
  *authority = rest.substr(0, rest.find_first_of("/?#"));
  return true;
}

// "host[:port]" as an origin's host and port part, default port dropped.
std::optional<std::string> HostPort(absl::string_view scheme,
                                    absl::string_view authority) {
  if (authority.empty() || absl::StrContains(authority, '@')) {
    return std::nullopt;
  }
  absl::string_view host = authority;
  absl::string_view port;
  const size_t bracket = authority.rfind(']');
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos &&
      (bracket == absl::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return std::nullopt;
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '[' &&
        c != ']' && c != ':') {
      return std::nullopt;
    }
  }
  std::string out = absl::AsciiStrToLower(host);
  if (port.empty()) return out;
  int number = 0;
  if (port.size() > 5 || !absl::SimpleAtoi(port, &number) || number < 1 ||
      number > 65535 || !absl::ascii_isdigit(port[0])) {
    return std::nullopt;
  }
  const int standard = scheme == "https" ? 443 : 80;
  if (number != standard) absl::StrAppend(&out, ":", number);
  return out;
}

}  // namespace

std::optional<std::string> WebOriginOf(absl::string_view url) {
  std::string scheme;
  absl::string_view authority;
  if (!SchemeAndAuthority(url, &scheme, &authority)) return std::nullopt;
  if (scheme != "http" && scheme != "https") return std::nullopt;
  auto host_port = HostPort(scheme, authority);
  if (!host_port.has_value()) return std::nullopt;
  return absl::StrCat(scheme, "://", *host_port);
}

bool IsSerializedWebOrigin(absl::string_view origin) {
  // Exactly what WebOriginOf gives back: a browser sends it serialized.
  const std::optional<std::string> parsed = WebOriginOf(origin);
  return parsed.has_value() && absl::string_view(*parsed) == origin;
}

bool CorsPolicy::Allows(absl::string_view client_id,
                        absl::string_view origin) const {
  if (client_id.empty() || !IsSerializedWebOrigin(origin)) return false;
  auto client = clients_->GetClient(client_id);
  if (!client.ok()) return false;
  for (const std::string& uri : client->redirect_uris) {
    const std::optional<std::string> allowed = WebOriginOf(uri);
    if (allowed.has_value() && absl::string_view(*allowed) == origin) {
      return true;
    }
  }
  return false;
}

}  // namespace identity::server
