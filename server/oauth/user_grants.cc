#include "server/oauth/user_grants.h"

#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "jwt/base64url.h"
#include "jwt/status.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/scope.h"

namespace identity::server {
namespace {

absl::Time NowMicros(const jwt::Clock* clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock->Now()));
}

absl::Status InvalidGrant(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidGrant, message);
}

std::vector<std::string> SplitScopes(absl::string_view scope) {
  return absl::StrSplit(scope, ' ', absl::SkipEmpty());
}

// The tokens of one exchange, minted from `claims` (and an ID token for
// `user` when openid is among the scopes).
absl::StatusOr<IssuedToken> Mint(const UserTokenMinter& minter,
                                 const UserAccessClaims& claims,
                                 const storage::UserRecord& user,
                                 absl::string_view nonce) {
  IssuedToken issued;
  auto access = minter.AccessToken(claims);
  if (!access.ok()) return access.status();
  issued.access_token = *std::move(access);
  issued.expires_in =
      absl::ToInt64Seconds(minter.options().access_token_lifetime);
  issued.scope = absl::StrJoin(claims.scopes, " ");
  if (HasScope(claims.scopes, "openid")) {
    auto id =
        minter.IdToken(user, claims.client_id, claims.scopes, claims.auth_time,
                       nonce, issued.access_token, claims.now);
    if (!id.ok()) return id.status();
    issued.id_token = *std::move(id);
  }
  return issued;
}

// The client, authenticated (public clients by id alone) and allowed
// `grant_type`.
absl::StatusOr<storage::ClientRecord> ClientFor(
    const UserGrantDeps& d, const TokenRequestFields& request,
    absl::string_view grant_type) {
  auto client = d.authenticator->AuthenticatePublicOrConfidential(
      request.client_id, request.client_secret);
  if (!client.ok()) return client.status();
  if (!AllowsGrant(*client, grant_type)) {
    return OAuthFailure(
        OAuthError::kUnauthorizedClient,
        absl::StrCat("the client may not use the ", grant_type, " grant"));
  }
  return client;
}

// The user a grant was for, if they may still have tokens.
absl::StatusOr<storage::UserRecord> LiveUser(const UserGrantDeps& d,
                                             absl::string_view user_id) {
  auto user = d.users->GetUser(user_id);
  if (user.status().code() == absl::StatusCode::kNotFound ||
      (user.ok() && user->disabled)) {
    return InvalidGrant("the user no longer exists or is disabled");
  }
  return user;
}

}  // namespace

absl::Status AuthorizationCodeGrant::RevokeWhatTheCodeIssued(
    const storage::AuthorizationCodeRecord& code) const {
  if (!code.access_token_jti.empty()) {
    absl::Status revoked = d_.revocations->Revoke(code.access_token_jti,
                                                  code.access_token_expires_at);
    if (!revoked.ok()) return revoked;
  }
  return d_.grants->RevokeRefreshFamily(code.grant_id).status();
}

