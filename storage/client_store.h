// Persistence of OAuth clients. No OAuth rules here (the OAuth core validates
// what it stores); only storage, in PostgreSQL or in memory.
#ifndef IDENTITY_STORAGE_CLIENT_STORE_H_
#define IDENTITY_STORAGE_CLIENT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

// RFC 8693 token exchange: what a client holding the grant type
// urn:ietf:params:oauth:grant-type:token-exchange may ask for
// (server/oauth/token_exchange_grant.h). All off unless registered so.
struct TokenExchangePolicy {
  // §1.1 delegation: the new token names the actor in an "act" claim.
  bool delegation = false;
  // §1.1 impersonation: the new token is the subject's, with no "act".
  bool impersonation = false;
  // The "audience" values (§2.1) the client may request. No spaces inside
  // one.
  std::vector<std::string> audiences = {};

  bool operator==(const TokenExchangePolicy& other) const {
    return delegation == other.delegation &&
           impersonation == other.impersonation && audiences == other.audiences;
  }
  bool operator!=(const TokenExchangePolicy& other) const {
    return !(*this == other);
  }
};

struct ClientRecord {
  std::string client_id;
  std::string name;
  // Scope tokens (RFC 6749 §3.3: no spaces inside a token).
  std::vector<std::string> allowed_scopes;
  // The keyed hash of the secret (server/oauth/client_secret.h), never the
  // secret itself. Empty for a public client.
  std::string secret_hash;
  // Where authorization codes may be sent: absolute URIs, matched exactly
  // (RFC 6749 §3.1.2, RFC 9700 §4.1.3). No spaces inside one.
  std::vector<std::string> redirect_uris;
  // The grant types the client may use ("client_credentials",
  // "authorization_code", "refresh_token"). Clients stored before these
  // existed have {"client_credentials"}.
  std::vector<std::string> grant_types;
  // A public client (RFC 6749 §2.1: a browser or native app) has no secret
  // and must use PKCE.
  bool public_client = false;
  // A confidential client that may leave PKCE out of an OpenID Connect
  // authorization request (RFC 9700 §2.1.1). False (PKCE
  // required) unless registered so.
  bool pkce_optional = false;
  // The JWS algorithm of the client's ID tokens (OIDC Dynamic Client
  // Registration §2 id_token_signed_response_alg), "RS256", ...; empty for
  // the server's default.
  std::string id_token_signed_response_alg;
  // RFC 9126 §6: the client's authorization requests must come by a pushed
  // request's request_uri. False unless registered so.
  bool require_pushed_authorization_requests = false;
  // Where RP-Initiated Logout 1.0 §3 may send the browser after logout
  // (post_logout_redirect_uris): absolute URIs, matched exactly.
  std::vector<std::string> post_logout_redirect_uris = {};
  // OIDC Back-Channel Logout 1.0 §2.2: where logout tokens are POSTed when
  // a login session the client was issued tokens in ends; empty: none.
  std::string backchannel_logout_uri;
  // §2.2 backchannel_logout_session_required: the client needs "sid" in
  // logout tokens (and ID tokens). This server always sends it; kept so the
  // registration reads back as made.
  bool backchannel_logout_session_required = false;
  // A client of another party: the user is asked to consent to the scopes
  // it requests (OIDC Core §3.1.2.4), and may withdraw the consent. False
  // (first-party: the registration stands for consent) unless registered so.
  bool third_party = false;
  // OIDC Dynamic Client Registration §2 token_endpoint_auth_method:
  // "client_secret_basic", "client_secret_post", "private_key_jwt" or
  // "none"; empty for clients stored before it existed (then "none" for a
  // public client, a secret method otherwise). Set at creation only.
  std::string token_endpoint_auth_method;
  // The client's public keys, a JSON Web Key Set (RFC 7517 §5) as
  // registered (OIDC Dynamic Client Registration §2 jwks), which verify its
  // private_key_jwt assertions; empty for none.
  std::string jwks;
  // RFC 8693: the client's token exchange policy.
  TokenExchangePolicy token_exchange = {};
  // RFC 9449 §10.2 dpop_bound_access_tokens: every token request of the
  // client must carry a DPoP proof. False unless registered so.
  bool dpop_bound_access_tokens = false;
  absl::Time created_at;
  absl::Time updated_at;

  bool operator==(const ClientRecord& other) const;
};

// Implementations are thread-safe. Errors: NotFound, AlreadyExists,
// Unavailable (the database cannot be reached; retrying later may work),
// Internal.
class ClientStore {
 public:
  virtual ~ClientStore() = default;

  // AlreadyExists if the client_id is taken.
  virtual absl::Status CreateClient(const ClientRecord& client) = 0;
  virtual absl::StatusOr<ClientRecord> GetClient(
      absl::string_view client_id) = 0;
  // Up to `limit` clients with client_id > `after`, ordered by client_id.
  virtual absl::StatusOr<std::vector<ClientRecord>> ListClients(
      absl::string_view after, int limit) = 0;
  // Replaces name, allowed_scopes, redirect_uris, grant_types, pkce_optional,
  // id_token_signed_response_alg, require_pushed_authorization_requests,
  // post_logout_redirect_uris, the back-channel logout settings, third_party,
  // jwks, token_exchange and updated_at (not the secret, public_client,
  // token_endpoint_auth_method or created_at). NotFound if absent.
  virtual absl::Status UpdateClient(const ClientRecord& client) = 0;
  // NotFound if absent.
  virtual absl::Status DeleteClient(absl::string_view client_id) = 0;

  // Whether GetClient(client_id) would answer now from memory, with no I/O:
  // a hint for callers on threads that must not wait (gRPC's callback
  // threads, server/grpc/call_runner.h). False unless the store knows.
  virtual bool AnswersFromMemory(absl::string_view client_id) {
    (void)client_id;
    return false;
  }
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_CLIENT_STORE_H_
