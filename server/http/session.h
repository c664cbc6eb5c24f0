// The browser's session cookie at the HTTP front door: the secret of a
// server-side login session (server/oauth/login_sessions.h), its user, when
// they authenticated and when the session ends, with an HMAC-SHA256 over it
// under a random key created once per database and kept sealed under the KEK
// (server/keys/server_secrets.h; a KEK rotation keeps it). The MAC lets a
// replica drop a forged or stretched cookie before asking the store; the
// store decides whether the session is still live (ended sessions are
// refused on every replica).
#ifndef IDENTITY_SERVER_HTTP_SESSION_H_
#define IDENTITY_SERVER_HTTP_SESSION_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::server {

struct Session {
  std::string secret;  // LoginSessions' secret (base64url).
  std::string user_id;
  absl::Time auth_time;
  absl::Time expires_at;
};

// Thread-safe (immutable).
class SessionCodec {
 public:
  // `key`: at least 32 bytes.
  explicit SessionCodec(std::string key) : key_(std::move(key)) {}

  // The cookie value for `session`: base64url(payload) "." base64url(mac).
  std::string Encode(const Session& session) const;
  // The session, when the value is one Encode made and it has not expired
  // at `now`. Errors: Unauthenticated (never says which part was wrong).
  absl::StatusOr<Session> Decode(absl::string_view value, absl::Time now) const;

 private:
  std::string Mac(absl::string_view payload) const;
  const std::string key_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_SESSION_H_
