#include "storage/grant_store.h"

namespace identity::storage {

bool AuthorizationCodeRecord::operator==(
    const AuthorizationCodeRecord& other) const {
  return code_hash == other.code_hash && grant_id == other.grant_id &&
         client_id == other.client_id && user_id == other.user_id &&
         redirect_uri == other.redirect_uri && scope == other.scope &&
         nonce == other.nonce && code_challenge == other.code_challenge &&
         code_challenge_method == other.code_challenge_method &&
         auth_time == other.auth_time && expires_at == other.expires_at &&
         redeemed_at == other.redeemed_at &&
         access_token_jti == other.access_token_jti &&
         access_token_expires_at == other.access_token_expires_at &&
         sid == other.sid && resources == other.resources;
}

bool RefreshTokenRecord::operator==(const RefreshTokenRecord& other) const {
  return token_hash == other.token_hash && family_id == other.family_id &&
         client_id == other.client_id && user_id == other.user_id &&
         scope == other.scope && auth_time == other.auth_time &&
         created_at == other.created_at &&
         idle_expires_at == other.idle_expires_at &&
         absolute_expires_at == other.absolute_expires_at &&
         rotated_at == other.rotated_at && revoked == other.revoked &&
         access_token_jti == other.access_token_jti &&
         access_token_expires_at == other.access_token_expires_at &&
         sid == other.sid && resources == other.resources &&
         dpop_jkt == other.dpop_jkt;
}

bool PushedRequestRecord::operator==(const PushedRequestRecord& other) const {
  return request_uri_hash == other.request_uri_hash &&
         client_id == other.client_id && parameters == other.parameters &&
         expires_at == other.expires_at;
}

}  // namespace identity::storage
