#include "server/http/page_theme.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace identity::server {
namespace {

constexpr size_t kMaxProductName = 64;
constexpr size_t kMaxLogoUrl = 2048;
constexpr size_t kMaxLogoDataUri = 32 * 1024;
constexpr size_t kMaxTemplate = 64 * 1024;
// Pure black: with white, one of the two is always at least 4.58:1 away
// from any colour (a softer black would fall to 4.2:1 on mid tones).
constexpr char kBlack[] = "#000000";
constexpr char kWhite[] = "#ffffff";

absl::Status Why(absl::string_view why) {
  return absl::InvalidArgumentError(why);
}

// RFC 3986 §2: unreserved, pct-encoded's '%', gen-delims and sub-delims,
// less what a CSP source list or an HTML attribute would read otherwise
// (';' ',' and the quote '\'').
bool IsUrlChar(char c) {
  if (absl::ascii_isalnum(c)) return true;
  return absl::string_view("-._~%:/?#[]@!$&()*+=").find(c) !=
         absl::string_view::npos;
}

bool IsBase64Char(char c) {
  return absl::ascii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

absl::Status CheckHttpsLogo(absl::string_view url) {
  if (url.size() > kMaxLogoUrl) return Why("at most 2048 bytes");
  absl::string_view rest = url.substr(8);
  const absl::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || absl::StrContains(host, '@')) {
    return Why("an https:// URL needs a host and no user part");
  }
  for (char c : url) {
    if (!IsUrlChar(c)) {
      return Why(
          "only the characters of RFC 3986 (no spaces, quotes, ';' or ','; "
          "percent-encode them)");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDataLogo(absl::string_view url) {
  if (url.size() > kMaxLogoDataUri) {
    return Why("a data: URI is sent with every page: at most 32 KiB");
  }
  bool known_type = false;
  for (const char* type : {"image/png", "image/jpeg", "image/gif", "image/webp",
                           "image/svg+xml"}) {
    known_type |=
        absl::StartsWith(url, absl::StrCat("data:", type, ";base64,"));
  }
  if (!known_type) {
    return Why(
        "a data: URI must be data:image/png (or jpeg, gif, webp, svg+xml) "
        ";base64,...");
  }
  for (char c : url.substr(url.find(',') + 1)) {
    if (!IsBase64Char(c)) return Why("the data: URI's payload is not base64");
  }
  return absl::OkStatus();
}

// sRGB relative luminance (WCAG 2.1, "relative luminance").
double Luminance(absl::string_view color) {
  double channels[3];
  for (int i = 0; i < 3; ++i) {
    const int value =
        std::stoi(std::string(color.substr(1 + 2 * i, 2)), nullptr, 16);
    const double c = value / 255.0;
    channels[i] = c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  }
  return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2];
}

}  // namespace

absl::Status CheckProductName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxProductName) {
    return Why("must be 1 to 64 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return Why("must not hold control characters");
  }
  return absl::OkStatus();
}

absl::Status CheckLogoUrl(absl::string_view url) {
  if (url.empty()) return absl::OkStatus();
  if (absl::StartsWith(url, "https://")) return CheckHttpsLogo(url);
  if (absl::StartsWith(url, "data:")) return CheckDataLogo(url);
  return Why("must be an https:// URL or a data:image/...;base64, URI");
}

absl::Status CheckColor(absl::string_view color) {
  if (color.size() != 7 || color[0] != '#') {
    return Why("must be a colour #rrggbb, such as #1d4ed8");
  }
  for (char c : color.substr(1)) {
    if (!absl::ascii_isxdigit(c)) {
      return Why("must be a colour #rrggbb, such as #1d4ed8");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckLayoutTemplate(absl::string_view layout) {
  if (layout.size() > kMaxTemplate) return Why("at most 64 KiB");
  int content = 0;
  int style = 0;
  for (size_t open = layout.find("{{"); open != absl::string_view::npos;
       open = layout.find("{{", open + 2)) {
    const size_t close = layout.find("}}", open + 2);
    if (close == absl::string_view::npos) return Why("a {{ without its }}");
    const absl::string_view name = layout.substr(open + 2, close - open - 2);
    bool known = false;
    for (const char* placeholder : kLayoutPlaceholders) {
      known |= name == placeholder;
    }
    if (!known) {
      return Why(absl::StrCat("unknown placeholder {{", name.substr(0, 40),
                              "}}; known: lang, title, product_name, "
                              "logo_url, brand, style, content"));
    }
    content += name == "content";
    style += name == "style";
  }
  if (content != 1) return Why("needs {{content}} exactly once");
  if (style != 1 || !absl::StrContains(layout, "<style>{{style}}</style>")) {
    return Why("needs <style>{{style}}</style> exactly once");
  }
  return absl::OkStatus();
}

absl::Status CheckStylesheet(absl::string_view css) {
  if (css.size() > kMaxTemplate) return Why("at most 64 KiB");
  if (absl::StrContains(absl::AsciiStrToLower(css), "</style")) {
    return Why("must not hold </style");
  }
  return absl::OkStatus();
}

absl::Status CheckTheme(const PageTheme& theme) {
  for (absl::Status status :
       {CheckProductName(theme.product_name), CheckLogoUrl(theme.logo_url),
        CheckColor(theme.primary_color), CheckColor(theme.background_color),
        theme.layout_template.empty()
            ? absl::OkStatus()
            : CheckLayoutTemplate(theme.layout_template),
        CheckStylesheet(theme.stylesheet)}) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

double ContrastRatio(absl::string_view a, absl::string_view b) {
  double la = Luminance(a);
  double lb = Luminance(b);
  if (la < lb) std::swap(la, lb);
  return (la + 0.05) / (lb + 0.05);
}

std::string TextColorOn(absl::string_view background) {
  return ContrastRatio(background, kBlack) >= ContrastRatio(background, kWhite)
             ? kBlack
             : kWhite;
}

std::string LogoSource(const PageTheme& theme) {
  if (theme.logo_url.empty()) return "";
  if (absl::StartsWith(theme.logo_url, "data:")) return "data:";
  // CSP3 §2.3.1: a source expression has no query or fragment.
  return theme.logo_url.substr(0, theme.logo_url.find_first_of("?#"));
}

}  // namespace identity::server
