// The device authorization endpoint and the verification URI's decisions
// (RFC 8628 §3.1-3.3): a device with no browser (a TV, a command-line tool)
// asks for a device_code and a user_code; the user types the user code on
// another device, signs in and approves or denies; the device polls the
// token endpoint with the device_code (device_code_grant.h).
// Transport-free: the HTTP face (POST /device_authorization, the /device
// pages) and the gRPC face (TokenService.DeviceAuthorization; the approval
// is browser-only) share it.
//
// Guessing user codes (RFC 8628 §5.1): a user code has about 34.5 bits
// (user_code.h) and lives `lifetime`. Every entry of a user code (typed on
// the page, or carried by the sign-in and approval forms) counts against a
// throttle of the login throttle's kind (server/users/login_throttle.h),
// per source and for all sources together, with its counters in the shared
// store: an attacker gets at most max_entries_per_source per window from one
// address and max_entries_total per window from everywhere, then waits out
// lock-outs that double up to max_lockout. A correct code counts against
// its source too (a code of the attacker's own would otherwise reset the
// counters between guesses), but gives the all-sources count its attempt
// back: only wrong codes spend everybody's budget, so approvals elsewhere
// do not lock every user out. A client may have at most
// max_live_per_client authorizations waiting, so that anybody naming a
// public client cannot fill the code space or the store; and a public
// client's authorizations are bounded per source (max_public_per_source
// per entry_window, the same kind of throttle, its counters apart), so
// that one caller cannot fill a public client's quota. Both refusals, like
// the entry throttle's, carry "retry_after_seconds".
//
// Consent (consents.h): approving a third-party client records the user's
// consent to the scopes shown, through the one consent rule of /authorize
// (Consents::Needed, Consents::Grant); the device code grant checks it is
// still there when the device redeems (device_code_grant.h). The approval
// page is the question: it is shown even when consent exists (RFC 8628
// §5.4: the user confirms the user code every time). Back-Channel Logout:
// approving records the client in the approving login session, as issuing
// an authorization code does, so the session's end reaches it.
#ifndef IDENTITY_SERVER_OAUTH_DEVICE_AUTHORIZATION_H_
#define IDENTITY_SERVER_OAUTH_DEVICE_AUTHORIZATION_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/oauth/authorization.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/consents.h"
#include "server/oauth/login_sessions.h"
#include "server/random_source.h"
#include "server/users/login_throttle.h"
#include "storage/client_store.h"
#include "storage/device_authorization_store.h"
#include "storage/login_attempt_store.h"

namespace identity::server {

struct DeviceAuthorizationOptions {
  // Where the user goes (RFC 8628 §3.2 verification_uri): the front door's
  // /device.
  std::string verification_uri;
  // How long the codes live (expires_in), and the least time between polls
  // the device starts with (interval).
  absl::Duration lifetime = absl::Minutes(10);
  absl::Duration interval = absl::Seconds(5);
  // The bound on a client's authorizations waiting.
  int64_t max_live_per_client = 1000;
  // A public client's authorizations per source (the caller's address) and
  // entry_window, with the entry throttle's lock-outs.
  int max_public_per_source = 50;
  // The Retry-After of a client at max_live_per_client: a guess at when
  // some of its authorizations will have been redeemed or expired.
  absl::Duration full_retry_after = absl::Seconds(60);
  // The user code entry throttle (above).
  int max_entries_per_source = 20;
  int max_entries_total = 1000;
  absl::Duration entry_window = absl::Minutes(15);
  absl::Duration base_lockout = absl::Minutes(1);
  absl::Duration max_lockout = absl::Minutes(15);
};

// RFC 8628 §3.1: a client's request, with its credentials (a public client
// sends its client_id alone) as client_credentials.h resolved them.
struct DeviceAuthorizationFields {
  std::string client_id;
  std::string client_secret;
  std::string scope;
  std::string source;  // The caller's address (the client throttle's key).
  // A private_key_jwt client's assertion (client_assertion.h), instead of a
  // secret.
  std::string client_assertion = {};
};

// RFC 8628 §3.2: the answer.
struct DeviceAuthorization {
  std::string device_code;
  std::string user_code;  // As shown: "XXXX-XXXX".
  std::string verification_uri;
  std::string verification_uri_complete;  // With ?user_code=.
  absl::Duration expires_in;
  absl::Duration interval;
};

// A device authorization waiting for the user: what the approval page
// shows.
struct PendingDevice {
  storage::ClientRecord client;
  std::vector<std::string> scopes;
  std::string user_code;  // As shown: "XXXX-XXXX".
};

// Thread-safe. Everything passed in must outlive it.
class DeviceAuthorizationEndpoint {
 public:
  // `attempts`: where the throttles keep their counters (the login
  // throttle's store). `sessions`: where approving records the client (null:
  // nowhere). `consents`: where approving a third-party client records
  // consent (null: a third-party client cannot be approved). Errors:
  // InvalidArgument for options out of range.
  static absl::StatusOr<std::unique_ptr<DeviceAuthorizationEndpoint>> Create(
      const ClientAuthenticator* authenticator, storage::ClientStore* clients,
      storage::DeviceAuthorizationStore* devices,
      storage::LoginAttemptStore* attempts, const LoginSessions* sessions,
      const Consents* consents, const jwt::Clock* clock, RandomSource random,
      DeviceAuthorizationOptions options);

