#include "server/http/pages.h"

#include <openssl/sha.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/http/form.h"

namespace identity::server {
namespace {

// Dark text on the white card: #111827 is 17.7:1, #4b5563 7.6:1, the
// error text #991b1b on #fef2f2 8.3:1, the field border #6b7280 4.8:1
// (WCAG 1.4.3 and 1.4.11, AA). Only the theme's colours vary, and each is
// paired with a text colour computed to keep AA (page_theme.h).
constexpr char kFixedStyle[] =
    "*,*::before,*::after{box-sizing:border-box}"
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}"
    "body{margin:0;min-height:100vh;display:flex;flex-direction:column;"
    "padding:1rem;background:var(--bg);color:#111827;"
    "font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
    "\"Helvetica Neue\",Arial,\"Noto Sans\",\"Liberation Sans\",sans-serif}"
    "main{margin:auto;width:100%;max-width:26rem;background:#fff;"
    "border-radius:.75rem;padding:1.5rem 1.25rem;"
    "box-shadow:0 1px 3px rgba(0,0,0,.12),0 8px 24px rgba(0,0,0,.08)}"
    ".brand{display:flex;align-items:center;gap:.625rem;margin:0 0 1.5rem;"
    "font-weight:600;color:#374151;overflow-wrap:anywhere}"
    ".brand img{display:block;height:2rem;width:auto;max-width:8rem}"
    "h1{font-size:1.5rem;line-height:1.25;margin:0 0 .5rem}"
    ".lead{margin:0 0 1.25rem;color:#4b5563;overflow-wrap:anywhere}"
    ".lead strong{color:#111827}"
    "label{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "input{display:block;width:100%;font:inherit;padding:.625rem .75rem;"
    "border:1px solid #6b7280;border-radius:.375rem;background:#fff;"
    "color:#111827}"
    "input[aria-invalid=true]{border:2px solid #b91c1c}"
    "button{display:block;width:100%;min-height:2.75rem;font:inherit;"
    "font-weight:600;padding:.625rem 1rem;margin:1.5rem 0 0;"
    "border-radius:.375rem;border:2px solid var(--primary);"
    "background:var(--primary);color:var(--on-primary);cursor:pointer}"
    "button.secondary{background:#fff;color:#111827;border-color:#6b7280}"
    ".actions{display:flex;flex-direction:column;gap:.75rem;"
    "margin-top:1.5rem}"
    ".actions button{margin:0}"
    ":focus-visible{outline:3px solid var(--ring);outline-offset:2px}"
    "input:focus{outline:3px solid var(--ring);outline-offset:1px}"
    ".alert{margin:0 0 1rem;padding:.75rem 1rem;border-radius:.375rem;"
    "background:#fef2f2;color:#991b1b;border:1px solid #f87171}"
    ".details{margin:1rem 0 0;font-size:.875rem;color:#4b5563;"
    "overflow-wrap:anywhere}"
    "ul{margin:0;padding-left:1.25rem}li{margin:.25rem 0}"
    "@media (min-width:40em){body{padding:2rem}main{padding:2.5rem}"
    ".actions{flex-direction:row}.actions button{flex:1}}"
    "@media (forced-colors:active){button{border:2px solid ButtonText}}";

// The document around every page (page_theme.h, kLayoutPlaceholders).
constexpr char kDefaultLayout[] =
    "<!doctype html>\n<html lang=\"{{lang}}\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">"
    "<meta name=\"robots\" content=\"noindex\">"
    "<title>{{title}} – {{product_name}}</title>"
    "<style>{{style}}</style></head>"
    "<body><main>{{brand}}{{content}}</main></body></html>\n";

// The theme's part of the stylesheet: custom properties only, from
// validated #rrggbb values.
std::string ThemeStyle(const PageTheme& theme) {
  // The focus ring is drawn on the white card: the primary colour when it
  // stands out (WCAG 1.4.11, 3:1), else near-black.
  const std::string ring = ContrastRatio(theme.primary_color, "#ffffff") >= 3
                               ? theme.primary_color
                               : std::string("#111827");
  return absl::StrCat(":root{--primary:", theme.primary_color,
                      ";--on-primary:", TextColorOn(theme.primary_color),
                      ";--bg:", theme.background_color, ";--ring:", ring,
                      ";color-scheme:light}");
}

// CSP3 §2.3.1 hash-source of the stylesheet's exact text.
std::string StyleHash(absl::string_view style) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(style.data()), style.size(),
         digest);
  return absl::StrCat("'sha256-",
                      absl::Base64Escape(absl::string_view(
                          reinterpret_cast<char*>(digest), sizeof(digest))),
                      "'");
}

