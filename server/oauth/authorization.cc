#include "server/oauth/authorization.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/scope.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {
namespace {

// Bounds on what an unauthenticated request may make us store and echo.
constexpr size_t kMaxState = 1024;
constexpr size_t kMaxNonce = 512;
constexpr size_t kMaxLoginHint = 256;
constexpr char kOfflineAccess[] = "offline_access";

// RFC 7636, with RFC 9700 §2.1.1's exception: a confidential client
// registered with pkce_optional may leave PKCE out of an OpenID Connect
// request (the nonce it should send and check in the ID token then binds the
// code to its session; OIDC Core makes the nonce optional for the code flow,
// so it is not required here). A challenge it does send is checked as any
// other.
absl::Status CheckPkce(const AuthorizationRequest& request,
                       const storage::ClientRecord& client,
                       const std::vector<std::string>& scopes,
                       bool allow_plain) {
  const bool without_pkce =
      request.code_challenge.empty() && request.code_challenge_method.empty();
  if (without_pkce && client.pkce_optional && !client.public_client) {
    const bool openid =
        std::find(scopes.begin(), scopes.end(), "openid") != scopes.end();
    if (openid) return absl::OkStatus();
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "code_challenge is required (PKCE, RFC 7636) unless "
                        "the request is an OpenID Connect one (scope openid)");
  }
  return ValidateCodeChallenge(request.code_challenge,
                               request.code_challenge_method, allow_plain);
}

// OIDC Core §3.1.2.1: prompt and max_age.
absl::Status ParseLoginParameters(const AuthorizationRequest& request,
                                  ValidatedAuthorization& validated) {
  for (absl::string_view value :
       absl::StrSplit(request.prompt, ' ', absl::SkipEmpty())) {
    if (value == "none") {
      validated.prompt_none = true;
    } else if (value == "login") {
      validated.prompt_login = true;
    } else if (value == "consent") {
      validated.prompt_consent = true;
    } else if (value == "select_account") {
      return OAuthFailure(OAuthError::kAccountSelectionRequired,
                          "this server has no account selection step");
    } else {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "unsupported prompt value");
    }
  }
  if (validated.prompt_none &&
      (validated.prompt_login || validated.prompt_consent)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "prompt=none cannot go with others");
  }
  if (!request.max_age.empty()) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(request.max_age, &seconds) || seconds < 0) {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "max_age must be a whole number");
    }
    validated.max_age = absl::Seconds(seconds);
  }
  return absl::OkStatus();
}

// The parameters of a pushed request, as stored: form-encoded, empty ones
// left out (an empty parameter means what an absent one does). client_id,
// request and request_uri are never stored.
struct PushedField {
  const char* name;
  std::string AuthorizationRequest::*field;
};
constexpr PushedField kPushedFields[] = {
    {"response_type", &AuthorizationRequest::response_type},
    {"redirect_uri", &AuthorizationRequest::redirect_uri},
    {"scope", &AuthorizationRequest::scope},
    {"state", &AuthorizationRequest::state},
    {"code_challenge", &AuthorizationRequest::code_challenge},
    {"code_challenge_method", &AuthorizationRequest::code_challenge_method},
    {"nonce", &AuthorizationRequest::nonce},
    {"prompt", &AuthorizationRequest::prompt},
    {"max_age", &AuthorizationRequest::max_age},
    {"login_hint", &AuthorizationRequest::login_hint},
};

// The resource indicators (RFC 8707) of a pushed request: checked before
// they are stored, so none holds a space; stored space-separated under one
// name (the form parser keeps one value per name).
constexpr char kPushedResources[] = "resource";

std::string EncodePushed(const AuthorizationRequest& request) {
  std::vector<std::string> parts;
  for (const PushedField& f : kPushedFields) {
    const std::string& value = request.*f.field;
    if (!value.empty()) {
      parts.push_back(absl::StrCat(f.name, "=", FormEncode(value)));
    }
  }
  if (!request.resource.empty()) {
    parts.push_back(
        absl::StrCat(kPushedResources, "=",
                     FormEncode(absl::StrJoin(request.resource, " "))));
  }
  return absl::StrJoin(parts, "&");
}

