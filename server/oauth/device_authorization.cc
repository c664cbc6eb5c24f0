#include "server/oauth/device_authorization.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/user_code.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {
namespace {

// The entry throttle's "user" key: one for every source (the global bound).
constexpr char kAllSources[] = "*";
// Its counters, apart from the login throttle's in the same store.
constexpr char kThrottlePrefix[] = "device_user_code:";
// The per-source bound on a public client's new authorizations: its own.
constexpr char kPublicThrottlePrefix[] = "device_public:";
// Collisions of a new user code with a live one: tried again this often.
constexpr int kUserCodeTries = 4;

absl::Status UnknownUserCode() {
  // One answer for every case, so that nothing can be learnt by probing.
  return OAuthFailure(OAuthError::kInvalidRequest,
                      "the code is unknown, expired or already used");
}

absl::Time Micros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

// kTemporarilyUnavailable saying `why`, with when to come back.
absl::Status TryLater(absl::string_view why, absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(1, absl::ToInt64Seconds(wait));
  return WithErrorDetail(
      OAuthFailure(OAuthError::kTemporarilyUnavailable,
                   absl::StrCat(why, "; retry after ", seconds, " seconds")),
      "retry_after_seconds", absl::StrCat(seconds));
}

// A throttle of the login throttle's kind over `attempts`, whose "user" key
// allows `max_user` and source key `max_source` per window.
absl::StatusOr<std::unique_ptr<LoginThrottle>> Throttle(
    const DeviceAuthorizationOptions& options,
    storage::LoginAttemptStore* attempts, const jwt::Clock* clock, int max_user,
    int max_source, absl::string_view prefix) {
  LoginThrottleOptions throttle;
  throttle.max_user_failures = max_user;
  throttle.max_source_failures = max_source;
  throttle.window = options.entry_window;
  throttle.base_lockout = options.base_lockout;
  throttle.max_lockout = options.max_lockout;
  throttle.store = attempts;
  throttle.clock = clock;
  throttle.key_prefix = std::string(prefix);
  return LoginThrottle::Create(std::move(throttle));
}

}  // namespace

absl::StatusOr<std::unique_ptr<DeviceAuthorizationEndpoint>>
DeviceAuthorizationEndpoint::Create(
    const ClientAuthenticator* authenticator, storage::ClientStore* clients,
    storage::DeviceAuthorizationStore* devices,
    storage::LoginAttemptStore* attempts, const LoginSessions* sessions,
    const Consents* consents, const jwt::Clock* clock, RandomSource random,
    DeviceAuthorizationOptions options) {
  if (options.lifetime < absl::Seconds(60) ||
      options.interval < absl::Seconds(1) ||
      options.interval >= options.lifetime || options.max_live_per_client < 1 ||
      options.full_retry_after < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "device authorizations need a lifetime of at least 60 s, an interval "
        "of at least 1 s below it, max_live_per_client >= 1 and "
        "full_retry_after >= 1 s");
  }
  if (options.verification_uri.empty()) {
    return absl::InvalidArgumentError("device authorizations need a URI");
  }
  // RFC 8628 §5.1: the entry throttle's "user" key is every source together.
  auto throttle = Throttle(options, attempts, clock, options.max_entries_total,
                           options.max_entries_per_source, kThrottlePrefix);
  if (!throttle.ok()) return throttle.status();
  // The public clients' bound: its "user" key is the (client, source) pair,
  // with the same allowance as the source's.
  auto public_throttle =
      Throttle(options, attempts, clock, options.max_public_per_source,
               options.max_public_per_source, kPublicThrottlePrefix);
  if (!public_throttle.ok()) return public_throttle.status();
  return std::unique_ptr<DeviceAuthorizationEndpoint>(
      new DeviceAuthorizationEndpoint(
          authenticator, clients, devices, *std::move(throttle),
          *std::move(public_throttle), sessions, consents, clock,
          std::move(random), std::move(options)));
}

