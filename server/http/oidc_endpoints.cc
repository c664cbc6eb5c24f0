#include "server/http/oidc_endpoints.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "server/http/form.h"
#include "server/http/oauth_http_errors.h"
#include "server/http/page_messages.h"
#include "server/http/pages.h"
#include "server/oauth/authorization_header.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/client_credentials.h"
#include "server/oauth/client_jwks.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

using Deps = std::shared_ptr<const OidcEndpointsDeps>;
using Form = std::map<std::string, std::string>;

constexpr char kSessionCookie[] = "identity_session";
constexpr char kCsrfCookie[] = "identity_csrf";
constexpr char kJson[] = "application/json";
constexpr char kHtml[] = "text/html; charset=utf-8";

std::string Get(const Form& form, const std::string& name) {
  auto it = form.find(name);
  return it == form.end() ? std::string() : it->second;
}

// RFC 8707 §2: the resource indicators of a request (ParseFormUrlEncoded
// joined the repeated values with spaces).
// The values of a repeatable parameter (form_urlencoded.h joins them with
// spaces): none when absent; an empty value stays one, so that the core
// refuses it as malformed (RFC 8707 §2: a resource is an absolute URI)
// rather than the request being served as if it named nothing.
std::vector<std::string> ValuesOf(const Form& form, const char* name) {
  auto it = form.find(name);
  if (it == form.end()) return {};
  return absl::StrSplit(it->second, ' ');
}

std::vector<std::string> ResourcesOf(const Form& form) {
  return ValuesOf(form, kResourceParameter);
}

// A parameter that means something when present, even empty.
std::optional<std::string> GetIfPresent(const Form& form,
                                        const std::string& name) {
  auto it = form.find(name);
  if (it == form.end()) return std::nullopt;
  return it->second;
}

void SendJson(HttpResponse& response, int status, const jwt::Json& body) {
  response.status = status;
  response.SetContent(jwt::DumpJson(body), kJson);
}

// RFC 6749 §5.2 error bodies (token, introspection, revocation).
void SendOAuthError(HttpResponse& response, const absl::Status& status) {
  const HttpError error = HttpErrorOf(status);
  jwt::Json body = {{"error", error.error}};
  if (!error.description.empty()) {
    body["error_description"] = error.description;
  }
  if (error.status == 401) {
    response.SetHeader("WWW-Authenticate", "Basic realm=\"identity\"");
  }
  // RFC 6585 §4: a throttled client (429) hears when to come back.
  if (const auto details = ErrorDetailsOf(status);
      details.count("retry_after_seconds") > 0) {
    response.SetHeader("Retry-After", details.at("retry_after_seconds"));
  }
  response.SetHeader("Pragma", "no-cache");
  SendJson(response, error.status, body);
}

// The form of a POST, which must be form-encoded.
absl::StatusOr<Form> PostForm(const HttpRequest& request) {
  const std::string type =
      absl::AsciiStrToLower(request.Header("content-type"));
  if (!absl::StartsWith(type, "application/x-www-form-urlencoded")) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "the body must be application/x-www-form-urlencoded");
  }
  auto form = ParseFormUrlEncoded(request.body);
  if (!form.ok()) {
    return OAuthFailure(OAuthError::kInvalidRequest, form.status().message());
  }
  return form;
}

std::optional<std::string> Param(const Form& form, const std::string& name) {
  auto it = form.find(name);
  if (it == form.end()) return std::nullopt;
  return it->second;
}

// A client's form-encoded POST (token, introspection, revocation): the form
// and the client's credentials, or the RFC 6749 §5.2 error already sent.
struct ClientPost {
  Form form;
  ClientCredentials client;
};
std::optional<ClientPost> ReadClientPost(const HttpRequest& request,
                                         HttpResponse& response) {
  auto form = PostForm(request);
  if (!form.ok()) {
    SendOAuthError(response, form.status());
    return std::nullopt;
  }
  auto client = ResolveClientCredentials(
      {request.Header("authorization"), Param(*form, "client_id"),
       Param(*form, "client_secret"), Param(*form, "client_assertion_type"),
       Param(*form, "client_assertion")});
  if (!client.ok()) {
    SendOAuthError(response, client.status());
    return std::nullopt;
  }
  return ClientPost{*std::move(form), *std::move(client)};
}

std::string CookieHeader(const OidcEndpointsDeps& deps, absl::string_view name,
                         absl::string_view value,
                         absl::string_view attributes) {
  return absl::StrCat(name, "=", value, "; ", attributes, "; HttpOnly",
                      deps.secure_cookies ? "; Secure" : "");
}

// --- CORS (cors_policy.h) ----------------------------------------------------

// Lets the page that sent `request` read the answer given to `client_id`
// when the client registered a redirect URI of the page's origin.
void AllowOriginOf(const OidcEndpointsDeps& deps, const HttpRequest& request,
                   absl::string_view client_id, HttpResponse& response) {
  const std::string origin = request.Header("origin");
  if (origin.empty()) return;  // Not a cross-origin fetch.
  response.AddHeader("Vary", "Origin");
  if (deps.cors != nullptr && deps.cors->Allows(client_id, origin)) {
    response.SetHeader("Access-Control-Allow-Origin", origin);
  }
}

// The preflight of a cross-origin fetch to an endpoint answering `methods`
// ("POST" or "GET, POST"). The client is not known before the request
// itself, so any well-formed origin may send (a form POST needs no
// preflight anyway); whether it may read the answer is decided then.
void Preflight(const HttpRequest& request, HttpResponse& response,
               absl::string_view methods) {
  response.status = 204;
  response.AddHeader("Vary",
                     "Origin, Access-Control-Request-Method, "
                     "Access-Control-Request-Headers");
  const std::string origin = request.Header("origin");
  const std::string method = request.Header("access-control-request-method");
  const std::vector<absl::string_view> allowed = absl::StrSplit(methods, ", ");
  if (!IsSerializedWebOrigin(origin) ||
      std::find(allowed.begin(), allowed.end(), method) == allowed.end()) {
    return;  // No permission: the browser does not send the request.
  }
  response.SetHeader("Access-Control-Allow-Origin", origin);
  response.SetHeader("Access-Control-Allow-Methods", methods);
  // DPoP: a browser app's proofs (RFC 9449 §4.1) at /token and /userinfo.
  response.SetHeader("Access-Control-Allow-Headers",
                     "Authorization, Content-Type, DPoP");
  response.SetHeader("Access-Control-Max-Age", "600");
}

// --- Pages (pages.h) ---------------------------------------------------------

const Pages& PagesOf(const OidcEndpointsDeps& deps) {
  static const auto* const kDefault = new Pages(*Pages::Create(PageTheme()));
  return deps.pages != nullptr ? *deps.pages : *kDefault;
}

// OIDC Core §3.1.2.1: ui_locales, else the browser's Accept-Language.
Locale LocaleOf(const HttpRequest& request, const Form* params) {
  return ChooseLocale(params == nullptr ? "" : Get(*params, "ui_locales"),
                      request.Header("accept-language"));
}

