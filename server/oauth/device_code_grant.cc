#include "server/oauth/device_code_grant.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::Status DeviceCodeGrant::NotYet(
    const storage::DeviceAuthorizationRecord& polled, absl::Time now) const {
  if (polled.state == storage::DeviceAuthorizationState::kDenied) {
    return OAuthFailure(OAuthError::kAccessDenied,
                        "the user denied the authorization request");
  }
  // RFC 8628 §3.5: polling sooner than the interval after the last poll
  // (from any replica: the store orders the polls) slows the device down.
  if (polled.last_polled_at != absl::UnixEpoch() &&
      now - polled.last_polled_at < absl::Seconds(polled.interval_seconds)) {
    auto interval = devices_->IncreaseDevicePollInterval(
        polled.device_code_hash,
        static_cast<int32_t>(absl::ToInt64Seconds(kSlowDownStep)));
    if (!interval.ok()) return interval.status();
    // The new interval, also as when to come back (HTTP Retry-After, the
    // gRPC ErrorInfo's retry_after_seconds).
    return WithErrorDetail(
        WithErrorDetail(
            OAuthFailure(OAuthError::kSlowDown,
                         absl::StrCat("polling too fast; wait ", *interval,
                                      " seconds between requests")),
            "interval", absl::StrCat(*interval)),
        "retry_after_seconds", absl::StrCat(*interval));
  }
  return OAuthFailure(OAuthError::kAuthorizationPending,
                      "the user has not answered yet");
}

absl::StatusOr<std::string> DeviceCodeGrant::StoreRefreshToken(
    const storage::ClientRecord& client,
    const storage::DeviceAuthorizationRecord& approved,
    const UserAccessClaims& claims, const std::string& family_id) const {
  storage::RefreshTokenRecord grant;
  grant.family_id = family_id;
  grant.user_id = approved.user_id;
  grant.scope = approved.scope;
  grant.sid = approved.sid;
  grant.auth_time = approved.auth_time;
  return StoreFirstRefreshToken(d_, client, std::move(grant), claims);
}

absl::StatusOr<IssuedToken> DeviceCodeGrant::Issue(
    const storage::ClientRecord& client,
    const storage::DeviceAuthorizationRecord& approved, absl::Time now,
    absl::string_view dpop_jkt) const {
  auto user = LiveUser(*d_.users, approved.user_id);
  if (!user.ok()) return user.status();
  UserAccessClaims claims;
  claims.client_id = client.client_id;
  claims.user_id = user->user_id;
  claims.scopes = absl::StrSplit(approved.scope, ' ', absl::SkipEmpty());
  claims.auth_time = approved.auth_time;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(d_.random, 16));
  claims.now = now;
  claims.id_token_alg = client.id_token_signed_response_alg;
  claims.sid = approved.sid;
  claims.dpop_jkt = std::string(dpop_jkt);
  // OIDC Core §11, as for codes: a grant of a session that ended since
  // yields nothing unless offline access was granted.
  if (absl::Status s = SessionOutlived(d_, claims.sid, claims.scopes);
      !s.ok()) {
    return s;
  }
  // A family of this attempt's own: polls racing past the approval each
  // store one, and a loser revokes only its own (never the winner's).
  const std::string family_id = NewOpaqueToken(d_.random);
  auto refresh_token = StoreRefreshToken(client, approved, claims, family_id);
  if (!refresh_token.ok()) return refresh_token.status();
  auto redeemed = devices_->RedeemDeviceAuthorization(
      approved.device_code_hash, client.client_id, now, claims.jti);
  if (!redeemed.ok()) {
    // Another poll (on any replica) won: this one issues nothing.
    if (!refresh_token->empty()) {
      (void)d_.grants->RevokeRefreshFamily(family_id);
    }
    if (redeemed.status().code() == absl::StatusCode::kFailedPrecondition ||
        redeemed.status().code() == absl::StatusCode::kNotFound) {
      return InvalidGrant("the device code was already used");
    }
    return redeemed.status();
  }
  // A third-party client's consent, recorded at the approval, withdrawn
  // before this poll: the grant was revoked by its owner (RFC 6749 §5.2
  // invalid_grant, as for a code; RFC 8628's access_denied is the user's
  // refusal of the request, which this was not). Checked once the refresh
  // token is stored (ConsentStillCovers).
  auto consented =
      ConsentStillCovers(d_, client, approved.user_id, claims.scopes);
  if (!consented.ok()) return consented.status();
  if (!*consented) {
    if (!refresh_token->empty()) {
      auto revoked = d_.grants->RevokeRefreshFamily(family_id);
      if (!revoked.ok()) return revoked.status();
    }
    return InvalidGrant("the user withdrew their consent to this client");
  }
  auto issued = d_.minter->Issue(claims, *user, /*nonce=*/"");
  if (!issued.ok()) return issued.status();
  issued->refresh_token = *std::move(refresh_token);
  return issued;
}

absl::StatusOr<IssuedToken> DeviceCodeGrant::Exchange(
    const TokenRequestFields& request) const {
  auto client = d_.authenticator->AuthenticateForGrant(
      request.client_id, request.client_secret, kDeviceCodeGrantType,
      request.source, request.client_assertion);
  if (!client.ok()) return client.status();
  if (request.device_code.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "device_code is required");
  }
  // RFC 8707 §2: a device authorization names no resource, so none can be
  // asked for here (refused rather than ignored).
  if (!request.resource.empty()) {
    return OAuthFailure(OAuthError::kInvalidTarget,
                        "the device code grant serves no resource");
  }
  const absl::Time now = StorageNow(d_.clock);
  auto polled = devices_->PollDeviceAuthorization(
      HashOpaqueToken(request.device_code), client->client_id, now);
  if (polled.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown device_code");
  }
  if (!polled.ok()) return polled.status();
  if (polled->redeemed_at.has_value()) {
    return InvalidGrant("the device code was already used");
  }
  if (polled->expires_at <= now) {
    return OAuthFailure(OAuthError::kExpiredToken,
                        "the device code expired; start again");
  }
  if (polled->state != storage::DeviceAuthorizationState::kApproved) {
    return NotYet(*polled, now);
  }
  // Claimed once there is something to issue: a public client's id is no
  // authentication, and pending polls need not spend proofs.
  if (absl::Status s = ConfirmClient(request, *client); !s.ok()) return s;
  return Issue(*client, *polled, now, request.dpop_jkt);
}

}  // namespace identity::server