absl::StatusOr<IssuedToken> AuthorizationCodeGrant::Exchange(
    const TokenRequestFields& request) const {
  auto client = ClientFor(d_, request, "authorization_code");
  if (!client.ok()) return client.status();
  if (request.code.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "code is required");
  }
  if (request.redirect_uri.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "redirect_uri is required");
  }
  const std::string code_hash = HashOpaqueToken(request.code);
  auto code = d_.grants->GetAuthorizationCode(code_hash);
  if (code.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown authorization code");
  }
  if (!code.ok()) return code.status();
  // Another client's code: refused, and left alone (no burning it).
  if (code->client_id != client->client_id) {
    return InvalidGrant("unknown authorization code");
  }
  const absl::Time now = NowMicros(d_.clock);
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
  if (absl::Status pkce =
          VerifyCodeVerifier(request.code_verifier, code->code_challenge,
                             code->code_challenge_method);
      !pkce.ok()) {
    return pkce;
  }
  auto user = LiveUser(d_, code->user_id);
  if (!user.ok()) return user.status();

  // The refresh token goes in before the redemption: a concurrent second
  // redemption, which fails and revokes the family, then always finds it.
  const UserTokenOptions& options = d_.minter->options();
  std::string refresh_token;
  if (AllowsGrant(*client, "refresh_token")) {
    refresh_token = NewOpaqueToken(d_.random);
    storage::RefreshTokenRecord record;
    record.token_hash = HashOpaqueToken(refresh_token);
    record.family_id = code->grant_id;
    record.client_id = client->client_id;
    record.user_id = user->user_id;
    record.scope = code->scope;
    record.auth_time = code->auth_time;
    record.created_at = now;
    record.absolute_expires_at = now + options.refresh_token_lifetime;
    record.idle_expires_at = std::min(now + options.refresh_token_idle_lifetime,
                                      record.absolute_expires_at);
    if (absl::Status s = d_.grants->CreateRefreshToken(record); !s.ok()) {
      return s;
    }
  }
  UserAccessClaims claims;
  claims.client_id = client->client_id;
  claims.user_id = user->user_id;
  claims.scopes = SplitScopes(code->scope);
  claims.auth_time = code->auth_time;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(d_.random, 16));
  claims.now = now;
  const absl::Time access_expires_at =
      absl::FromUnixSeconds(absl::ToUnixSeconds(now)) +
      options.access_token_lifetime;
  auto redeemed = d_.grants->RedeemAuthorizationCode(
      code_hash, client->client_id, now, claims.jti, access_expires_at);
  if (!redeemed.ok()) {
    if (redeemed.status().code() == absl::StatusCode::kNotFound) {
      // Purged (or gone) since it was read: as if never seen.
      if (!refresh_token.empty()) {
        (void)d_.grants->RevokeRefreshFamily(code->grant_id);
      }
      return InvalidGrant("unknown authorization code");
    }
    if (redeemed.status().code() != absl::StatusCode::kFailedPrecondition) {
      return redeemed.status();
    }
    // Another redemption won (or the code just expired): this one is the
    // second use. Revoke what the winner issued, and this attempt's refresh
    // token with it (same family).
    auto now_stored = d_.grants->GetAuthorizationCode(code_hash);
    if (now_stored.ok() && now_stored->redeemed_at.has_value()) {
      if (absl::Status s = RevokeWhatTheCodeIssued(*now_stored); !s.ok()) {
        return s;
      }
      return InvalidGrant("the authorization code was already used");
    }
    if (!refresh_token.empty()) {
      (void)d_.grants->RevokeRefreshFamily(code->grant_id);
    }
    return InvalidGrant("the authorization code expired");
  }
  auto issued = Mint(*d_.minter, claims, *user, code->nonce);
  if (!issued.ok()) return issued.status();
  issued->refresh_token = std::move(refresh_token);
  return issued;
}