void SendPage(const OidcEndpointsDeps& deps, HttpResponse& response, int status,
              std::string html) {
  response.status = status;
  response.SetHeader("Content-Security-Policy",
                     PagesOf(deps).content_security_policy());
  response.SetContent(std::move(html), kHtml);
}

void SendErrorPage(const OidcEndpointsDeps& deps, HttpResponse& response,
                   int status, Locale locale, ErrorView view) {
  SendPage(deps, response, status, PagesOf(deps).Error(locale, view));
}

// The hidden fields that carry an authorization request through the form.
constexpr const char* kCarried[] = {
    "response_type", "client_id", "redirect_uri",   "scope",
    "state",         "nonce",     "code_challenge", "code_challenge_method",
    "ui_locales",    "resource",
};

// The page for an authorization request that cannot go on: an unknown
// client or redirect_uri is never redirected (RFC 6749 §4.1.2.1), so the
// server is no open redirector; the server's own failures are its to show.
// The core's description is English and technical: a detail under the
// localized message.
void SendFailurePage(const OidcEndpointsDeps& deps, HttpResponse& response,
                     Locale locale, const absl::Status& status,
                     Msg title = Msg::kErrorTitle) {
  const HttpError error = HttpErrorOf(status);
  ErrorView view;
  view.title = title;
  if (error.status >= 500) {
    view.message = Format(locale, Msg::kServiceUnavailable);
  } else {
    view.message = Format(locale, Msg::kErrorCannotContinue);
    view.detail = error.description;
  }
  SendErrorPage(deps, response, error.status, locale, std::move(view));
}

// The request the login form sends back: its parameters, or for a pushed
// request (RFC 9126) client_id and a new request_uri only
// (AuthorizationEndpoint::PushForLogin), so that pushed parameters never
// pass through the browser. ui_locales (the page's language) only when sent.
// Errors: the store's.
absl::StatusOr<HiddenFields> CarriedRequest(
    const OidcEndpointsDeps& deps, const ValidatedAuthorization& validated,
    const Form& params) {
  HiddenFields hidden;
  if (validated.pushed.has_value()) {
    auto request_uri = deps.authorization->PushForLogin(validated);
    if (!request_uri.ok()) return request_uri.status();
    hidden.emplace_back("client_id", validated.client.client_id);
    hidden.emplace_back("request_uri", *request_uri);
    if (params.count("ui_locales") > 0) {
      hidden.emplace_back("ui_locales", Get(params, "ui_locales"));
    }
    return hidden;
  }
  for (const char* name : kCarried) {
    const bool optional = std::string(name) == "ui_locales" ||
                          std::string(name) == kResourceParameter;
    if (optional && params.count(name) == 0) continue;
    hidden.emplace_back(name, Get(params, name));
  }
  return hidden;
}

void SendLoginPage(const OidcEndpointsDeps& deps, HttpResponse& response,
                   const ValidatedAuthorization& validated, const Form& params,
                   const std::string& csrf, int status, Locale locale,
                   std::string error = "", bool credentials_rejected = false) {
  auto carried = CarriedRequest(deps, validated, params);
  if (!carried.ok()) {
    return SendFailurePage(deps, response, locale, carried.status());
  }
  LoginView view;
  view.hidden = *std::move(carried);
  view.csrf = csrf;
  view.client_name = validated.client.name.empty() ? validated.client.client_id
                                                   : validated.client.name;
  view.username = params.count("username") > 0 ? Get(params, "username")
                                               : validated.login_hint;
  view.error = std::move(error);
  view.credentials_rejected = credentials_rejected;
  response.AddHeader("Set-Cookie",
                     CookieHeader(deps, kCsrfCookie, csrf,
                                  "Path=/authorize; SameSite=Strict"));
  SendPage(deps, response, status, PagesOf(deps).Login(locale, view));
}

void Redirect(HttpResponse& response, absl::string_view location) {
  response.status = 302;
  response.SetHeader("Location", location);
  response.SetContent("", "text/plain; charset=utf-8");
}

AuthorizationRequest RequestOf(const Form& params) {
  AuthorizationRequest request;
  request.response_type = Get(params, "response_type");
  request.client_id = Get(params, "client_id");
  request.redirect_uri = Get(params, "redirect_uri");
  request.scope = Get(params, "scope");
  request.state = Get(params, "state");
  request.code_challenge = Get(params, "code_challenge");
  request.code_challenge_method = Get(params, "code_challenge_method");
  request.nonce = Get(params, "nonce");
  request.prompt = Get(params, "prompt");
  request.max_age = Get(params, "max_age");
  request.login_hint = Get(params, "login_hint");
  request.request = GetIfPresent(params, "request");
  request.request_uri = GetIfPresent(params, "request_uri");
  request.resource = ResourcesOf(params);
  return request;
}

// Validates; on failure answers (a redirect when the error is the client's
// to hear, else an error page) and returns nullopt.
std::optional<ValidatedAuthorization> ValidateOrAnswer(
    const OidcEndpointsDeps& deps, const Form& params, Locale locale,
    HttpResponse& response) {
  auto validated = deps.authorization->Validate(RequestOf(params));
  if (validated.ok()) return *std::move(validated);
  auto details = ErrorDetailsOf(validated.status());
  auto redirect = details.find("redirect_uri");
  if (redirect != details.end()) {
    Redirect(response, redirect->second);
  } else {
    SendFailurePage(deps, response, locale, validated.status());
  }
  return std::nullopt;
}

// Where a sign-in comes from (trusted_proxies.h): the peer, or the client a
// trusted proxy names in X-Forwarded-For (every such header, in order).
std::string LoginSource(const OidcEndpointsDeps& deps,
                        const HttpRequest& request) {
  if (deps.proxies == nullptr) return request.remote_address;
  std::string forwarded_for;
  for (const auto& [name, value] : request.headers) {
    if (!absl::EqualsIgnoreCase(name, "x-forwarded-for")) continue;
    if (!forwarded_for.empty()) forwarded_for += ",";
    forwarded_for += value;
  }
  return deps.proxies->SourceOf(request.remote_address, forwarded_for);
}

// The browser's login session: its cookie is this server's, and the store
// holds it live (not ended, not expired). nullopt when there is none; the
// store's errors (Unavailable) as they are.
absl::StatusOr<std::optional<storage::SessionRecord>> CurrentSession(
    const OidcEndpointsDeps& deps, const HttpRequest& request) {
  const auto cookies = ParseCookies(request.Header("cookie"));
  auto cookie = cookies.find(kSessionCookie);
  if (cookie == cookies.end()) return std::nullopt;
  auto session = deps.sessions->Decode(cookie->second, deps.clock->Now());
  if (!session.ok()) return std::nullopt;
  auto live = deps.login_sessions->Resolve(session->secret, session->user_id);
  if (live.status().code() == absl::StatusCode::kUnauthenticated) {
    return std::nullopt;
  }
  if (!live.ok()) return live.status();
  return std::optional<storage::SessionRecord>(*std::move(live));
}

