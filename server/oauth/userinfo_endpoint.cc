#include "server/oauth/userinfo_endpoint.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/token_binding.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {

absl::StatusOr<UserInfo> UserInfoEndpoint::Get(
    absl::string_view access_token) const {
  TokenPresentation bearer;
  bearer.access_token = std::string(access_token);
  return Get(bearer);
}

absl::Status UserInfoEndpoint::CheckBinding(const TokenPresentation& presented,
                                            const jwt::Claims& claims) const {
  const std::string jkt = ConfirmedJkt(claims);
  if (!presented.dpop_scheme) {
    if (jkt.empty()) return absl::OkStatus();
    return OAuthFailure(OAuthError::kInvalidToken,
                        "a DPoP-bound access token needs the DPoP scheme and a "
                        "proof");
  }
  if (jkt.empty()) {
    return OAuthFailure(OAuthError::kInvalidToken,
                        "the access token is not DPoP-bound");
  }
  if (presented.dpop_proofs.size() != 1 || dpop_ == nullptr) {
    return OAuthFailure(OAuthError::kInvalidDpopProof,
                        "exactly one DPoP proof is required");
  }
  jwt::DpopRequest request;
  request.method = presented.method;
  request.uri = presented.uri;
  request.access_token = presented.access_token;
  auto proof = dpop_->Verify(presented.dpop_proofs.front(), request);
  if (!proof.ok()) return proof.status();
  if (proof->jkt != jkt) {
    return OAuthFailure(OAuthError::kInvalidDpopProof,
                        "the proof's key is not the access token's");
  }
  return dpop_->ClaimOnce(*proof);
}

absl::StatusOr<UserInfo> UserInfoEndpoint::Get(
    const TokenPresentation& presented) const {
  if (presented.access_token.empty()) {
    return OAuthFailure(OAuthError::kInvalidToken, "no access token");
  }
  auto verified = access_tokens_->Check(presented.access_token);
  if (!verified.ok()) return verified.status();
  const jwt::Claims& claims = verified->claims;
  if (absl::Status s = CheckBinding(presented, claims); !s.ok()) return s;
  const std::vector<std::string> scopes = absl::StrSplit(
      claims.GetString("scope").value_or(""), ' ', absl::SkipEmpty());
  // A user's token has auth_time; a client_credentials token has none.
  if (!HasScope(scopes, "openid") || !claims.other.contains("auth_time")) {
    return OAuthFailure(OAuthError::kInsufficientScope,
                        "the access token was not granted openid for a user");
  }
  auto user = users_->GetUser(claims.sub.value_or(""));
  if (user.status().code() == absl::StatusCode::kNotFound ||
      (user.ok() && user->disabled)) {
    return OAuthFailure(OAuthError::kInvalidToken,
                        "the user no longer exists or is disabled");
  }
  if (!user.ok()) return user.status();
  UserInfo info;
  info.sub = user->user_id;
  info.client_id = claims.GetString("client_id").value_or("");
  info.claims = ReleaseClaims(*user, scopes, ClaimTarget::kUserInfo);
  return info;
}

}  // namespace identity::server
