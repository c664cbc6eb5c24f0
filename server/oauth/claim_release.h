// Which of a user's claims each scope releases (OIDC Core §5.4), in one
// table that UserInfo (HTTP and gRPC), the ID token and discovery read.
#ifndef IDENTITY_SERVER_OAUTH_CLAIM_RELEASE_H_
#define IDENTITY_SERVER_OAUTH_CLAIM_RELEASE_H_

#include <optional>
#include <string>
#include <vector>

#include "jwt/json.h"
#include "storage/user_store.h"

namespace identity::server {

// Where released claims go.
enum class ClaimTarget {
  // The UserInfo response (OIDC Core §5.3.2): every claim the scopes
  // release.
  kUserInfo,
  // The ID token: only the claims marked in_id_token. OIDC Core §5.4 puts
  // the scopes' claims in the ID token only when no access token is issued;
  // this server always issues one, so relying parties get the rest from
  // UserInfo and ID tokens stay small. name, preferred_username, email and
  // email_verified stay in ID tokens, as before this table.
  kIdToken,
};

// One releasable claim: its name, the scope that releases it, whether the
// ID token carries it, and its value for a user (nullopt: the user has none,
// and the claim is omitted, never sent empty or null).
struct ReleasableClaim {
  const char* name;
  const char* scope;
  bool in_id_token;
  std::optional<jwt::Json> (*value)(const storage::UserRecord& user);
};

// The table, in the order claims are written.
const std::vector<ReleasableClaim>& ReleasableClaims();

// The scopes that release claims: profile, email, address, phone.
const std::vector<std::string>& ClaimScopes();

// Every claim name an ID token or a UserInfo response of this server can
// hold (discovery's claims_supported): the ID token's own claims, then the
// table's.
std::vector<std::string> SupportedClaims();

// The claims of `user` that `scopes` release to `target`, as the members of
// a JSON object (without "sub"). Claims the user has no value for are
// omitted; so is address when every part of it is empty; email_verified and
// phone_number_verified come only with their email and phone_number;
// updated_at (seconds since the epoch) is the user's claims_updated_at.
jwt::Json ReleaseClaims(const storage::UserRecord& user,
                        const std::vector<std::string>& scopes,
                        ClaimTarget target);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLAIM_RELEASE_H_