absl::StatusOr<IssuedToken> RefreshTokenGrant::Exchange(
    const TokenRequestFields& request) const {
  auto client = ClientFor(d_, request, "refresh_token");
  if (!client.ok()) return client.status();
  if (request.refresh_token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "refresh_token is required");
  }
  auto requested = ParseScope(request.scope);
  if (!requested.ok()) return requested.status();
  const std::string old_hash = HashOpaqueToken(request.refresh_token);
  auto old = d_.grants->GetRefreshToken(old_hash);
  if (old.status().code() == absl::StatusCode::kNotFound) {
    return InvalidGrant("unknown refresh token");
  }
  if (!old.ok()) return old.status();
  if (old->client_id != client->client_id) {
    // Bound to its client: another client learns nothing and changes
    // nothing.
    return InvalidGrant("unknown refresh token");
  }
  if (old->created_at < client->created_at) {
    // Issued to an earlier client of the same id, since deleted: a client
    // registered again under that id does not inherit its grants.
    return InvalidGrant("unknown refresh token");
  }
  auto reuse = [&]() -> absl::Status {
    // RFC 9700 §4.14.2: a rotated token presented again means two parties
    // hold the family; revoke all of it.
    d_.events->RefreshReuseDetected(client->client_id);
    auto revoked = d_.grants->RevokeRefreshFamily(old->family_id);
    if (!revoked.ok()) return revoked.status();
    return InvalidGrant("the refresh token was already used");
  };
  if (old->revoked) return InvalidGrant("the refresh token was revoked");
  if (old->rotated_at.has_value()) return reuse();
  const absl::Time now = NowMicros(d_.clock);
  if (old->idle_expires_at <= now || old->absolute_expires_at <= now) {
    return InvalidGrant("the refresh token expired");
  }
  const std::vector<std::string> original = SplitScopes(old->scope);
  std::vector<std::string> scopes = original;
  if (!requested->empty()) {
    auto narrowed = GrantScopes(*requested, original);
    if (!narrowed.ok()) return narrowed.status();
    scopes = *std::move(narrowed);
  }
  auto user = LiveUser(d_, old->user_id);
  if (!user.ok()) {
    if (OAuthErrorOf(user.status()).has_value()) {
      (void)d_.grants->RevokeRefreshFamily(old->family_id);
    }
    return user.status();
  }

  const UserTokenOptions& options = d_.minter->options();
  const std::string refresh_token = NewOpaqueToken(d_.random);
  storage::RefreshTokenRecord replacement = *old;
  replacement.token_hash = HashOpaqueToken(refresh_token);
  replacement.created_at = now;
  replacement.idle_expires_at = std::min(
      now + options.refresh_token_idle_lifetime, old->absolute_expires_at);
  replacement.rotated_at.reset();
  replacement.revoked = false;
  auto rotated = d_.grants->RotateRefreshToken(old_hash, client->client_id, now,
                                               replacement);
  if (!rotated.ok()) {
    if (rotated.status().code() == absl::StatusCode::kFailedPrecondition) {
      // Rotated by a concurrent request a moment ago: the same token used
      // twice, so the reuse policy applies.
      return reuse();
    }
    if (rotated.status().code() == absl::StatusCode::kNotFound) {
      return InvalidGrant("unknown refresh token");
    }
    return rotated.status();
  }
  UserAccessClaims claims;
  claims.client_id = client->client_id;
  claims.user_id = user->user_id;
  claims.scopes = std::move(scopes);
  claims.auth_time = old->auth_time;
  claims.jti = jwt::Base64UrlEncode(RandomBytes(d_.random, 16));
  claims.now = now;
  // OIDC Core §12.2: no nonce in an ID token from a refresh.
  auto issued = Mint(*d_.minter, claims, *user, "");
  if (!issued.ok()) return issued.status();
  issued->refresh_token = refresh_token;
  return issued;
}

absl::Status TokenRevoker::Revoke(absl::string_view token,
                                  absl::string_view hint,
                                  absl::string_view client_id,
                                  absl::string_view client_secret) const {
  auto client = d_.authenticator->AuthenticatePublicOrConfidential(
      client_id, client_secret);
  if (!client.ok()) return client.status();
  if (!hint.empty() && hint != "access_token" && hint != "refresh_token") {
    return OAuthFailure(OAuthError::kUnsupportedTokenType,
                        "token_type_hint must be access_token or "
                        "refresh_token");
  }
  if (token.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "token is required");
  }
  const auto not_yours = [] {
    return OAuthFailure(OAuthError::kUnauthorizedClient,
                        "the token was issued to another client");
  };
  // A refresh token is an opaque value and a JWT has dots: the shape says
  // which to try first, the hint is not needed.
  if (token.find('.') == absl::string_view::npos) {
    auto refresh = d_.grants->GetRefreshToken(HashOpaqueToken(token));
    if (refresh.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();  // RFC 7009 §2.2: nothing to do.
    }
    if (!refresh.ok()) return refresh.status();
    if (refresh->client_id != client->client_id) return not_yours();
    return d_.grants->RevokeRefreshFamily(refresh->family_id).status();
  }
  auto verified = verifier_.Verify(token, *keys_->snapshot()->jwks);
  if (!verified.ok()) return absl::OkStatus();  // Invalid: nothing to do.
  const jwt::Claims& claims = verified->claims;
  if (claims.GetString("client_id").value_or("") != client->client_id) {
    return not_yours();
  }
  if (!claims.jti.has_value() || !claims.exp.has_value()) {
    return absl::OkStatus();
  }
  return d_.revocations->Revoke(*claims.jti,
                                absl::FromUnixSeconds(*claims.exp));
}

