// The pages people see: one layout, escaping of every text from outside,
// the accessibility hooks (labels, autocomplete, role=alert with
// aria-describedby, one h1, lang), localization, and the theme in the
// stylesheet and the Content-Security-Policy.
#include "server/http/pages.h"

#include <openssl/sha.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace identity::server {
namespace {

constexpr char kEvil[] = "<script>x</script>\"'&";
constexpr char kEvilEscaped[] =
    "&lt;script&gt;x&lt;/script&gt;&quot;&#39;&amp;";

int Count(const std::string& text, const std::string& part) {
  int n = 0;
  for (size_t at = text.find(part); at != std::string::npos;
       at = text.find(part, at + part.size())) {
    ++n;
  }
  return n;
}

Pages DefaultPages() { return *Pages::Create(PageTheme()); }

LoginView Login() {
  LoginView view;
  view.client_name = "Web App";
  view.hidden = {{"client_id", "web"}, {"state", "st"}};
  view.csrf = "csrf-token";
  return view;
}

ConfirmView Confirm() {
  ConfirmView view;
  view.action = "/logout";
  view.title = Msg::kLogoutTitle;
  view.message = "Sign out?";
  view.hidden = {{"state", "st"}};
  view.csrf = "csrf-token";
  view.confirm = Msg::kLogoutConfirm;
  view.cancel = Msg::kLogoutCancel;
  return view;
}

// Every page in every language.
std::vector<std::string> EveryPage(const Pages& pages) {
  std::vector<std::string> all;
  for (Locale locale : AllLocales()) {
    LoginView failed = Login();
    failed.error = "Wrong.";
    all.push_back(pages.Login(locale, Login()));
    all.push_back(pages.Login(locale, failed));
    all.push_back(pages.Error(locale, {"Cannot go on.", "detail"}));
    all.push_back(pages.Confirm(locale, Confirm()));
  }
  return all;
}

TEST(PagesTest, EveryPageHasTheOneLayout) {
  for (const std::string& page : EveryPage(DefaultPages())) {
    EXPECT_TRUE(absl::StartsWith(page, "<!doctype html>\n<html lang=\""));
    EXPECT_TRUE(absl::StrContains(
        page,
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">"));
    EXPECT_TRUE(absl::StrContains(page, "<meta charset=\"utf-8\">"));
    EXPECT_EQ(Count(page, "<h1>"), 1) << page;
    EXPECT_EQ(Count(page, "<style>"), 1);
    EXPECT_EQ(Count(page, "<main>"), 1);
    EXPECT_FALSE(absl::StrContains(page, "<script"));
    EXPECT_FALSE(absl::StrContains(page, " style=\""));
    EXPECT_TRUE(absl::StrContains(page, "<span>identity</span>"));
  }
}

// Only the stylesheet the server wrote may apply: its hash is the CSP's one
// style source ('unsafe-inline' is gone), nothing else loads.
TEST(PagesTest, TheCspAllowsExactlyTheStylesheetAndNothingElse) {
  const Pages pages = DefaultPages();
  const std::string page = pages.Login(Locale::kEnglish, Login());
  const size_t start = page.find("<style>") + 7;
  const std::string style = page.substr(start, page.find("</style>") - start);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(style.data()), style.size(),
         digest);
  const std::string hash = absl::Base64Escape(
      std::string(reinterpret_cast<char*>(digest), sizeof(digest)));
  EXPECT_EQ(pages.content_security_policy(),
            absl::StrCat("default-src 'none'; style-src 'sha256-", hash,
                         "'; frame-ancestors 'none'; base-uri 'none'"));
}

TEST(PagesTest, TheLogoIsTheOnlyImageTheCspAllows) {
  PageTheme theme;
  theme.logo_url = "https://cdn.example/logo.svg?v=3";
  const Pages https = *Pages::Create(theme);
  EXPECT_TRUE(absl::StrContains(https.content_security_policy(),
                                "; img-src https://cdn.example/logo.svg;"));
  EXPECT_TRUE(absl::StrContains(
      https.Login(Locale::kEnglish, Login()),
      "<img src=\"https://cdn.example/logo.svg?v=3\" alt=\"\">"));
  theme.logo_url = "data:image/png;base64,iVBORw0KGgo=";
  EXPECT_TRUE(absl::StrContains(Pages::Create(theme)->content_security_policy(),
                                "; img-src data:;"));
  EXPECT_FALSE(
      absl::StrContains(DefaultPages().content_security_policy(), "img-src"));
}

