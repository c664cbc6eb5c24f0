#include "server/http/form.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace identity::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int high = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return absl::InvalidArgumentError("malformed percent-encoding");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseForm(
    absl::string_view text) {
  std::map<std::string, std::string> form;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    auto name = Decode(pair.substr(0, eq));
    if (!name.ok()) return name.status();
    auto value = Decode(eq == absl::string_view::npos ? absl::string_view()
                                                      : pair.substr(eq + 1));
    if (!value.ok()) return value.status();
    if (!form.emplace(*std::move(name), *std::move(value)).second) {
      return absl::InvalidArgumentError(
          "a parameter is repeated (RFC 6749 §3.1)");
    }
  }
  return form;
}

std::map<std::string, std::string> ParseCookies(absl::string_view header) {
  std::map<std::string, std::string> cookies;
  for (absl::string_view pair : absl::StrSplit(header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos || eq == 0) continue;
    absl::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    cookies.emplace(std::string(pair.substr(0, eq)), std::string(value));
  }
  return cookies;
}

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      case '\'':
        out.append("&#39;");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace identity::server
