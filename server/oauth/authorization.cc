#include "server/oauth/authorization.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jwt/base64url.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/client_registry.h"
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

}  // namespace

const std::vector<std::string>& OpenIdScopes() {
  static const auto* const scopes =
      new std::vector<std::string>{"openid", "profile", "email"};
  return *scopes;
}

std::string AuthorizationEndpoint::ErrorRedirect(
    const std::string& redirect_uri, absl::string_view error,
    absl::string_view description, absl::string_view state) const {
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"error", std::string(error)},
      {"error_description", std::string(description)}};
  if (!state.empty()) parameters.emplace_back("state", std::string(state));
  parameters.emplace_back("iss", options_.issuer);
  return AppendQuery(redirect_uri, parameters);
}

absl::StatusOr<ValidatedAuthorization> AuthorizationEndpoint::Validate(
    const AuthorizationRequest& request) const {
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
  const std::string state = request.state.size() <= kMaxState
                                ? request.state
                                : std::string();  // Not echoed if too long.
  auto redirected = [&](absl::Status status) {
    const std::optional<OAuthError> error = OAuthErrorOf(status);
    return WithErrorDetail(
        status, "redirect_uri",
        ErrorRedirect(request.redirect_uri,
                      error ? OAuthErrorCode(*error) : "server_error",
                      status.message(), state));
  };
  if (request.response_type.empty()) {
    return redirected(
        OAuthFailure(OAuthError::kInvalidRequest, "response_type is required"));
  }
  if (request.response_type != "code") {
    return redirected(OAuthFailure(OAuthError::kUnsupportedResponseType,
                                   "response_type must be \"code\""));
  }
  if (!AllowsGrant(*client, "authorization_code")) {
    return redirected(
        OAuthFailure(OAuthError::kUnauthorizedClient,
                     "the client may not use the authorization_code grant"));
  }
  if (request.state.size() > kMaxState) {
    return redirected(OAuthFailure(
        OAuthError::kInvalidRequest,
        absl::StrCat("state must be at most ", kMaxState, " bytes")));
  }
  if (request.nonce.size() > kMaxNonce) {
    return redirected(OAuthFailure(
        OAuthError::kInvalidRequest,
        absl::StrCat("nonce must be at most ", kMaxNonce, " bytes")));
  }
  auto requested = ParseScope(request.scope);
  if (!requested.ok()) return redirected(requested.status());
  // Administration is for clients (client_credentials), never for a user's
  // login: identity.admin is not grantable here even when the client has it.
  std::vector<std::string> own;
  for (const std::string& scope : client->allowed_scopes) {
    if (scope != kAdminScope) own.push_back(scope);
  }
  std::vector<std::string> allowed = own;
  allowed.insert(allowed.end(), OpenIdScopes().begin(), OpenIdScopes().end());
  // Empty: the client's own scopes (not OIDC's: an ID token is asked for).
  auto granted = requested->empty()
                     ? absl::StatusOr<std::vector<std::string>>(own)
                     : GrantScopes(*requested, allowed);
  if (!granted.ok()) return redirected(granted.status());
  if (absl::Status pkce = ValidateCodeChallenge(request.code_challenge,
                                                request.code_challenge_method,
                                                options_.allow_plain_pkce);
      !pkce.ok()) {
    return redirected(pkce);
  }

  ValidatedAuthorization validated;
  validated.client = *std::move(client);
  validated.redirect_uri = request.redirect_uri;
  validated.scopes = *std::move(granted);
  validated.state = request.state;
  validated.code_challenge = request.code_challenge;
  validated.code_challenge_method = request.code_challenge_method;
  validated.nonce = request.nonce;
  return validated;
}

absl::StatusOr<IssuedCode> AuthorizationEndpoint::IssueCode(
    const ValidatedAuthorization& request, const storage::UserRecord& user,
    absl::Time auth_time) const {
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
    absl::string_view password, absl::string_view source) const {
  auto validated = Validate(request);
  if (!validated.ok()) return validated.status();
  auto user = users_->Authenticate(username, password, source);
  if (!user.ok()) return user.status();
  return IssueCode(*validated, *user, clock_->Now());
}

}  // namespace identity::server