TEST(PagesTest, TheThemesColoursAreTheStylesheetsProperties) {
  PageTheme theme;
  theme.primary_color = "#fde047";  // Light: black text on it, dark ring.
  theme.background_color = "#0f172a";
  const std::string page =
      Pages::Create(theme)->Login(Locale::kEnglish, Login());
  EXPECT_TRUE(absl::StrContains(
      page,
      ":root{--primary:#fde047;--on-primary:#000000;--bg:#0f172a;"
      "--ring:#111827;"));
  theme.primary_color = "#1d4ed8";
  EXPECT_TRUE(absl::StrContains(
      Pages::Create(theme)->Login(Locale::kEnglish, Login()),
      ":root{--primary:#1d4ed8;--on-primary:#ffffff;--bg:#0f172a;"
      "--ring:#1d4ed8;"));
}

// --theme-template-dir: the operator's document around the server's
// content, with the operator's stylesheet (still allowed by its hash).
TEST(PagesTest, ATemplateReplacesTheLayoutAndTheStylesheet) {
  PageTheme theme;
  theme.product_name = "Acme & Co";
  theme.logo_url = "https://cdn.acme.example/logo.svg";
  theme.layout_template =
      "<!doctype html><html lang=\"{{lang}}\"><title>{{title}} | "
      "{{product_name}}</title><style>{{style}}</style><header>{{brand}}"
      "</header><main>{{content}}</main><footer>{{product_name}} "
      "{{logo_url}}</footer></html>";
  theme.stylesheet = "main{max-width:30rem}";
  const Pages pages = *Pages::Create(theme);
  const std::string page = pages.Login(Locale::kGerman, Login());
  const std::string style =
      ":root{--primary:#1d4ed8;--on-primary:#ffffff;--bg:#f3f4f6;"
      "--ring:#1d4ed8;color-scheme:light}main{max-width:30rem}";
  EXPECT_EQ(page.substr(0, page.find("<h1>")),
            "<!doctype html><html lang=\"de\"><title>Anmelden | Acme &amp; "
            "Co</title><style>" +
                style +
                "</style><header><div class=\"brand\"><img "
                "src=\"https://cdn.acme.example/logo.svg\" alt=\"\"><span>Acme "
                "&amp; Co</span></div></header><main>");
  EXPECT_TRUE(
      absl::EndsWith(page,
                     "</form></main><footer>Acme &amp; Co "
                     "https://cdn.acme.example/logo.svg</footer></html>"));
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(style.data()), style.size(),
         digest);
  EXPECT_TRUE(absl::StrContains(
      pages.content_security_policy(),
      absl::StrCat("style-src 'sha256-",
                   absl::Base64Escape(std::string(
                       reinterpret_cast<char*>(digest), sizeof(digest))),
                   "'")));
  theme.layout_template = "<main>{{content}}</main>";  // No <style>.
  EXPECT_FALSE(Pages::Create(theme).ok());
}