  // RFC 8628 §3.1-3.2. Errors: those of ClientAuthenticator::
  // AuthenticateForGrant for the device code grant (kInvalidClient,
  // kUnauthorizedClient, throttling); kInvalidScope (scopes as at the
  // authorization endpoint: the client's and OIDC's); kTemporarilyUnavailable
  // with "retry_after_seconds" when the client has max_live_per_client
  // waiting, or (a public client) the source asked for max_public_per_source
  // in the window; the store's.
  absl::StatusOr<DeviceAuthorization> Authorize(
      const DeviceAuthorizationFields& fields) const;

  // A user code typed at the verification URI from `source`: the pending
  // authorization it names. Counted by the entry throttle before it is
  // looked up. Errors: kTemporarilyUnavailable with "retry_after_seconds"
  // while the source or everybody is locked out; kInvalidRequest for a code
  // that is malformed, unknown, expired or already answered (one message
  // for all); the store's.
  absl::StatusOr<PendingDevice> Find(absl::string_view user_code,
                                     absl::string_view source) const;

  // The user of `login` approves (or denies) the authorization of
  // `user_code`, typed from `source`: counted and refused as Find; the
  // decision is made once (a second answer: kInvalidRequest). Approving
  // records the user's consent to a third-party client (FailedPrecondition
  // with no Consents) and the client in the session `login.sid` when the
  // client has a backchannel_logout_uri, both before the decision is
  // stored.
  absl::StatusOr<PendingDevice> Decide(absl::string_view user_code,
                                       absl::string_view source,
                                       const ExistingLogin& login,
                                       bool approve) const;

  const DeviceAuthorizationOptions& options() const { return options_; }

 private:
  DeviceAuthorizationEndpoint(const ClientAuthenticator* authenticator,
                              storage::ClientStore* clients,
                              storage::DeviceAuthorizationStore* devices,
                              std::unique_ptr<LoginThrottle> throttle,
                              std::unique_ptr<LoginThrottle> public_throttle,
                              const LoginSessions* sessions,
                              const Consents* consents, const jwt::Clock* clock,
                              RandomSource random,
                              DeviceAuthorizationOptions options);

  // The bounds on new authorizations of `client` from `source` (the
  // per-source one for a public client, then the per-client one).
  absl::Status Bounded(const storage::ClientRecord& client,
                       absl::string_view source, absl::Time now) const;
  // What approving `pending` for `login` records before the decision: the
  // consent of a third-party client's user, the client in the session.
  absl::Status RecordApproval(const PendingDevice& pending,
                              const ExistingLogin& login) const;

  // The normalized user code, once the entry throttle counted the attempt.
  absl::StatusOr<std::string> Admit(absl::string_view user_code,
                                    absl::string_view source) const;
  // The page's view of `record`. Errors: the client store's.
  absl::StatusOr<PendingDevice> ViewOf(
      const storage::DeviceAuthorizationRecord& record,
      absl::string_view user_code) const;
  // Stores `record` under a new user code (retried on a collision); returns
  // the code as shown.
  absl::StatusOr<std::string> StoreWithNewUserCode(
      storage::DeviceAuthorizationRecord& record, absl::Time now) const;

  const ClientAuthenticator* const authenticator_;
  storage::ClientStore* const clients_;
  storage::DeviceAuthorizationStore* const devices_;
  const std::unique_ptr<LoginThrottle> throttle_;
  const std::unique_ptr<LoginThrottle> public_throttle_;
  const LoginSessions* const sessions_;
  const Consents* const consents_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const DeviceAuthorizationOptions options_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_DEVICE_AUTHORIZATION_H_
