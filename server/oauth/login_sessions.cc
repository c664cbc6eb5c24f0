#include "server/oauth/login_sessions.h"

#include <openssl/crypto.h>

#include "jwt/base64url.h"
#include "server/oauth/user_tokens.h"

namespace identity::server {
namespace {

// `clock`'s now at the storage's precision (microseconds).
absl::Time StoredNow(const jwt::Clock* clock) {
  return absl::FromUnixMicros(absl::ToUnixMicros(clock->Now()));
}

}  // namespace

void LoginSessions::Subscribe(SessionEndListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

absl::StatusOr<StartedSession> LoginSessions::Start(
    absl::string_view user_id, absl::Time auth_time) const {
  const absl::Time now = StoredNow(clock_);
  StartedSession started;
  started.secret = NewOpaqueToken(random_);
  storage::SessionRecord& record = started.record;
  record.sid = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  record.secret_hash = HashOpaqueToken(started.secret);
  record.user_id = std::string(user_id);
  record.auth_time = absl::FromUnixSeconds(absl::ToUnixSeconds(auth_time));
  record.created_at = now;
  record.expires_at = now + lifetime_;
  if (absl::Status s = store_->CreateSession(record); !s.ok()) return s;
  return started;
}

absl::StatusOr<storage::SessionRecord> LoginSessions::Resolve(
    absl::string_view secret, absl::string_view user_id) const {
  const absl::Status refused = absl::UnauthenticatedError("no valid session");
  if (secret.empty()) return refused;
  auto session = store_->GetSessionBySecret(HashOpaqueToken(secret));
  if (session.status().code() == absl::StatusCode::kNotFound) return refused;
  if (!session.ok()) return session.status();
  // The cookie's user must be the session's (both come from the server; a
  // mismatch means a cookie put together from two sessions).
  if (session->user_id.size() != user_id.size() ||
      CRYPTO_memcmp(session->user_id.data(), user_id.data(), user_id.size()) !=
          0 ||
      !session->LiveAt(clock_->Now())) {
    return refused;
  }
  return session;
}

absl::StatusOr<bool> LoginSessions::IsLive(absl::string_view sid) const {
  auto session = store_->GetSession(sid);
  if (session.status().code() == absl::StatusCode::kNotFound) return false;
  if (!session.ok()) return session.status();
  return session->LiveAt(clock_->Now());
}

absl::StatusOr<bool> LoginSessions::GrantUsable(
    absl::string_view sid, const std::vector<std::string>& scopes) const {
  if (sid.empty() || HasScope(scopes, "offline_access")) return true;
  return IsLive(sid);
}

absl::StatusOr<std::vector<storage::SessionRecord>> LoginSessions::List(
    absl::string_view user_id) const {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id is required");
  return store_->ListUserSessions(user_id, StoredNow(clock_));
}

absl::StatusOr<storage::SessionRecord> LoginSessions::End(
    absl::string_view sid) const {
  if (sid.empty()) return absl::InvalidArgumentError("sid is required");
  auto ended = store_->EndSession(sid, StoredNow(clock_));
  if (!ended.ok()) return ended.status();
  Ended(*ended);
  return ended;
}

absl::StatusOr<int64_t> LoginSessions::EndUserSessions(
    absl::string_view user_id) const {
  if (user_id.empty()) return absl::InvalidArgumentError("user_id is required");
  auto ended = store_->EndUserSessions(user_id, StoredNow(clock_));
  if (!ended.ok()) return ended.status();
  for (const storage::SessionRecord& session : *ended) Ended(session);
  return static_cast<int64_t>(ended->size());
}

absl::Status LoginSessions::AddClient(absl::string_view sid,
                                      absl::string_view client_id) const {
  return store_->AddSessionClient(sid, client_id, StoredNow(clock_));
}

absl::StatusOr<std::vector<std::string>> LoginSessions::Clients(
    absl::string_view sid) const {
  return store_->ListSessionClients(sid);
}

void LoginSessions::Ended(const storage::SessionRecord& session) const {
  // Called outside the lock: a listener reads the store (back-channel
  // logout), and one session's end must not wait on another's.
  std::vector<SessionEndListener*> listeners;
  {
    absl::MutexLock lock(&mu_);
    listeners = listeners_;
  }
  for (SessionEndListener* listener : listeners) {
    listener->SessionEnded(session);
  }
}

}  // namespace identity::server