// A consent reference's store key: never a client_id (which has no space),
// so that consent pages count against their own bound, and bound to the
// login's session (its user when it has none).
std::string ConsentKey(absl::string_view client_id,
                       const ExistingLogin& login) {
  return login.sid.empty()
             ? absl::StrCat("consent ", client_id, " user ", login.user_id)
             : absl::StrCat("consent ", client_id, " session ", login.sid);
}

// A login form's reference's store key: apart from the client's pushed
// requests (its own bound), never a client_id.
std::string LoginFormKey(absl::string_view client_id) {
  return absl::StrCat("login ", client_id);
}

// What a consent reference records beside the request's parameters (not
// among kPushedFields: DecodePushed ignores them).
constexpr char kShownScope[] = "consent_shown_scope";
constexpr char kSignedIn[] = "consent_signed_in";

absl::StatusOr<AuthorizationRequest> DecodePushed(absl::string_view text) {
  auto form = ParseFormUrlEncoded(text);
  if (!form.ok()) return absl::InternalError("a stored pushed request is bad");
  AuthorizationRequest request;
  for (const PushedField& f : kPushedFields) {
    auto it = form->find(f.name);
    if (it != form->end()) request.*f.field = it->second;
  }
  auto resources = form->find(kPushedResources);
  if (resources != form->end()) {
    request.resource =
        absl::StrSplit(resources->second, ' ', absl::SkipEmpty());
  }
  return request;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> AuthorizableScopes(
    absl::string_view scope, const storage::ClientRecord& client) {
  auto requested = ParseScope(scope);
  if (!requested.ok()) return requested.status();
  std::vector<std::string> own;
  for (const std::string& allowed : client.allowed_scopes) {
    if (allowed != kAdminScope) own.push_back(allowed);
  }
  if (!HasScope(own, kOfflineAccess)) {
    requested->erase(
        std::remove(requested->begin(), requested->end(), kOfflineAccess),
        requested->end());
  }
  if (requested->empty()) {
    // OIDC Core §11: offline_access only when the client asks for it.
    own.erase(std::remove(own.begin(), own.end(), kOfflineAccess), own.end());
    return own;
  }
  std::vector<std::string> allowed = own;
  allowed.insert(allowed.end(), OpenIdScopes().begin(), OpenIdScopes().end());
  return GrantScopes(*requested, allowed);
}

const std::vector<std::string>& OpenIdScopes() {
  static const auto* const scopes = [] {
    auto* all = new std::vector<std::string>{"openid"};
    all->insert(all->end(), ClaimScopes().begin(), ClaimScopes().end());
    return all;
  }();
  return *scopes;
}

std::string AuthorizationEndpoint::ErrorRedirect(
    const std::string& redirect_uri, absl::string_view error,
    absl::string_view description, absl::string_view state) const {
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"error", std::string(error)},
      {"error_description", ErrorDescription(description)}};
  if (!state.empty()) parameters.emplace_back("state", std::string(state));
  parameters.emplace_back("iss", options_.issuer);
  return AppendQuery(redirect_uri, parameters);
}

absl::StatusOr<ValidatedAuthorization> AuthorizationEndpoint::Validate(
    const AuthorizationRequest& request) const {
  if (!request.request_uri.has_value() ||
      !absl::StartsWith(*request.request_uri, kPushedRequestUriPrefix)) {
    return ValidateResolved(request, false);
  }
  // RFC 9126 §4: the pushed parameters, and only them (but client_id).
  auto pushed = ConsumePushed(request);
  if (!pushed.ok()) return pushed.status();
  auto validated = ValidateResolved(*pushed, true);
  if (!validated.ok()) return validated.status();
  validated->pushed = *std::move(pushed);
  return validated;
}

absl::StatusOr<AuthorizationRequest> AuthorizationEndpoint::ConsumePushed(
    const AuthorizationRequest& request) const {
  if (!IsValidClientId(request.client_id)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_id is missing or malformed");
  }
  const std::string hash = HashOpaqueToken(*request.request_uri);
  auto consumed =
      grants_->ConsumePushedRequest(hash, request.client_id, clock_->Now());
  if (consumed.status().code() == absl::StatusCode::kNotFound) {
    // A login form's (PushForLogin).
    consumed = grants_->ConsumePushedRequest(
        hash, LoginFormKey(request.client_id), clock_->Now());
  }
  if (consumed.status().code() == absl::StatusCode::kNotFound) {
    // One answer for every case, so that nothing can be learnt by probing.
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "request_uri is unknown, expired, already used or "
                        "another client's (RFC 9126)");
  }
  if (!consumed.ok()) return consumed.status();
  auto pushed = DecodePushed(consumed->parameters);
  if (!pushed.ok()) return pushed.status();
  pushed->client_id = request.client_id;
  return pushed;
}

