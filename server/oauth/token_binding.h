// Sender-constrained access tokens at the token endpoint (RFC 9449 §5,
// §6.1): the rules every grant applies through these functions, so each
// lives in one place. TokenEndpoint verifies the proof; a grant calls
// ConfirmClient right after it authenticated the client and binds what it
// mints with AddConfirmation.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_BINDING_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_BINDING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "jwt/claims.h"
#include "server/oauth/token_request.h"
#include "storage/client_store.h"

namespace identity::server {

// The checks that need the authenticated client, in order:
//   RFC 9449 §10.2: a client registered with dpop_bound_access_tokens sends
//     a proof (kInvalidDpopProof "the client must send a DPoP proof");
//   RFC 9449 §11.1: the proof is used once, across replicas (the
//     request's ClientConfirmation: kInvalidDpopProof "replayed", store
//     errors unchanged).
// Claimed after authentication, so an unauthenticated caller never writes
// to the replay store.
absl::Status ConfirmClient(const TokenRequestFields& request,
                           const storage::ClientRecord& client);

// RFC 9449 §6.1: "cnf": {"jkt": `jkt`} in an access token's claims; nothing
// for an empty `jkt` (a Bearer token).
void AddConfirmation(jwt::Claims& claims, absl::string_view jkt);

// The "cnf"."jkt" of an access token's claims: the thumbprint of the DPoP
// key it is bound to; "" for a Bearer token (or a "cnf" of another form).
std::string ConfirmedJkt(const jwt::Claims& claims);

// RFC 9449 §5: the key a new refresh token family is bound to: `jkt` (the
// proof's, if any) for a public client; none (empty) for a confidential one,
// whose refresh tokens its own authentication already binds.
std::string RefreshTokenBinding(const storage::ClientRecord& client,
                                absl::string_view jkt);

// RFC 9449 §5: a refresh token bound to `bound_jkt` (not empty) is refused
// (kInvalidGrant) unless the request's proof was made with that key.
absl::Status CheckRefreshTokenBinding(const TokenRequestFields& request,
                                      absl::string_view bound_jkt);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_BINDING_H_