std::string Hidden(absl::string_view name, absl::string_view value) {
  return absl::StrCat("<input type=\"hidden\" name=\"", HtmlEscape(name),
                      "\" value=\"", HtmlEscape(value), "\">");
}

std::string HiddenInputs(const HiddenFields& fields, absl::string_view csrf) {
  std::string html;
  for (const auto& [name, value] : fields) {
    absl::StrAppend(&html, Hidden(name, value));
  }
  absl::StrAppend(&html, Hidden("csrf", csrf));
  return html;
}

// `msg` with {0} as <strong>escaped arg</strong>, the rest escaped.
std::string WithStrongArgument(Locale locale, Msg msg, absl::string_view arg) {
  // A marker no escaped text can hold, replaced after escaping.
  const std::string marker = "\x01";
  std::string html = HtmlEscape(Format(locale, msg, {marker}));
  const size_t at = html.find(marker);
  if (at == std::string::npos) return html;
  return html.replace(at, marker.size(),
                      absl::StrCat("<strong>", HtmlEscape(arg), "</strong>"));
}

}  // namespace

absl::StatusOr<Pages> Pages::Create(PageTheme theme) {
  if (absl::Status checked = CheckTheme(theme); !checked.ok()) return checked;
  return Pages(std::move(theme));
}

Pages::Pages(PageTheme theme) : theme_(std::move(theme)) {
  layout_ = theme_.layout_template.empty() ? std::string(kDefaultLayout)
                                           : theme_.layout_template;
  style_ =
      absl::StrCat(ThemeStyle(theme_),
                   theme_.stylesheet.empty() ? kFixedStyle : theme_.stylesheet);
  csp_ = absl::StrCat("default-src 'none'; style-src ", StyleHash(style_));
  if (const std::string logo = LogoSource(theme_); !logo.empty()) {
    absl::StrAppend(&csp_, "; img-src ", logo);
  }
  absl::StrAppend(&csp_, "; frame-ancestors 'none'; base-uri 'none'");
  brand_ = "<div class=\"brand\">";
  if (!theme_.logo_url.empty()) {
    // Decorative: the product name follows as text.
    absl::StrAppend(&brand_, "<img src=\"", HtmlEscape(theme_.logo_url),
                    "\" alt=\"\">");
  }
  absl::StrAppend(&brand_, "<span>", HtmlEscape(theme_.product_name),
                  "</span></div>");
}

std::string Pages::Layout(Locale locale, Msg title,
                          absl::string_view body) const {
  // One pass over the template: a value holding "{{" is never re-read.
  const absl::string_view layout = layout_;
  std::string html;
  size_t at = 0;
  for (size_t open = layout.find("{{"); open != absl::string_view::npos;
       open = layout.find("{{", at)) {
    const size_t close = layout.find("}}", open);  // CheckLayoutTemplate.
    const absl::string_view name = layout.substr(open + 2, close - open - 2);
    absl::StrAppend(&html, layout.substr(at, open - at));
    if (name == "content") {
      absl::StrAppend(&html, body);
    } else if (name == "style") {
      absl::StrAppend(&html, style_);
    } else if (name == "brand") {
      absl::StrAppend(&html, brand_);
    } else if (name == "lang") {
      absl::StrAppend(&html, LocaleTag(locale));
    } else if (name == "title") {
      absl::StrAppend(&html, HtmlEscape(Format(locale, title)));
    } else if (name == "product_name") {
      absl::StrAppend(&html, HtmlEscape(theme_.product_name));
    } else if (name == "logo_url") {
      absl::StrAppend(&html, HtmlEscape(theme_.logo_url));
    }
    at = close + 2;
  }
  absl::StrAppend(&html, layout.substr(at));
  return html;
}