absl::StatusOr<std::string> AuthorizationEndpoint::StorePushed(
    const AuthorizationRequest& request, const std::string& client_id,
    absl::Duration lifetime) const {
  return StoreReference(
      kPushedRequestUriPrefix, client_id, EncodePushed(request), lifetime,
      options_.max_pushed_request_bytes, options_.max_live_pushed_requests);
}

absl::StatusOr<std::string> AuthorizationEndpoint::StoreReference(
    absl::string_view prefix, const std::string& key, std::string parameters,
    absl::Duration lifetime, size_t max_bytes, int64_t max_live) const {
  const std::string request_uri = absl::StrCat(prefix, NewOpaqueToken(random_));
  storage::PushedRequestRecord record;
  record.request_uri_hash = HashOpaqueToken(request_uri);
  record.client_id = key;
  record.parameters = std::move(parameters);
  if (record.parameters.size() > max_bytes) {
    return OAuthFailure(
        OAuthError::kInvalidRequest,
        absl::StrCat("the request is larger than ", max_bytes, " bytes"));
  }
  auto live = grants_->CountLivePushedRequests(key, clock_->Now());
  if (!live.ok()) return live.status();
  if (*live >= max_live) {
    return OAuthFailure(OAuthError::kTemporarilyUnavailable,
                        "too many requests of this client wait; use or let "
                        "some expire first");
  }
  record.expires_at =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now() + lifetime));
  if (absl::Status s = grants_->CreatePushedRequest(record); !s.ok()) return s;
  return request_uri;
}

absl::StatusOr<PushedRequest> AuthorizationEndpoint::Push(
    AuthorizationRequest request, const storage::ClientRecord& client) const {
  if (request.request_uri.has_value()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "request_uri cannot be pushed (RFC 9126 section 2.1)");
  }
  if (request.request.has_value()) {
    return OAuthFailure(OAuthError::kRequestNotSupported,
                        "Request Objects (request) are not supported");
  }
  if (request.client_id.empty()) request.client_id = client.client_id;
  if (request.client_id != client.client_id) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_id is not the authenticated client's");
  }
  auto validated = ValidateResolved(request, true);
  if (!validated.ok()) {
    // Answered to the client directly: no error redirect.
    const std::optional<OAuthError> error = OAuthErrorOf(validated.status());
    if (!error.has_value()) return validated.status();
    return OAuthFailure(*error, validated.status().message());
  }
  auto request_uri =
      StorePushed(request, client.client_id, options_.pushed_request_lifetime);
  if (!request_uri.ok()) return request_uri.status();
  return PushedRequest{*std::move(request_uri),
                       options_.pushed_request_lifetime};
}

absl::StatusOr<std::string> AuthorizationEndpoint::PushForLogin(
    const ValidatedAuthorization& request) const {
  if (!request.pushed.has_value()) {
    return absl::FailedPreconditionError("the request was not pushed");
  }
  return StoreReference(
      kPushedRequestUriPrefix, LoginFormKey(request.client.client_id),
      EncodePushed(*request.pushed), options_.pushed_login_lifetime,
      options_.max_pushed_request_bytes, options_.max_live_login_forms);
}

