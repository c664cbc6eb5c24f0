// Renders every page in every language for a theme into a directory, so an
// operator can look at a theme before deploying it, and tests/oidc_http can
// scan pages that have no route yet (the confirmation page).
//
//   page_preview OUT_DIR [--product-name=NAME] [--logo-url=URL]
//                [--primary-color=#rrggbb] [--background-color=#rrggbb]
//                [--template-dir=DIR]   (layout.html, style.css: as
//                                        --theme-template-dir)
//
// Writes content-security-policy.txt (the header every page is sent with)
// and, for each language tag T, login.T.html, login-error.T.html,
// error.T.html, confirm-logout.T.html and confirm-consent.T.html. Exit 0,
// 1 when a file cannot be written, 2 on bad arguments or theme.
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/http/page_messages.h"
#include "server/http/pages.h"

namespace identity::server {
namespace {

// The whole of `path`, or nullopt when it cannot be read.
std::optional<std::string> Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The theme of the arguments after OUT_DIR, or an error message.
bool ParseTheme(const std::vector<std::string>& args, PageTheme& theme,
                std::string& error) {
  std::string template_dir;
  const std::vector<std::pair<std::string, std::string*>> flags = {
      {"--product-name=", &theme.product_name},
      {"--logo-url=", &theme.logo_url},
      {"--primary-color=", &theme.primary_color},
      {"--background-color=", &theme.background_color},
      {"--template-dir=", &template_dir},
  };
  for (const std::string& arg : args) {
    bool known = false;
    for (const auto& [prefix, field] : flags) {
      if (absl::StartsWith(arg, prefix)) {
        *field = arg.substr(prefix.size());
        known = true;
      }
    }
    if (!known) {
      error = absl::StrCat("unknown argument ", arg);
      return false;
    }
  }
  if (template_dir.empty()) return true;
  auto layout = Read(template_dir + "/layout.html");
  if (!layout.has_value()) {
    error = absl::StrCat("cannot read ", template_dir, "/layout.html");
    return false;
  }
  theme.layout_template = *std::move(layout);
  theme.stylesheet = Read(template_dir + "/style.css").value_or("");
  return true;
}

// The pages for one language, by file name stem.
std::vector<std::pair<std::string, std::string>> PagesIn(const Pages& pages,
                                                         Locale locale) {
  const HiddenFields request = {{"client_id", "web"}, {"state", "af0ifjsldkj"}};
  const std::string csrf = "preview-csrf-token";
  LoginView login{"Example Web App", request, csrf, "", "", false};
  LoginView failed = login;
  failed.username = "alice";
  failed.error = Format(locale, Msg::kWrongCredentials);
  failed.credentials_rejected = true;
  ConfirmView logout{
      "/logout",
      Msg::kLogoutTitle,
      Format(locale, Msg::kLogoutMessage, {pages.theme().product_name}),
      {},
      request,
      csrf,
      Msg::kLogoutConfirm,
      Msg::kLogoutCancel};
  ConfirmView consent{
      "/consent",
      Msg::kConsentTitle,
      Format(locale, Msg::kConsentMessage, {"Example Web App"}),
      {Format(locale, Msg::kScopeOpenid), Format(locale, Msg::kScopeProfile),
       Format(locale, Msg::kScopeEmail),
       Format(locale, Msg::kScopeOther, {"orders.read"})},
      request,
      csrf,
      Msg::kConsentAllow,
      Msg::kConsentDeny};
  ErrorView error{Format(locale, Msg::kErrorCannotContinue),
                  "redirect_uri is not registered for the client"};
  // RFC 8628: the code entry page (empty, and with a code refused) and the
  // approval page.
  DeviceCodeView device_code{{{"step", "code"}}, csrf, "", "", false};
  DeviceCodeView device_refused = device_code;
  device_refused.user_code = "BDFG-HJKX";
  device_refused.error = Format(locale, Msg::kDeviceCodeUnknown);
  device_refused.code_rejected = true;
  ConfirmView device_approval{
      "/device",
      Msg::kDeviceApproveTitle,
      Format(locale, Msg::kDeviceApproveMessage, {"Example CLI", "BDFG-HJKX"}),
      {Format(locale, Msg::kScopeOpenid),
       Format(locale, Msg::kScopeOther, {"orders.read"})},
      {{"step", "decide"}, {"user_code", "BDFG-HJKX"}},
      csrf,
      Msg::kConsentAllow,
      Msg::kConsentDeny};
  return {{"login", pages.Login(locale, login)},
          {"device-code", pages.DeviceCode(locale, device_code)},
          {"device-code-error", pages.DeviceCode(locale, device_refused)},
          {"confirm-device", pages.Confirm(locale, device_approval)},
          {"login-error", pages.Login(locale, failed)},
          {"error", pages.Error(locale, error)},
          {"confirm-logout", pages.Confirm(locale, logout)},
          {"confirm-consent", pages.Confirm(locale, consent)}};
}

bool Write(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) std::cerr << "page_preview: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

int Main(const std::vector<std::string>& args) {
  if (args.empty() || absl::StartsWith(args[0], "--")) {
    std::cerr << "usage: page_preview OUT_DIR [--product-name=NAME] "
                 "[--logo-url=URL] [--primary-color=#rrggbb] "
                 "[--background-color=#rrggbb]\n";
    return 2;
  }
  PageTheme theme;
  std::string error;
  if (!ParseTheme({args.begin() + 1, args.end()}, theme, error)) {
    std::cerr << "page_preview: " << error << "\n";
    return 2;
  }
  auto pages = Pages::Create(theme);
  if (!pages.ok()) {
    std::cerr << "page_preview: " << pages.status().message() << "\n";
    return 2;
  }
  const std::string& dir = args[0];
  if (!Write(dir + "/content-security-policy.txt",
             pages->content_security_policy() + "\n")) {
    return 1;
  }
  for (Locale locale : AllLocales()) {
    for (const auto& [stem, html] : PagesIn(*pages, locale)) {
      if (!Write(absl::StrCat(dir, "/", stem, ".", LocaleTag(locale), ".html"),
                 html)) {
        return 1;
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace identity::server

int main(int argc, char** argv) {
  return identity::server::Main({argv + 1, argv + argc});
}
