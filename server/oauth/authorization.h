// The authorization endpoint (RFC 6749 §4.1.1-4.1.2, OIDC Core §3.1.2,
// RFC 7636, RFC 9207): validating an authorization request, and issuing the
// single-use code once the user has authenticated. Transport-free: the gRPC
// face (TokenService.Authorize, credentials in the request) and the HTTP
// face (a login page) share it.
#ifndef IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_
#define IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/clock.h"
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
};

// A request that passed every check: what a login page shows and what the
// code will be bound to.
struct ValidatedAuthorization {
  storage::ClientRecord client;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::string state;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string nonce;
};

struct IssuedCode {
  std::string code;
  std::string state;
  // redirect_uri?code=...&state=...&iss=...
  std::string redirect_url;
};

struct AuthorizationOptions {
  std::string issuer;  // The "iss" redirect parameter (RFC 9207).
  bool allow_plain_pkce = false;
  absl::Duration code_lifetime = absl::Seconds(60);
};

// The scopes any client allowed the authorization_code grant may request,
// beyond its own allowed scopes: OIDC's.
const std::vector<std::string>& OpenIdScopes();

// Thread-safe. Everything passed in must outlive it.
class AuthorizationEndpoint {
 public:
  AuthorizationEndpoint(storage::ClientStore* clients,
                        storage::GrantStore* grants, const UserAccounts* users,
                        const jwt::Clock* clock, RandomSource random,
                        AuthorizationOptions options)
      : clients_(clients),
        grants_(grants),
        users_(users),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)) {}

  // Checks a request in RFC 6749 §4.1.2.1's order. An unknown client or a
  // redirect_uri not registered exactly: kInvalidRequest, never to be
  // redirected. Any later failure (unsupported_response_type,
  // unauthorized_client, invalid_scope, invalid_request) carries the detail
  // "redirect_uri": the URL with error, error_description, state and iss
  // that the client should receive.
  absl::StatusOr<ValidatedAuthorization> Validate(
      const AuthorizationRequest& request) const;

  // Stores a code for `user`, authenticated at `auth_time`, bound to the
  // validated request. Errors: the store's.
  absl::StatusOr<IssuedCode> IssueCode(const ValidatedAuthorization& request,
                                       const storage::UserRecord& user,
                                       absl::Time auth_time) const;

  // Validate, authenticate the user with their credentials
  // (UserAccounts::Authenticate: errors not redirected), IssueCode.
  absl::StatusOr<IssuedCode> Authorize(const AuthorizationRequest& request,
                                       absl::string_view username,
                                       absl::string_view password,
                                       absl::string_view source) const;

  // The redirect URL telling the client about `error` (RFC 6749 §4.1.2.1).
  std::string ErrorRedirect(const std::string& redirect_uri,
                            absl::string_view error,
                            absl::string_view description,
                            absl::string_view state) const;

 private:
  storage::ClientStore* const clients_;
  storage::GrantStore* const grants_;
  const UserAccounts* const users_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const AuthorizationOptions options_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_AUTHORIZATION_H_
