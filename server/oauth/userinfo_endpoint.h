// The UserInfo endpoint (OIDC Core §5.3): the claims of the user an access
// token was issued for, as its scopes release them (§5.4).
#ifndef IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_
#define IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/json.h"
#include "server/oauth/dpop_proof_check.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/user_store.h"

namespace identity::server {

struct UserInfo {
  std::string sub;
  std::string client_id;  // The client the access token was issued to.
  // The claims the token's scopes release (claim_release.h, kUserInfo): the
  // members of a JSON object, without "sub". Both faces copy them.
  jwt::Json claims;
};

// How a request presents its access token (RFC 6750 §2, RFC 9449 §7).
struct TokenPresentation {
  std::string access_token;
  // The "DPoP" authorization scheme (RFC 9449 §7.1) rather than "Bearer".
  bool dpop_scheme = false;
  // The DPoP proofs sent, and the request they must be made for ("htm",
  // "htu"; "ath" is the token's).
  std::vector<std::string> dpop_proofs = {};
  std::string method = {};
  std::string uri = {};
};

// Thread-safe. Everything passed in must outlive it.
class UserInfoEndpoint {
 public:
  // `dpop`: how DPoP proofs are checked; null: DPoP-bound tokens are
  // refused.
  UserInfoEndpoint(const OwnAccessTokens* access_tokens,
                   storage::UserStore* users,
                   const DpopProofCheck* dpop = nullptr)
      : access_tokens_(access_tokens), users_(users), dpop_(dpop) {}

  // Errors: kInvalidToken (Unauthenticated: missing, invalid, expired or
  // revoked token; its user gone or disabled); kInsufficientScope (no
  // openid scope, or not a user's token); the store's. And RFC 9449 §7:
  // a DPoP-bound token ("cnf"."jkt") presented as Bearer, or an unbound one
  // with the DPoP scheme, is kInvalidToken; with the DPoP scheme, anything
  // but exactly one proof that DpopProofCheck verifies for `method`, `uri`
  // and the token ("ath"), made with the token's key and not used before
  // (on any replica), is kInvalidDpopProof.
  absl::StatusOr<UserInfo> Get(const TokenPresentation& presented) const;

  // Get of a token presented as Bearer (gRPC: the field or "authorization:
  // Bearer").
  absl::StatusOr<UserInfo> Get(absl::string_view access_token) const;

 private:
  // RFC 9449 §7: the token's binding against how it was presented.
  absl::Status CheckBinding(const TokenPresentation& presented,
                            const jwt::Claims& claims) const;

  const OwnAccessTokens* const access_tokens_;
  storage::UserStore* const users_;
  const DpopProofCheck* const dpop_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USERINFO_ENDPOINT_H_