// The cookie of the login session `started` by a sign-in on this browser.
// Another user signing in on this browser (a shared one) ends the
// previous user's session: its cookie is replaced, so nobody could end it
// later, and its clients hear of it (back-channel logout). The same user
// signing in again (prompt=login, max_age) gets a new session and leaves
// the old one to its expiry, as other clients may still rely on it.
void SetSessionCookie(const OidcEndpointsDeps& deps, const HttpRequest& request,
                      const StartedSession& started, HttpResponse& response) {
  const storage::SessionRecord& record = started.record;
  if (auto previous = CurrentSession(deps, request);
      previous.ok() && previous->has_value() &&
      (*previous)->user_id != record.user_id) {
    (void)deps.end_session->End(**previous);
  }
  Session session{started.secret, record.user_id, record.auth_time,
                  record.expires_at};
  response.AddHeader(
      "Set-Cookie",
      CookieHeader(deps, kSessionCookie, deps.sessions->Encode(session),
                   absl::StrCat("Path=/; SameSite=Lax; Max-Age=",
                                absl::ToInt64Seconds(record.expires_at -
                                                     deps.clock->Now()))));
}

// The double-submit CSRF check of a page's form: the cookie set with the
// form and the hidden field must both be there and equal.
bool CsrfMatches(const HttpRequest& request, const Form& form) {
  const auto cookies = ParseCookies(request.Header("cookie"));
  auto cookie = cookies.find(kCsrfCookie);
  const std::string field = Get(form, "csrf");
  return cookie != cookies.end() && !field.empty() &&
         cookie->second.size() == field.size() &&
         CRYPTO_memcmp(cookie->second.data(), field.data(), field.size()) == 0;
}

// A page's POSTed form with its CSRF check passed, and the page's language
// in `locale`; else answers (400 for a body that is not a form, 403 for a
// failed check) and returns nullopt.
std::optional<Form> CsrfCheckedForm(const OidcEndpointsDeps& deps,
                                    const HttpRequest& request,
                                    HttpResponse& response, Locale& locale) {
  auto form = PostForm(request);
  if (!form.ok()) {
    locale = LocaleOf(request, nullptr);
    SendErrorPage(deps, response, 400, locale,
                  {Format(locale, Msg::kBadRequest),
                   std::string(form.status().message())});
    return std::nullopt;
  }
  locale = LocaleOf(request, &*form);
  if (!CsrfMatches(request, *form)) {
    SendErrorPage(deps, response, 403, locale,
                  {Format(locale, Msg::kFormExpired), ""});
    return std::nullopt;
  }
  return *std::move(form);
}

// --- Consent (OIDC Core §3.1.2.4) -------------------------------------------

// The consent page for `validated` (a third-party client), shown to `login`
// (`signed_in`: right after signing in for this request): the client's name
// and what each scope allows, in the page's language; a form POSTed to
// /consent carrying only client_id and a single-use consent reference the
// core stored the request and the scopes shown under (PushForConsent,
// bound to the login session), so the answer approves exactly this
// request, once, within its lifetime, from this session only; and a
// double-submit CSRF token as the login form's.
void SendConsentPage(const OidcEndpointsDeps& deps, HttpResponse& response,
                     const ValidatedAuthorization& validated,
                     const Form& params, Locale locale,
                     const ExistingLogin& login, bool signed_in) {
  auto request_uri =
      deps.authorization->PushForConsent(validated, login, signed_in);
  if (!request_uri.ok()) {
    return SendFailurePage(deps, response, locale, request_uri.status());
  }
  const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
  ConfirmView view;
  view.action = "/consent";
  view.title = Msg::kConsentTitle;
  view.message =
      Format(locale, Msg::kConsentMessage,
             {validated.client.name.empty() ? validated.client.client_id
                                            : validated.client.name});
  for (const std::string& scope : validated.scopes) {
    view.items.push_back(ScopeDescription(locale, scope));
  }
  view.hidden.emplace_back("client_id", validated.client.client_id);
  view.hidden.emplace_back("request_uri", *request_uri);
  if (params.count("ui_locales") > 0) {
    view.hidden.emplace_back("ui_locales", Get(params, "ui_locales"));
  }
  view.csrf = csrf;
  response.AddHeader(
      "Set-Cookie",
      CookieHeader(deps, kCsrfCookie, csrf, "Path=/consent; SameSite=Strict"));
  SendPage(deps, response, 200, PagesOf(deps).Confirm(locale, view));
}

// A failure the client is to hear about goes to its redirect_uri; any
// other is a page.
void AnswerFailure(const OidcEndpointsDeps& deps, HttpResponse& response,
                   Locale locale, const absl::Status& status) {
  auto details = ErrorDetailsOf(status);
  auto redirect = details.find("redirect_uri");
  if (redirect != details.end()) return Redirect(response, redirect->second);
  SendFailurePage(deps, response, locale, status);
}

// POST /consent: the user's answer to a consent page. "confirm" remembers
// the consent and redirects with the code; anything else is a denial:
// access_denied at the client's redirect_uri (RFC 6749 §4.1.2.1). The
// request comes only by the page's consent reference (ResolveConsent:
// consumed, so a second answer is refused; another kind of reference, or
// another session's, is refused), the user is the browser's live session's.
// Scopes that are no longer those shown: the page again. A login that no
// longer answers the request (prompt=login, max_age): the login form.
void ConsentRoute(const OidcEndpointsDeps& deps, const HttpRequest& request,
                  HttpResponse& response) {
  Locale locale = Locale::kEnglish;  // Set by CsrfCheckedForm.
  auto form = CsrfCheckedForm(deps, request, response, locale);
  if (!form.has_value()) return;
  auto session = CurrentSession(deps, request);
  if (!session.ok()) {
    return SendFailurePage(deps, response, locale, session.status());
  }
  if (!session->has_value()) {
    // Signed out (or the session ended) since the page was shown.
    return SendErrorPage(deps, response, 403, locale,
                         {Format(locale, Msg::kFormExpired), ""});
  }
  const ExistingLogin login{(*session)->user_id, (*session)->auth_time,
                            (*session)->sid};
  auto answer = deps.authorization->ResolveConsent(
      Get(*form, "client_id"), Get(*form, "request_uri"), login);
  if (!answer.ok()) {
    return AnswerFailure(deps, response, locale, answer.status());
  }
  // The CSRF token has served: forget it.
  response.AddHeader("Set-Cookie",
                     CookieHeader(deps, kCsrfCookie, "",
                                  "Path=/consent; SameSite=Strict; Max-Age=0"));
  const ValidatedAuthorization& validated = answer->request;
  if (Get(*form, "decision") != "confirm") {
    return Redirect(response, deps.authorization->DenyConsent(validated));
  }
  if (answer->ScopesChanged()) {
    return SendConsentPage(deps, response, validated, *form, locale, login,
                           answer->signed_in);
  }
  auto issued =
      deps.authorization->Consent(validated, login, answer->signed_in);
  if (OAuthErrorOf(issued.status()) == OAuthError::kLoginRequired) {
    const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
    return SendLoginPage(deps, response, validated, *form, csrf, 200, locale);
  }
  if (!issued.ok()) {
    return AnswerFailure(deps, response, locale, issued.status());
  }
  Redirect(response, issued->redirect_url);
}

