#include "server/oauth/token_binding.h"

#include <string>

#include "server/oauth/oauth_error.h"

namespace identity::server {

absl::Status ConfirmClient(const TokenRequestFields& request,
                           const storage::ClientRecord& client) {
  if (request.dpop_jkt.empty()) {
    // RFC 9449 §10.2: "MUST reject token requests from this client that do
    // not contain the DPoP header"; the error is §5's for a proof that is
    // not acceptable.
    if (client.dpop_bound_access_tokens) {
      return OAuthFailure(OAuthError::kInvalidDpopProof,
                          "the client must send a DPoP proof");
    }
    return absl::OkStatus();
  }
  if (request.confirmation == nullptr) {
    // A jkt nobody verified: never bind to it.
    return absl::InternalError("a DPoP binding without its proof");
  }
  return request.confirmation->Authenticated(client);
}

void AddConfirmation(jwt::Claims& claims, absl::string_view jkt) {
  if (jkt.empty()) return;
  claims.other["cnf"] = jwt::Json{{"jkt", std::string(jkt)}};
}

std::string ConfirmedJkt(const jwt::Claims& claims) {
  const auto cnf = claims.other.find("cnf");
  if (cnf == claims.other.end() || !cnf->is_object()) return "";
  const auto jkt = cnf->find("jkt");
  if (jkt == cnf->end() || !jkt->is_string()) return "";
  return jkt->get<std::string>();
}

std::string RefreshTokenBinding(const storage::ClientRecord& client,
                                absl::string_view jkt) {
  return client.public_client ? std::string(jkt) : std::string();
}

absl::Status CheckRefreshTokenBinding(const TokenRequestFields& request,
                                      absl::string_view bound_jkt) {
  if (bound_jkt.empty() || request.dpop_jkt == bound_jkt) {
    return absl::OkStatus();
  }
  return OAuthFailure(OAuthError::kInvalidGrant,
                      request.dpop_jkt.empty()
                          ? "the refresh token is DPoP-bound: send a DPoP "
                            "proof made with its key"
                          : "the refresh token is bound to another DPoP key");
}

}  // namespace identity::server