absl::StatusOr<ValidatedAuthorization> AuthorizationEndpoint::ValidateResolved(
    const AuthorizationRequest& request, bool pushed) const {
  // 1. Who is asking, and where the answer goes: failures here are never
  // redirected (the redirect_uri is not trusted yet).
  if (!IsValidClientId(request.client_id)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_id is missing or malformed");
  }
  auto client = clients_->GetClient(request.client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) {
    return OAuthFailure(OAuthError::kInvalidRequest, "unknown client_id");
  }
  if (!client.ok()) return client.status();
  const bool registered =
      std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                  [&](const std::string& uri) {
                    return RedirectUriMatches(uri, request.redirect_uri);
                  });
  if (request.redirect_uri.empty() || !registered) {
    return OAuthFailure(
        OAuthError::kInvalidRequest,
        "redirect_uri is not one registered for this client (exact match)");
  }

  // 2. Everything else is the client's to hear about, at its redirect_uri.
  ValidatedAuthorization validated;
  validated.redirect_uri = request.redirect_uri;
  // Not echoed if too long.
  if (request.state.size() <= kMaxState) validated.state = request.state;
  if (client->require_pushed_authorization_requests && !pushed) {
    // RFC 9126 §4, §6: require_pushed_authorization_requests.
    return Redirected(
        OAuthFailure(OAuthError::kInvalidRequest,
                     "this client must push its authorization requests "
                     "(PAR, RFC 9126) and send the request_uri"),
        validated);
  }
  if (absl::Status checked = CheckRequest(request, *client, validated);
      !checked.ok()) {
    return Redirected(std::move(checked), validated);
  }
  validated.client = *std::move(client);
  validated.parameters = request;
  validated.state = request.state;
  validated.code_challenge = request.code_challenge;
  validated.code_challenge_method = request.code_challenge_method;
  validated.nonce = request.nonce;
  if (request.login_hint.size() <= kMaxLoginHint) {
    validated.login_hint = request.login_hint;
  }
  return validated;
}

absl::Status AuthorizationEndpoint::Redirected(
    absl::Status status, const ValidatedAuthorization& request) const {
  return WithErrorDetail(
      status, "redirect_uri",
      ErrorRedirect(request.redirect_uri, OAuthErrorCodeOf(status),
                    status.message(), request.state));
}

absl::Status AuthorizationEndpoint::CheckRequest(
    const AuthorizationRequest& request, const storage::ClientRecord& client,
    ValidatedAuthorization& validated) const {
  if (request.response_type.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "response_type is required");
  }
  if (request.response_type != "code") {
    return OAuthFailure(OAuthError::kUnsupportedResponseType,
                        "response_type must be \"code\"");
  }
  if (!AllowsGrant(client, "authorization_code")) {
    return OAuthFailure(OAuthError::kUnauthorizedClient,
                        "the client may not use the authorization_code grant");
  }
  if (request.request.has_value()) {
    return OAuthFailure(OAuthError::kRequestNotSupported,
                        "Request Objects (request) are not supported");
  }
  if (request.request_uri.has_value()) {
    return OAuthFailure(OAuthError::kRequestUriNotSupported,
                        "Request Objects by reference (request_uri) are not "
                        "supported");
  }
  if (request.state.size() > kMaxState) {
    return OAuthFailure(
        OAuthError::kInvalidRequest,
        absl::StrCat("state must be at most ", kMaxState, " bytes"));
  }
  if (request.nonce.size() > kMaxNonce) {
    return OAuthFailure(
        OAuthError::kInvalidRequest,
        absl::StrCat("nonce must be at most ", kMaxNonce, " bytes"));
  }
  auto granted = AuthorizableScopes(request.scope, client);
  if (!granted.ok()) return granted.status();
  validated.scopes = *std::move(granted);
  // RFC 8707 §2.1: each resource registered and the client's.
  if (resources_ != nullptr) {
    auto resources = resources_->ForAuthorization(request.resource, client);
    if (!resources.ok()) return resources.status();
    validated.resources = *std::move(resources);
  } else if (!request.resource.empty()) {
    return OAuthFailure(OAuthError::kInvalidTarget,
                        "this server has no resources");
  }
  if (absl::Status pkce = CheckPkce(request, client, validated.scopes,
                                    options_.allow_plain_pkce);
      !pkce.ok()) {
    return pkce;
  }
  return ParseLoginParameters(request, validated);
}