// An authorization request (OIDC Core §3.1.2.1: GET with a query, or POST
// with a form): the core decides between a redirect (a code for a live
// session, or an error), the consent page and the login page.
void StartAuthorization(const OidcEndpointsDeps& deps,
                        const HttpRequest& request, const Form* params,
                        HttpResponse& response) {
  const Locale locale = LocaleOf(request, params);
  auto validated = ValidateOrAnswer(deps, *params, locale, response);
  if (!validated.has_value()) return;
  auto session = CurrentSession(deps, request);
  if (!session.ok())
    return SendFailurePage(deps, response, locale, session.status());
  std::optional<ExistingLogin> login;
  if (session->has_value()) {
    login = ExistingLogin{(*session)->user_id, (*session)->auth_time,
                          (*session)->sid};
  }
  auto decision = deps.authorization->Decide(*validated, login);
  if (!decision.ok())
    return SendFailurePage(deps, response, locale, decision.status());
  if (decision->action == AuthorizationDecision::Action::kRedirect) {
    return Redirect(response, decision->redirect_url);
  }
  if (decision->action == AuthorizationDecision::Action::kShowConsent) {
    return SendConsentPage(deps, response, *validated, *params, locale, *login,
                           /*signed_in=*/false);
  }
  const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
  SendLoginPage(deps, response, *validated, *params, csrf, 200, locale);
}

// A refused sign-in: the form again with why (and a new CSRF token), or an
// error page when the server failed.
void SendLoginFailure(const OidcEndpointsDeps& deps, HttpResponse& response,
                      const ValidatedAuthorization& validated, const Form& form,
                      Locale locale, const absl::Status& status) {
  const HttpError error = HttpErrorOf(status);
  const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
  const std::optional<OAuthError> oauth_error = OAuthErrorOf(status);
  if (oauth_error == OAuthError::kAccessDenied) {
    SendLoginPage(deps, response, validated, form, csrf, error.status, locale,
                  Format(locale, Msg::kWrongCredentials),
                  /*credentials_rejected=*/true);
  } else if (oauth_error == OAuthError::kTemporarilyUnavailable) {
    // RFC 9110 §10.2.3: with 429 (throttled) and 503 (busy) alike.
    const std::string wait = ErrorDetailsOf(status)["retry_after_seconds"];
    response.SetHeader("Retry-After", wait);
    SendLoginPage(
        deps, response, validated, form, csrf, error.status, locale,
        Format(locale,
               error.status == 503 ? Msg::kServerBusy : Msg::kTooManyAttempts,
               {wait}));
  } else {
    SendFailurePage(deps, response, locale, status);
  }
}

void AuthorizeGet(const OidcEndpointsDeps& deps, const HttpRequest& request,
                  HttpResponse& response) {
  auto params = ParseFormUrlEncoded(request.query);
  if (!params.ok()) {
    const Locale locale = LocaleOf(request, nullptr);
    SendErrorPage(deps, response, 400, locale,
                  {Format(locale, Msg::kBadRequest),
                   std::string(params.status().message())});
    return;
  }
  StartAuthorization(deps, request, &*params, response);
}

void AuthorizePost(const OidcEndpointsDeps& deps, const HttpRequest& request,
                   HttpResponse& response) {
  auto form = PostForm(request);
  if (!form.ok()) {
    const Locale locale = LocaleOf(request, nullptr);
    SendErrorPage(deps, response, 400, locale,
                  {Format(locale, Msg::kBadRequest),
                   std::string(form.status().message())});
    return;
  }
  if (form->count("csrf") == 0 && form->count("username") == 0 &&
      form->count("password") == 0) {
    // Not the login form: an authorization request sent by form POST.
    StartAuthorization(deps, request, &*form, response);
    return;
  }
  if (!CsrfMatches(request, *form)) {
    const Locale locale = LocaleOf(request, &*form);
    SendErrorPage(deps, response, 403, locale,
                  {Format(locale, Msg::kFormExpired), ""});
    return;
  }
  const Locale locale = LocaleOf(request, &*form);
  auto validated = ValidateOrAnswer(deps, *form, locale, response);
  if (!validated.has_value()) return;
  auto signed_in = deps.authorization->SignIn(
      *validated, Get(*form, "username"), Get(*form, "password"),
      LoginSource(deps, request), /*start_session=*/true);
  if (!signed_in.ok()) {
    return SendLoginFailure(deps, response, *validated, *form, locale,
                            signed_in.status());
  }
  const storage::SessionRecord& record = signed_in->session->record;
  SetSessionCookie(deps, request, *signed_in->session, response);
  // The CSRF token has served: forget it.
  response.AddHeader(
      "Set-Cookie",
      CookieHeader(deps, kCsrfCookie, "",
                   "Path=/authorize; SameSite=Strict; Max-Age=0"));
  if (!signed_in->code.has_value()) {
    // A third-party client: the user, now signed in, is asked to consent.
    return SendConsentPage(deps, response, *validated, *form, locale,
                           {record.user_id, record.auth_time, record.sid},
                           /*signed_in=*/true);
  }
  Redirect(response, signed_in->code->redirect_url);
}

void Token(const OidcEndpointsDeps& deps, const HttpRequest& request,
           HttpResponse& response) {
  auto post = ReadClientPost(request, response);
  if (!post.has_value()) return;
  AllowOriginOf(deps, request, post->client.client_id, response);
  const Form& form = post->form;
  TokenRequestFields fields;
  fields.grant_type = Get(form, "grant_type");
  fields.client_id = post->client.client_id;
  fields.client_secret = post->client.client_secret;
  fields.client_assertion = post->client.client_assertion;
  fields.scope = Get(form, "scope");
  fields.code = Get(form, "code");
  fields.redirect_uri = Get(form, "redirect_uri");
  fields.code_verifier = Get(form, "code_verifier");
  fields.refresh_token = Get(form, "refresh_token");
  fields.resource = ResourcesOf(form);
  fields.device_code = Get(form, "device_code");
  fields.subject_token = Get(form, "subject_token");
  fields.subject_token_type = Get(form, "subject_token_type");
  fields.actor_token = Get(form, "actor_token");
  fields.actor_token_type = Get(form, "actor_token_type");
  fields.requested_token_type = Get(form, "requested_token_type");
  // RFC 8693 §2.1: audience may repeat (joined with spaces by the decoder).
  fields.audience = ValuesOf(form, kAudienceParameter);
  fields.source = request.remote_address;
  // RFC 9449 §4.1: every DPoP header (more than one is refused); "htu" is
  // the token_endpoint discovery publishes, whatever proxy is in between.
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "dpop")) {
      fields.dpop_proofs.push_back(value);
    }
  }
  if (!fields.dpop_proofs.empty()) fields.dpop_uri = deps.issuer + "/token";
  auto issued = deps.tokens->Exchange(fields);
  if (!issued.ok()) return SendOAuthError(response, issued.status());
  jwt::Json body = jwt::Json::object();
  body["access_token"] = issued->access_token;
  body["token_type"] = issued->token_type;
  body["expires_in"] = issued->expires_in;
  if (!issued->scope.empty()) body["scope"] = issued->scope;
  if (!issued->id_token.empty()) body["id_token"] = issued->id_token;
  if (!issued->refresh_token.empty()) {
    body["refresh_token"] = issued->refresh_token;
  }
  if (!issued->issued_token_type.empty()) {
    body["issued_token_type"] = issued->issued_token_type;  // RFC 8693 §2.2.1
  }
  response.SetHeader("Pragma", "no-cache");
  SendJson(response, 200, body);
}

