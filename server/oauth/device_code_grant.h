// The device code grant (RFC 8628 §3.4-3.5): the device polls the token
// endpoint with its device_code until the user answered at the
// verification URI (device_authorization.h); then the tokens a user's grant
// yields (as the authorization_code grant's: an access token, an ID token
// with openid, a refresh token when the client may refresh). The device
// code is redeemed once, across replicas.
#ifndef IDENTITY_SERVER_OAUTH_DEVICE_CODE_GRANT_H_
#define IDENTITY_SERVER_OAUTH_DEVICE_CODE_GRANT_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/oauth/token_request.h"
#include "server/oauth/user_grant_deps.h"
#include "storage/device_authorization_store.h"

namespace identity::server {

// RFC 8628 §3.5: what slow_down adds to the interval.
inline constexpr absl::Duration kSlowDownStep = absl::Seconds(5);

// Thread-safe. `devices` must outlive it.
class DeviceCodeGrant final : public TokenGrant {
 public:
  DeviceCodeGrant(UserGrantDeps deps,
                  storage::DeviceAuthorizationStore* devices)
      : d_(std::move(deps)), devices_(devices) {}

  // Errors: those of ClientAuthenticator::AuthenticateForGrant
  // (kInvalidClient, kUnauthorizedClient); kInvalidRequest without a
  // device_code; kInvalidGrant for an unknown device code, another
  // client's, or one already redeemed (the user gone or disabled, the login
  // session ended without offline_access, a third-party client's consent
  // withdrawn since the approval: the code is then spent and the refresh
  // token stored for it revoked); kExpiredToken once it expired;
  // kAccessDenied (PermissionDenied) when the user denied it;
  // kAuthorizationPending while the user has not answered; kSlowDown (with
  // detail "interval", the new one in seconds) for a poll sooner than the
  // interval after the previous one, which then grows by kSlowDownStep for
  // this and every later poll (RFC 8628 §3.5), and as "retry_after_seconds";
  // the store's.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;

 private:
  // The answer to a poll of an authorization not yet approved.
  absl::Status NotYet(const storage::DeviceAuthorizationRecord& polled,
                      absl::Time now) const;
  // The tokens for an approved authorization, which is redeemed.
  absl::StatusOr<IssuedToken> Issue(
      const storage::ClientRecord& client,
      const storage::DeviceAuthorizationRecord& approved, absl::Time now,
      absl::string_view dpop_jkt) const;
  // A refresh token for the grant, stored (empty when the client may not
  // refresh), recording the access token `claims` describe.
  absl::StatusOr<std::string> StoreRefreshToken(
      const storage::ClientRecord& client,
      const storage::DeviceAuthorizationRecord& approved,
      const UserAccessClaims& claims, const std::string& family_id) const;

  const UserGrantDeps d_;
  storage::DeviceAuthorizationStore* const devices_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_DEVICE_CODE_GRANT_H_
