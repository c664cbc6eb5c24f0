#include "server/oauth/authorization_code_grant.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"

namespace identity::server {
absl::Status AuthorizationCodeGrant::RevokeWhatTheCodeIssued(
    const storage::AuthorizationCodeRecord& code) const {
  return d_.revoker->RevokeGrant(code.grant_id);
}

absl::StatusOr<storage::AuthorizationCodeRecord>
AuthorizationCodeGrant::RedeemableCode(const TokenRequestFields& request,
                                       absl::string_view client_id,
                                       absl::Time now) const {
  if (request.code.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "code is required");
  }
  if (request.redirect_uri.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "redirect_uri is required");
  }
  auto code = d_.grants->GetAuthorizationCode(HashOpaqueToken(request.code));
  if (code.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown authorization code");
  }
  if (!code.ok()) return code.status();
  // Another client's code: refused, and left alone (no burning it).
  if (code->client_id != client_id) {
    return InvalidGrant("unknown authorization code");
  }
  if (code->redeemed_at.has_value()) {
    // RFC 6749 §4.1.2: a second use revokes what the first one issued.
    if (absl::Status s = RevokeWhatTheCodeIssued(*code); !s.ok()) return s;
    return InvalidGrant("the authorization code was already used");
  }
  if (code->expires_at <= now) {
    return InvalidGrant("the authorization code expired");
  }
  if (request.redirect_uri != code->redirect_uri) {
    return InvalidGrant("redirect_uri differs from the authorization request");
  }
  if (code->code_challenge.empty()) {
    // Issued without PKCE (a pkce_optional client's nonce-bound request). A
    // verifier now would be a PKCE downgrade (RFC 9700 §2.1.1): refused.
    if (!request.code_verifier.empty()) {
      return OAuthFailure(OAuthError::kInvalidGrant,
                          "code_verifier sent for a code issued without "
                          "code_challenge");
    }
    return code;
  }
  if (absl::Status pkce =
          VerifyCodeVerifier(request.code_verifier, code->code_challenge,
                             code->code_challenge_method);
      !pkce.ok()) {
    return pkce;
  }
  return code;
}

absl::StatusOr<std::string> AuthorizationCodeGrant::StoreRefreshToken(
    const storage::ClientRecord& client,
    const storage::AuthorizationCodeRecord& code,
    const UserAccessClaims& claims) const {
  storage::RefreshTokenRecord grant;
  grant.family_id = code.grant_id;
  grant.user_id = code.user_id;
  grant.scope = code.scope;
  grant.sid = code.sid;
  grant.resources = code.resources;
  grant.auth_time = code.auth_time;
  return StoreFirstRefreshToken(d_, client, std::move(grant), claims);
}

absl::Status AuthorizationCodeGrant::Redeem(
    const storage::AuthorizationCodeRecord& code, absl::string_view jti,
    bool has_refresh_token, absl::Time now) const {
  auto redeemed = d_.grants->RedeemAuthorizationCode(
      code.code_hash, code.client_id, now, std::string(jti),
      d_.AccessTokenExpiry(now));
  if (redeemed.ok()) return absl::OkStatus();
  const auto forget_refresh_token = [&] {
    if (has_refresh_token) (void)d_.grants->RevokeRefreshFamily(code.grant_id);
  };
  if (redeemed.status().code() == absl::StatusCode::kNotFound) {
    // Purged (or gone) since it was read: as if never seen.
    forget_refresh_token();
    return InvalidGrant("unknown authorization code");
  }
  if (redeemed.status().code() != absl::StatusCode::kFailedPrecondition) {
    return redeemed.status();
  }
  // Another redemption won (or the code just expired): this one is the
  // second use. Revoke what the winner issued, and this attempt's refresh
  // token with it (same family).
  auto now_stored = d_.grants->GetAuthorizationCode(code.code_hash);
  if (now_stored.ok() && now_stored->redeemed_at.has_value()) {
    if (absl::Status s = RevokeWhatTheCodeIssued(*now_stored); !s.ok()) {
      return s;
    }
    return InvalidGrant("the authorization code was already used");
  }
  forget_refresh_token();
  return InvalidGrant("the authorization code expired");
}

absl::Status AuthorizationCodeGrant::StillConsented(
    const storage::ClientRecord& client,
    const storage::AuthorizationCodeRecord& code) const {
  auto covered =
      ConsentStillCovers(d_, client, code.user_id,
                         absl::StrSplit(code.scope, ' ', absl::SkipEmpty()));
  if (!covered.ok()) return covered.status();
  if (*covered) return absl::OkStatus();
  if (absl::Status s = RevokeWhatTheCodeIssued(code); !s.ok()) return s;
  return InvalidGrant("the user withdrew their consent to this client");
}

absl::StatusOr<IssuedToken> AuthorizationCodeGrant::Exchange(
    const TokenRequestFields& request) const {
  auto client = d_.authenticator->AuthenticateForGrant(
      request.client_id, request.client_secret, "authorization_code",
      request.source, request.client_assertion);
  if (!client.ok()) return client.status();
  const absl::Time now = StorageNow(d_.clock);
  auto code = RedeemableCode(request, client->client_id, now);
  if (!code.ok()) return code.status();
  // Claimed once the code checked out: a public client's id is no
  // authentication, so a junk code writes nothing to the replay store.
  if (absl::Status s = ConfirmClient(request, *client); !s.ok()) return s;
  auto user = LiveUser(*d_.users, code->user_id);
  if (!user.ok()) return user.status();
  UserAccessClaims claims;
  claims.client_id = client->client_id;
  claims.user_id = user->user_id;
  claims.scopes = absl::StrSplit(code->scope, ' ', absl::SkipEmpty());
  claims.auth_time = code->auth_time;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(d_.random, 16));
  claims.now = now;
  claims.id_token_alg = client->id_token_signed_response_alg;
  claims.sid = code->sid;
  claims.dpop_jkt = request.dpop_jkt;
  // RFC 8707 §2.2: for one of the resources the code was authorized for.
  // Refused before the code is redeemed: the client may ask again.
  if (absl::Status s = TargetResource(d_, request.resource, code->resources,
                                      *client, claims);
      !s.ok()) {
    return s;
  }
  // A code of a session that ended since (logout within the code's
  // lifetime) yields nothing unless offline access was granted.
  if (absl::Status s = SessionOutlived(d_, code->sid, claims.scopes); !s.ok()) {
    return s;
  }
  // The refresh token goes in before the redemption: a concurrent second
  // redemption, which fails and revokes the family, then always finds it
  // (and the access token it records).
  auto refresh_token = StoreRefreshToken(*client, *code, claims);
  if (!refresh_token.ok()) return refresh_token.status();
  if (absl::Status s = Redeem(*code, claims.jti, !refresh_token->empty(), now);
      !s.ok()) {
    return s;
  }
  // Checked after the refresh token is stored and the code redeemed: a
  // withdrawal (Consents::Revoke forgets the consent, then revokes the
  // grants it finds) either finds this grant or is seen here.
  if (absl::Status s = StillConsented(*client, *code); !s.ok()) return s;
  auto issued = d_.minter->Issue(claims, *user, code->nonce);
  if (!issued.ok()) return issued.status();
  issued->refresh_token = *std::move(refresh_token);
  return issued;
}

}  // namespace identity::server