DeviceAuthorizationEndpoint::DeviceAuthorizationEndpoint(
    const ClientAuthenticator* authenticator, storage::ClientStore* clients,
    storage::DeviceAuthorizationStore* devices,
    std::unique_ptr<LoginThrottle> throttle,
    std::unique_ptr<LoginThrottle> public_throttle,
    const LoginSessions* sessions, const Consents* consents,
    const jwt::Clock* clock, RandomSource random,
    DeviceAuthorizationOptions options)
    : authenticator_(authenticator),
      clients_(clients),
      devices_(devices),
      throttle_(std::move(throttle)),
      public_throttle_(std::move(public_throttle)),
      sessions_(sessions),
      consents_(consents),
      clock_(clock),
      random_(std::move(random)),
      options_(std::move(options)) {}

absl::StatusOr<std::string> DeviceAuthorizationEndpoint::StoreWithNewUserCode(
    storage::DeviceAuthorizationRecord& record, absl::Time now) const {
  for (int i = 0; i < kUserCodeTries; ++i) {
    const std::string user_code = NewUserCode(random_);
    record.user_code_hash = HashOpaqueToken(*NormalizeUserCode(user_code));
    absl::Status created = devices_->CreateDeviceAuthorization(record, now);
    if (created.ok()) return user_code;
    // A collision with a live user code (or, 2^-256, a device code): again.
    if (created.code() != absl::StatusCode::kAlreadyExists) return created;
  }
  return OAuthFailure(OAuthError::kTemporarilyUnavailable,
                      "no free user code; try again");
}

absl::Status DeviceAuthorizationEndpoint::Bounded(
    const storage::ClientRecord& client, absl::string_view source,
    absl::Time now) const {
  // Anybody can name a public client: each source gets its share, so that
  // no one caller fills the client's quota below.
  if (client.public_client) {
    absl::Status admitted = public_throttle_->Reserve(
        absl::StrCat(client.client_id, " ", source), source);
    if (admitted.code() == absl::StatusCode::kResourceExhausted) {
      return TryLater("too many device authorizations from this address",
                      RetryAfter(admitted));
    }
    if (!admitted.ok()) return admitted;
  }
  auto live = devices_->CountLiveDeviceAuthorizations(client.client_id, now);
  if (!live.ok()) return live.status();
  if (*live >= options_.max_live_per_client) {
    return TryLater(
        "too many device authorizations of this client wait; let some "
        "expire first",
        options_.full_retry_after);
  }
  return absl::OkStatus();
}

absl::StatusOr<DeviceAuthorization> DeviceAuthorizationEndpoint::Authorize(
    const DeviceAuthorizationFields& fields) const {
  // RFC 8628 §3.1: the client authenticates as at the token endpoint (a
  // public client by its client_id) and must be registered for the grant.
  auto client = authenticator_->AuthenticateForGrant(
      fields.client_id, fields.client_secret, kDeviceCodeGrantType,
      fields.source, fields.client_assertion);
  if (!client.ok()) return client.status();
  auto scopes = AuthorizableScopes(fields.scope, *client);
  if (!scopes.ok()) return scopes.status();
  const absl::Time now = Micros(clock_->Now());
  if (absl::Status s = Bounded(*client, fields.source, now); !s.ok()) return s;
  DeviceAuthorization answer;
  answer.device_code = NewOpaqueToken(random_);
  storage::DeviceAuthorizationRecord record;
  record.device_code_hash = HashOpaqueToken(answer.device_code);
  record.client_id = client->client_id;
  record.scope = absl::StrJoin(*scopes, " ");
  record.grant_id = NewOpaqueToken(random_);
  record.created_at = now;
  record.expires_at = now + options_.lifetime;
  record.interval_seconds =
      static_cast<int32_t>(absl::ToInt64Seconds(options_.interval));
  auto user_code = StoreWithNewUserCode(record, now);
  if (!user_code.ok()) return user_code.status();
  answer.user_code = *std::move(user_code);
  answer.verification_uri = options_.verification_uri;
  answer.verification_uri_complete =
      AppendQuery(options_.verification_uri, {{"user_code", answer.user_code}});
  answer.expires_in = options_.lifetime;
  answer.interval = options_.interval;
  return answer;
}

