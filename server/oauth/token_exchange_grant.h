// The token exchange grant (RFC 8693): a service holding a user's (or
// another client's) access token from this server gets a new access token
// for the same subject, narrowed in scope, audience and lifetime, naming
// itself as the actor (delegation) or, where its policy allows, standing in
// for the subject (impersonation). Transport-free: the gRPC and HTTP faces
// translate to and from it.
//
// How the caller chooses (RFC 8693 §1.1 leaves it to the server):
//   - actor_token present: delegation; the actor is the actor token's "sub".
//     The actor token must be this client's own (its "client_id" the
//     authenticated client), so a client cannot name as actor a party
//     whose token merely passed through it.
//   - actor_token absent: impersonation when the client's policy allows it;
//     else delegation with the authenticated client as the actor (RFC 8693
//     §4.1: "act" identifies the acting party, which is then the client).
// Delegation puts {"sub": actor} in "act", with the subject token's own
// "act" nested inside it (§4.1: a chain, outermost the current actor).
// Impersonation adds no "act" and keeps the subject token's (a chain is
// never dropped). A chain is at most kMaxActorChainDepth actors long.
#ifndef IDENTITY_SERVER_OAUTH_TOKEN_EXCHANGE_GRANT_H_
#define IDENTITY_SERVER_OAUTH_TOKEN_EXCHANGE_GRANT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "jwt/claims.h"
#include "server/keys/key_manager.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/token_request.h"
#include "server/random_source.h"
#include "storage/resource_store.h"

namespace identity::server {

// The most actors an exchanged token's "act" chain may name.
inline constexpr int kMaxActorChainDepth = 5;

// How many actors `claims`' "act" chain names (0 without "act"). Errors:
// kInvalidRequest (RFC 8693 §2.2.2) when an "act" level is not an object with a
// string "sub", or the chain is longer than kMaxActorChainDepth.
absl::StatusOr<int> ActorChainDepth(const jwt::Claims& claims);

// Thread-safe. Everything passed in must outlive it.
class TokenExchangeGrant final : public TokenGrant {
 public:
  // `options`: the issuer, the "aud" when the request names no audience,
  // and the longest lifetime of an issued token. `resources`: the
  // registered resources (RFC 8707), whose scopes narrow a token for one
  // (null: no audience is a resource).
  TokenExchangeGrant(const ClientAuthenticator* authenticator,
                     const OwnAccessTokens* access_tokens,
                     const KeyManager* keys, RandomSource random,
                     GrantOptions options,
                     storage::ResourceStore* resources = nullptr)
      : authenticator_(authenticator),
        access_tokens_(access_tokens),
        keys_(keys),
        random_(std::move(random)),
        options_(std::move(options)),
        resources_(resources) {}

  // The new token: "sub" the subject token's, "client_id" the client,
  // "scope" the requested scopes (default: all) within the subject token's
  // and the client's, and within the resource's when the audience is a
  // registered resource (RFC 8707 §2.2, as at every grant); "aud" one
  // requested audience within the client's policy (RFC 9700 §2.3: one
  // audience per token), or without one the server's default, which a
  // subject token for another audience (a resource's) never gets (it would
  // be retargeted: refused instead); "exp" never past the subject token's
  // (nor the actor token's), "auth_time" the subject token's; no refresh
  // token; issued_token_type access_token. Errors, in the order checked:
  // kInvalidRequest (missing subject_token; a token type other than
  // access_token, including requested_token_type, RFC 8693 §2.2.2;
  // actor_token without actor_token_type or the reverse; an empty
  // audience); kInvalidTarget (a resource, more than one audience);
  // kInvalidScope (malformed scope); kInvalidClient; kUnauthorizedClient (no
  // token exchange grant); kInvalidRequest (RFC 8693 §2.2.2: a subject or
  // actor token that is invalid or unacceptable: not a live access token of
  // this server: bad signature, another issuer, an ID token, a refresh
  // token, expired, revoked; an actor token of another client; a chain too
  // long); kUnauthorizedClient (the policy allows neither the delegation nor
  // the impersonation asked for); kInvalidTarget (an audience outside the
  // policy; none named for a subject token of another audience than the
  // default); kInvalidScope (beyond the subject token's or the client's
  // scopes; none of a resource's); the store's errors unchanged.
  absl::StatusOr<IssuedToken> Exchange(
      const TokenRequestFields& request) const override;

 private:
  // `scopes` narrowed to the resource's (RFC 8707 §2.2) when `audience` is
  // a registered resource; unchanged otherwise. Errors: kInvalidScope (none
  // of the resource's); the store's.
  absl::Status NarrowToRegisteredResource(
      absl::string_view audience, std::vector<std::string>& scopes) const;

  const ClientAuthenticator* const authenticator_;
  const OwnAccessTokens* const access_tokens_;
  const KeyManager* const keys_;
  const RandomSource random_;
  const GrantOptions options_;
  storage::ResourceStore* const resources_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_TOKEN_EXCHANGE_GRANT_H_
