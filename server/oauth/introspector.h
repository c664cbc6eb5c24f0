// Token introspection (RFC 7662) of this server's JWT access tokens: active
// only when signature, issuer, type and expiry verify and the token id is not
// on the revocation list. No database round trip for signature and claims;
// one lookup for the revocation list. A token seen before is not verified
// again when OwnAccessTokens has a VerifiedTokenCache (exp and the revocation
// list are still judged at every call).
#ifndef IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_
#define IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/events.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/grant_store.h"

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
  // RFC 9449 §6.2: "cnf": {"jkt": ...} of a DPoP-bound access token (whose
  // token_type is then "DPoP"); empty for none.
  std::string cnf_jkt = {};
};

// Thread-safe. Everything passed in must outlive it.
class Introspector {
 public:
  Introspector(const ClientAuthenticator* authenticator,
               const OwnAccessTokens* access_tokens,
               storage::GrantStore* grants,
               OAuthEvents* events = OAuthEvents::None(),
               const LoginSessions* sessions = nullptr)
      : authenticator_(authenticator),
        access_tokens_(access_tokens),
        grants_(grants),
        events_(events),
        sessions_(sessions) {}

  // Authenticates the caller, then introspects `token`: an access token of
  // this server (a JWT), or a refresh token (opaque), which is described
  // only to the client it was issued to (RFC 7662 §2.1: token_type
  // "refresh_token", exp its idle or absolute expiry, whichever is first;
  // inactive once its login session ended, unless granted offline_access:
  // LoginSessions::GrantUsable, when `sessions` is given).
  // An invalid, expired, foreign or revoked token is `active: false`, never
  // an error (RFC 7662 §2.2). Errors: kInvalidClient for the caller;
  // kInvalidRequest for an empty token; kTemporarilyUnavailable while the
  // caller's failures are throttled (`source`, its address:
  // ClientAuthenticator); storage errors (Unavailable) unchanged. The events
  // learn each token's result and, for an inactive one, why (never the
  // caller).
  absl::StatusOr<Introspection> Introspect(
      absl::string_view caller_id, absl::string_view caller_secret,
      absl::string_view token, absl::string_view source = {},
      absl::string_view caller_assertion = {}) const;

  // Whether Introspect(caller_id, ..., token, ..., caller_assertion) may
  // wait on I/O (as TokenEndpoint::MayBlock): false for an access token
  // (a JWT) asked about by a caller whose secret ClientAuthenticator::MayBlock
  // checks from memory, while the revocation list is in memory
  // (OwnAccessTokens::MayBlock). A refresh token is looked up in the store.
  bool MayBlock(absl::string_view caller_id, absl::string_view token,
                absl::string_view caller_assertion) const;

 private:
  const ClientAuthenticator* const authenticator_;
  absl::StatusOr<Introspection> IntrospectRefreshToken(
      absl::string_view caller_id, absl::string_view token) const;

  const OwnAccessTokens* const access_tokens_;
  storage::GrantStore* const grants_;
  OAuthEvents* const events_;
  const LoginSessions* const sessions_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_INTROSPECTOR_H_
