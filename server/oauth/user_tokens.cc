#include "server/oauth/user_tokens.h"

#include <openssl/sha.h>

#include <algorithm>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jwt/algorithm.h"
#include "jwt/base64url.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/digest.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/token_binding.h"

namespace identity::server {

bool HasScope(const std::vector<std::string>& scopes, absl::string_view scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string NewOpaqueToken(const RandomSource& random) {
  return jwt::Base64UrlEncode(RandomBytes(random, 32));
}

std::string HashOpaqueToken(absl::string_view token) {
  return absl::BytesToHexString(Sha256String(token));
}

std::string AccessTokenHash(absl::string_view access_token,
                            jwt::Algorithm alg) {
  unsigned char digest[SHA512_DIGEST_LENGTH];
  size_t size;
  const auto* data =
      reinterpret_cast<const unsigned char*>(access_token.data());
  switch (alg) {
    case jwt::Algorithm::kES384:
    case jwt::Algorithm::kRS384:
    case jwt::Algorithm::kPS384:
      SHA384(data, access_token.size(), digest);
      size = SHA384_DIGEST_LENGTH;
      break;
    case jwt::Algorithm::kES512:
    case jwt::Algorithm::kRS512:
    case jwt::Algorithm::kPS512:
    case jwt::Algorithm::kEdDSA:
      SHA512(data, access_token.size(), digest);
      size = SHA512_DIGEST_LENGTH;
      break;
    default:
      SHA256(data, access_token.size(), digest);
      size = SHA256_DIGEST_LENGTH;
  }
  return jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), size / 2));
}

absl::StatusOr<std::string> UserTokenMinter::AccessToken(
    const UserAccessClaims& c) const {
  jwt::Claims claims;
  claims.iss = options_.issuer;
  claims.sub = c.user_id;
  claims.aud = {c.audience.value_or(options_.audience)};
  claims.iat = absl::ToUnixSeconds(c.now);
  claims.exp = absl::ToUnixSeconds(c.now + options_.access_token_lifetime);
  claims.jti = c.jti;
  claims.other["client_id"] = c.client_id;
  claims.other["auth_time"] = absl::ToUnixSeconds(c.auth_time);
  const std::vector<std::string>& scopes = c.AccessScopes();
  if (!scopes.empty()) claims.other["scope"] = absl::StrJoin(scopes, " ");
  AddConfirmation(claims, c.dpop_jkt);
  return keys_->snapshot()->signer->Sign(claims);
}

absl::StatusOr<std::string> UserTokenMinter::IdToken(
    const storage::UserRecord& user, absl::string_view client_id,
    const std::vector<std::string>& scopes, absl::Time auth_time,
    absl::string_view nonce, absl::string_view access_token, absl::Time now,
    absl::string_view alg, absl::string_view sid) const {
  const std::shared_ptr<const KeySnapshot> keys = keys_->snapshot();
  std::shared_ptr<const jwt::JwtSigner> signer = keys->id_token_signer;
  if (!alg.empty()) {
    const std::optional<jwt::Algorithm> wanted = jwt::AlgorithmFromName(alg);
    if (wanted.has_value()) signer = keys->IdTokenSigner(*wanted);
    if (!wanted.has_value() || signer == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the client's id_token_signed_response_alg ", alg,
          " is not a configured signing algorithm; update the client"));
    }
  }
  jwt::Claims claims;
  claims.iss = options_.issuer;
  claims.sub = user.user_id;
  claims.aud = {std::string(client_id)};
  claims.iat = absl::ToUnixSeconds(now);
  claims.exp = absl::ToUnixSeconds(now + options_.id_token_lifetime);
  claims.other["azp"] = std::string(client_id);
  claims.other["auth_time"] = absl::ToUnixSeconds(auth_time);
  if (!nonce.empty()) claims.other["nonce"] = std::string(nonce);
  if (!sid.empty()) claims.other["sid"] = std::string(sid);
  if (!access_token.empty()) {
    claims.other["at_hash"] =
        AccessTokenHash(access_token, signer->algorithm());
  }
  claims.other.update(ReleaseClaims(user, scopes, ClaimTarget::kIdToken));
  return signer->Sign(claims);
}

absl::StatusOr<IssuedToken> UserTokenMinter::Issue(
    const UserAccessClaims& claims, const storage::UserRecord& user,
    absl::string_view nonce) const {
  IssuedToken issued;
  auto access = AccessToken(claims);
  if (!access.ok()) return access.status();
  issued.access_token = *std::move(access);
  issued.expires_in = absl::ToInt64Seconds(options_.access_token_lifetime);
  // RFC 6749 §5.1: the access token's scope.
  issued.scope = absl::StrJoin(claims.AccessScopes(), " ");
  if (HasScope(claims.scopes, "openid")) {
    auto id = IdToken(user, claims.client_id, claims.scopes, claims.auth_time,
                      nonce, issued.access_token, claims.now,
                      claims.id_token_alg, claims.sid);
    if (!id.ok()) return id.status();
    issued.id_token = *std::move(id);
  }
  return issued;
}

absl::StatusOr<storage::UserRecord> LiveUser(storage::UserStore& users,
                                             absl::string_view user_id) {
  auto user = users.GetUser(user_id);
  if (user.status().code() == absl::StatusCode::kNotFound ||
      (user.ok() && user->disabled)) {
    return OAuthFailure(OAuthError::kInvalidGrant,
                        "the user no longer exists or is disabled");
  }
  return user;
}

}  // namespace identity::server
