// How identity-server protects itself: the admin methods (AdminService, and
// KeyService's ListKeys and RotateKeys) need an access token issued by this
// server with scope "identity.admin"; every other method (Token, Introspect,
// GetJwks, health, reflection) is open, since those authenticate the client
// themselves or serve public data.
#ifndef IDENTITY_SERVER_GRPC_SERVER_AUTH_H_
#define IDENTITY_SERVER_GRPC_SERVER_AUTH_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/interceptor/call_authorizer.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "storage/revocation_store.h"

namespace identity::server {

// Verifies admin tokens against `keys`' current snapshot (the same keys that
// sign): "typ" at+jwt, "iss" == `issuer`, unexpired, scope identity.admin.
// `keys` and `clock` must outlive the authorizer. `observer` (may be null)
// hears every decision (metrics, logs). With `revocations` (may be null; must
// outlive the authorizer) an admin token whose jti was revoked
// (TokenService.Revoke) is refused as well.
absl::StatusOr<std::shared_ptr<const interceptor::CallAuthorizer>>
MakeServerAuthorizer(
    const KeyManager* keys, std::string issuer, const jwt::Clock* clock,
    std::shared_ptr<interceptor::AuthObserver> observer = nullptr,
    storage::RevocationStore* revocations = nullptr);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_GRPC_SERVER_AUTH_H_
