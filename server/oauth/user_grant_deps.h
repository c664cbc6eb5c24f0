// What the grants of a user's session (authorization_code, refresh_token)
// share.
#ifndef IDENTITY_SERVER_OAUTH_USER_GRANT_DEPS_H_
#define IDENTITY_SERVER_OAUTH_USER_GRANT_DEPS_H_

#include <algorithm>
#include <string>

#include "jwt/clock.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/consents.h"
#include "server/oauth/events.h"
#include "server/oauth/grant_revoker.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/resource_indicators.h"
#include "server/oauth/token_binding.h"
#include "server/oauth/user_tokens.h"
#include "server/random_source.h"
#include "storage/grant_store.h"
#include "storage/user_store.h"

namespace identity::server {

// Pointers must outlive the grants.
struct UserGrantDeps {
  const ClientAuthenticator* authenticator = nullptr;
  storage::GrantStore* grants = nullptr;
  storage::UserStore* users = nullptr;
  const GrantRevoker* revoker = nullptr;
  const UserTokenMinter* minter = nullptr;
  const jwt::Clock* clock = nullptr;
  RandomSource random;
  OAuthEvents* events = OAuthEvents::None();
  // Checks that a grant's login session is live (SessionOutlived). Null:
  // a grant bound to a session is refused.
  const LoginSessions* sessions = nullptr;
  // Checks that a third-party client's code is still consented to
  // (consents.h). Null: a third-party client's code is refused.
  const Consents* consents = nullptr;
  // The registered resources (RFC 8707). Null: a request or grant naming
  // one is invalid_target.
  const ResourceIndicators* resources = nullptr;

  // When an access token minted at `now` expires (whole seconds, as in
  // its exp claim).
  absl::Time AccessTokenExpiry(absl::Time now) const {
    return absl::FromUnixSeconds(absl::ToUnixSeconds(now)) +
           minter->options().access_token_lifetime;
  }
};

// RFC 6749 §5.2: the grant (code, refresh token) is invalid, expired,
// revoked, used, or another client's.
inline absl::Status InvalidGrant(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidGrant, message);
}

// OIDC Core §11: a grant made from login session `sid` (empty: none) without
// offline_access ends with its session. Returns kInvalidGrant when the
// session ended or expired; the store's errors.
inline absl::Status SessionOutlived(const UserGrantDeps& d,
                                    absl::string_view sid,
                                    const std::vector<std::string>& scopes) {
  if (sid.empty()) return absl::OkStatus();
  if (d.sessions == nullptr) {
    return InvalidGrant("the login session of this grant cannot be checked");
  }
  auto live = d.sessions->GrantUsable(sid, scopes);
  if (!live.ok()) return live.status();
  if (!*live) {
    return InvalidGrant(
        "the login session of this grant ended (no offline_access)");
  }
  return absl::OkStatus();
}

// Whether the user's consent still covers a grant of `scopes` to `client`
// (consents.h): always for a first-party client; for a third-party one only
// while Consents::Covers says so (never without Consents). Check it after
// the grant's refresh token is stored: a withdrawal (Consents::Revoke
// forgets the consent, then revokes the grants it finds) then either finds
// the grant or is seen here. Errors: the store's.
inline absl::StatusOr<bool> ConsentStillCovers(
    const UserGrantDeps& d, const storage::ClientRecord& client,
    absl::string_view user_id, const std::vector<std::string>& scopes) {
  if (!client.third_party) return true;
  if (d.consents == nullptr) return false;
  return d.consents->Covers(user_id, client.client_id, scopes);
}

// RFC 8707 §2.2: the resource the token request names (`requested`) for a
// grant authorized for `authorized` (TokenTarget), applied to `claims`: its
// indicator as the access token's audience, the grant's scopes narrowed to
// the resource's. Nothing changes for a request and grant naming none.
// Errors: kInvalidTarget; kInvalidScope (the grant holds none of the
// resource's scopes); the store's.
inline absl::Status TargetResource(const UserGrantDeps& d,
                                   const std::vector<std::string>& requested,
                                   const std::vector<std::string>& authorized,
                                   const storage::ClientRecord& client,
                                   UserAccessClaims& claims) {
  auto target = TokenTarget(d.resources, requested, authorized, client);
  if (!target.ok()) return target.status();
  if (!target->has_value()) return absl::OkStatus();
  auto narrowed = NarrowToResource(claims.scopes, **target);
  if (!narrowed.ok()) return narrowed.status();
  claims.audience = (*target)->resource;
  claims.access_scopes = *std::move(narrowed);
  return absl::OkStatus();
}

// The first refresh token of a user's grant (a code exchange, a device
// code redemption), issued with the access token `claims` describe:
// `grant` carries what the grant decided (family_id, user_id, scope, sid,
// resources, auth_time); the token, its lifetimes and its access token are
// filled in here, and the token is stored as a hash. Returns the token, or
// "" when the client may not use refresh_token. Errors: the store's.
inline absl::StatusOr<std::string> StoreFirstRefreshToken(
    const UserGrantDeps& d, const storage::ClientRecord& client,
    storage::RefreshTokenRecord grant, const UserAccessClaims& claims) {
  if (!AllowsGrant(client, "refresh_token")) return std::string();
  const UserTokenOptions& options = d.minter->options();
  std::string refresh_token = NewOpaqueToken(d.random);
  grant.token_hash = HashOpaqueToken(refresh_token);
  grant.client_id = client.client_id;
  grant.created_at = claims.now;
  grant.absolute_expires_at = claims.now + options.refresh_token_lifetime;
  grant.idle_expires_at =
      std::min(claims.now + options.refresh_token_idle_lifetime,
               grant.absolute_expires_at);
  grant.access_token_jti = claims.jti;
  grant.access_token_expires_at = d.AccessTokenExpiry(claims.now);
  grant.dpop_jkt = RefreshTokenBinding(client, claims.dpop_jkt);
  if (absl::Status s = d.grants->CreateRefreshToken(grant); !s.ok()) return s;
  return refresh_token;
}

// `clock`'s now at the storage's precision (microseconds).
inline absl::Time StorageNow(const jwt::Clock* clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock->Now()));
}

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_USER_GRANT_DEPS_H_
