#include "server/oauth/backchannel_logout.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "jwt/algorithm.h"
#include "jwt/claims.h"
#include "jwt/json.h"
#include "jwt/jwt_signer.h"

namespace identity::server {

BackchannelLogout::BackchannelLogout(const KeyManager* keys,
                                     const jwt::Clock* clock,
                                     RandomSource random, LogoutPoster poster,
                                     OAuthEvents* events,
                                     const logging::Logger* log,
                                     BackchannelLogoutOptions options)
    : keys_(keys),
      clock_(clock),
      random_(std::move(random)),
      poster_(std::move(poster)),
      events_(events != nullptr ? events : OAuthEvents::None()),
      log_(log),
      options_(std::move(options)) {}

void BackchannelLogout::Enqueue(std::vector<LogoutNotice> notices) {
  const absl::Time now = clock_->Now();
  int dropped = 0;
  {
    absl::MutexLock lock(&mu_);
    for (LogoutNotice& notice : notices) {
      if (pending_.size() >= options_.max_pending) {
        ++dropped;
        events_->BackchannelLogout("dropped", notice.client_id);
        continue;
      }
      pending_.push_back(Pending{std::move(notice), 0, now});
    }
    woken_ = true;
  }
  if (dropped > 0 && log_ != nullptr) {
    log_->Warn("back-channel logout queue full: notices dropped",
               {{"dropped", dropped},
                {"max_pending", static_cast<int64_t>(options_.max_pending)}});
  }
}

absl::StatusOr<std::string> BackchannelLogout::LogoutToken(
    const LogoutNotice& notice, absl::Time now) const {
  const auto snapshot = keys_->snapshot();
  std::shared_ptr<const jwt::JwtSigner> signer = snapshot->id_token_signer;
  if (!notice.id_token_alg.empty()) {
    const std::optional<jwt::Algorithm> alg =
        jwt::AlgorithmFromName(notice.id_token_alg);
    signer = alg.has_value() ? snapshot->IdTokenSigner(*alg) : nullptr;
  }
  if (signer == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("the client's id_token_signed_response_alg ",
                     notice.id_token_alg, " is not a signing algorithm"));
  }
  // §2.4 and RFC 8725 §3.11: explicitly typed, so that a logout token is
  // never taken for an ID token or an access token.
  auto typed = jwt::JwtSigner::Create(signer->key(), {"logout+jwt"});
  if (!typed.ok()) return typed.status();
  jwt::Claims claims;
  claims.iss = options_.issuer;
  claims.sub = notice.user_id;
  claims.aud = {notice.client_id};
  claims.iat = absl::ToUnixSeconds(now);
  claims.exp = absl::ToUnixSeconds(now + options_.token_lifetime);
  claims.jti = absl::WebSafeBase64Escape(RandomBytes(random_, 16));
  if (!notice.sid.empty()) claims.other["sid"] = notice.sid;
  claims.other["events"] = {{kBackchannelLogoutEvent, jwt::Json::object()}};
  return typed->Sign(claims);
}

absl::Duration BackchannelLogout::RetryDelay(int failures) const {
  absl::Duration delay = options_.first_retry;
  for (int i = 1; i < failures && delay < options_.max_retry_interval; ++i) {
    delay *= 2;
  }
  return std::min(delay, options_.max_retry_interval);
}

BackchannelLogout::Outcome BackchannelLogout::Attempt(const Pending& pending,
                                                      std::string* why) const {
  auto token = LogoutToken(pending.notice, clock_->Now());
  if (!token.ok()) {
    *why = std::string(token.status().message());
    return Outcome::kFailed;  // The client's algorithm is gone: no retry.
  }
  // A compact JWS is base64url and dots: nothing form encoding changes.
  const std::string body = absl::StrCat("logout_token=", *token);
  absl::StatusOr<int> status = poster_(pending.notice.uri, body);
  if (!status.ok()) {
    *why = std::string(status.status().message());
    if (status.status().code() == absl::StatusCode::kInvalidArgument) {
      return Outcome::kFailed;  // The URI itself: retrying cannot help.
    }
    return Outcome::kRetry;
  }
  if (*status == 200 || *status == 204) return Outcome::kDelivered;
  *why = absl::StrCat("HTTP status ", *status);
  if (*status >= 500 || *status == 429 || *status == 408) {
    return Outcome::kRetry;
  }
  return Outcome::kFailed;
}