absl::StatusOr<AuthorizationDecision> AuthorizationEndpoint::Decide(
    const ValidatedAuthorization& request,
    const std::optional<ExistingLogin>& login) const {
  AuthorizationDecision decision;
  std::optional<storage::UserRecord> user;
  if (login.has_value() && !request.prompt_login &&
      (!request.max_age.has_value() ||
       clock_->Now() - login->auth_time <= *request.max_age)) {
    auto found = users_->Get(login->user_id);
    if (found.ok() && !found->disabled) {
      user = *std::move(found);
    } else if (!found.ok() &&
               found.status().code() != absl::StatusCode::kNotFound &&
               !OAuthErrorOf(found.status()).has_value()) {
      return found.status();  // The store failed: not a reason to ask again.
    }
  }
  if (user.has_value()) {
    auto needed = ConsentNeeded(request, user->user_id);
    if (!needed.ok()) return needed.status();
    if (*needed && !request.prompt_none) {
      decision.action = AuthorizationDecision::Action::kShowConsent;
      return decision;
    }
    if (*needed) {
      // OIDC Core §3.1.2.6: prompt=none cannot ask.
      decision.action = AuthorizationDecision::Action::kRedirect;
      decision.redirect_url = ErrorRedirect(
          request.redirect_uri, "consent_required",
          "the user must consent to this client's request", request.state);
      return decision;
    }
    auto issued = IssueCode(request, *user, login->auth_time, login->sid);
    if (!issued.ok()) return issued.status();
    decision.action = AuthorizationDecision::Action::kRedirect;
    decision.redirect_url = issued->redirect_url;
    decision.code = *std::move(issued);
  } else if (request.prompt_none) {
    // OIDC Core §3.1.2.6.
    decision.action = AuthorizationDecision::Action::kRedirect;
    decision.redirect_url =
        ErrorRedirect(request.redirect_uri, "login_required",
                      "the user must sign in", request.state);
  }
  return decision;
}

absl::StatusOr<bool> AuthorizationEndpoint::ConsentNeeded(
    const ValidatedAuthorization& request, absl::string_view user_id) const {
  // With no consents to ask, a third-party client always needs them.
  if (consents_ == nullptr) return request.client.third_party;
  return consents_->Needed(request.client, user_id, request.scopes,
                           request.prompt_consent);
}

absl::StatusOr<std::string> AuthorizationEndpoint::PushForConsent(
    const ValidatedAuthorization& request, const ExistingLogin& login,
    bool signed_in) const {
  // The scopes as checked (what the page lists), and no login_hint too long
  // to be used: what is stored is bounded by Validate's limits.
  AuthorizationRequest stored = request.parameters;
  stored.scope = absl::StrJoin(request.scopes, " ");
  if (stored.login_hint.size() > kMaxLoginHint) stored.login_hint.clear();
  std::string parameters = EncodePushed(stored);
  absl::StrAppend(&parameters, parameters.empty() ? "" : "&", kShownScope, "=",
                  FormEncode(absl::StrJoin(request.scopes, " ")));
  if (signed_in) absl::StrAppend(&parameters, "&", kSignedIn, "=1");
  return StoreReference(
      kConsentRequestUriPrefix, ConsentKey(request.client.client_id, login),
      std::move(parameters), options_.pushed_consent_lifetime,
      options_.max_consent_page_bytes, options_.max_live_consent_pages);
}

absl::StatusOr<ConsentAnswer> AuthorizationEndpoint::ResolveConsent(
    absl::string_view client_id, absl::string_view request_uri,
    const ExistingLogin& login) const {
  const absl::Status unknown = OAuthFailure(
      OAuthError::kInvalidRequest,
      "request_uri is not a consent page's, or unknown, expired, already "
      "used, another client's or another session's");
  if (!IsValidClientId(client_id) ||
      !absl::StartsWith(request_uri, kConsentRequestUriPrefix)) {
    return unknown;
  }
  auto consumed = grants_->ConsumePushedRequest(HashOpaqueToken(request_uri),
                                                ConsentKey(client_id, login),
                                                clock_->Now());
  if (consumed.status().code() == absl::StatusCode::kNotFound) return unknown;
  if (!consumed.ok()) return consumed.status();
  auto parameters = DecodePushed(consumed->parameters);
  if (!parameters.ok()) return parameters.status();
  parameters->client_id = std::string(client_id);
  auto validated = ValidateResolved(*parameters, true);
  if (!validated.ok()) return validated.status();
  validated->pushed = *std::move(parameters);
  ConsentAnswer answer;
  answer.request = *std::move(validated);
  auto form = ParseFormUrlEncoded(consumed->parameters);
  if (!form.ok()) return absl::InternalError("a stored consent page is bad");
  answer.shown_scopes =
      absl::StrSplit((*form)[kShownScope], ' ', absl::SkipEmpty());
  answer.signed_in = (*form)[kSignedIn] == "1";
  return answer;
}