// RFC 9126 §2: the parameters of an authorization request, pushed by a
// client authenticated as at /token; 201 with the request_uri.
void PushedAuthorizationRoute(const OidcEndpointsDeps& deps,
                              const HttpRequest& request,
                              HttpResponse& response) {
  auto post = ReadClientPost(request, response);
  if (!post.has_value()) return;
  AllowOriginOf(deps, request, post->client.client_id, response);
  PushRequestFields fields;
  fields.client_id = post->client.client_id;
  fields.client_secret = post->client.client_secret;
  fields.client_assertion = post->client.client_assertion;
  fields.source = request.remote_address;
  fields.request = RequestOf(post->form);
  auto pushed = deps.pushed->Push(fields);
  if (!pushed.ok()) return SendOAuthError(response, pushed.status());
  jwt::Json body = {{"request_uri", pushed->request_uri},
                    {"expires_in", absl::ToInt64Seconds(pushed->expires_in)}};
  response.SetHeader("Pragma", "no-cache");
  SendJson(response, 201, body);
}

// The access token of a UserInfo request: RFC 6750 §2.1 (the
// Authorization header) or §2.2 (the form-encoded body of a POST).
std::string AccessTokenOf(const HttpRequest& request) {
  if (auto bearer = BearerToken(request.Header("authorization"))) {
    return *std::move(bearer);
  }
  if (request.method != "POST") return "";
  auto form = ParseFormUrlEncoded(request.body);
  return form.ok() ? Get(*form, "access_token") : "";
}

// How a UserInfo request presents its token: "DPoP <token>" with DPoP
// headers (RFC 9449 §7.1; "htu" the published userinfo_endpoint), else as
// AccessTokenOf.
TokenPresentation PresentationOf(const OidcEndpointsDeps& deps,
                                 const HttpRequest& request) {
  TokenPresentation presented;
  if (auto dpop = DpopToken(request.Header("authorization"))) {
    presented.access_token = *std::move(dpop);
    presented.dpop_scheme = true;
  } else {
    presented.access_token = AccessTokenOf(request);
  }
  for (const auto& [name, value] : request.headers) {
    if (absl::EqualsIgnoreCase(name, "dpop")) {
      presented.dpop_proofs.push_back(value);
    }
  }
  presented.method = request.method;
  presented.uri = deps.issuer + "/userinfo";
  return presented;
}

// RFC 6750 §3 and RFC 9449 §7.1: the Bearer challenge, then the DPoP one
// with the algorithms proofs may use, in one header (RFC 9110 §11.6.1).
void ChallengeAtUserInfo(HttpResponse& response, absl::string_view error) {
  const std::string code =
      error.empty() ? "" : absl::StrCat(", error=\"", error, "\"");
  response.SetHeader(
      "WWW-Authenticate",
      absl::StrCat("Bearer realm=\"identity\"", code,
                   ", DPoP realm=\"identity\"", code, ", algs=\"",
                   absl::StrJoin(AlgorithmNames(jwt::DpopAlgorithms()), " "),
                   "\""));
}

void UserInfoRoute(const OidcEndpointsDeps& deps, const HttpRequest& request,
                   HttpResponse& response) {
  const TokenPresentation presented = PresentationOf(deps, request);
  if (presented.access_token.empty()) {
    // RFC 6750 §3.1: no error code when no token was sent.
    ChallengeAtUserInfo(response, "");
    SendJson(response, 401, jwt::Json::object());
    return;
  }
  auto info = deps.userinfo->Get(presented);
  if (!info.ok()) {
    HttpError error = HttpErrorOf(info.status());
    // RFC 9449 §7.1: at a protected resource a refused proof is 401 with a
    // challenge (400 is the token endpoint's, §5).
    if (error.error == "invalid_dpop_proof") error.status = 401;
    jwt::Json body = {{"error", error.error}};
    if (!error.description.empty()) {
      body["error_description"] = error.description;
    }
    if (error.status == 401 || error.status == 403) {
      ChallengeAtUserInfo(response, error.error);
    }
    SendJson(response, error.status, body);
    return;
  }
  AllowOriginOf(deps, request, info->client_id, response);
  jwt::Json body = {{"sub", info->sub}};
  body.update(info->claims);
  SendJson(response, 200, body);
}

void IntrospectRoute(const OidcEndpointsDeps& deps, const HttpRequest& request,
                     HttpResponse& response) {
  auto post = ReadClientPost(request, response);
  if (!post.has_value()) return;
  auto result = deps.introspector->Introspect(
      post->client.client_id, post->client.client_secret,
      Get(post->form, "token"), request.remote_address,
      post->client.client_assertion);
  if (!result.ok()) return SendOAuthError(response, result.status());
  jwt::Json body = jwt::Json::object();
  body["active"] = result->active;
  if (result->active) {
    if (!result->scope.empty()) body["scope"] = result->scope;
    body["client_id"] = result->client_id;
    body["token_type"] = result->token_type;
    body["exp"] = result->exp;
    body["iat"] = result->iat;
    body["sub"] = result->sub;
    if (!result->aud.empty()) body["aud"] = result->aud;
    body["iss"] = result->iss;
    if (!result->jti.empty()) body["jti"] = result->jti;
    // RFC 9449 §6.2.
    if (!result->cnf_jkt.empty()) body["cnf"] = {{"jkt", result->cnf_jkt}};
  }
  SendJson(response, 200, body);
}

void RevokeRoute(const OidcEndpointsDeps& deps, const HttpRequest& request,
                 HttpResponse& response) {
  auto post = ReadClientPost(request, response);
  if (!post.has_value()) return;
  AllowOriginOf(deps, request, post->client.client_id, response);
  absl::Status revoked = deps.revoker->Revoke(
      Get(post->form, "token"), Get(post->form, "token_type_hint"),
      post->client.client_id, post->client.client_secret,
      request.remote_address, post->client.client_assertion);
  if (!revoked.ok()) return SendOAuthError(response, revoked);
  response.SetContent("", "text/plain; charset=utf-8");
}

// --- RP-Initiated Logout 1.0 -----------------------------------------------

// The parameters a logout request carries through the confirmation form.
constexpr const char* kLogoutCarried[] = {"id_token_hint", "client_id",
                                          "post_logout_redirect_uri", "state"};

void SendLogoutConfirmation(const OidcEndpointsDeps& deps,
                            HttpResponse& response, const Form& params,
                            Locale locale) {
  const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
  ConfirmView view;
  view.action = "/end_session";
  view.title = Msg::kLogoutTitle;
  view.message =
      Format(locale, Msg::kLogoutMessage, {PagesOf(deps).theme().product_name});
  for (const char* name : kLogoutCarried) {
    if (params.count(name) > 0)
      view.hidden.emplace_back(name, Get(params, name));
  }
  if (params.count("ui_locales") > 0) {
    view.hidden.emplace_back("ui_locales", Get(params, "ui_locales"));
  }
  view.csrf = csrf;
  view.confirm = Msg::kLogoutConfirm;
  view.cancel = Msg::kLogoutCancel;
  response.AddHeader("Set-Cookie",
                     CookieHeader(deps, kCsrfCookie, csrf,
                                  "Path=/end_session; SameSite=Strict"));
  SendPage(deps, response, 200, PagesOf(deps).Confirm(locale, view));
}

