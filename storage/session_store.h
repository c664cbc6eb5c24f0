// Persistence of browser login sessions (OIDC Front-/Back-Channel Logout
// §2 "sid"): one record per login at the HTTP front door. A session has two
// identifiers: `sid`, public (the ID tokens' sid claim, the admin API), and
// a secret that only the browser's cookie holds, stored here as its hash
// (SHA-256 of 256 random bits, like codes: the store never sees the secret).
// An ended or expired session is refused by every replica reading the store.
#ifndef IDENTITY_STORAGE_SESSION_STORE_H_
#define IDENTITY_STORAGE_SESSION_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

struct SessionRecord {
  std::string sid;          // Primary key; public.
  std::string secret_hash;  // Unique; the hash of the cookie's secret.
  std::string user_id;
  absl::Time auth_time;  // When the user authenticated (OIDC auth_time).
  absl::Time created_at;
  absl::Time expires_at;
  std::optional<absl::Time> ended_at;  // Set when the session was ended.

  // Not ended, and not expired at `now`.
  bool LiveAt(absl::Time now) const {
    return !ended_at.has_value() && expires_at > now;
  }
  bool operator==(const SessionRecord& other) const;
};

// Thread-safe. Errors: NotFound, AlreadyExists, FailedPrecondition (below),
// Unavailable, Internal.
class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // AlreadyExists if the sid or the secret hash is taken.
  virtual absl::Status CreateSession(const SessionRecord& session) = 0;
  // The session as stored (ended or not). NotFound if absent.
  virtual absl::StatusOr<SessionRecord> GetSession(absl::string_view sid) = 0;
  virtual absl::StatusOr<SessionRecord> GetSessionBySecret(
      absl::string_view secret_hash) = 0;
  // The sessions of `user_id` live at `now`, oldest first.
  virtual absl::StatusOr<std::vector<SessionRecord>> ListUserSessions(
      absl::string_view user_id, absl::Time now) = 0;
  // Atomically ends the session if it is live at `now`, and returns it as
  // ended. Of concurrent calls exactly one succeeds. Errors: NotFound;
  // FailedPrecondition when it was already ended or has expired.
  virtual absl::StatusOr<SessionRecord> EndSession(absl::string_view sid,
                                                   absl::Time now) = 0;
  // Ends every session of `user_id` live at `now`; returns those it ended.
  virtual absl::StatusOr<std::vector<SessionRecord>> EndUserSessions(
      absl::string_view user_id, absl::Time now) = 0;
  // Records that `client_id` was issued a code in the session `sid`, live
  // at `now` (idempotent): the clients a back-channel logout notifies when
  // the session ends (OIDC Back-Channel Logout 1.0). Atomic with ending the
  // session: a client recorded is listed to the end's listeners, one not
  // recorded gets FailedPrecondition. NotFound if the session is unknown.
  virtual absl::Status AddSessionClient(absl::string_view sid,
                                        absl::string_view client_id,
                                        absl::Time now) = 0;
  // The clients recorded for `sid`, sorted; empty for an unknown session.
  virtual absl::StatusOr<std::vector<std::string>> ListSessionClients(
      absl::string_view sid) = 0;
  // Forgets sessions whose expiry is before `now` (and their clients);
  // returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredSessions(absl::Time now) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_SESSION_STORE_H_
