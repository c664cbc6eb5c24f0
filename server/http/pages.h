// The pages people see at the front door: one layout (doctype, lang,
// viewport, one embedded stylesheet built from the operator's theme, or the
// operator's own layout template and stylesheet: page_theme.h) and
// the bodies of the login, error and confirmation pages. Pure rendering:
// no HTTP, no OAuth. The endpoints (oidc_endpoints.cc) choose the page, the
// locale (page_messages.h) and the status, and send the page with
// content_security_policy().
//
// Every text from outside (client names, request parameters, error
// descriptions, usernames) is HTML-escaped here; every fixed text comes from
// the message catalogue (page_messages.h). No page runs JavaScript.
#ifndef IDENTITY_SERVER_HTTP_PAGES_H_
#define IDENTITY_SERVER_HTTP_PAGES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/page_messages.h"
#include "server/http/page_theme.h"

namespace identity::server {

// Hidden form fields, in order: name, value.
using HiddenFields = std::vector<std::pair<std::string, std::string>>;

// The login form: POST to `action` (/authorize, or /device for a device's
// user) with the request as hidden fields.
struct LoginView {
  std::string client_name;  // Shown as "to continue to <client>".
  HiddenFields hidden;      // The authorization request carried along.
  std::string csrf;         // The double-submit token's hidden field.
  std::string username;     // Pre-filled (login_hint, or the last try).
  // Empty, or an error shown above the form with role=alert and tied to the
  // fields with aria-describedby.
  std::string error;
  // The error is about the username and password (aria-invalid on both).
  bool credentials_rejected = false;
  std::string action = "/authorize";  // Where the form is POSTed.
};

// Why a request cannot go on.
struct ErrorView {
  std::string message;  // In the page's language; role=alert.
  // Optional: the core's description of the error, which is English
  // (shown as a detail, marked lang="en").
  std::string detail;
  Msg title = Msg::kErrorTitle;  // The h1 and the <title>.
};

// A question answered by one of two buttons: a form POSTed to `action` with
// the hidden fields, `csrf`, and `decision=confirm` or `decision=cancel`
// (the button pressed). For logout confirmation and consent; the caller
// sets the CSRF cookie and checks it on the POST, as the login form does.
struct ConfirmView {
  std::string action;              // The form's path, e.g. "/logout".
  Msg title = Msg::kConsentTitle;  // The h1 and the <title>.
  std::string message;             // In the page's language (Format()).
  // Optional list under the message (the scopes a client asks for).
  std::vector<std::string> items;
  HiddenFields hidden;
  std::string csrf;
  Msg confirm = Msg::kConsentAllow;  // The primary button.
  Msg cancel = Msg::kConsentDeny;    // The secondary button.
};

// RFC 8628 §3.3: the form where the user types the code their device shows,
// POSTed to /device with `csrf`, the hidden fields and `user_code`.
struct DeviceCodeView {
  HiddenFields hidden;
  std::string csrf;
  std::string user_code;  // Pre-filled (verification_uri_complete).
  // Empty, or an error shown above the form with role=alert and tied to the
  // field with aria-describedby (aria-invalid when `code_rejected`).
  std::string error;
  bool code_rejected = false;
};

// Immutable after Create; thread-safe.
class Pages {
 public:
  // Errors: InvalidArgument when `theme` does not pass CheckTheme.
  static absl::StatusOr<Pages> Create(PageTheme theme);

  // default-src 'none'; the stylesheet by its SHA-256 (no other style may
  // apply); img-src only for the theme's logo; no framing, no <base>.
  const std::string& content_security_policy() const { return csp_; }
  const PageTheme& theme() const { return theme_; }

  std::string Login(Locale locale, const LoginView& view) const;
  std::string Error(Locale locale, const ErrorView& view) const;
  std::string Confirm(Locale locale, const ConfirmView& view) const;
  std::string DeviceCode(Locale locale, const DeviceCodeView& view) const;
  // A page that only says something (signed out, still signed in): `title`
  // as h1 and <title>, `message` (in the page's language) under it.
  std::string Notice(Locale locale, Msg title, absl::string_view message) const;

 private:
  explicit Pages(PageTheme theme);
  // The whole document around `body` (already HTML).
  std::string Layout(Locale locale, Msg title, absl::string_view body) const;

  PageTheme theme_;
  std::string layout_;  // The theme's template, or the built-in one.
  std::string style_;   // The one <style> element's text.
  std::string csp_;
  std::string brand_;  // The logo and product name, as HTML.
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_PAGES_H_
