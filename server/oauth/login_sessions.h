// Server-side login sessions of the browser front door (OIDC Front-Channel
// and Back-Channel Logout 1.0 §2: "sid"). A login at the HTTP face starts a
// session; the browser's cookie carries its secret, the store only the
// secret's hash; the codes and refresh tokens issued from it record its sid,
// and ID tokens carry it as "sid". Every replica resolves the cookie through
// the store, so a session that is ended (logout, AdminService) or expired is
// refused everywhere at once.
//
// Ending a session happens in one place, End/EndUserSessions here, which
// tells every SessionEndListener (the hook for back-channel logout).
#ifndef IDENTITY_SERVER_OAUTH_LOGIN_SESSIONS_H_
#define IDENTITY_SERVER_OAUTH_LOGIN_SESSIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/random_source.h"
#include "storage/session_store.h"

namespace identity::server {

inline constexpr absl::Duration kDefaultSessionLifetime = absl::Hours(12);

// Told once about each session that ends (not about one that expires).
// Called on the thread that ended it, after the store recorded the end,
// outside any lock of LoginSessions; may read the store, must not touch the
// network (a back-channel sender queues its work).
class SessionEndListener {
 public:
  virtual ~SessionEndListener() = default;
  virtual void SessionEnded(const storage::SessionRecord& session) = 0;
};

// A session just started: the secret for the cookie (never stored) and the
// record as stored.
struct StartedSession {
  std::string secret;
  storage::SessionRecord record;
};

// Thread-safe. `store` and `clock` must outlive it.
class LoginSessions {
 public:
  LoginSessions(storage::SessionStore* store, const jwt::Clock* clock,
                RandomSource random,
                absl::Duration lifetime = kDefaultSessionLifetime)
      : store_(store),
        clock_(clock),
        random_(std::move(random)),
        lifetime_(lifetime) {}

  absl::Duration lifetime() const { return lifetime_; }

  // Adds a listener (not owned; must outlive this object).
  void Subscribe(SessionEndListener* listener);

  // A new session of `user_id`, who authenticated at `auth_time`: a random
  // 128-bit sid and 256-bit secret. Errors: the store's.
  absl::StatusOr<StartedSession> Start(absl::string_view user_id,
                                       absl::Time auth_time) const;

  // The live session whose cookie holds `secret` for `user_id`.
  // Unauthenticated when unknown, ended, expired or another user's (never
  // says which); the store's errors (Unavailable) as they are.
  absl::StatusOr<storage::SessionRecord> Resolve(
      absl::string_view secret, absl::string_view user_id) const;

  // Whether the session `sid` is live now (false when unknown). Errors: the
  // store's.
  absl::StatusOr<bool> IsLive(absl::string_view sid) const;

  // OIDC Core §11: whether a grant (code, refresh token) made in session
  // `sid` (empty: none) with `scopes` may still be used: always without a
  // session or with offline_access, else while the session is live.
  // Errors: the store's.
  absl::StatusOr<bool> GrantUsable(
      absl::string_view sid, const std::vector<std::string>& scopes) const;

  // The live sessions of `user_id`, oldest first.
  absl::StatusOr<std::vector<storage::SessionRecord>> List(
      absl::string_view user_id) const;

  // Ends the session `sid` and tells the listeners. NotFound when unknown;
  // FailedPrecondition when it already ended or expired.
  absl::StatusOr<storage::SessionRecord> End(absl::string_view sid) const;

  // Records that `client_id` was issued a code in the session `sid`, for
  // back-channel logout (idempotent). Errors: the store's.
  absl::Status AddClient(absl::string_view sid,
                         absl::string_view client_id) const;
  // The clients recorded for `sid`, sorted. Errors: the store's.
  absl::StatusOr<std::vector<std::string>> Clients(absl::string_view sid) const;

  // Ends every live session of `user_id`, tells the listeners of each, and
  // returns how many ended.
  absl::StatusOr<int64_t> EndUserSessions(absl::string_view user_id) const;

 private:
  void Ended(const storage::SessionRecord& session) const;

  storage::SessionStore* const store_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const absl::Duration lifetime_;
  mutable absl::Mutex mu_;
  std::vector<SessionEndListener*> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_LOGIN_SESSIONS_H_