void ClearLogoutCsrfCookie(const OidcEndpointsDeps& deps,
                           HttpResponse& response) {
  response.AddHeader("Set-Cookie",
                     CookieHeader(deps, kCsrfCookie, "",
                                  "Path=/end_session; SameSite=Strict; "
                                  "Max-Age=0"));
}

// Ends `session` (if any), clears the cookie, and goes where the plan says.
void FinishLogout(const OidcEndpointsDeps& deps, const EndSessionPlan& plan,
                  const std::optional<storage::SessionRecord>& session,
                  Locale locale, HttpResponse& response) {
  if (session.has_value()) {
    if (absl::Status ended = deps.end_session->End(*session); !ended.ok()) {
      return SendFailurePage(deps, response, locale, ended,
                             Msg::kLogoutErrorTitle);
    }
  }
  if (session.has_value()) {
    response.AddHeader("Set-Cookie",
                       CookieHeader(deps, kSessionCookie, "",
                                    "Path=/; SameSite=Lax; Max-Age=0"));
  }
  ClearLogoutCsrfCookie(deps, response);
  if (!plan.redirect_url.empty()) return Redirect(response, plan.redirect_url);
  SendPage(deps, response, 200,
           PagesOf(deps).Notice(locale, Msg::kSignedOutTitle,
                                Format(locale, Msg::kSignedOutMessage)));
}

// GET or POST /end_session (RP-Initiated Logout 1.0 §2): a logout request,
// or (POST with csrf) the user's answer to the confirmation page: "confirm"
// ends the session, "cancel" keeps it.
void EndSessionRoute(const OidcEndpointsDeps& deps, const HttpRequest& request,
                     HttpResponse& response) {
  auto params = request.method == "POST" ? PostForm(request)
                                         : ParseFormUrlEncoded(request.query);
  if (!params.ok()) {
    const Locale locale = LocaleOf(request, nullptr);
    return SendErrorPage(
        deps, response, 400, locale,
        {Format(locale, Msg::kBadRequest),
         std::string(params.status().message()), Msg::kLogoutErrorTitle});
  }
  const Locale locale = LocaleOf(request, &*params);
  const bool answered = request.method == "POST" && params->count("csrf") > 0;
  if (answered && !CsrfMatches(request, *params)) {
    return SendErrorPage(
        deps, response, 403, locale,
        {Format(locale, Msg::kFormExpired), "", Msg::kLogoutErrorTitle});
  }
  auto plan = deps.end_session->Validate(
      {Get(*params, "id_token_hint"), Get(*params, "client_id"),
       Get(*params, "post_logout_redirect_uri"), Get(*params, "state")});
  if (!plan.ok()) {
    return SendFailurePage(deps, response, locale, plan.status(),
                           Msg::kLogoutErrorTitle);
  }
  if (answered && Get(*params, "decision") == "cancel") {
    ClearLogoutCsrfCookie(deps, response);
    return SendPage(deps, response, 200,
                    PagesOf(deps).Notice(locale, Msg::kLogoutTitle,
                                         Format(locale, Msg::kStillSignedIn)));
  }
  auto session = CurrentSession(deps, request);
  if (!session.ok()) {
    return SendFailurePage(deps, response, locale, session.status(),
                           Msg::kLogoutErrorTitle);
  }
  // A POST that is not our confirmation form came from the relying party's
  // page: another site, whose POST carries no SameSite=Lax session cookie.
  // Ending "no session" there would leave the real one live (and a cookie
  // cleared), so the user confirms on this server's page, whose POST does
  // carry the cookie.
  const bool cross_site_post = request.method == "POST" && !answered;
  if (!answered && (cross_site_post ||
                    deps.end_session->NeedsConfirmation(*plan, *session))) {
    return SendLogoutConfirmation(deps, response, *params, locale);
  }
  FinishLogout(deps, *plan, *session, locale, response);
}

// --- Device authorization (RFC 8628) ----------------------------------------

// RFC 8628 §3.1-3.2: a client authenticated as at /token (a public one by
// its client_id) gets a device_code, a user_code and where the user goes.
void DeviceAuthorizationRoute(const OidcEndpointsDeps& deps,
                              const HttpRequest& request,
                              HttpResponse& response) {
  auto post = ReadClientPost(request, response);
  if (!post.has_value()) return;
  auto started = deps.devices->Authorize(
      {post->client.client_id, post->client.client_secret,
       Get(post->form, "scope"), LoginSource(deps, request),
       post->client.client_assertion});
  if (!started.ok()) return SendOAuthError(response, started.status());
  jwt::Json body = {
      {"device_code", started->device_code},
      {"user_code", started->user_code},
      {"verification_uri", started->verification_uri},
      {"verification_uri_complete", started->verification_uri_complete},
      {"expires_in", absl::ToInt64Seconds(started->expires_in)},
      {"interval", absl::ToInt64Seconds(started->interval)}};
  response.SetHeader("Pragma", "no-cache");
  SendJson(response, 200, body);
}

// The /device forms' hidden fields: the step the POST is, the user code
// (once typed), and ui_locales when the page was asked in a language.
HiddenFields DeviceHidden(absl::string_view step, const Form& params,
                          absl::string_view user_code = "") {
  HiddenFields hidden = {{"step", std::string(step)}};
  if (!user_code.empty()) hidden.emplace_back("user_code", user_code);
  if (params.count("ui_locales") > 0) {
    hidden.emplace_back("ui_locales", Get(params, "ui_locales"));
  }
  return hidden;
}

// Every /device form carries a new double-submit CSRF token, its cookie
// scoped to /device.
std::string NewDeviceCsrf(const OidcEndpointsDeps& deps,
                          HttpResponse& response) {
  const std::string csrf = jwt::Base64UrlEncode(RandomBytes(deps.random, 32));
  response.AddHeader(
      "Set-Cookie",
      CookieHeader(deps, kCsrfCookie, csrf, "Path=/device; SameSite=Strict"));
  return csrf;
}

// RFC 8628 §3.3: the code entry form, pre-filled with `user_code` (from
// verification_uri_complete, or the last try).
void SendDeviceCodePage(const OidcEndpointsDeps& deps, HttpResponse& response,
                        Locale locale, const Form& params, int status,
                        std::string error = "", bool code_rejected = false) {
  DeviceCodeView view;
  view.hidden = DeviceHidden("code", params);
  view.csrf = NewDeviceCsrf(deps, response);
  view.user_code = Get(params, "user_code");
  view.error = std::move(error);
  view.code_rejected = code_rejected;
  SendPage(deps, response, status, PagesOf(deps).DeviceCode(locale, view));
}