absl::StatusOr<UserInfo> UserInfoEndpoint::Get(
    absl::string_view access_token) const {
  auto invalid = [](absl::string_view why) {
    return OAuthFailure(OAuthError::kInvalidToken, why);
  };
  if (access_token.empty()) return invalid("no access token");
  auto verified = verifier_.Verify(access_token, *keys_->snapshot()->jwks);
  if (!verified.ok()) {
    return invalid(
        absl::StrCat("the access token is not valid: ",
                     jwt::ReasonName(jwt::ReasonOf(verified.status()))));
  }
  const jwt::Claims& claims = verified->claims;
  if (claims.jti.has_value()) {
    auto revoked = d_.revocations->IsRevoked(*claims.jti);
    if (!revoked.ok()) return revoked.status();
    if (*revoked) return invalid("the access token was revoked");
  }
  const std::vector<std::string> scopes =
      SplitScopes(claims.GetString("scope").value_or(""));
  // A user's token has auth_time; a client_credentials token has none.
  if (!HasScope(scopes, "openid") || !claims.other.contains("auth_time")) {
    return OAuthFailure(OAuthError::kInsufficientScope,
                        "the access token was not granted openid for a user");
  }
  auto user = d_.users->GetUser(claims.sub.value_or(""));
  if (user.status().code() == absl::StatusCode::kNotFound ||
      (user.ok() && user->disabled)) {
    return invalid("the user no longer exists or is disabled");
  }
  if (!user.ok()) return user.status();
  UserInfo info;
  info.sub = user->user_id;
  info.has_profile = HasScope(scopes, "profile");
  info.has_email = HasScope(scopes, "email");
  if (info.has_profile) {
    info.name = user->name;
    info.preferred_username = user->username;
  }
  if (info.has_email && !user->email.empty()) {
    info.email = user->email;
    info.email_verified = user->email_verified;
  }
  return info;
}

absl::StatusOr<IssuedToken> TokenEndpoint::Exchange(
    const TokenRequestFields& request) const {
  const AuthorizationCodeGrant* code =
      request.grant_type == "authorization_code" ? authorization_code_
                                                 : nullptr;
  const RefreshTokenGrant* refresh =
      request.grant_type == "refresh_token" ? refresh_token_ : nullptr;
  if (code == nullptr && refresh == nullptr) {
    // client_credentials, and every unknown or missing grant type, which it
    // refuses: it reports to the events itself.
    return client_credentials_->Issue(request);
  }
  absl::StatusOr<IssuedToken> issued =
      code != nullptr ? code->Exchange(request) : refresh->Exchange(request);
  if (issued.ok()) {
    events_->TokenIssued(request.grant_type, request.client_id);
  } else {
    const std::optional<OAuthError> error = OAuthErrorOf(issued.status());
    events_->TokenRefused(request.grant_type,
                          error.has_value()
                              ? OAuthErrorCode(*error)
                              : absl::string_view("server_error"));
  }
  return issued;
}

}  // namespace identity::server
