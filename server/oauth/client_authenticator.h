// Client authentication (RFC 6749 §2.3.1) against the client store, with
// failures throttled per (client_id, source) and per source
// (client_auth_throttle.h).
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/oauth/client_assertion.h"
#include "server/oauth/client_auth_throttle.h"
#include "server/oauth/client_secret.h"
#include "storage/client_store.h"

namespace identity::server {

// Thread-safe. `store`, `hasher` and `throttle` must outlive it. Without a
// throttle (null), failures are not throttled: the server always passes one
// (server/app.cc); tests of other rules may not.
//
// `source` is the address the request came from (the gRPC peer, the HTTP
// remote address), which keys the throttle; empty when unknown (then all
// unknown sources count as one).
//
// `client_assertion` (every method's last argument; empty for none) is a
// private_key_jwt assertion (client_assertion.h), which replaces the
// secret: a client registered for private_key_jwt authenticates only so,
// and a client with a secret (or a public one) never so. Without an
// `assertions` verifier (null) every assertion is refused.
class ClientAuthenticator {
 public:
  ClientAuthenticator(storage::ClientStore* store,
                      const ClientSecretHasher* hasher,
                      ClientAuthThrottle* throttle = nullptr,
                      const ClientAssertionVerifier* assertions = nullptr)
      : store_(store),
        hasher_(hasher),
        throttle_(throttle),
        assertions_(assertions) {}

  // The client, when `client_secret` is its secret (or `client_assertion`
  // its valid assertion). Errors: kInvalidClient (oauth_error.h) for an
  // empty id or secret, an unknown client, a wrong secret, a secret from a
  // private_key_jwt client or an assertion from another, all with the same
  // message so callers cannot probe which client ids exist, and for an
  // assertion that ClientAssertionVerifier::Verify refuses, with its reason;
  // kTemporarilyUnavailable with "retry_after_seconds" while (client_id,
  // source) or the source is in back-off after failures (the credentials
  // are then not checked); storage errors (Unavailable) unchanged.
  absl::StatusOr<storage::ClientRecord> Authenticate(
      absl::string_view client_id, absl::string_view client_secret,
      absl::string_view source = {},
      absl::string_view client_assertion = {}) const;

  // For the authorization_code and refresh_token grants and revocation,
  // which public clients use too (RFC 6749 §2.1): a public client is
  // identified by its client_id alone and must send no secret (PKCE and
  // token binding protect it instead); a confidential one as Authenticate.
  // Errors as Authenticate.
  absl::StatusOr<storage::ClientRecord> AuthenticatePublicOrConfidential(
      absl::string_view client_id, absl::string_view client_secret,
      absl::string_view source = {},
      absl::string_view client_assertion = {}) const;

  // AuthenticatePublicOrConfidential, then the client must be registered
  // for `grant_type`. Errors: as Authenticate; kUnauthorizedClient.
  absl::StatusOr<storage::ClientRecord> AuthenticateForGrant(
      absl::string_view client_id, absl::string_view client_secret,
      absl::string_view grant_type, absl::string_view source = {},
      absl::string_view client_assertion = {}) const;

  // Whether Authenticate(client_id, <secret>, ..., client_assertion) may wait
  // on I/O: false only for a client secret (no assertion, whose jti is
  // claimed in the store) of a client whose record the store holds in
  // memory (storage::ClientStore::AnswersFromMemory). The throttle and the
  // secret's keyed hash never wait.
  bool MayBlock(absl::string_view client_id,
                absl::string_view client_assertion) const;

 private:
  using Check = absl::FunctionRef<absl::StatusOr<storage::ClientRecord>()>;
  // `check` if the throttle admits the attempt; its outcome recorded.
  absl::StatusOr<storage::ClientRecord> Throttled(absl::string_view client_id,
                                                  absl::string_view source,
                                                  Check check) const;
  absl::StatusOr<storage::ClientRecord> CheckSecret(
      absl::string_view client_id, absl::string_view client_secret) const;
  absl::StatusOr<storage::ClientRecord> CheckPublic(
      absl::string_view client_id) const;
  absl::StatusOr<storage::ClientRecord> CheckAssertion(
      absl::string_view client_id, absl::string_view assertion) const;

  storage::ClientStore* const store_;
  const ClientSecretHasher* const hasher_;
  ClientAuthThrottle* const throttle_;
  const ClientAssertionVerifier* const assertions_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_AUTHENTICATOR_H_
