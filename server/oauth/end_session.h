// RP-Initiated Logout 1.0 (the end_session_endpoint): which relying party
// asks, where the browser goes afterwards, and whether the user must confirm
// before their login session ends. Transport-free; the HTTP face shows the
// confirmation page and clears the cookie.
#ifndef IDENTITY_SERVER_OAUTH_END_SESSION_H_
#define IDENTITY_SERVER_OAUTH_END_SESSION_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "server/keys/key_manager.h"
#include "server/oauth/login_sessions.h"
#include "storage/client_store.h"
#include "storage/session_store.h"

namespace identity::server {

// The parameters of RP-Initiated Logout 1.0 §2 this server uses (logout_hint
// and ui_locales are accepted and ignored).
struct EndSessionRequest {
  std::string id_token_hint;
  std::string client_id;
  std::string post_logout_redirect_uri;
  std::string state;
};

// A request that passed every check.
struct EndSessionPlan {
  std::string client_id;  // The relying party, when known.
  // post_logout_redirect_uri with state (§3); empty: this server's own
  // "signed out" page.
  std::string redirect_url;
  // From an id_token_hint this server issued (empty without one).
  std::string hint_sub;
  std::string hint_sid;
  bool has_hint = false;
};

// Thread-safe. Everything passed in must outlive it.
class EndSessionEndpoint {
 public:
  EndSessionEndpoint(storage::ClientStore* clients, const KeyManager* keys,
                     std::string issuer, const LoginSessions* sessions)
      : clients_(clients),
        keys_(keys),
        issuer_(std::move(issuer)),
        sessions_(sessions) {}

  // Checks, in this order (every failure kInvalidRequest, shown to the user
  // and never redirected, so the endpoint is no open redirector):
  // - id_token_hint, when present (§2): a JWS signed by a key of this
  //   server's JWKS, "iss" this issuer, not an access token ("typ" at+jwt),
  //   with "sub" and "aud"; its expiry may be past (the RP's ID token is
  //   usually old by logout time);
  // - client_id, when present: one of the hint's "aud" when both are sent
  //   (looked up only for a post_logout_redirect_uri);
  // - post_logout_redirect_uri, when present: needs the client (client_id
  //   or the hint's single "aud"/"azp"), and must equal one of its
  //   post_logout_redirect_uris exactly (§3).
  // The store's errors as they are.
  absl::StatusOr<EndSessionPlan> Validate(
      const EndSessionRequest& request) const;

  // §2: whether the user must confirm before `session` (the browser's live
  // session, if any) ends. Not when there is none, nor when the hint names
  // the session's user and, if the hint has a "sid", that session; else yes
  // (a logout request any site could send must not end a session silently).
  bool NeedsConfirmation(
      const EndSessionPlan& plan,
      const std::optional<storage::SessionRecord>& session) const;

  // Ends `session` (LoginSessions::End, which tells the listeners). One
  // that already ended or expired is not an error.
  absl::Status End(const storage::SessionRecord& session) const;

 private:
  absl::Status CheckHint(absl::string_view hint, EndSessionPlan& plan,
                         std::vector<std::string>& audiences) const;

  storage::ClientStore* const clients_;
  const KeyManager* const keys_;
  const std::string issuer_;
  const LoginSessions* const sessions_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_END_SESSION_H_
