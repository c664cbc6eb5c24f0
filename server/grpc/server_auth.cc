#include "server/grpc/server_auth.h"

#include "server/oauth/access_token_verifier.h"
#include "server/oauth/bootstrap_admin.h"

namespace identity::server {

namespace {

// Whether an admin token (already verified by the authorizer) was revoked:
// the server's own revocation list, no network call.
class RevocationListChecker final : public interceptor::OnlineChecker {
 public:
  RevocationListChecker(jwt::JwtVerifier verifier, const KeyManager* keys,
                        storage::RevocationStore* revocations)
      : verifier_(std::move(verifier)),
        keys_(keys),
        revocations_(revocations) {}

  absl::StatusOr<bool> IsActive(absl::string_view token) override {
    auto verified = verifier_.Verify(token, *keys_->snapshot()->jwks);
    if (!verified.ok()) return false;
    if (!verified->claims.jti.has_value()) return true;
    auto revoked = revocations_->IsRevoked(*verified->claims.jti);
    if (!revoked.ok())
      return absl::UnavailableError(revoked.status().message());
    return !*revoked;
  }

 private:
  const jwt::JwtVerifier verifier_;
  const KeyManager* const keys_;
  storage::RevocationStore* const revocations_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const interceptor::CallAuthorizer>>
MakeServerAuthorizer(const KeyManager* keys, std::string issuer,
                     const jwt::Clock* clock,
                     std::shared_ptr<interceptor::AuthObserver> observer,
                     storage::RevocationStore* revocations) {
  interceptor::MethodPolicy policy = interceptor::MethodPolicy::OpenByDefault();
  const interceptor::MethodRule admin{true,
                                      {kAdminScope},
                                      /*online_check=*/revocations != nullptr};
  for (const char* pattern :
       {"/identity.v1.AdminService/*", "/identity.v1.KeyService/ListKeys",
        "/identity.v1.KeyService/RotateKeys"}) {
    if (absl::Status s = policy.SetRule(pattern, admin); !s.ok()) return s;
  }
  auto verifier = OwnAccessTokenVerifier(issuer, clock);
  if (!verifier.ok()) return verifier.status();
  auto validator = std::make_shared<interceptor::JwksTokenValidator>(
      *std::move(verifier), [keys] { return keys->snapshot()->jwks; });
  std::shared_ptr<interceptor::OnlineChecker> online;
  if (revocations != nullptr) {
    auto checker_verifier = OwnAccessTokenVerifier(std::move(issuer), clock);
    if (!checker_verifier.ok()) return checker_verifier.status();
    online = std::make_shared<RevocationListChecker>(
        *std::move(checker_verifier), keys, revocations);
  }
  return std::make_shared<const interceptor::CallAuthorizer>(
      std::move(policy), std::move(validator), std::move(observer),
      std::move(online));
}

}  // namespace identity::server
