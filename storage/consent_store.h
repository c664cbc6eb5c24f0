// Persistence of users' consent to third-party clients (OIDC Core §3.1.2.4):
// per user and client, the scopes the user allowed and when they last did.
// No OAuth rules here (the core decides when consent is needed).
#ifndef IDENTITY_STORAGE_CONSENT_STORE_H_
#define IDENTITY_STORAGE_CONSENT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

struct ConsentRecord {
  std::string user_id;  // With client_id, the key.
  std::string client_id;
  std::vector<std::string> scopes;  // Sorted, no duplicates.
  absl::Time granted_at;            // The last grant.

  bool operator==(const ConsentRecord& other) const;
};

// Thread-safe. Errors: NotFound, Unavailable, Internal.
class ConsentStore {
 public:
  virtual ~ConsentStore() = default;

  // The consent of `user_id` to `client_id`. NotFound if none.
  virtual absl::StatusOr<ConsentRecord> GetConsent(
      absl::string_view user_id, absl::string_view client_id) = 0;
  // Atomically adds `scopes` to the consent of `user_id` to `client_id`
  // (creating it) and sets granted_at to `now`; returns the consent as
  // stored (the union, sorted). NotFound if the user or the client is
  // unknown.
  virtual absl::StatusOr<ConsentRecord> GrantConsent(
      absl::string_view user_id, absl::string_view client_id,
      const std::vector<std::string>& scopes, absl::Time now) = 0;
  // The consents of `user_id`, ordered by client_id.
  virtual absl::StatusOr<std::vector<ConsentRecord>> ListUserConsents(
      absl::string_view user_id) = 0;
  // Forgets the consent of `user_id` to `client_id`. NotFound if none.
  virtual absl::Status RevokeConsent(absl::string_view user_id,
                                     absl::string_view client_id) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_CONSENT_STORE_H_
