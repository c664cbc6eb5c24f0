// The token endpoint (RFC 6749 §3.2): one entry for every grant type, which
// dispatches to the grant and reports each result to the events once.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/oauth/dpop_proof_check.h"
#include "server/oauth/events.h"
#include "server/oauth/token_request.h"

namespace identity::server {

// Thread-safe. The grants, the events and `dpop` must outlive it.
class TokenEndpoint {
 public:
  // `grants`: grant_type ("client_credentials", ...) -> its grant. `dpop`:
  // how DPoP proofs are checked (RFC 9449); null: none accepted.
  TokenEndpoint(std::map<std::string, const TokenGrant*> grants,
                OAuthEvents* events = OAuthEvents::None(),
                const DpopProofCheck* dpop = nullptr)
      : grants_(std::move(grants)), events_(events), dpop_(dpop) {}

  // Errors: kInvalidRequest for an empty grant_type (RFC 6749 §5.2: a
  // missing parameter); kUnsupportedGrantType for one not served;
  // kInvalidDpopProof for more than one proof (RFC 9449 §4.3 item 1), a
  // proof DpopProofCheck::Verify refuses for "POST" and request.dpop_uri
  // (checked before the grant authenticates the client), or when no DPoP
  // is served; those of the grant (and of ConfirmClient, token_binding.h).
  //
  // With a verified proof the grant sees request.dpop_jkt, binds the access
  // token to that key, and the response's token_type is "DPoP" (RFC 9449
  // §5); without one, "Bearer".
  absl::StatusOr<IssuedToken> Exchange(const TokenRequestFields& request) const;

  // Whether Exchange(request) may wait on I/O or a slow hash: what the gRPC
  // face asks to decide whether the call runs on the thread that read it or
  // on its pool for blocking calls (server/grpc/call_runner.h). false for a
  // request refused before any grant runs (no grant_type, one not served),
  // and for a grant that answers this request from memory (client
  // credentials of a cached client, ClientCredentialsGrant::MayBlock); true
  // with a DPoP proof (its jti is claimed in the store).
  bool MayBlock(const TokenRequestFields& request) const;

  // The grant types served, sorted (discovery's grant_types_supported).
  std::vector<std::string> GrantTypes() const;

 private:
  absl::StatusOr<IssuedToken> Dispatch(const TokenRequestFields& request) const;
  // The grant, with the request bound to its verified DPoP proof.
  absl::StatusOr<IssuedToken> ExchangeWithProof(
      const TokenGrant& grant, const TokenRequestFields& request) const;

  const std::map<std::string, const TokenGrant*> grants_;
  OAuthEvents* const events_;
  const DpopProofCheck* const dpop_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_ENDPOINT_H_
