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
#include "server/oauth/resource_indicators.h"
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
                         RandomSource random, GrantOptions options,
                         const ResourceIndicators* resources = nullptr)
      : authenticator_(authenticator),
        keys_(keys),
        clock_(clock),
        random_(std::move(random)),
        options_(std::move(options)),
        resources_(resources) {}

  // Errors: kInvalidScope (checked first: a malformed request fails before
  // any storage call); kInvalidClient; kUnauthorizedClient (the client may
  // not use the grant); kInvalidTarget (RFC 8707: a resource named that is
  // malformed, unknown or not the client's, or several); kInvalidScope when
  // the resource defines none of the scopes granted; storage errors
  // unchanged. With a resource, "aud" is its indicator and the scopes are
  // narrowed to its own (resource_indicators.h); without one, "aud" is
  // options.audience.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;
  // false for the common request: a client secret of a client in the read
  // cache (ClientAuthenticator::MayBlock), no resource (the registry reads
  // the store). Signing never waits: the key snapshot is in memory.
  bool MayBlock(const TokenRequestFields& request) const override;

 private:
  const ClientAuthenticator* const authenticator_;
  const KeyManager* const keys_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const GrantOptions options_;
  const ResourceIndicators* const resources_;  // May be null.
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_GRANT_H_
