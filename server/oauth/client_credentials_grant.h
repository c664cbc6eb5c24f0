// The client_credentials grant (RFC 6749 §4.4), issuing RFC 9068 access
// tokens. Transport-free: the gRPC and HTTP faces translate to and from it.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_GRANT_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_GRANT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/events.h"
#include "server/random_source.h"

namespace identity::server {

struct GrantOptions {
  // "iss" of every token (RFC 9068 §2.2).
  std::string issuer;
  // "aud" of client_credentials tokens (RFC 9068 §2.2 requires one).
  std::string audience;
  absl::Duration access_token_lifetime = absl::Minutes(10);
};

struct TokenRequestFields {
  std::string grant_type;
  std::string client_id;
  std::string client_secret;
  std::string scope;
  // authorization_code.
  std::string code = {};
  std::string redirect_uri = {};
  std::string code_verifier = {};
  // refresh_token.
  std::string refresh_token = {};
};

struct IssuedToken {
  std::string access_token;
  std::string token_type = "Bearer";
  int64_t expires_in = 0;
  std::string scope;          // Granted scopes, space-delimited.
  std::string id_token;       // When openid was granted to a user.
  std::string refresh_token;  // When the client may refresh.
};

// Thread-safe. Everything passed in must outlive it.
class ClientCredentialsGrant {
 public:
  ClientCredentialsGrant(const ClientAuthenticator* authenticator,
                         const KeyManager* keys, const jwt::Clock* clock,
                         RandomSource random, GrantOptions options,
                         OAuthEvents* events = OAuthEvents::None())
      : authenticator_(authenticator),
        keys_(keys),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)),
        events_(events) {}

  // Errors: kInvalidRequest for an empty grant_type; kUnsupportedGrantType
  // unless it is "client_credentials";
  // kInvalidClient; kInvalidScope; storage errors unchanged. Each result is
  // reported to the events.
  absl::StatusOr<IssuedToken> Issue(const TokenRequestFields& request) const;

 private:
  absl::StatusOr<IssuedToken> IssueToken(
      const TokenRequestFields& request) const;

  const ClientAuthenticator* const authenticator_;
  const KeyManager* const keys_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const GrantOptions options_;
  OAuthEvents* const events_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_GRANT_H_