TEST(PagesTest, ABadThemeIsRefused) {
  PageTheme theme;
  theme.primary_color = "#1d4ed8;}body{display:none";
  EXPECT_EQ(Pages::Create(theme).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PagesTest, EveryTextFromOutsideIsEscaped) {
  PageTheme theme;
  theme.product_name = kEvil;
  const Pages pages = *Pages::Create(theme);
  LoginView login = Login();
  login.client_name = kEvil;
  login.hidden = {{kEvil, kEvil}};
  login.csrf = kEvil;
  login.username = kEvil;
  login.error = kEvil;
  ConfirmView confirm = Confirm();
  confirm.action = kEvil;
  confirm.message = kEvil;
  confirm.items = {kEvil};
  confirm.hidden = {{kEvil, kEvil}};
  confirm.csrf = kEvil;
  for (const std::string& page : {pages.Login(Locale::kEnglish, login),
                                  pages.Error(Locale::kEnglish, {kEvil, kEvil}),
                                  pages.Confirm(Locale::kEnglish, confirm)}) {
    EXPECT_FALSE(absl::StrContains(page, "<script>")) << page;
    EXPECT_FALSE(absl::StrContains(page, "\"'&")) << page;
    EXPECT_TRUE(absl::StrContains(page, kEvilEscaped)) << page;
  }
}

TEST(PagesTest, TheLoginFieldsAreLabelledAndAutocompleted) {
  const std::string page = DefaultPages().Login(Locale::kEnglish, Login());
  EXPECT_TRUE(absl::StrContains(page,
                                "<label for=\"username\">Username</label>"
                                "<input id=\"username\" name=\"username\""));
  EXPECT_TRUE(absl::StrContains(page,
                                "<label for=\"password\">Password</label>"
                                "<input id=\"password\" name=\"password\" "
                                "type=\"password\""));
  EXPECT_TRUE(absl::StrContains(page, "autocomplete=\"username\""));
  EXPECT_TRUE(absl::StrContains(page, "autocomplete=\"current-password\""));
  EXPECT_TRUE(absl::StrContains(
      page,
      "<form method=\"post\" action=\"/authorize\">"
      "<input type=\"hidden\" name=\"client_id\" value=\"web\">"
      "<input type=\"hidden\" name=\"state\" value=\"st\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"csrf-token\">"));
  EXPECT_TRUE(absl::StrContains(page,
                                "<p class=\"lead\">to continue to "
                                "<strong>Web App</strong></p>"));
  EXPECT_FALSE(absl::StrContains(page, "role=\"alert\""));
  EXPECT_FALSE(absl::StrContains(page, "aria-describedby"));
  // The empty username takes the focus.
  EXPECT_TRUE(absl::StrContains(page, "required autofocus>"));
}

// WCAG 4.1.3 and 3.3.1: the error is announced and tied to the fields.
TEST(PagesTest, ALoginErrorIsAnnouncedAndDescribesTheFields) {
  LoginView view = Login();
  view.username = "alice";
  view.error = "Wrong username or password.";
  view.credentials_rejected = true;
  const std::string page = DefaultPages().Login(Locale::kEnglish, view);
  EXPECT_TRUE(absl::StrContains(
      page,
      "<p class=\"alert\" id=\"login-error\" role=\"alert\">Wrong "
      "username or password.</p>"));
  EXPECT_EQ(
      Count(page, " aria-describedby=\"login-error\" aria-invalid=\"true\""),
      2);
  EXPECT_TRUE(absl::StrContains(page, "value=\"alice\" required"));
  // The password field, the one left to fill, takes the focus.
  EXPECT_TRUE(absl::StrContains(
      page, "autocomplete=\"current-password\" required autofocus"));
  view.credentials_rejected = false;  // Throttled: not the fields' fault.
  EXPECT_FALSE(absl::StrContains(DefaultPages().Login(Locale::kEnglish, view),
                                 "aria-invalid=\""));
}

TEST(PagesTest, ThePagesSpeakTheChosenLanguage) {
  const Pages pages = DefaultPages();
  const std::string german = pages.Login(Locale::kGerman, Login());
  EXPECT_TRUE(absl::StrContains(german, "<html lang=\"de\">"));
  EXPECT_TRUE(absl::StrContains(german, "<title>Anmelden – identity</title>"));
  EXPECT_TRUE(absl::StrContains(german, ">Benutzername</label>"));
  EXPECT_TRUE(absl::StrContains(german, ">Passwort</label>"));
  EXPECT_TRUE(absl::StrContains(german, "weiter zu <strong>Web App</strong>"));
  const std::string french = pages.Error(Locale::kFrench, {"x", "y"});
  EXPECT_TRUE(absl::StrContains(french, "<html lang=\"fr\">"));
  EXPECT_TRUE(absl::StrContains(french, "<h1>Erreur de connexion</h1>"));
  EXPECT_TRUE(absl::StrContains(french, "Revenez à l’application"));
  // The core's description stays English, and says so.
  EXPECT_TRUE(absl::StrContains(french, "Détails: <span lang=\"en\">y</span>"));
}

TEST(PagesTest, TheErrorPageAnnouncesItsMessage) {
  const std::string page =
      DefaultPages().Error(Locale::kEnglish, {"Cannot go on.", ""});
  EXPECT_TRUE(absl::StrContains(
      page,
      "<h1>Sign-in error</h1><p class=\"alert\" role=\"alert\">Cannot "
      "go on.</p>"));
  EXPECT_FALSE(absl::StrContains(page, "Details"));
}

TEST(PagesTest, TheConfirmationPageIsACsrfProtectedFormWithTwoButtons) {
  ConfirmView view = Confirm();
  view.items = {"See your email address"};
  const std::string page = DefaultPages().Confirm(Locale::kEnglish, view);
  EXPECT_TRUE(absl::StrContains(page, "<h1>Sign out</h1>"));
  EXPECT_TRUE(absl::StrContains(page, "<title>Sign out – identity</title>"));
  EXPECT_TRUE(
      absl::StrContains(page, "<ul><li>See your email address</li></ul>"));
  EXPECT_TRUE(absl::StrContains(
      page,
      "<form method=\"post\" action=\"/logout\">"
      "<input type=\"hidden\" name=\"state\" value=\"st\">"
      "<input type=\"hidden\" name=\"csrf\" value=\"csrf-token\">"));
  EXPECT_TRUE(absl::StrContains(
      page,
      "<button type=\"submit\" name=\"decision\" value=\"confirm\">Sign "
      "out</button><button type=\"submit\" name=\"decision\" "
      "value=\"cancel\" class=\"secondary\">Stay signed in</button>"));
}

}  // namespace
}  // namespace identity::server