// The login form for a device's user: the login page's, POSTed to /device.
void SendDeviceLoginPage(const OidcEndpointsDeps& deps, HttpResponse& response,
                         Locale locale, const Form& params,
                         const PendingDevice& pending, int status,
                         std::string error = "",
                         bool credentials_rejected = false) {
  LoginView view;
  view.action = "/device";
  view.hidden = DeviceHidden("login", params, pending.user_code);
  view.csrf = NewDeviceCsrf(deps, response);
  view.client_name = pending.client.name.empty() ? pending.client.client_id
                                                 : pending.client.name;
  view.username = Get(params, "username");
  view.error = std::move(error);
  view.credentials_rejected = credentials_rejected;
  SendPage(deps, response, status, PagesOf(deps).Login(locale, view));
}

// RFC 8628 §3.3 and §5.4: the approval page names the client, the user code
// (to compare with the device's) and what each scope allows.
void SendDeviceApprovalPage(const OidcEndpointsDeps& deps,
                            HttpResponse& response, Locale locale,
                            const Form& params, const PendingDevice& pending) {
  ConfirmView view;
  view.action = "/device";
  view.title = Msg::kDeviceApproveTitle;
  view.message = Format(locale, Msg::kDeviceApproveMessage,
                        {pending.client.name.empty() ? pending.client.client_id
                                                     : pending.client.name,
                         pending.user_code});
  for (const std::string& scope : pending.scopes) {
    view.items.push_back(ScopeDescription(locale, scope));
  }
  view.hidden = DeviceHidden("decide", params, pending.user_code);
  view.csrf = NewDeviceCsrf(deps, response);
  SendPage(deps, response, 200, PagesOf(deps).Confirm(locale, view));
}

// A code refused by the core: the code form again, saying why.
void SendDeviceCodeFailure(const OidcEndpointsDeps& deps,
                           HttpResponse& response, Locale locale,
                           const Form& params, const absl::Status& status) {
  const std::optional<OAuthError> error = OAuthErrorOf(status);
  if (error == OAuthError::kTemporarilyUnavailable) {
    const std::string wait = ErrorDetailsOf(status)["retry_after_seconds"];
    response.SetHeader("Retry-After", wait);
    return SendDeviceCodePage(deps, response, locale, params, 429,
                              Format(locale, Msg::kDeviceTooManyCodes, {wait}));
  }
  if (error == OAuthError::kInvalidRequest) {
    return SendDeviceCodePage(deps, response, locale, params, 400,
                              Format(locale, Msg::kDeviceCodeUnknown),
                              /*code_rejected=*/true);
  }
  SendFailurePage(deps, response, locale, status);
}

// GET /device: the code entry form (?user_code= pre-fills it; RFC 8628 §5.4:
// the user still confirms it, and nothing is looked up before the POST).
void DeviceGet(const OidcEndpointsDeps& deps, const HttpRequest& request,
               HttpResponse& response) {
  auto params = ParseFormUrlEncoded(request.query);
  if (!params.ok()) {
    const Locale locale = LocaleOf(request, nullptr);
    return SendErrorPage(deps, response, 400, locale,
                         {Format(locale, Msg::kBadRequest),
                          std::string(params.status().message())});
  }
  SendDeviceCodePage(deps, response, LocaleOf(request, &*params), *params, 200);
}

// The sign-in step for a device's user: the login session starts (its
// cookie set), then the approval page.
void DeviceSignIn(const OidcEndpointsDeps& deps, const HttpRequest& request,
                  const Form& form, Locale locale, HttpResponse& response) {
  const std::string source = LoginSource(deps, request);
  auto started = deps.authorization->StartSession(
      Get(form, "username"), Get(form, "password"), source);
  if (!started.ok()) {
    const std::optional<OAuthError> error = OAuthErrorOf(started.status());
    auto pending = deps.devices->Find(Get(form, "user_code"), source);
    if (!pending.ok()) {
      return SendDeviceCodeFailure(deps, response, locale, form,
                                   pending.status());
    }
    const HttpError http = HttpErrorOf(started.status());
    if (error == OAuthError::kAccessDenied) {
      return SendDeviceLoginPage(deps, response, locale, form, *pending,
                                 http.status,
                                 Format(locale, Msg::kWrongCredentials), true);
    }
    if (error == OAuthError::kTemporarilyUnavailable) {
      const std::string wait =
          ErrorDetailsOf(started.status())["retry_after_seconds"];
      response.SetHeader("Retry-After", wait);
      return SendDeviceLoginPage(
          deps, response, locale, form, *pending, http.status,
          Format(locale,
                 http.status == 503 ? Msg::kServerBusy : Msg::kTooManyAttempts,
                 {wait}));
    }
    return SendFailurePage(deps, response, locale, started.status());
  }
  SetSessionCookie(deps, request, *started, response);
  auto pending = deps.devices->Find(Get(form, "user_code"), source);
  if (!pending.ok()) {
    return SendDeviceCodeFailure(deps, response, locale, form,
                                 pending.status());
  }
  SendDeviceApprovalPage(deps, response, locale, form, *pending);
}

// POST /device: one of the three forms, named by its "step": "code" (the
// user code typed: the approval page for a live session, else the login
// form), "login" (DeviceSignIn) or "decide" (the approval page's answer,
// by the live session's user: "confirm" approves, anything else denies).
// Every step is CSRF-checked as the login form is, and every one that
// names a user code counts against the entry throttle
// (device_authorization.h).
void DevicePost(const OidcEndpointsDeps& deps, const HttpRequest& request,
                HttpResponse& response) {
  Locale locale = Locale::kEnglish;  // Set by CsrfCheckedForm.
  auto form = CsrfCheckedForm(deps, request, response, locale);
  if (!form.has_value()) return;
  const std::string step = Get(*form, "step");
  if (step == "login") {
    return DeviceSignIn(deps, request, *form, locale, response);
  }
  auto session = CurrentSession(deps, request);
  if (!session.ok()) {
    return SendFailurePage(deps, response, locale, session.status());
  }
  const std::string source = LoginSource(deps, request);
  if (step == "decide") {
    if (!session->has_value()) {
      // Signed out (or the session ended) since the page was shown.
      return SendErrorPage(deps, response, 403, locale,
                           {Format(locale, Msg::kFormExpired), ""});
    }
    const bool approve = Get(*form, "decision") == "confirm";
    auto decided = deps.devices->Decide(
        Get(*form, "user_code"), source,
        {(*session)->user_id, (*session)->auth_time, (*session)->sid}, approve);
    if (!decided.ok()) {
      return SendDeviceCodeFailure(deps, response, locale, *form,
                                   decided.status());
    }
    response.AddHeader(
        "Set-Cookie", CookieHeader(deps, kCsrfCookie, "",
                                   "Path=/device; SameSite=Strict; Max-Age=0"));
    return SendPage(
        deps, response, 200,
        PagesOf(deps).Notice(
            locale,
            approve ? Msg::kDeviceApprovedTitle : Msg::kDeviceDeniedTitle,
            Format(locale, approve ? Msg::kDeviceApprovedMessage
                                   : Msg::kDeviceDeniedMessage)));
  }
  auto pending = deps.devices->Find(Get(*form, "user_code"), source);
  if (!pending.ok()) {
    return SendDeviceCodeFailure(deps, response, locale, *form,
                                 pending.status());
  }
  if (session->has_value()) {
    return SendDeviceApprovalPage(deps, response, locale, *form, *pending);
  }
  SendDeviceLoginPage(deps, response, locale, *form, *pending, 200);
}

}  // namespace

