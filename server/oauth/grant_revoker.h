// Revoking a grant: its refresh token family and every access token it
// issued (the code exchange's and each rotation's), on the revocation list
// until they expire. RFC 6749 §4.1.2 (a replayed code), §10.4 and RFC 9700
// §4.14.2 (a reused refresh token), RFC 7009 §2.1 (a revoked refresh token),
// and a user disabled or given a new password.
#ifndef IDENTITY_SERVER_OAUTH_GRANT_REVOKER_H_
#define IDENTITY_SERVER_OAUTH_GRANT_REVOKER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "server/oauth/own_access_tokens.h"
#include "storage/grant_store.h"

namespace identity::server {

// Thread-safe. Everything passed in must outlive it.
class GrantRevoker {
 public:
  GrantRevoker(storage::GrantStore* grants,
               const OwnAccessTokens* access_tokens, const jwt::Clock* clock)
      : grants_(grants), access_tokens_(access_tokens), clock_(clock) {}

  // The family first (no rotation can mint a new access token after it),
  // then every access token the grant issued. Idempotent, so a failed call
  // may be retried. Errors: the stores'.
  absl::Status RevokeGrant(absl::string_view grant_id) const;

  // RevokeGrant for each grant of the user that may still hold a valid
  // token. Errors: the stores'.
  absl::Status RevokeUserGrants(absl::string_view user_id) const;

  // RevokeGrant for each such grant of the user made to `client_id` (a
  // withdrawn consent). Errors: the stores'.
  absl::Status RevokeUserClientGrants(absl::string_view user_id,
                                      absl::string_view client_id) const;

 private:
  storage::GrantStore* const grants_;
  const OwnAccessTokens* const access_tokens_;
  const jwt::Clock* const clock_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_GRANT_REVOKER_H_
