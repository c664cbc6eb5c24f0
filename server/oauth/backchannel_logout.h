// OpenID Connect Back-Channel Logout 1.0: when a login session ends, every
// client that registered a backchannel_logout_uri and was issued tokens in
// that session is told so, server to server: a logout token (§2.4, a JWT of
// "typ" logout+jwt signed like the client's ID tokens) POSTed to the URI as
// the form parameter logout_token (§2.5).
//
// Off the user's path: ending a session only queues the notices (Enqueue
// never touches the network). A worker thread (BackchannelLogoutWorker)
// delivers them. A client that answers 200 or 204 (§2.8) has it; one that
// cannot be reached, times out, or answers 5xx or 429 is tried again with
// exponential back-off, up to max_attempts; any other answer (4xx: the RP
// refused the token; 3xx: never followed) ends the attempts. Each attempt
// carries a new token (new iat, exp and jti), so a late retry is never
// refused for an expired token. The queue is bounded (max_pending): past it
// new notices are dropped and counted, never blocking the logout.
//
// Not durable: notices still queued when the process stops are lost (the
// count is logged at shutdown). Outcomes are counted through OAuthEvents
// (identity_backchannel_logout_total) and each final failure is logged,
// without the token.
#ifndef IDENTITY_SERVER_OAUTH_BACKCHANNEL_LOGOUT_H_
#define IDENTITY_SERVER_OAUTH_BACKCHANNEL_LOGOUT_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/logging/log.h"
#include "server/oauth/events.h"
#include "server/oauth/login_sessions.h"
#include "server/random_source.h"
#include "storage/client_store.h"

namespace identity::server {

// §2.4: the event a logout token carries.
inline constexpr char kBackchannelLogoutEvent[] =
    "http://schemas.openid.net/event/backchannel-logout";

// One client to tell that one session of one user ended.
struct LogoutNotice {
  std::string client_id;
  // The client's registered backchannel_logout_uri.
  std::string uri;
  // The user (the token's sub).
  std::string user_id;
  // The session's id as ID tokens carry it (sid); empty: no sid claim.
  std::string sid;
  // The client's id_token_signed_response_alg; empty: the server's default.
  std::string id_token_alg;
};

struct BackchannelLogoutOptions {
  std::string issuer;
  // exp - iat of each logout token (§2.4 suggests at most two minutes).
  absl::Duration token_lifetime = absl::Minutes(2);
  // Attempts per notice, the first included.
  int max_attempts = 8;
  // The wait after the first failed attempt; it doubles after each failure
  // up to max_retry_interval (2 s, 4 s, ... 5 min: eight attempts span
  // about four minutes).
  absl::Duration first_retry = absl::Seconds(2);
  absl::Duration max_retry_interval = absl::Minutes(5);
  // Notices waiting at once, across clients.
  size_t max_pending = 10000;
};

// Delivers one notice: the HTTP status of POSTing `form_body`
// (application/x-www-form-urlencoded) to `uri`, or why no answer came.
using LogoutPoster = std::function<absl::StatusOr<int>(
    const std::string& uri, const std::string& form_body)>;

// (The poster of production is HttpLogoutPoster, server/http/
// logout_poster.h: the core has no transport of its own.)

// Thread-safe. `keys`, `clock`, `events` and `log` (may be null) must
// outlive it.
class BackchannelLogout {
 public:
  BackchannelLogout(const KeyManager* keys, const jwt::Clock* clock,
                    RandomSource random, LogoutPoster poster,
                    OAuthEvents* events, const logging::Logger* log,
                    BackchannelLogoutOptions options);

  // Queues `notices`, due now, and wakes the worker. Returns at once.
  void Enqueue(std::vector<LogoutNotice> notices);

  // Attempts every notice due at the clock's now, one after the other,
  // outside the lock; reschedules those to retry. Returns how many were
  // attempted. One caller at a time (the worker; tests).
  int RunDue();

  // When the next notice is due; nullopt when none waits.
  std::optional<absl::Time> NextDue() const;
  size_t pending() const;

  // Blocks until a notice is due (by the clock, read as real time), one is
  // enqueued, Stop() is called, or `max_wait` passes. True unless stopped.
  bool AwaitWork(absl::Duration max_wait);
  // Stops AwaitWork and the RunDue in progress (the notice being sent is
  // finished; the others stay queued).
  void Stop();
  // Logs how many notices are left undelivered (at shutdown).
  void LogLost() const;

  // The logout token for `notice`, issued at `now`: iss, aud (the client),
  // iat, exp, jti, sub, sid (when known), events; never a nonce (§2.4).
  absl::StatusOr<std::string> LogoutToken(const LogoutNotice& notice,
                                          absl::Time now) const;

  // The wait before the next attempt after `failures` failed ones (>= 1).
  absl::Duration RetryDelay(int failures) const;

 private:
  struct Pending {
    LogoutNotice notice;
    int failures = 0;
    absl::Time due;
  };
  enum class Outcome { kDelivered, kRetry, kFailed };

  Outcome Attempt(const Pending& pending, std::string* why) const;
  void Settle(Pending pending, Outcome outcome, const std::string& why);
  bool WokenOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return woken_ || stopped_;
  }

  const KeyManager* const keys_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const LogoutPoster poster_;
  OAuthEvents* const events_;
  const logging::Logger* const log_;
  const BackchannelLogoutOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Pending> pending_ ABSL_GUARDED_BY(mu_);
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Tells every client recorded with a session (LoginSessions::AddClient)
// that registered a backchannel_logout_uri, when the session ends: a
// SessionEndListener queuing one notice per such client. Reads the session's
// clients and their records (the store, not the network) on the thread that
// ended the session. `sessions`, `clients` and `logout` must outlive it.
class BackchannelSessionListener : public SessionEndListener {
 public:
  BackchannelSessionListener(const LoginSessions* sessions,
                             storage::ClientStore* clients,
                             BackchannelLogout* logout,
                             const logging::Logger* log)
      : sessions_(sessions), clients_(clients), logout_(logout), log_(log) {}

  void SessionEnded(const storage::SessionRecord& session) override;

 private:
  const LoginSessions* const sessions_;
  storage::ClientStore* const clients_;
  BackchannelLogout* const logout_;
  const logging::Logger* const log_;
};

// A thread that runs `logout`'s RunDue whenever notices are due, until
// destroyed (or Stop()). `logout` must outlive it.
class BackchannelLogoutWorker {
 public:
  explicit BackchannelLogoutWorker(BackchannelLogout* logout);
  ~BackchannelLogoutWorker();
  BackchannelLogoutWorker(const BackchannelLogoutWorker&) = delete;
  BackchannelLogoutWorker& operator=(const BackchannelLogoutWorker&) = delete;

  void Stop();

 private:
  BackchannelLogout* const logout_;
  std::thread thread_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_BACKCHANNEL_LOGOUT_H_
