// The pushed authorization request endpoint (RFC 9126 §2): a client
// authenticates as at the token endpoint and sends the parameters of an
// authorization request, which are checked as the authorization endpoint
// checks them (AuthorizationEndpoint::Push) and stored; the client then sends
// the user to the authorization endpoint with only client_id and the
// request_uri it got. Transport-free: the HTTP face (POST /par) and the gRPC
// face (TokenService.PushAuthorization) share it.
#ifndef IDENTITY_SERVER_OAUTH_PUSHED_AUTHORIZATION_H_
#define IDENTITY_SERVER_OAUTH_PUSHED_AUTHORIZATION_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/oauth/authorization.h"
#include "server/oauth/client_authenticator.h"

namespace identity::server {

struct PushRequestFields {
  // The client's credentials (client_credentials.h resolved them): a public
  // client sends none but its id.
  std::string client_id;
  std::string client_secret;
  std::string source;  // The caller's address (the throttle's key).
  // The authorization request's parameters; its client_id may be empty (the
  // authenticated client's), else must be the authenticated client's.
  AuthorizationRequest request;
  // A private_key_jwt assertion instead of the secret; empty for none.
  std::string client_assertion = {};
};

// Thread-safe. Everything passed in must outlive it.
class PushedAuthorizationEndpoint {
 public:
  PushedAuthorizationEndpoint(const ClientAuthenticator* authenticator,
                              const AuthorizationEndpoint* authorization)
      : authenticator_(authenticator), authorization_(authorization) {}

  // RFC 9126 §2.1-2.3. Errors: those of
  // ClientAuthenticator::AuthenticateForGrant for authorization_code (the
  // token endpoint's: kInvalidClient, kUnauthorizedClient, throttling), then
  // those of AuthorizationEndpoint::Push.
  absl::StatusOr<PushedRequest> Push(const PushRequestFields& fields) const;

 private:
  const ClientAuthenticator* const authenticator_;
  const AuthorizationEndpoint* const authorization_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_PUSHED_AUTHORIZATION_H_
