// Token introspection (RFC 7662) of this server's JWT access tokens: active
// only when signature, issuer, type and expiry verify and the token id is not
// on the revocation list. No database round trip for signature and claims;
// one lookup for the revocation list.
#ifndef IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_
#define IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/clock.h"
#include "jwt/jwt_verifier.h"
#include "server/keys/key_manager.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/events.h"
#include "storage/revocation_store.h"

namespace identity::server {

// RFC 7662 §2.2. Only `active` is set for an inactive token.
struct Introspection {
  bool active = false;
  std::string scope;
  std::string client_id;
  std::string token_type;
  int64_t exp = 0;
  int64_t iat = 0;
  std::string sub;
  std::vector<std::string> aud;
  std::string iss;
  std::string jti;
};

// Thread-safe. Everything passed in must outlive it.
class Introspector {
 public:
  // `issuer`: the "iss" this server puts in its tokens.
  static absl::StatusOr<Introspector> Create(
      const ClientAuthenticator* authenticator, const KeyManager* keys,
      storage::RevocationStore* revocations, const jwt::Clock* clock,
      std::string issuer, OAuthEvents* events = OAuthEvents::None());

  // Authenticates the caller, then introspects `token`. An invalid, expired,
  // foreign or revoked token is `active: false`, never an error (RFC 7662
  // §2.2). Errors: kInvalidClient for the caller; kInvalidRequest for an
  // empty token; storage errors (Unavailable) unchanged. The events learn
  // each token's result and, for an inactive one, why (never the caller).
  absl::StatusOr<Introspection> Introspect(absl::string_view caller_id,
                                           absl::string_view caller_secret,
                                           absl::string_view token) const;

 private:
  Introspector(const ClientAuthenticator* authenticator, const KeyManager* keys,
               storage::RevocationStore* revocations, jwt::JwtVerifier verifier,
               OAuthEvents* events)
      : authenticator_(authenticator),
        keys_(keys),
        revocations_(revocations),
        verifier_(std::move(verifier)),
        events_(events) {}

  const ClientAuthenticator* const authenticator_;
  const KeyManager* const keys_;
  storage::RevocationStore* const revocations_;
  const jwt::JwtVerifier verifier_;
  OAuthEvents* const events_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_