absl::StatusOr<IssuedCode> AuthorizationEndpoint::Consent(
    const ValidatedAuthorization& request, const ExistingLogin& login,
    bool signed_in) const {
  if (consents_ == nullptr) {
    return absl::FailedPreconditionError("no consent store configured");
  }
  // Decide's checks again: the answer may come long after the page, and
  // must not answer what the login could not.
  if (!request.client.third_party) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "this client needs no consent");
  }
  if (request.prompt_none) {
    return Redirected(
        OAuthFailure(OAuthError::kConsentRequired,
                     "the user must consent to this client's request"),
        request);
  }
  if ((request.prompt_login && !signed_in) ||
      (request.max_age.has_value() &&
       clock_->Now() - login.auth_time > *request.max_age)) {
    return OAuthFailure(OAuthError::kLoginRequired,
                        "the user must sign in again for this request");
  }
  auto user = users_->Get(login.user_id);
  if ((user.ok() && user->disabled) ||
      user.status().code() == absl::StatusCode::kNotFound ||
      (!user.ok() && OAuthErrorOf(user.status()).has_value())) {
    return OAuthFailure(OAuthError::kLoginRequired, "the user must sign in");
  }
  if (!user.ok()) return user.status();
  if (absl::Status s = consents_->Grant(user->user_id, request.client.client_id,
                                        request.scopes);
      !s.ok()) {
    return s;
  }
  return IssueCode(request, *user, login.auth_time, login.sid);
}

std::string AuthorizationEndpoint::DenyConsent(
    const ValidatedAuthorization& request) const {
  // RFC 6749 §4.1.2.1: the resource owner denied the request.
  return ErrorRedirect(request.redirect_uri, "access_denied",
                       "the user denied the request", request.state);
}

absl::StatusOr<IssuedCode> AuthorizationEndpoint::IssueCode(
    const ValidatedAuthorization& request, const storage::UserRecord& user,
    absl::Time auth_time, absl::string_view sid) const {
  const absl::Time now =
      absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  IssuedCode issued;
  issued.code = NewOpaqueToken(random_);
  issued.state = request.state;
  storage::AuthorizationCodeRecord code;
  code.code_hash = HashOpaqueToken(issued.code);
  code.grant_id = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  code.client_id = request.client.client_id;
  code.user_id = user.user_id;
  code.redirect_uri = request.redirect_uri;
  code.scope = absl::StrJoin(request.scopes, " ");
  code.nonce = request.nonce;
  code.code_challenge = request.code_challenge;
  code.code_challenge_method = request.code_challenge_method;
  code.auth_time = absl::FromUnixSeconds(absl::ToUnixSeconds(auth_time));
  code.expires_at = now + options_.code_lifetime;
  code.sid = std::string(sid);
  code.resources = request.resources;
  // Back-Channel Logout: a client that will want to hear when this session
  // ends is recorded with it before it gets the code.
  if (!sid.empty() && sessions_ != nullptr &&
      !request.client.backchannel_logout_uri.empty()) {
    if (absl::Status s = sessions_->AddClient(sid, code.client_id); !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = grants_->CreateAuthorizationCode(code); !s.ok()) {
    return s;
  }
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"code", issued.code}};
  if (!request.state.empty()) parameters.emplace_back("state", request.state);
  parameters.emplace_back("iss", options_.issuer);
  issued.redirect_url = AppendQuery(request.redirect_uri, parameters);
  return issued;
}

