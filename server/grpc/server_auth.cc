#include "server/grpc/server_auth.h"

#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/own_access_tokens.h"

namespace identity::server {

namespace {

// Whether an admin token (already verified by the authorizer) is still
// active: the core's own-token check, on the server's own revocation list
// (no network call).
class RevocationListChecker final : public interceptor::OnlineChecker {
 public:
  explicit RevocationListChecker(std::shared_ptr<const OwnAccessTokens> tokens)
      : tokens_(std::move(tokens)) {}

  absl::StatusOr<bool> IsActive(absl::string_view token) override {
    auto checked = tokens_->Check(token);
    if (checked.ok()) return true;
    if (OAuthErrorOf(checked.status()) == OAuthError::kInvalidToken) {
      return false;
    }
    return absl::UnavailableError(checked.status().message());
  }

 private:
  const std::shared_ptr<const OwnAccessTokens> tokens_;
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
  auto tokens =
      OwnAccessTokens::Create(std::move(issuer), clock, keys, revocations);
  if (!tokens.ok()) return tokens.status();
  auto shared = std::make_shared<const OwnAccessTokens>(*std::move(tokens));
  auto validator = std::make_shared<interceptor::JwksTokenValidator>(
      shared->verifier(), [keys] { return keys->snapshot()->jwks; });
  std::shared_ptr<interceptor::OnlineChecker> online;
  if (revocations != nullptr) {
    online = std::make_shared<RevocationListChecker>(std::move(shared));
  }
  return std::make_shared<const interceptor::CallAuthorizer>(
      std::move(policy), std::move(validator), std::move(observer),
      std::move(online));
}

}  // namespace identity::server