absl::StatusOr<std::string> DeviceAuthorizationEndpoint::Admit(
    absl::string_view user_code, absl::string_view source) const {
  // RFC 8628 §5.1: counted before anything is looked up, malformed or not.
  absl::Status admitted = throttle_->Reserve(kAllSources, source);
  if (admitted.code() == absl::StatusCode::kResourceExhausted) {
    return TryLater("too many codes entered", RetryAfter(admitted));
  }
  if (!admitted.ok()) return admitted;
  std::optional<std::string> normalized = NormalizeUserCode(user_code);
  if (!normalized.has_value()) return UnknownUserCode();
  return *std::move(normalized);
}

absl::StatusOr<PendingDevice> DeviceAuthorizationEndpoint::ViewOf(
    const storage::DeviceAuthorizationRecord& record,
    absl::string_view user_code) const {
  auto client = clients_->GetClient(record.client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) {
    return UnknownUserCode();  // Deleted since.
  }
  if (!client.ok()) return client.status();
  PendingDevice pending;
  pending.client = *std::move(client);
  pending.scopes = absl::StrSplit(record.scope, ' ', absl::SkipEmpty());
  pending.user_code = DisplayUserCode(user_code);
  return pending;
}

absl::StatusOr<PendingDevice> DeviceAuthorizationEndpoint::Find(
    absl::string_view user_code, absl::string_view source) const {
  auto normalized = Admit(user_code, source);
  if (!normalized.ok()) return normalized.status();
  auto record = devices_->GetPendingDeviceAuthorization(
      HashOpaqueToken(*normalized), Micros(clock_->Now()));
  if (record.status().code() == absl::StatusCode::kNotFound) {
    return UnknownUserCode();
  }
  if (!record.ok()) return record.status();
  // A right code: everybody's budget gets its attempt back (a failure to
  // give it back leaves the counters stricter, nothing more).
  (void)throttle_->GiveBackUserAttempt(kAllSources, source);
  return ViewOf(*record, *normalized);
}

absl::Status DeviceAuthorizationEndpoint::RecordApproval(
    const PendingDevice& pending, const ExistingLogin& login) const {
  if (pending.client.third_party) {
    // The one consent rule (/authorize's): recorded unless it is there.
    if (consents_ == nullptr) {
      return absl::FailedPreconditionError("no consent store configured");
    }
    auto needed =
        consents_->Needed(pending.client, login.user_id, pending.scopes,
                          /*prompt_consent=*/false);
    if (!needed.ok()) return needed.status();
    if (*needed) {
      if (absl::Status s = consents_->Grant(
              login.user_id, pending.client.client_id, pending.scopes);
          !s.ok()) {
        return s;
      }
    }
  }
  // Back-Channel Logout, as for an authorization code: the client is
  // recorded with the session before it can get tokens.
  if (!login.sid.empty() && sessions_ != nullptr &&
      !pending.client.backchannel_logout_uri.empty()) {
    return sessions_->AddClient(login.sid, pending.client.client_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<PendingDevice> DeviceAuthorizationEndpoint::Decide(
    absl::string_view user_code, absl::string_view source,
    const ExistingLogin& login, bool approve) const {
  auto normalized = Admit(user_code, source);
  if (!normalized.ok()) return normalized.status();
  const std::string user_code_hash = HashOpaqueToken(*normalized);
  if (approve) {
    // What the user saw and approved: recorded before the decision, so a
    // device never redeems an approval the consent or the session lack.
    auto pending = devices_->GetPendingDeviceAuthorization(
        user_code_hash, Micros(clock_->Now()));
    if (pending.status().code() == absl::StatusCode::kNotFound) {
      return UnknownUserCode();
    }
    if (!pending.ok()) return pending.status();
    auto view = ViewOf(*pending, *normalized);
    if (!view.ok()) return view.status();
    if (absl::Status s = RecordApproval(*view, login); !s.ok()) return s;
  }
  auto record = devices_->DecideDeviceAuthorization(
      user_code_hash, Micros(clock_->Now()),
      approve ? storage::DeviceAuthorizationState::kApproved
              : storage::DeviceAuthorizationState::kDenied,
      login.user_id, Micros(login.auth_time), login.sid);
  if (record.status().code() == absl::StatusCode::kNotFound) {
    return UnknownUserCode();
  }
  if (!record.ok()) return record.status();
  (void)throttle_->GiveBackUserAttempt(kAllSources, source);
  return ViewOf(*record, *normalized);
}

}  // namespace identity::server
