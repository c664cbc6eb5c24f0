#include "storage/client_store.h"

namespace identity::storage {

bool ClientRecord::operator==(const ClientRecord& other) const {
  return client_id == other.client_id && name == other.name &&
         allowed_scopes == other.allowed_scopes &&
         secret_hash == other.secret_hash &&
         redirect_uris == other.redirect_uris &&
         grant_types == other.grant_types &&
         public_client == other.public_client &&
         pkce_optional == other.pkce_optional &&
         require_pushed_authorization_requests ==
             other.require_pushed_authorization_requests &&
         id_token_signed_response_alg == other.id_token_signed_response_alg &&
         post_logout_redirect_uris == other.post_logout_redirect_uris &&
         backchannel_logout_uri == other.backchannel_logout_uri &&
         backchannel_logout_session_required ==
             other.backchannel_logout_session_required &&
         third_party == other.third_party &&
         token_endpoint_auth_method == other.token_endpoint_auth_method &&
         jwks == other.jwks && token_exchange == other.token_exchange &&
         dpop_bound_access_tokens == other.dpop_bound_access_tokens &&
         created_at == other.created_at && updated_at == other.updated_at;
}

}  // namespace identity::storage
