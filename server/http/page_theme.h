// The operator's theme of the pages people see (docs/configuration.md,
// "Pages"): product name, logo and two colours, validated once at start-up
// by the configuration (server/config.cc) and turned into the stylesheet and
// Content-Security-Policy of every page (pages.h).
#ifndef IDENTITY_SERVER_HTTP_PAGE_THEME_H_
#define IDENTITY_SERVER_HTTP_PAGE_THEME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::server {

// The theme settings' defaults (docs/configuration.md).
inline constexpr char kDefaultProductName[] = "identity";
inline constexpr char kDefaultPrimaryColor[] = "#1d4ed8";
inline constexpr char kDefaultBackgroundColor[] = "#f3f4f6";

// Immutable once built; every field already validated (CheckProductName,
// CheckLogoUrl, CheckColor).
struct PageTheme {
  std::string product_name = kDefaultProductName;
  // Empty: no logo. Else an https:// URL or a data:image/...;base64, URI.
  std::string logo_url;
  std::string primary_color = kDefaultPrimaryColor;        // "#rrggbb"
  std::string background_color = kDefaultBackgroundColor;  // "#rrggbb"
  // From --theme-template-dir: the document around every page's content
  // (layout.html; CheckLayoutTemplate) and the stylesheet (style.css;
  // CheckStylesheet). Empty: the built-in ones.
  std::string layout_template;
  std::string stylesheet;
};

// The placeholders of a layout template. {{content}} (the page's own
// markup: h1, message, form) and {{style}} (the stylesheet) are inserted as
// they are; {{brand}} is the server's logo and product name markup; the
// others are text, HTML-escaped.
inline constexpr const char* kLayoutPlaceholders[] = {
    "lang", "title", "product_name", "logo_url", "brand", "style", "content",
};

// 1 to 64 bytes of UTF-8 text without control characters. Errors:
// InvalidArgument saying why.
absl::Status CheckProductName(absl::string_view name);

// Empty (no logo); an https:// URL of at most 2048 bytes whose characters
// are RFC 3986's (no quotes, spaces, ';' or ',' either, which would break
// out of the CSP header's img-src); or a data: URI of a PNG, JPEG, GIF, WebP
// or SVG image in base64, at most 32 KiB (it is sent with every page).
// Errors: InvalidArgument saying why, without echoing the value.
absl::Status CheckLogoUrl(absl::string_view url);

// "#rrggbb", six hex digits in either case. Errors: InvalidArgument.
absl::Status CheckColor(absl::string_view color);

// A layout template: at most 64 KiB; {{content}} exactly once;
// "<style>{{style}}</style>" exactly once and no other {{style}} (the
// Content-Security-Policy allows the stylesheet by its hash, so it must be
// the whole of one <style> element); only the placeholders of
// kLayoutPlaceholders. Errors: InvalidArgument saying why.
absl::Status CheckLayoutTemplate(absl::string_view layout);

// A stylesheet: at most 64 KiB, and no "</style" (any case), which would
// end its element. Errors: InvalidArgument saying why.
absl::Status CheckStylesheet(absl::string_view css);

// All of the above for `theme`.
absl::Status CheckTheme(const PageTheme& theme);

// WCAG 2.1 contrast ratio of two "#rrggbb" colours, 1 to 21.
double ContrastRatio(absl::string_view a, absl::string_view b);

// Of black and white, the text colour with the higher contrast on
// `background` ("#rrggbb"): always at least 4.5:1 (WCAG 1.4.3 AA).
std::string TextColorOn(absl::string_view background);

// The CSP img-src source of the logo: the URL without its query or
// fragment, "data:", or "" without a logo.
std::string LogoSource(const PageTheme& theme);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_PAGE_THEME_H_
