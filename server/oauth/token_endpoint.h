// The token endpoint (RFC 6749 §3.2): one entry for every grant type, which
// dispatches to the grant and reports each result to the events once.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/oauth/events.h"
#include "server/oauth/token_request.h"

namespace identity::server {

// Thread-safe. The grants and the events must outlive it.
class TokenEndpoint {
 public:
  // `grants`: grant_type ("client_credentials", ...) -> its grant.
  TokenEndpoint(std::map<std::string, const TokenGrant*> grants,
                OAuthEvents* events = OAuthEvents::None())
      : grants_(std::move(grants)), events_(events) {}

  // Errors: kInvalidRequest for an empty grant_type (RFC 6749 §5.2: a
  // missing parameter); kUnsupportedGrantType for one not served; those of
  // the grant.
  absl::StatusOr<IssuedToken> Exchange(const TokenRequestFields& request) const;

  // The grant types served, sorted (discovery's grant_types_supported).
  std::vector<std::string> GrantTypes() const;

 private:
  absl::StatusOr<IssuedToken> Dispatch(const TokenRequestFields& request) const;

  const std::map<std::string, const TokenGrant*> grants_;
  OAuthEvents* const events_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_
