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
#include "server/oauth/token_request.h"
#include "server/random_source.h"

namespace identity::server {

struct GrantOptions {
  // "iss" of every token (RFC 9068 §2.2).
  std::string issuer;
  // "aud" of client_credentials tokens (RFC 9068 §2.2 requires one).
  std::string audience;
  absl::Duration access_token_lifetime = absl::Minutes(10);
};

// Thread-safe. Everything passed in must outlive it.
class ClientCredentialsGrant final : public TokenGrant {
 public:
  ClientCredentialsGrant(const ClientAuthenticator* authenticator,
                         const KeyManager* keys, const jwt::Clock* clock,
                         RandomSource random, GrantOptions options)
      : authenticator_(authenticator),
        keys_(keys),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)) {}

  // Errors: kInvalidScope (checked first: a malformed request fails before
  // any storage call); kInvalidClient; kUnauthorizedClient (the client may
  // not use the grant); storage errors unchanged.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;

 private:
  const ClientAuthenticator* const authenticator_;
  const KeyManager* const keys_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const GrantOptions options_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_GRANT_H_
