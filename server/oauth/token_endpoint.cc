#include "server/oauth/token_endpoint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/oauth/oauth_error.h"
#include "storage/no_io_scope.h"

namespace identity::server {
namespace {

// The single use of one request's verified proof, claimed when the grant
// has authenticated the client (ConfirmClient).
class ProofClaim final : public ClientConfirmation {
 public:
  ProofClaim(const DpopProofCheck* check, const jwt::DpopProof* proof)
      : check_(check), proof_(proof) {}

  absl::Status Authenticated(const storage::ClientRecord&) const override {
    if (claimed_) return absl::OkStatus();  // Once per request.
    absl::Status status = check_->ClaimOnce(*proof_);
    claimed_ = status.ok();
    return status;
  }

  bool claimed() const { return claimed_; }

 private:
  const DpopProofCheck* const check_;
  const jwt::DpopProof* const proof_;
  mutable bool claimed_ = false;  // One request, one thread.
};

}  // namespace

absl::StatusOr<IssuedToken> TokenEndpoint::Exchange(
    const TokenRequestFields& request) const {
  absl::StatusOr<IssuedToken> issued = Dispatch(request);
  // Not an answer: the call runs again where it may wait (MayBlock).
  if (storage::IsWouldBlock(issued.status())) return issued;
  const absl::string_view grant_type = GrantTypeLabel(request.grant_type);
  if (issued.ok()) {
    // Authenticated by now: request.client_id names a registered client.
    events_->TokenIssued(grant_type, request.client_id);
  } else {
    events_->TokenRefused(grant_type, OAuthErrorCodeOf(issued.status()));
  }
  return issued;
}

bool TokenEndpoint::MayBlock(const TokenRequestFields& request) const {
  auto grant = grants_.find(request.grant_type);
  if (grant == grants_.end()) return false;
  return !request.dpop_proofs.empty() || grant->second->MayBlock(request);
}

absl::StatusOr<IssuedToken> TokenEndpoint::Dispatch(
    const TokenRequestFields& request) const {
  if (request.grant_type.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest, "grant_type is required");
  }
  auto grant = grants_.find(request.grant_type);
  if (grant == grants_.end()) {
    return OAuthFailure(OAuthError::kUnsupportedGrantType,
                        absl::StrCat("grant_type must be one of ",
                                     absl::StrJoin(GrantTypes(), ", ")));
  }
  if (request.dpop_proofs.empty()) return grant->second->Exchange(request);
  return ExchangeWithProof(*grant->second, request);
}

absl::StatusOr<IssuedToken> TokenEndpoint::ExchangeWithProof(
    const TokenGrant& grant, const TokenRequestFields& request) const {
  if (dpop_ == nullptr) {
    return OAuthFailure(OAuthError::kInvalidDpopProof,
                        "this server accepts no DPoP proofs");
  }
  if (request.dpop_proofs.size() > 1) {
    return OAuthFailure(OAuthError::kInvalidDpopProof,
                        "more than one DPoP proof");
  }
  // Stateless first: nothing is stored for a request that fails here.
  jwt::DpopRequest target;
  target.method = "POST";
  target.uri = request.dpop_uri;
  auto proof = dpop_->Verify(request.dpop_proofs.front(), target);
  if (!proof.ok()) return proof.status();
  ProofClaim claim(dpop_, &*proof);
  TokenRequestFields bound = request;
  bound.dpop_jkt = proof->jkt;
  bound.confirmation = &claim;
  auto issued = grant.Exchange(bound);
  if (!issued.ok()) return issued;
  if (!claim.claimed()) {
    // A grant that bound a token without confirming the client: refuse
    // rather than issue on a proof that may be a replay.
    return absl::InternalError("the grant did not confirm the DPoP proof");
  }
  issued->token_type = kDpopTokenType;
  return issued;
}

std::vector<std::string> TokenEndpoint::GrantTypes() const {
  std::vector<std::string> types;
  for (const auto& [type, grant] : grants_) types.push_back(type);
  return types;
}

}  // namespace identity::server
