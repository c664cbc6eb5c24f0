// What the OAuth core reports as it works, for metrics
// (server/metrics/server_metrics.h) without the core knowing about them.
// Labels stay bounded: grant types are normalized, errors are RFC 6749
// codes, reasons are jwt::Reason names, and client ids are those of
// authenticated clients only. Never given secrets, codes or tokens.
#ifndef IDENTITY_SERVER_OAUTH_EVENTS_H_
#define IDENTITY_SERVER_OAUTH_EVENTS_H_

#include "absl/strings/string_view.h"

namespace identity::server {

// Implementations are thread-safe and quick (they run on the request path).
// Every method does nothing by default.
class OAuthEvents {
 public:
  virtual ~OAuthEvents() = default;

  // A token endpoint request succeeded. `grant_type` is a GrantTypeLabel.
  virtual void TokenIssued(absl::string_view /*grant_type*/,
                           absl::string_view /*client_id*/) {}
  // A token endpoint request failed with the OAuth error `error`
  // ("invalid_client", ...; "server_error" for a storage outage).
  virtual void TokenRefused(absl::string_view /*grant_type*/,
                            absl::string_view /*error*/) {}
  // An introspected token was active ("ok") or not, and why ("expired",
  // "revoked", ...).
  virtual void TokenValidated(bool /*active*/, absl::string_view /*reason*/) {}
  // A user login failed: "bad_credentials" (unknown user or wrong password:
  // not told apart), "disabled", "throttled", "corrupt_hash".
  virtual void LoginFailed(absl::string_view /*reason*/) {}
  // An already-rotated refresh token of `client_id` was presented: its whole
  // family was revoked.
  virtual void RefreshReuseDetected(absl::string_view /*client_id*/) {}
  // A back-channel logout notice to `client_id` (backchannel_logout.h):
  // "delivered", "retried" (an attempt failed, another is scheduled),
  // "failed" (no more attempts), "dropped" (the queue was full).
  virtual void BackchannelLogout(absl::string_view /*outcome*/,
                                 absl::string_view /*client_id*/) {}

  // The shared instance that does nothing.
  static OAuthEvents* None();
};

// `grant_type` as a metric label: the grant types this server knows, "none"
// for an empty one and "other" for anything else (the request chooses it).
absl::string_view GrantTypeLabel(absl::string_view grant_type);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_EVENTS_H_