void BackchannelLogout::Settle(Pending pending, Outcome outcome,
                               const std::string& why) {
  const std::string& client = pending.notice.client_id;
  if (outcome == Outcome::kDelivered) {
    events_->BackchannelLogout("delivered", client);
    return;
  }
  ++pending.failures;
  if (outcome == Outcome::kRetry && pending.failures < options_.max_attempts) {
    events_->BackchannelLogout("retried", client);
    pending.due = clock_->Now() + RetryDelay(pending.failures);
    absl::MutexLock lock(&mu_);
    pending_.push_back(std::move(pending));
    return;
  }
  events_->BackchannelLogout("failed", client);
  if (log_ != nullptr) {
    log_->Warn("back-channel logout not delivered",
               {{"client_id", client},
                {"attempts", pending.failures},
                {"reason", why}});
  }
}

int BackchannelLogout::RunDue() {
  std::vector<Pending> due;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    std::deque<Pending> later;
    for (Pending& p : pending_) {
      (p.due <= now ? due.emplace_back(std::move(p))
                    : later.emplace_back(std::move(p)));
    }
    pending_ = std::move(later);
  }
  int attempted = 0;
  for (Pending& pending : due) {
    {
      // Stopping: the untried notices go back (Stop counts them as lost)
      // rather than holding shutdown up for a deadline each.
      absl::MutexLock lock(&mu_);
      if (stopped_) {
        pending_.push_back(std::move(pending));
        continue;
      }
    }
    std::string why;
    const Outcome outcome = Attempt(pending, &why);
    Settle(std::move(pending), outcome, why);
    ++attempted;
  }
  return attempted;
}

std::optional<absl::Time> BackchannelLogout::NextDue() const {
  absl::MutexLock lock(&mu_);
  std::optional<absl::Time> next;
  for (const Pending& p : pending_) {
    if (!next.has_value() || p.due < *next) next = p.due;
  }
  return next;
}

size_t BackchannelLogout::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_.size();
}

bool BackchannelLogout::AwaitWork(absl::Duration max_wait) {
  const std::optional<absl::Time> next = NextDue();
  const absl::Time now = clock_->Now();
  absl::Duration wait = max_wait;
  if (next.has_value()) wait = std::min(wait, *next - now);
  absl::MutexLock lock(&mu_);
  if (wait > absl::ZeroDuration()) {
    mu_.AwaitWithTimeout(
        absl::Condition(this, &BackchannelLogout::WokenOrStopped), wait);
  }
  woken_ = false;
  return !stopped_;
}

void BackchannelLogout::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

void BackchannelLogout::LogLost() const {
  const size_t lost = pending();
  if (lost > 0 && log_ != nullptr) {
    log_->Warn("back-channel logout notices not delivered before shutdown",
               {{"pending", static_cast<int64_t>(lost)}});
  }
}

void BackchannelSessionListener::SessionEnded(
    const storage::SessionRecord& session) {
  auto client_ids = sessions_->Clients(session.sid);
  if (!client_ids.ok()) {
    if (log_ != nullptr) {
      log_->Warn("back-channel logout: the session's clients are unknown",
                 {{"error", client_ids.status().message()}});
    }
    return;
  }
  std::vector<LogoutNotice> notices;
  for (const std::string& client_id : *client_ids) {
    auto client = clients_->GetClient(client_id);
    // A client deleted since, or that removed its URI, is not told.
    if (!client.ok() || client->backchannel_logout_uri.empty()) continue;
    notices.push_back(LogoutNotice{client_id, client->backchannel_logout_uri,
                                   session.user_id, session.sid,
                                   client->id_token_signed_response_alg});
  }
  if (!notices.empty()) logout_->Enqueue(std::move(notices));
}

BackchannelLogoutWorker::BackchannelLogoutWorker(BackchannelLogout* logout)
    : logout_(logout) {
  thread_ = std::thread([this] {
    // A minute at most between looks, so a clock step never strands a
    // notice for long.
    while (logout_->AwaitWork(absl::Minutes(1))) logout_->RunDue();
  });
}

BackchannelLogoutWorker::~BackchannelLogoutWorker() { Stop(); }

void BackchannelLogoutWorker::Stop() {
  logout_->Stop();
  if (thread_.joinable()) {
    thread_.join();
    logout_->LogLost();  // Once the last attempt is settled.
  }
}

}  // namespace identity::server
