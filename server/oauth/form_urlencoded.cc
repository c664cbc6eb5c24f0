#include "server/oauth/form_urlencoded.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> FormUrlDecode(absl::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (size_t i = 0; i < component.size(); ++i) {
    const char c = component[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      const int high =
          i + 2 < component.size() ? HexValue(component[i + 1]) : -1;
      const int low =
          i + 2 < component.size() ? HexValue(component[i + 2]) : -1;
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

bool IsRepeatableParameter(absl::string_view name) {
  return name == kResourceParameter || name == kAudienceParameter;
}

absl::StatusOr<std::map<std::string, std::string>> ParseFormUrlEncoded(
    absl::string_view text) {
  std::map<std::string, std::string> form;
  for (absl::string_view pair : absl::StrSplit(text, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    std::optional<std::string> name = FormUrlDecode(pair.substr(0, eq));
    std::optional<std::string> value =
        FormUrlDecode(eq == absl::string_view::npos ? absl::string_view()
                                                    : pair.substr(eq + 1));
    if (!name.has_value() || !value.has_value()) {
      return absl::InvalidArgumentError("malformed percent-encoding");
    }
    if (IsRepeatableParameter(*name)) {
      auto [it, inserted] = form.emplace(*std::move(name), "");
      absl::StrAppend(&it->second, inserted ? "" : " ", *value);
      continue;
    }
    if (!form.emplace(*std::move(name), *std::move(value)).second) {
      return absl::InvalidArgumentError(
          "a parameter is repeated (RFC 6749 §3.1)");
    }
  }
  return form;
}

}  // namespace identity::server
