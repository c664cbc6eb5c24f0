#include "server/oauth/pushed_authorization.h"

namespace identity::server {

absl::StatusOr<PushedRequest> PushedAuthorizationEndpoint::Push(
    const PushRequestFields& fields) const {
  // RFC 9126 §2.1: client authentication as at the token endpoint; a client
  // pushes only what it may ask for there.
  auto client = authenticator_->AuthenticateForGrant(
      fields.client_id, fields.client_secret, "authorization_code",
      fields.source, fields.client_assertion);
  if (!client.ok()) return client.status();
  return authorization_->Push(fields.request, *client);
}

}  // namespace identity::server
