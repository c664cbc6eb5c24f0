// The text of the pages people see (pages.h), in every language the server
// speaks, and the choice of a language for a request. This file is the one
// message catalogue: a string shown on a page is a Msg here, with its
// English, German and French text in page_messages.cc.
//
// Texts are plain (no markup); "{0}", "{1}" are placeholders filled by
// Format. Escaping for HTML is the renderer's job (pages.cc).
#ifndef IDENTITY_SERVER_HTTP_PAGE_MESSAGES_H_
#define IDENTITY_SERVER_HTTP_PAGE_MESSAGES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace identity::server {

// The languages of the catalogue. English is the fallback.
enum class Locale { kEnglish, kGerman, kFrench };

// Every locale, in the catalogue's order (tests walk them).
const std::vector<Locale>& AllLocales();

// The BCP 47 tag of `locale` for <html lang>: "en", "de", "fr".
absl::string_view LocaleTag(Locale locale);

// Each string of the pages. Names say where the text is used.
enum class Msg {
  kSignInTitle,          // h1 and <title> of the login page.
  kContinueTo,           // {0}: the client's name.
  kUsername,             // Label of the username field.
  kPassword,             // Label of the password field.
  kSignInButton,         // Submit button of the login form.
  kWrongCredentials,     // One message for every failed sign-in.
  kTooManyAttempts,      // {0}: seconds until the throttle lets go.
  kServerBusy,           // {0}: seconds to wait (no hash slot free).
  kFormExpired,          // CSRF check failed.
  kErrorTitle,           // h1 and <title> of the error page.
  kLogoutErrorTitle,     // The same for a logout that cannot go on.
  kErrorCannotContinue,  // The error page's first sentence.
  kErrorGoBack,          // What to do about it.
  kErrorDetails,         // Label before the technical description.
  kServiceUnavailable,   // The server's own failure.
  kBadRequest,           // The request itself could not be read.
  kLogoutTitle,          // Confirmation page: signing out.
  kLogoutMessage,        // {0}: the product name.
  kLogoutConfirm,        // Button: sign out.
  kLogoutCancel,         // Button: stay signed in.
  kSignedOutTitle,       // After a logout with nowhere to return to.
  kSignedOutMessage,
  kStillSignedIn,   // The logout was cancelled.
  kConsentTitle,    // Consent page h1.
  kConsentMessage,  // {0}: the client's name.
  kConsentAllow,    // Button.
  kConsentDeny,     // Button.
  kScopeOpenid,     // Consent items, one per scope.
  kScopeProfile,
  kScopeEmail,
  kScopeAddress,
  kScopePhone,
  kScopeOfflineAccess,
  kScopeOther,  // {0}: a scope without a text of its own.
  // RFC 8628 device authorization (the /device pages).
  kDeviceTitle,           // h1 and <title> of the code entry page.
  kDeviceEnterCode,       // What to do.
  kDeviceCodeLabel,       // Label of the user code field.
  kDeviceContinue,        // Submit button of the code entry form.
  kDeviceCodeUnknown,     // A code not found (or malformed).
  kDeviceTooManyCodes,    // {0}: seconds until codes are taken again.
  kDeviceApproveTitle,    // h1 of the approval page.
  kDeviceApproveMessage,  // {0}: the client's name; {1}: the user code.
  kDeviceApprovedTitle,   // After "allow".
  kDeviceApprovedMessage,
  kDeviceDeniedTitle,  // After "deny".
  kDeviceDeniedMessage,
  kCount,  // Not a message: the number of them.
};

// The text of `msg` in `locale` with {0}, {1}, ... replaced by `args`
// (missing arguments leave the placeholder). Plain text, not yet escaped.
std::string Format(Locale locale, Msg msg,
                   const std::vector<std::string>& args = {});

// What granting `scope` lets a client do, for a consent page's list: the
// catalogue's text for openid, profile, email, address, phone and
// offline_access; kScopeOther naming any other scope.
std::string ScopeDescription(Locale locale, absl::string_view scope);

// The language for a request (OIDC Core §3.1.2.1 ui_locales): the first tag
// of `ui_locales` (space-separated BCP 47 tags, in order of preference)
// whose language the catalogue has; else the best of `accept_language`
// (RFC 9110 §12.5.4: q-values, q=0 never); else English. Tags match on
// their primary language subtag, any letter case ("de-CH" is German).
Locale ChooseLocale(absl::string_view ui_locales,
                    absl::string_view accept_language);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_PAGE_MESSAGES_H_