std::string DiscoveryDocument(const OidcEndpointsDeps& deps) {
  const std::string& base = deps.issuer;
  // Exactly the algorithms that sign ID tokens, each with a CURRENT key in
  // the JWKS (OIDC Discovery §3); the default for clients that ask for none
  // first (OIDC Core §15.1: RS256 when configured).
  const auto snapshot = deps.keys->snapshot();
  std::vector<std::string> algs = {
      std::string(jwt::AlgorithmName(snapshot->id_token_signer->algorithm()))};
  for (const std::string& name :
       AlgorithmNames(snapshot->SigningAlgorithms())) {
    if (name != algs.front()) algs.push_back(name);
  }
  std::vector<std::string> pkce = {"S256"};
  if (deps.allow_plain_pkce) pkce.push_back("plain");
  const std::vector<std::string> client_auth = {
      "client_secret_basic", "client_secret_post", "private_key_jwt", "none"};
  // RFC 8414 §2: what private_key_jwt assertions may be signed with.
  const std::vector<std::string> assertion_algs =
      AlgorithmNames(ClientAssertionAlgorithms());
  jwt::Json doc = {
      {"issuer", base},
      {"authorization_endpoint", base + "/authorize"},
      {"token_endpoint", base + "/token"},
      {"userinfo_endpoint", base + "/userinfo"},
      {"jwks_uri", base + "/jwks"},
      {"introspection_endpoint", base + "/introspect"},
      {"revocation_endpoint", base + "/revoke"},
      {"end_session_endpoint", base + "/end_session"},
      // Back-Channel Logout 1.0 §2.1: logout tokens carry sid.
      {"backchannel_logout_supported", true},
      {"backchannel_logout_session_supported", true},
      {"response_types_supported", {"code"}},
      {"response_modes_supported", {"query"}},
      {"grant_types_supported",
       {"authorization_code", "refresh_token", "client_credentials",
        kTokenExchangeGrantType}},
      {"subject_types_supported", {"public"}},
      {"id_token_signing_alg_values_supported", algs},
      {"token_endpoint_auth_methods_supported", client_auth},
      {"token_endpoint_auth_signing_alg_values_supported", assertion_algs},
      {"introspection_endpoint_auth_methods_supported",
       {"client_secret_basic", "client_secret_post", "private_key_jwt"}},
      {"introspection_endpoint_auth_signing_alg_values_supported",
       assertion_algs},
      {"revocation_endpoint_auth_methods_supported", client_auth},
      {"revocation_endpoint_auth_signing_alg_values_supported", assertion_algs},
      {"code_challenge_methods_supported", pkce},
      {"scopes_supported", OpenIdScopes()},
      {"claims_supported", SupportedClaims()},
      {"prompt_values_supported", {"none", "login", "consent"}},
      {"authorization_response_iss_parameter_supported", true},
      // RFC 9126 §5: PAR is offered, required only of the clients
      // registered so.
      {"pushed_authorization_request_endpoint", base + "/par"},
      {"require_pushed_authorization_requests", false},
      {"claims_parameter_supported", false},
      {"request_parameter_supported", false},
      {"request_uri_parameter_supported", false},
      // RFC 9449 §5.1.
      {"dpop_signing_alg_values_supported",
       AlgorithmNames(jwt::DpopAlgorithms())},
  };
  if (deps.devices != nullptr) {
    // RFC 8628 §4.
    doc["device_authorization_endpoint"] = base + "/device_authorization";
    doc["grant_types_supported"].push_back(
        "urn:ietf:params:oauth:grant-type:device_code");
  }
  return jwt::DumpJson(doc);
}

void AddOidcRoutes(HttpServer& server, OidcEndpointsDeps deps_value) {
  Deps deps = std::make_shared<const OidcEndpointsDeps>(std::move(deps_value));
  server.Handle("GET", "/.well-known/openid-configuration",
                [deps](const HttpRequest&, HttpResponse& response) {
                  // Relying parties may cache it (and the keys) for a while.
                  response.SetHeader("Cache-Control", "public, max-age=300");
                  // Public: any page may read it (no credentials involved).
                  response.SetHeader("Access-Control-Allow-Origin", "*");
                  response.SetContent(DiscoveryDocument(*deps), kJson);
                });
  server.Handle("GET", "/jwks",
                [deps](const HttpRequest&, HttpResponse& response) {
                  // A key is published as NEXT a rotation period before it
                  // signs: five minutes of caching never hides a signer.
                  response.SetHeader("Cache-Control", "public, max-age=300");
                  response.SetHeader("Access-Control-Allow-Origin", "*");
                  response.SetContent(deps->keys->snapshot()->public_jwks_json,
                                      "application/jwk-set+json");
                });
  server.Handle("GET", "/authorize",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  AuthorizeGet(*deps, request, response);
                });
  server.Handle("POST", "/authorize",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  AuthorizePost(*deps, request, response);
                });
  server.Handle("POST", "/token",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  Token(*deps, request, response);
                });
  server.Handle("POST", "/par",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  PushedAuthorizationRoute(*deps, request, response);
                });
  for (const char* method : {"GET", "POST"}) {
    server.Handle(method, "/userinfo",
                  [deps](const HttpRequest& request, HttpResponse& response) {
                    UserInfoRoute(*deps, request, response);
                  });
  }
  server.Handle("POST", "/introspect",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  IntrospectRoute(*deps, request, response);
                });
  server.Handle("POST", "/revoke",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  RevokeRoute(*deps, request, response);
                });
  server.Handle("POST", "/consent",
                [deps](const HttpRequest& request, HttpResponse& response) {
                  ConsentRoute(*deps, request, response);
                });
  for (const char* method : {"GET", "POST"}) {
    server.Handle(method, "/end_session",
                  [deps](const HttpRequest& request, HttpResponse& response) {
                    EndSessionRoute(*deps, request, response);
                  });
  }
  if (deps->devices != nullptr) {
    server.Handle("POST", "/device_authorization",
                  [deps](const HttpRequest& request, HttpResponse& response) {
                    DeviceAuthorizationRoute(*deps, request, response);
                  });
    server.Handle("GET", "/device",
                  [deps](const HttpRequest& request, HttpResponse& response) {
                    DeviceGet(*deps, request, response);
                  });
    server.Handle("POST", "/device",
                  [deps](const HttpRequest& request, HttpResponse& response) {
                    DevicePost(*deps, request, response);
                  });
  }
  // CORS preflights; /introspect gets none: a browser app is a public
  // client, and introspection is for confidential ones.
  for (const char* path : {"/token", "/par", "/revoke"}) {
    server.Handle("OPTIONS", path,
                  [](const HttpRequest& request, HttpResponse& response) {
                    Preflight(request, response, "POST");
                  });
  }
  server.Handle("OPTIONS", "/userinfo",
                [](const HttpRequest& request, HttpResponse& response) {
                  Preflight(request, response, "GET, POST");
                });
}

}  // namespace identity::server
