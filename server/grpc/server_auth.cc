#include "server/grpc/server_auth.h"

#include "server/oauth/access_token_verifier.h"
#include "server/oauth/bootstrap_admin.h"

namespace identity::server {

absl::StatusOr<std::shared_ptr<const interceptor::CallAuthorizer>>
MakeServerAuthorizer(const KeyManager* keys, std::string issuer,
                     const jwt::Clock* clock,
                     std::shared_ptr<interceptor::AuthObserver> observer) {
  interceptor::MethodPolicy policy = interceptor::MethodPolicy::OpenByDefault();
  const interceptor::MethodRule admin{true, {kAdminScope}};
  for (const char* pattern :
       {"/identity.v1.AdminService/*", "/identity.v1.KeyService/ListKeys",
        "/identity.v1.KeyService/RotateKeys"}) {
    if (absl::Status s = policy.SetRule(pattern, admin); !s.ok()) return s;
  }
  auto verifier = OwnAccessTokenVerifier(std::move(issuer), clock);
  if (!verifier.ok()) return verifier.status();
  auto validator = std::make_shared<interceptor::JwksTokenValidator>(
      *std::move(verifier), [keys] { return keys->snapshot()->jwks; });
  return std::make_shared<const interceptor::CallAuthorizer>(
      std::move(policy), std::move(validator), std::move(observer));
}

}  // namespace identity::server
