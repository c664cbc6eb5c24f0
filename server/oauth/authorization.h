// The authorization endpoint (RFC 6749 §4.1.1-4.1.2, OIDC Core §3.1.2,
// RFC 7636, RFC 9207): validating an authorization request, and issuing the
// single-use code once the user has authenticated. Pushed authorization
// requests (RFC 9126) are stored and resolved here too, so that a pushed
// request passes exactly the checks of one sent to the endpoint.
// Transport-free: the gRPC face (TokenService.Authorize, credentials in the
// request) and the HTTP face (a login page) share it.
#ifndef IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_
#define IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/clock.h"
#include "server/oauth/consents.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/resource_indicators.h"
#include "server/random_source.h"
#include "server/users/user_accounts.h"
#include "storage/client_store.h"
#include "storage/grant_store.h"

namespace identity::server {

struct AuthorizationRequest {
  std::string response_type;
  std::string client_id;
  std::string redirect_uri;
  std::string scope;
  std::string state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string nonce;
  // OIDC Core §3.1.2.1: space-delimited "none", "login" and "consent"
  // ("select_account" is refused: no such step here); whole seconds; a
  // username to pre-fill.
  std::string prompt = {};
  std::string max_age = {};
  std::string login_hint = {};
  // OIDC Core §6: Request Objects, by value and by reference. Not
  // supported: present (even empty), the request is refused as
  // request_not_supported / request_uri_not_supported rather than served
  // without the parameters the object may hold. The one request_uri served is
  // a pushed request's (RFC 9126 §4: kPushedRequestUriPrefix...), which
  // replaces every parameter but client_id.
  std::optional<std::string> request = {};
  std::optional<std::string> request_uri = {};
  // RFC 8707 §2: the resource indicators named (repeatable), as sent.
  std::vector<std::string> resource = {};
};

// RFC 9126 §2.2: the request_uri of a pushed authorization request is this
// prefix and 256 random bits (base64url).
inline constexpr absl::string_view kPushedRequestUriPrefix =
    "urn:ietf:params:oauth:request_uri:";

// A consent page's reference (PushForConsent): this prefix and 256 random
// bits. Another kind than a pushed request's: only the consent page's
// answer (ResolveConsent) takes it, and it never takes a pushed request's.
inline constexpr absl::string_view kConsentRequestUriPrefix =
    "urn:identity:consent:";

// RFC 9126 §2.2: what the pushed authorization request endpoint answers.
struct PushedRequest {
  std::string request_uri;
  absl::Duration expires_in;
};

// A request that passed every check: what a login page shows and what the
// code will be bound to.
struct ValidatedAuthorization {
  storage::ClientRecord client;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  // RFC 8707: the resources the code will be authorized for (checked,
  // without duplicates); empty when the request named none.
  std::vector<std::string> resources = {};
  std::string state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string nonce;
  bool prompt_none = false;   // Only an existing login may answer.
  bool prompt_login = false;  // An existing login may not answer.
  // A third-party client's user is asked to consent even if they did before
  // (consents.h; ignored for a first-party client).
  bool prompt_consent = false;
  std::optional<absl::Duration> max_age;
  std::string login_hint;  // Empty when absent or too long to show.
  // Set when the request came by a pushed request's request_uri (RFC 9126):
  // the parameters pushed (consumed now), for a login form to carry on
  // (PushForLogin).
  std::optional<AuthorizationRequest> pushed;
  // The parameters checked (the pushed ones for a pushed request), for a
  // consent page to carry on (PushForConsent).
  AuthorizationRequest parameters = {};
};

// A consent page's answer (ResolveConsent): the request it was shown for,
// checked again, and what the page showed.
struct ConsentAnswer {
  ValidatedAuthorization request;
  // The scopes the page listed; the request's may differ since (the
  // client's registration changed): then ask again.
  std::vector<std::string> shown_scopes;
  // The rule for both faces: an answer to other scopes than the request's
  // now is no consent to them; ask again.
  bool ScopesChanged() const { return shown_scopes != request.scopes; }
  // The page was shown right after the user signed in for this very
  // request (SignIn), which answers prompt=login.
  bool signed_in = false;
};

// A login the user made earlier (a browser session), which may answer a
// request without asking again.
struct ExistingLogin {
  std::string user_id;
  absl::Time auth_time;
  std::string sid = {};  // Its login session (login_sessions.h).
};

struct IssuedCode {
  std::string code;
  std::string state;
  // redirect_uri?code=...&state=...&iss=...
  std::string redirect_url;
};

// A login made for a request, and the code it earned.
struct SignedIn {
  storage::UserRecord user;
  absl::Time auth_time;
  // Unset when the user must consent first (consents.h): then ask them and
  // call Consent (ExistingLogin{user.user_id, auth_time, session's sid}).
  std::optional<IssuedCode> code;
  // The login session the sign-in started (SignIn with start_session).
  std::optional<StartedSession> session = {};
};

// What to do with a validated request given the user's existing login.
struct AuthorizationDecision {
  enum class Action {
    kRedirect,     // To redirect_url: a code (in `code`) or an error.
    kShowLogin,    // Ask the user to sign in, then SignIn.
    kShowConsent,  // Ask the user (signed in) to consent, then Consent.
  };
  Action action = Action::kShowLogin;
  std::string redirect_url;
  std::optional<IssuedCode> code;
};

struct AuthorizationOptions {
  std::string issuer;  // The "iss" redirect parameter (RFC 9207).
  bool allow_plain_pkce = false;
  absl::Duration code_lifetime = absl::Seconds(60);
  // RFC 9126 §2.2: how long a pushed request waits for its authorization
  // request ("short-lived": a redirect away).
  absl::Duration pushed_request_lifetime = absl::Seconds(60);
  // How long a login form may take (PushForLogin): a person types a password.
  absl::Duration pushed_login_lifetime = absl::Minutes(10);
  // How long a consent page may wait for its answer (PushForConsent).
  absl::Duration pushed_consent_lifetime = absl::Minutes(10);
  // The bounds on consent pages waiting for an answer, per login session
  // (per user for the gRPC face) and client, and on one page's stored
  // request: apart from the client's pushed requests, whose bounds a
  // consent page neither counts against nor is held to (it is made by the
  // server, for a signed-in user only).
  int64_t max_live_consent_pages = 20;
  size_t max_consent_page_bytes = 16384;
  // The bound on login forms of pushed requests waiting (PushForLogin), per
  // client: apart from its pushed requests, so that login pages (10
  // minutes each) cannot use up the client's /par, nor pushes its login
  // pages. Their size is a push's, checked when pushed.
  int64_t max_live_login_forms = 1000;
  // The bounds on what a client (a public one needs no secret) may store by
  // pushing: the encoded parameters of one request, and its live requests.
  size_t max_pushed_request_bytes = 4096;
  int64_t max_live_pushed_requests = 1000;
};

// The scopes any client allowed the authorization_code grant may request,
// beyond its own allowed scopes: OIDC's, openid and the scopes that release
// claims (claim_release.h: profile, email, address, phone). A relying party
// gets a user's address or phone number only by asking for its scope.
const std::vector<std::string>& OpenIdScopes();

// The scopes a login for `client` may grant for `scope`: the client's own
// (never identity.admin: administration is for clients, not a user's login)
// and OIDC's. Empty: the client's own (not OIDC's: an ID token is asked for).
// OIDC Core §11: offline_access is granted only to a client registered with
// it among its scopes; from any other client the request for it is ignored,
// not refused. For a first-party client the registration stands for the
// consent §11 asks for; a third-party client gets it only once the user
// consented to it (consents.h: it is among the scopes asked about). The
// device authorization endpoint grants by the same rule. Errors:
// kInvalidScope.
absl::StatusOr<std::vector<std::string>> AuthorizableScopes(
    absl::string_view scope, const storage::ClientRecord& client);

// Thread-safe. Everything passed in must outlive it.
class AuthorizationEndpoint {
 public:
  AuthorizationEndpoint(storage::ClientStore* clients,
                        storage::GrantStore* grants, const UserAccounts* users,
                        const jwt::Clock* clock, RandomSource random,
                        AuthorizationOptions options,
                        const LoginSessions* sessions = nullptr,
                        const Consents* consents = nullptr,
                        const ResourceIndicators* resources = nullptr)
      : clients_(clients),
        grants_(grants),
        users_(users),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)),
        sessions_(sessions),
        consents_(consents),
        resources_(resources) {}

  // Checks a request in RFC 6749 §4.1.2.1's order. A request_uri of a pushed
  // request (RFC 9126 §4) is first consumed (single use) and its parameters
  // checked instead of the request's; one that is malformed, unknown,
  // expired, used or another client's: kInvalidRequest, never redirected (no
  // redirect_uri is known). An unknown client or a redirect_uri not
  // registered exactly: kInvalidRequest, never to be redirected. A client
  // registered with require_pushed_authorization_requests sending a request
  // not pushed: kInvalidRequest, redirected. Any later failure
  // (unsupported_response_type, unauthorized_client, invalid_scope,
  // invalid_request, including a malformed prompt or max_age) carries the
  // detail "redirect_uri": the URL with error, error_description, state and iss
  // that the client should receive.
  absl::StatusOr<ValidatedAuthorization> Validate(
      const AuthorizationRequest& request) const;

  // RFC 9126 §2.1: checks `request`, pushed by `client` (authenticated by
  // the caller), as Validate does, and stores it for request_uri's lifetime.
  // Errors: those of Validate, never redirected (the client hears them in
  // the response); kInvalidRequest for a request_uri in it (RFC 9126 §2.1)
  // or another client's client_id; kRequestNotSupported for `request`; the
  // store's.
  absl::StatusOr<PushedRequest> Push(AuthorizationRequest request,
                                     const storage::ClientRecord& client) const;

  // For a login page answering a pushed request (request.pushed set): the
  // request the client pushed is consumed, so its parameters are stored
  // again, under a new request_uri valid for pushed_login_lifetime, for the
  // form to send back (with client_id) instead of the parameters themselves:
  // they never pass through the browser, where they could be changed.
  // Counted against max_live_login_forms, not the client's pushed requests.
  // Errors: FailedPrecondition for a request not pushed;
  // kTemporarilyUnavailable beyond the bound; the store's.
  absl::StatusOr<std::string> PushForLogin(
      const ValidatedAuthorization& request) const;

  // For a consent page shown to `login` (kShowConsent; `signed_in`: right
  // after SignIn for this request): the request's parameters and the scopes
  // shown stored under a new reference (kConsentRequestUriPrefix) valid for
  // pushed_consent_lifetime, for the page to send back with client_id.
  // Bound to the login's session (to its user when it has none: the gRPC
  // face), single use: one page's answer cannot approve another request,
  // another session cannot answer it, and it cannot be replayed. Errors:
  // kTemporarilyUnavailable beyond max_live_consent_pages; the store's.
  absl::StatusOr<std::string> PushForConsent(
      const ValidatedAuthorization& request, const ExistingLogin& login,
      bool signed_in) const;

  // The consent page's answer by `login`: consumes the reference
  // `request_uri` of `client_id` made by PushForConsent for the same login
  // session (user, for a login without one), and checks its request again
  // as Validate does. A reference of another kind (a pushed request's, a
  // login form's), unknown, expired, used, another client's or another
  // session's: kInvalidRequest, not redirected. Errors: Validate's; the
  // store's.
  absl::StatusOr<ConsentAnswer> ResolveConsent(
      absl::string_view client_id, absl::string_view request_uri,
      const ExistingLogin& login) const;

  // OIDC Core §3.1.2.1-3.1.2.4: whether `login` (may be absent) answers
  // the request. It does when its user may still sign in, the request did
  // not ask for prompt=login, and it is no older than max_age: then a code
  // is issued, unless the user must consent first (consents.h: a
  // third-party client, scopes not consented to or prompt=consent): then
  // kShowConsent, or for prompt=none a consent_required redirect. Without
  // an answering login prompt=none is redirected as login_required, and any
  // other request needs the user to sign in. Errors: the store's.
  absl::StatusOr<AuthorizationDecision> Decide(
      const ValidatedAuthorization& request,
      const std::optional<ExistingLogin>& login) const;

  // The user of `login` answered a consent page for `request` with "allow"
  // (`signed_in`: the login was made for this request, ConsentAnswer): the
  // request's scopes are remembered for the client (added to those allowed
  // before) and the code is issued. Decide's checks apply again. Errors:
  // kInvalidRequest (not redirected) for a first-party client (no consent
  // to give); consent_required (redirected) for prompt=none; kLoginRequired
  // (not redirected: ask the user to sign in) when the user is unknown or
  // disabled, for prompt=login unless `signed_in`, or when the login is
  // older than max_age; FailedPrecondition when no Consents was given; the
  // store's.
  absl::StatusOr<IssuedCode> Consent(const ValidatedAuthorization& request,
                                     const ExistingLogin& login,
                                     bool signed_in = false) const;

  // The user answered "deny": RFC 6749 §4.1.2.1 access_denied, to be
  // redirected to the client.
  std::string DenyConsent(const ValidatedAuthorization& request) const;

  // Stores a code for `user`, authenticated at `auth_time` in the login
  // session `sid` (empty: none), bound to the validated request. Errors:
  // the store's.
  absl::StatusOr<IssuedCode> IssueCode(const ValidatedAuthorization& request,
                                       const storage::UserRecord& user,
                                       absl::Time auth_time,
                                       absl::string_view sid = "") const;

  // The user signs in with `username` and `password`
  // (UserAccounts::Authenticate; `source`, the client's address, keys its
  // throttle), and the request gets its code. With `start_session` (the
  // browser face) a login session starts (LoginSessions::Start) and the code
  // records its sid; FailedPrecondition if no LoginSessions was given. No
  // code when the user must consent first (SignedIn::code unset).
  // Errors: those of Authenticate (never redirected: the user may try
  // again), the store's.
  absl::StatusOr<SignedIn> SignIn(const ValidatedAuthorization& request,
                                  absl::string_view username,
                                  absl::string_view password,
                                  absl::string_view source,
                                  bool start_session = false) const;

  // A sign-in on a page of the front door that serves no authorization
  // request (the device flow's /device, device_authorization.h): the user
  // authenticates as in SignIn and a login session starts. Errors: those of
  // Authenticate; FailedPrecondition if no LoginSessions was given; the
  // store's.
  absl::StatusOr<StartedSession> StartSession(absl::string_view username,
                                              absl::string_view password,
                                              absl::string_view source) const;

  // For a login front end that collects the user's credentials itself (the
  // gRPC face): Validate, then SignIn. It has no sessions: prompt=none is
  // always login_required (redirected), and a request without credentials is
  // kLoginRequired (not redirected: the front end must ask the user). When
  // the user must consent (consents.h) and `consented` is false:
  // kConsentRequired, not redirected (the front end must ask the user),
  // with the details "scope" (what to ask about, space-separated),
  // "deny_redirect_uri" (where to send the browser if the user denies:
  // access_denied) and, for a pushed request (consumed now) or the answer
  // to one, "request_uri" (a consent reference, PushForConsent, bound to
  // the user and valid for pushed_consent_lifetime, to send back instead).
  // A consent reference is resolved only after the credentials are checked,
  // for their user (ResolveConsent); when the scopes it showed are no
  // longer the request's, kConsentRequired again. `consented`: the user
  // allowed those scopes; they are remembered.
  absl::StatusOr<IssuedCode> Authorize(const AuthorizationRequest& request,
                                       absl::string_view username,
                                       absl::string_view password,
                                       absl::string_view source,
                                       bool consented = false) const;

  // The redirect URL telling the client about `error` (RFC 6749 §4.1.2.1);
  // its error_description is ErrorDescription(description) (§5.2).
  std::string ErrorRedirect(const std::string& redirect_uri,
                            absl::string_view error,
                            absl::string_view description,
                            absl::string_view state) const;

 private:
  // Validate for a request already resolved; `pushed`: it came by reference.
  absl::StatusOr<ValidatedAuthorization> ValidateResolved(
      const AuthorizationRequest& request, bool pushed) const;
  // The parameters pushed under request.request_uri for request.client_id,
  // consumed. Errors: kInvalidRequest; the store's.
  absl::StatusOr<AuthorizationRequest> ConsumePushed(
      const AuthorizationRequest& request) const;
  // Stores `request` for `client_id` under a new request_uri for `lifetime`.
  absl::StatusOr<std::string> StorePushed(const AuthorizationRequest& request,
                                          const std::string& client_id,
                                          absl::Duration lifetime) const;
  // Validate's checks of what the request asks for, once its client and
  // redirect_uri are known.
  absl::Status CheckRequest(const AuthorizationRequest& request,
                            const storage::ClientRecord& client,
                            ValidatedAuthorization& validated) const;
  // Whether the user `user_id` must consent to `request` (consents.h);
  // always when a third-party client has no Consents to ask. Errors: the
  // store's.
  absl::StatusOr<bool> ConsentNeeded(const ValidatedAuthorization& request,
                                     absl::string_view user_id) const;
  // Authorize's kConsentRequired for `request` asked of `login`, with its
  // details.
  absl::Status ConsentRequired(const ValidatedAuthorization& request,
                               const ExistingLogin& login) const;
  // The user behind a gRPC Authorize's credentials; none at all is
  // login_required.
  absl::StatusOr<storage::UserRecord> AuthenticateUser(
      absl::string_view username, absl::string_view password,
      absl::string_view source) const;
  // Authorize for a consent reference (kConsentRequestUriPrefix).
  absl::StatusOr<IssuedCode> AuthorizeConsentAnswer(
      const AuthorizationRequest& request, absl::string_view username,
      absl::string_view password, absl::string_view source,
      bool consented) const;
  // Stores `parameters` for `key` under a new reference starting with
  // `prefix`, for `lifetime`, if fewer than `max_live` of `key` are live
  // and it fits `max_bytes`.
  absl::StatusOr<std::string> StoreReference(
      absl::string_view prefix, const std::string& key, std::string parameters,
      absl::Duration lifetime, size_t max_bytes, int64_t max_live) const;
  // The error redirect for `status` (an OAuth error) to `request`'s client.
  absl::Status Redirected(absl::Status status,
                          const ValidatedAuthorization& request) const;

  storage::ClientStore* const clients_;
  storage::GrantStore* const grants_;
  const UserAccounts* const users_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const AuthorizationOptions options_;
  const LoginSessions* const sessions_;
  const Consents* const consents_;
  const ResourceIndicators* const resources_;  // May be null: none served.
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_
