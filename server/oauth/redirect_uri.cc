#include "server/oauth/redirect_uri.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

bool IsLoopbackHost(absl::string_view host) {
  return host == "127.0.0.1" || host == "[::1]" ||
         absl::EqualsIgnoreCase(host, "localhost");
}

struct LoopbackParts {
  std::string host;  // Lower-case.
  std::string rest;  // Path and query.
};

// An http URI on a loopback host, split around its port.
std::optional<LoopbackParts> SplitLoopback(absl::string_view uri) {
  if (!absl::ConsumePrefix(&uri, "http://")) return std::nullopt;
  const size_t end = uri.find_first_of("/?");
  absl::string_view authority = uri.substr(0, end);
  LoopbackParts parts;
  parts.rest =
      end == absl::string_view::npos ? "" : std::string(uri.substr(end));
  // The authority is exactly a loopback host, then nothing or ":" and a
  // port: no user information ("127.0.0.1:@evil.example" is evil.example to
  // a browser), nothing else.
  absl::string_view host = authority;
  absl::string_view port;
  if (absl::StartsWith(host, "[")) {
    const size_t close = host.find(']');
    if (close == absl::string_view::npos) return std::nullopt;
    port = host.substr(close + 1);
    host = host.substr(0, close + 1);
  } else {
    const size_t colon = host.find(':');
    if (colon != absl::string_view::npos) {
      port = host.substr(colon);
      host = host.substr(0, colon);
    }
  }
  if (!port.empty()) {
    int number = 0;
    if (port[0] != ':' || port.size() < 2 || port.size() > 6 ||
        !absl::SimpleAtoi(port.substr(1), &number) || number < 1 ||
        number > 65535) {
      return std::nullopt;
    }
    for (char c : port.substr(1)) {
      if (!absl::ascii_isdigit(c)) return std::nullopt;
    }
  }
  if (!IsLoopbackHost(host)) return std::nullopt;
  parts.host = absl::AsciiStrToLower(host);
  return parts;
}

absl::Status Refuse(absl::string_view why) {
  return OAuthFailure(OAuthError::kInvalidRequest,
                      absl::StrCat("redirect_uri ", why));
}

}  // namespace

absl::Status ValidateRedirectUri(absl::string_view uri) {
  if (uri.empty() || uri.size() > 2000) {
    return Refuse("must be 1 to 2000 characters");
  }
  for (char c : uri) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) {
      return Refuse("must be ASCII without spaces or control characters");
    }
  }
  if (absl::StrContains(uri, '#')) return Refuse("must not have a fragment");
  const size_t colon = uri.find(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return Refuse("must be an absolute URI");
  }
  const std::string scheme = absl::AsciiStrToLower(uri.substr(0, colon));
  for (char c : scheme) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') {
      return Refuse("has an invalid scheme");
    }
  }
  absl::string_view rest = uri.substr(colon + 1);
  if (scheme == "https" || scheme == "http") {
    if (!absl::ConsumePrefix(&rest, "//")) return Refuse("must have a host");
    const size_t end = rest.find_first_of("/?");
    absl::string_view authority = rest.substr(0, end);
    if (authority.empty() || absl::StrContains(authority, '@')) {
      return Refuse("must have a host and no user information");
    }
    // The host, then nothing or ":port".
    absl::string_view host = authority;
    absl::string_view after;
    if (absl::StartsWith(host, "[")) {
      const size_t close = host.find(']');
      if (close == absl::string_view::npos) return Refuse("has a bad host");
      after = host.substr(close + 1);
      host = host.substr(0, close + 1);
    } else {
      const size_t colon = host.find(':');
      if (colon != absl::string_view::npos) {
        after = host.substr(colon);
        host = host.substr(0, colon);
      }
    }
    if (host.empty()) return Refuse("must have a host");
    if (!after.empty()) {
      int port = 0;
      if (after[0] != ':' || after.size() > 6 ||
          !absl::SimpleAtoi(after.substr(1), &port) || port < 1 ||
          port > 65535) {
        return Refuse("has a bad port");
      }
    }
    if (scheme == "http" && !IsLoopbackHost(host)) {
      return Refuse("must use https (http only on a loopback host)");
    }
    return absl::OkStatus();
  }
  if (scheme == "javascript" || scheme == "data" || scheme == "file" ||
      scheme == "vbscript") {
    return Refuse("has a forbidden scheme");
  }
  if (!absl::StrContains(scheme, '.')) {
    return Refuse(
        "must be https, loopback http, or a private-use scheme with a dot "
        "(com.example.app:/callback)");
  }
  return absl::OkStatus();
}

bool RedirectUriMatches(absl::string_view registered,
                        absl::string_view requested) {
  if (registered == requested) return true;
  // RFC 8252 §7.3: a native app's loopback listener gets a port from the
  // operating system at run time, so any port matches.
  // The requested URI must itself be one that could be registered (no
  // user information, no control characters, no fragment).
  if (!ValidateRedirectUri(requested).ok()) return false;
  auto a = SplitLoopback(registered);
  auto b = SplitLoopback(requested);
  return a.has_value() && b.has_value() && a->host == b->host &&
         a->rest == b->rest;
}

std::string FormEncode(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (absl::ascii_isalnum(c) || c == '*' || c == '-' || c == '.' ||
        c == '_') {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      absl::StrAppendFormat(&out, "%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string AppendQuery(
    absl::string_view uri,
    const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out(uri);
  char separator = absl::StrContains(uri, '?') ? '&' : '?';
  if (!out.empty() && (out.back() == '?' || out.back() == '&')) separator = 0;
  for (const auto& [name, value] : parameters) {
    if (separator != 0) out.push_back(separator);
    separator = '&';
    out.append(FormEncode(name)).push_back('=');
    out.append(FormEncode(value));
  }
  return out;
}

}  // namespace identity::server
