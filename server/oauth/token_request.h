// What a token endpoint request carries (RFC 6749 §4.1.3, §4.4.2, §6) and
// what a successful one returns (§5.1), whichever face received it.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_REQUEST_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/client_store.h"

namespace identity::server {

// RFC 9449 §5: the token_type of an access token bound to a DPoP key.
inline constexpr char kDpopTokenType[] = "DPoP";

// What the token endpoint checks once a grant has authenticated the client
// (token_binding.h: the proof's single use). Implementations are the
// endpoint's, one per request.
class ClientConfirmation {
 public:
  virtual ~ClientConfirmation() = default;
  virtual absl::Status Authenticated(
      const storage::ClientRecord& client) const = 0;
};

// RFC 8693 §2.1: the grant type of token exchange, and §3 the one token type
// it takes and issues here (an access token of this server).
inline constexpr char kTokenExchangeGrantType[] =
    "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr char kAccessTokenType[] =
    "urn:ietf:params:oauth:token-type:access_token";

struct TokenRequestFields {
  std::string grant_type;
  // Resolved by the face (client_credentials.h).
  std::string client_id;
  std::string client_secret;
  std::string scope;
  // authorization_code.
  std::string code = {};
  std::string redirect_uri = {};
  std::string code_verifier = {};
  // refresh_token.
  std::string refresh_token = {};
  // RFC 8707 §2: the resource indicators named (repeatable), as sent.
  std::vector<std::string> resource = {};
  // urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4).
  std::string device_code = {};
  // token exchange (RFC 8693 §2.1).
  std::string subject_token = {};
  std::string subject_token_type = {};
  std::string actor_token = {};
  std::string actor_token_type = {};
  std::string requested_token_type = {};
  std::vector<std::string> audience = {};
  // The address the request came from (the gRPC peer, the HTTP remote
  // address): keys the client authentication throttle (client_auth_throttle.h).
  std::string source = {};
  // A private_key_jwt client assertion instead of the secret (RFC 7523
  // §2.2); empty for none.
  std::string client_assertion = {};
  // RFC 9449 §4.1: the DPoP proofs sent (HTTP "DPoP" headers, gRPC "dpop"
  // metadata), one per value as received; and the "htu" they must name,
  // the URI of the request (the face knows it). TokenEndpoint checks them.
  std::vector<std::string> dpop_proofs = {};
  std::string dpop_uri = {};
  // Set by TokenEndpoint from a verified proof, never by a face: the
  // thumbprint the access token is bound to ("cnf": {"jkt": ...}, RFC 9449
  // §6.1); empty for a Bearer token. And what the grant calls once the
  // client is authenticated (ConfirmClient in token_binding.h).
  std::string dpop_jkt = {};
  const ClientConfirmation* confirmation = nullptr;
};

struct IssuedToken {
  std::string access_token;
  std::string token_type = "Bearer";  // kDpopTokenType when bound.
  int64_t expires_in = 0;
  std::string scope;          // Granted scopes, space-delimited.
  std::string id_token;       // When openid was granted to a user.
  std::string refresh_token;  // When the client may refresh.
  // RFC 8693 §2.2.1: the type of access_token; token exchange only.
  std::string issued_token_type = {};
};

// One grant type of the token endpoint. Implementations are thread-safe.
class TokenGrant {
 public:
  virtual ~TokenGrant() = default;
  // Errors: OAuth errors (oauth_error.h) and the store's.
  virtual absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const = 0;
  // Whether Exchange(request) may wait on I/O (the database) or a slow hash,
  // so must not run on a thread that may not wait (TokenEndpoint::MayBlock).
  // A grant that cannot tell says true.
  virtual bool MayBlock(const TokenRequestFields& request) const {
    (void)request;
    return true;
  }
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_REQUEST_H_
