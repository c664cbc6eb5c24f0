// Consent to third-party clients (OIDC Core §3.1.2.4, §11): whether a user
// must be asked before a client gets scopes, remembering what they allowed,
// and withdrawing it. A first-party client (ClientRecord::third_party false)
// never needs consent: its registration by the operator stands for it
// (Keycloak's "consent required" off), even with prompt=consent.
#ifndef IDENTITY_SERVER_OAUTH_CONSENTS_H_
#define IDENTITY_SERVER_OAUTH_CONSENTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "server/oauth/grant_revoker.h"
#include "storage/client_store.h"
#include "storage/consent_store.h"

namespace identity::server {

// Thread-safe. Everything passed in must outlive it.
class Consents {
 public:
  Consents(storage::ConsentStore* store, const GrantRevoker* revoker,
           const jwt::Clock* clock)
      : store_(store), revoker_(revoker), clock_(clock) {}

  // Whether `user_id` must be asked before `client` gets `scopes`: never
  // for a first-party client; for a third-party one when `prompt_consent`
  // (OIDC Core §3.1.2.1 prompt=consent) or when a scope is not among those
  // the user allowed it before (offline_access included, §11). Errors: the
  // store's.
  absl::StatusOr<bool> Needed(const storage::ClientRecord& client,
                              absl::string_view user_id,
                              const std::vector<std::string>& scopes,
                              bool prompt_consent) const;

  // Whether the consent of `user_id` to `client_id` (still) covers every
  // one of `scopes`. Errors: the store's.
  absl::StatusOr<bool> Covers(absl::string_view user_id,
                              absl::string_view client_id,
                              const std::vector<std::string>& scopes) const;

  // Remembers that `user_id` allowed `client_id` `scopes` (added to those
  // allowed before). Errors: NotFound (unknown user or client), the store's.
  absl::Status Grant(absl::string_view user_id, absl::string_view client_id,
                     const std::vector<std::string>& scopes) const;

  // The consents of `user_id`, by client_id. Errors: kInvalidRequest for an
  // empty user_id; the store's.
  absl::StatusOr<std::vector<storage::ConsentRecord>> List(
      absl::string_view user_id) const;

  // Withdraws the consent of `user_id` to `client_id`: forgotten first (no
  // new code without asking again), then every grant the client holds for
  // the user is revoked (refresh tokens and their access tokens). The
  // grants are revoked even when no consent is left (so a failed call can
  // be retried), but the answer is then NotFound. Errors: kInvalidRequest
  // for an empty id; NotFound; the stores'.
  absl::Status Revoke(absl::string_view user_id,
                      absl::string_view client_id) const;

 private:
  storage::ConsentStore* const store_;
  const GrantRevoker* const revoker_;
  const jwt::Clock* const clock_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CONSENTS_H_