std::string Pages::Login(Locale locale, const LoginView& view) const {
  std::string body = absl::StrCat(
      "<h1>", HtmlEscape(Format(locale, Msg::kSignInTitle)),
      "</h1><p class=\"lead\">",
      WithStrongArgument(locale, Msg::kContinueTo, view.client_name), "</p>");
  std::string described;
  if (!view.error.empty()) {
    absl::StrAppend(&body,
                    "<p class=\"alert\" id=\"login-error\" role=\"alert\">",
                    HtmlEscape(view.error), "</p>");
    described = " aria-describedby=\"login-error\"";
    if (view.credentials_rejected) {
      absl::StrAppend(&described, " aria-invalid=\"true\"");
    }
  }
  // The first empty field takes the focus.
  const bool has_username = !view.username.empty();
  absl::StrAppend(
      &body, "<form method=\"post\" action=\"", HtmlEscape(view.action), "\">",
      HiddenInputs(view.hidden, view.csrf), "<label for=\"username\">",
      HtmlEscape(Format(locale, Msg::kUsername)),
      "</label><input id=\"username\" name=\"username\" type=\"text\" "
      "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
      "value=\"",
      HtmlEscape(view.username), "\" required",
      has_username ? "" : " autofocus", described, "><label for=\"password\">",
      HtmlEscape(Format(locale, Msg::kPassword)),
      "</label><input id=\"password\" name=\"password\" type=\"password\" "
      "autocomplete=\"current-password\" required",
      has_username ? " autofocus" : "", described, "><button type=\"submit\">",
      HtmlEscape(Format(locale, Msg::kSignInButton)), "</button></form>");
  return Layout(locale, Msg::kSignInTitle, body);
}

std::string Pages::Error(Locale locale, const ErrorView& view) const {
  std::string body = absl::StrCat(
      "<h1>", HtmlEscape(Format(locale, view.title)),
      "</h1><p class=\"alert\" role=\"alert\">", HtmlEscape(view.message),
      "</p><p>", HtmlEscape(Format(locale, Msg::kErrorGoBack)), "</p>");
  if (!view.detail.empty()) {
    absl::StrAppend(&body, "<p class=\"details\">",
                    HtmlEscape(Format(locale, Msg::kErrorDetails)),
                    ": <span lang=\"en\">", HtmlEscape(view.detail),
                    "</span></p>");
  }
  return Layout(locale, view.title, body);
}

std::string Pages::Confirm(Locale locale, const ConfirmView& view) const {
  std::string body =
      absl::StrCat("<h1>", HtmlEscape(Format(locale, view.title)),
                   "</h1><p class=\"lead\">", HtmlEscape(view.message), "</p>");
  if (!view.items.empty()) {
    absl::StrAppend(&body, "<ul>");
    for (const std::string& item : view.items) {
      absl::StrAppend(&body, "<li>", HtmlEscape(item), "</li>");
    }
    absl::StrAppend(&body, "</ul>");
  }
  absl::StrAppend(
      &body, "<form method=\"post\" action=\"", HtmlEscape(view.action), "\">",
      HiddenInputs(view.hidden, view.csrf),
      "<div class=\"actions\"><button type=\"submit\" name=\"decision\" "
      "value=\"confirm\">",
      HtmlEscape(Format(locale, view.confirm)),
      "</button><button type=\"submit\" name=\"decision\" value=\"cancel\" "
      "class=\"secondary\">",
      HtmlEscape(Format(locale, view.cancel)), "</button></div></form>");
  return Layout(locale, view.title, body);
}

std::string Pages::DeviceCode(Locale locale, const DeviceCodeView& view) const {
  std::string body =
      absl::StrCat("<h1>", HtmlEscape(Format(locale, Msg::kDeviceTitle)),
                   "</h1><p class=\"lead\">",
                   HtmlEscape(Format(locale, Msg::kDeviceEnterCode)), "</p>");
  std::string described;
  if (!view.error.empty()) {
    absl::StrAppend(&body,
                    "<p class=\"alert\" id=\"code-error\" role=\"alert\">",
                    HtmlEscape(view.error), "</p>");
    described = " aria-describedby=\"code-error\"";
    if (view.code_rejected)
      absl::StrAppend(&described, " aria-invalid=\"true\"");
  }
  // RFC 8628 §6.1: case and the dash do not matter; no autocorrection.
  absl::StrAppend(
      &body, "<form method=\"post\" action=\"/device\">",
      HiddenInputs(view.hidden, view.csrf), "<label for=\"user_code\">",
      HtmlEscape(Format(locale, Msg::kDeviceCodeLabel)),
      "</label><input id=\"user_code\" name=\"user_code\" type=\"text\" "
      "autocomplete=\"one-time-code\" autocapitalize=\"characters\" "
      "spellcheck=\"false\" maxlength=\"32\" value=\"",
      HtmlEscape(view.user_code), "\" required autofocus", described,
      "><button type=\"submit\">",
      HtmlEscape(Format(locale, Msg::kDeviceContinue)), "</button></form>");
  return Layout(locale, Msg::kDeviceTitle, body);
}

std::string Pages::Notice(Locale locale, Msg title,
                          absl::string_view message) const {
  return Layout(
      locale, title,
      absl::StrCat("<h1>", HtmlEscape(Format(locale, title)),
                   "</h1><p class=\"lead\">", HtmlEscape(message), "</p>"));
}

}  // namespace identity::server