absl::StatusOr<IssuedCode> AuthorizationEndpoint::Authorize(
    const AuthorizationRequest& request, absl::string_view username,
    absl::string_view password, absl::string_view source,
    bool consented) const {
  if (request.request_uri.has_value() &&
      absl::StartsWith(*request.request_uri, kConsentRequestUriPrefix)) {
    return AuthorizeConsentAnswer(request, username, password, source,
                                  consented);
  }
  auto validated = Validate(request);
  if (!validated.ok()) return validated.status();
  if (validated->prompt_none) {
    // No session to answer from, and no credentials may be asked for.
    return Redirected(
        OAuthFailure(OAuthError::kLoginRequired, "the user must sign in"),
        *validated);
  }
  auto user = AuthenticateUser(username, password, source);
  if (!user.ok()) return user.status();
  const absl::Time now = clock_->Now();
  auto needed = ConsentNeeded(*validated, user->user_id);
  if (!needed.ok()) return needed.status();
  const ExistingLogin login{user->user_id, now};
  if (*needed && !consented) return ConsentRequired(*validated, login);
  if (*needed) return Consent(*validated, login, /*signed_in=*/true);
  return IssueCode(*validated, *user, now);
}

absl::StatusOr<storage::UserRecord> AuthorizationEndpoint::AuthenticateUser(
    absl::string_view username, absl::string_view password,
    absl::string_view source) const {
  if (username.empty() && password.empty()) {
    return OAuthFailure(OAuthError::kLoginRequired,
                        "the user must sign in: send their username and "
                        "password");
  }
  return users_->Authenticate(username, password, source);
}

absl::StatusOr<IssuedCode> AuthorizationEndpoint::AuthorizeConsentAnswer(
    const AuthorizationRequest& request, absl::string_view username,
    absl::string_view password, absl::string_view source,
    bool consented) const {
  auto user = AuthenticateUser(username, password, source);
  if (!user.ok()) return user.status();
  const ExistingLogin login{user->user_id, clock_->Now()};
  auto answer = ResolveConsent(request.client_id, *request.request_uri, login);
  if (!answer.ok()) return answer.status();
  if (!consented || answer->ScopesChanged()) {
    return ConsentRequired(answer->request, login);
  }
  return Consent(answer->request, login, /*signed_in=*/true);
}

absl::Status AuthorizationEndpoint::ConsentRequired(
    const ValidatedAuthorization& request, const ExistingLogin& login) const {
  absl::Status status = OAuthFailure(
      OAuthError::kConsentRequired,
      "the user must consent to this client's request: ask them about the "
      "scopes in the error's \"scope\" detail, then send consent from the "
      "login front end (a confidential first-party client's credentials)");
  status = WithErrorDetail(status, "scope", absl::StrJoin(request.scopes, " "));
  status = WithErrorDetail(status, "deny_redirect_uri", DenyConsent(request));
  if (request.pushed.has_value()) {
    // RFC 9126 §4: the request_uri was consumed; the answer needs another.
    auto request_uri = PushForConsent(request, login, /*signed_in=*/true);
    if (!request_uri.ok()) return request_uri.status();
    status = WithErrorDetail(status, "request_uri", *request_uri);
  }
  return status;
}

absl::StatusOr<SignedIn> AuthorizationEndpoint::SignIn(
    const ValidatedAuthorization& request, absl::string_view username,
    absl::string_view password, absl::string_view source,
    bool start_session) const {
  if (start_session && sessions_ == nullptr) {
    return absl::FailedPreconditionError("no login sessions configured");
  }
  auto user = users_->Authenticate(username, password, source);
  if (!user.ok()) return user.status();
  const absl::Time now = clock_->Now();
  std::optional<StartedSession> session;
  if (start_session) {
    auto started = sessions_->Start(user->user_id, now);
    if (!started.ok()) return started.status();
    session = *std::move(started);
  }
  auto needed = ConsentNeeded(request, user->user_id);
  if (!needed.ok()) return needed.status();
  if (*needed) return SignedIn{*std::move(user), now, std::nullopt, session};
  auto code =
      IssueCode(request, *user, now, session ? session->record.sid : "");
  if (!code.ok()) return code.status();
  return SignedIn{*std::move(user), now, *std::move(code), std::move(session)};
}

absl::StatusOr<StartedSession> AuthorizationEndpoint::StartSession(
    absl::string_view username, absl::string_view password,
    absl::string_view source) const {
  if (sessions_ == nullptr) {
    return absl::FailedPreconditionError("no login sessions configured");
  }
  auto user = users_->Authenticate(username, password, source);
  if (!user.ok()) return user.status();
  return sessions_->Start(user->user_id, clock_->Now());
}

}  // namespace identity::server
