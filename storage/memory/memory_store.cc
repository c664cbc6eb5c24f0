#include "storage/memory/memory_store.h"

#include <algorithm>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"

namespace identity::storage {
namespace {

// Erases the entries of `map` for which `expired` holds; returns how many.
template <typename Map, typename Predicate>
int64_t EraseIf(Map& map, Predicate expired) {
  int64_t erased = 0;
  for (auto it = map.begin(); it != map.end();) {
    if (expired(*it)) {
      it = map.erase(it);
      ++erased;
    } else {
      ++it;
    }
  }
  return erased;
}

}  // namespace

absl::Status MemoryStore::CreateClient(const ClientRecord& client) {
  absl::MutexLock lock(&mu_);
  if (!clients_.emplace(client.client_id, client).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("client \"", client.client_id, "\" already exists"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ClientRecord> MemoryStore::GetClient(
    absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  return it->second;
}

absl::StatusOr<std::vector<ClientRecord>> MemoryStore::ListClients(
    absl::string_view after, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<ClientRecord> out;
  for (auto it = clients_.upper_bound(after);
       it != clients_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status MemoryStore::UpdateClient(const ClientRecord& client) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client.client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  it->second.name = client.name;
  it->second.allowed_scopes = client.allowed_scopes;
  it->second.redirect_uris = client.redirect_uris;
  it->second.grant_types = client.grant_types;
  it->second.pkce_optional = client.pkce_optional;
  it->second.require_pushed_authorization_requests =
      client.require_pushed_authorization_requests;
  it->second.id_token_signed_response_alg = client.id_token_signed_response_alg;
  it->second.post_logout_redirect_uris = client.post_logout_redirect_uris;
  it->second.backchannel_logout_uri = client.backchannel_logout_uri;
  it->second.backchannel_logout_session_required =
      client.backchannel_logout_session_required;
  it->second.third_party = client.third_party;
  it->second.jwks = client.jwks;
  it->second.token_exchange = client.token_exchange;
  it->second.dpop_bound_access_tokens = client.dpop_bound_access_tokens;
  it->second.updated_at = client.updated_at;
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteClient(absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto it = clients_.find(client_id);
  if (it == clients_.end()) return absl::NotFoundError("no such client");
  clients_.erase(it);
  // As PostgreSQL's ON DELETE CASCADE.
  for (auto c = consents_.begin(); c != consents_.end();) {
    c = c->first.second == client_id ? consents_.erase(c) : std::next(c);
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateResource(const ResourceRecord& resource) {
  absl::MutexLock lock(&mu_);
  if (!resources_.emplace(resource.resource, resource).second) {
    return absl::AlreadyExistsError("a resource with this indicator exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<ResourceRecord> MemoryStore::GetResource(
    absl::string_view resource) {
  absl::MutexLock lock(&mu_);
  auto it = resources_.find(resource);
  if (it == resources_.end()) return absl::NotFoundError("no such resource");
  return it->second;
}

absl::StatusOr<std::vector<ResourceRecord>> MemoryStore::ListResources(
    absl::string_view after, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<ResourceRecord> out;
  for (auto it = resources_.upper_bound(after);
       it != resources_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status MemoryStore::UpdateResource(const ResourceRecord& resource) {
  absl::MutexLock lock(&mu_);
  auto it = resources_.find(resource.resource);
  if (it == resources_.end()) return absl::NotFoundError("no such resource");
  it->second.name = resource.name;
  it->second.scopes = resource.scopes;
  it->second.updated_at = resource.updated_at;
  return absl::OkStatus();
}

absl::Status MemoryStore::DeleteResource(absl::string_view resource) {
  absl::MutexLock lock(&mu_);
  auto it = resources_.find(resource);
  if (it == resources_.end()) return absl::NotFoundError("no such resource");
  resources_.erase(it);
  return absl::OkStatus();
}

absl::Status MemoryStore::Revoke(absl::string_view jti, absl::Time expires_at) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = revoked_.emplace(std::string(jti), expires_at);
  if (!inserted) it->second = std::max(it->second, expires_at);
  return absl::OkStatus();
}

absl::StatusOr<bool> MemoryStore::IsRevoked(absl::string_view jti) {
  absl::MutexLock lock(&mu_);
  return revoked_.find(jti) != revoked_.end();
}

absl::StatusOr<std::vector<std::string>> MemoryStore::ListRevoked(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> jtis;
  for (const auto& [jti, expires_at] : revoked_) {
    if (expires_at >= now) jtis.push_back(jti);
  }
  return jtis;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpired(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(revoked_,
                 [&](const auto& entry) { return entry.second < now; });
}

absl::StatusOr<ReplayClaim> MemoryStore::ClaimOnce(absl::string_view kind,
                                                   absl::string_view id_hash,
                                                   absl::Time expires_at,
                                                   absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = claims_.try_emplace(
      {std::string(kind), std::string(id_hash)}, expires_at);
  if (inserted) return ReplayClaim::kFirstUse;
  if (it->second >= now) return ReplayClaim::kReplay;
  it->second = expires_at;  // Expired, not yet purged: a new first use.
  return ReplayClaim::kFirstUse;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredClaims(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(claims_,
                 [&](const auto& entry) { return entry.second < now; });
}

absl::StatusOr<std::vector<SigningKeyRecord>> MemoryStore::ListSigningKeys() {
  absl::MutexLock lock(&mu_);
  std::vector<SigningKeyRecord> keys;
  for (const auto& [kid, key] : keys_) keys.push_back(key);
  std::sort(keys.begin(), keys.end(),
            [](const SigningKeyRecord& a, const SigningKeyRecord& b) {
              return a.created_at != b.created_at ? a.created_at > b.created_at
                                                  : a.kid > b.kid;
            });
  return keys;
}

absl::Status MemoryStore::InitializeSigningKeys(const SigningKeyRecord& current,
                                                const SigningKeyRecord& next) {
  if (current.alg != next.alg) {
    return absl::InvalidArgumentError("CURRENT and NEXT of different algs");
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [kid, key] : keys_) {
    if (key.state == KeyState::kCurrent && key.alg == current.alg) {
      return absl::AbortedError("signing keys are already initialized");
    }
  }
  if (current.kid == next.kid || keys_.count(current.kid) != 0 ||
      keys_.count(next.kid) != 0) {
    return absl::AlreadyExistsError("a signing key with this kid exists");
  }
  SigningKeyRecord c = current;
  c.state = KeyState::kCurrent;
  SigningKeyRecord n = next;
  n.state = KeyState::kNext;
  keys_.emplace(c.kid, std::move(c));
  keys_.emplace(n.kid, std::move(n));
  return absl::OkStatus();
}

absl::Status MemoryStore::RotateSigningKeys(absl::string_view current_kid,
                                            absl::string_view next_kid,
                                            const SigningKeyRecord& new_next,
                                            absl::Time now,
                                            absl::Time remove_at) {
  absl::MutexLock lock(&mu_);
  auto current = keys_.find(current_kid);
  auto next = keys_.find(next_kid);
  if (current == keys_.end() || current->second.state != KeyState::kCurrent ||
      next == keys_.end() || next->second.state != KeyState::kNext) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  if (keys_.count(new_next.kid) != 0) {
    return absl::AlreadyExistsError("a signing key with this kid exists");
  }
  current->second.state = KeyState::kRetired;
  current->second.retired_at = now;
  current->second.remove_at = remove_at;
  next->second.state = KeyState::kCurrent;
  next->second.activated_at = now;
  SigningKeyRecord n = new_next;
  n.state = KeyState::kNext;
  keys_.emplace(n.kid, std::move(n));
  return absl::OkStatus();
}

absl::Status MemoryStore::RetireSigningKey(absl::string_view kid,
                                           absl::Time now,
                                           absl::Time remove_at) {
  absl::MutexLock lock(&mu_);
  auto key = keys_.find(kid);
  if (key == keys_.end() || key->second.state == KeyState::kRetired) {
    return absl::AbortedError("the signing keys changed; reload and retry");
  }
  key->second.state = KeyState::kRetired;
  key->second.retired_at = now;
  key->second.remove_at = remove_at;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::RemoveExpiredSigningKeys(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(keys_, [&](const auto& entry) {
    return entry.second.state == KeyState::kRetired && entry.second.remove_at &&
           *entry.second.remove_at < now;
  });
}

absl::Status MemoryStore::ResealSigningKey(absl::string_view kid,
                                           absl::string_view expected,
                                           absl::string_view resealed) {
  absl::MutexLock lock(&mu_);
  auto key = keys_.find(kid);
  if (key == keys_.end()) return absl::NotFoundError("no such signing key");
  if (key->second.sealed_private_jwk != expected) {
    return absl::AbortedError("the sealed key changed meanwhile");
  }
  key->second.sealed_private_jwk = std::string(resealed);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SealedSecretRecord>>
MemoryStore::ListSealedSecrets() {
  absl::MutexLock lock(&mu_);
  std::vector<SealedSecretRecord> secrets;
  for (const auto& [name, secret] : secrets_) secrets.push_back(secret);
  return secrets;
}

absl::Status MemoryStore::CreateSealedSecret(const SealedSecretRecord& secret) {
  absl::MutexLock lock(&mu_);
  if (!secrets_.emplace(secret.name, secret).second) {
    return absl::AlreadyExistsError("a sealed secret of this name exists");
  }
  return absl::OkStatus();
}

absl::Status MemoryStore::ResealSecret(absl::string_view name,
                                       absl::string_view expected,
                                       absl::string_view resealed) {
  absl::MutexLock lock(&mu_);
  auto secret = secrets_.find(name);
  if (secret == secrets_.end()) return absl::NotFoundError("no such secret");
  if (secret->second.sealed != expected) {
    return absl::AbortedError("the sealed secret changed meanwhile");
  }
  secret->second.sealed = std::string(resealed);
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateUser(const UserRecord& user) {
  absl::MutexLock lock(&mu_);
  if (users_.count(user.user_id) != 0) {
    return absl::AlreadyExistsError("a user with this user_id exists");
  }
  if (usernames_.count(user.username) != 0) {
    return absl::AlreadyExistsError("a user with this username exists");
  }
  users_.emplace(user.user_id, user);
  usernames_.emplace(user.username, user.user_id);
  return absl::OkStatus();
}

absl::StatusOr<UserRecord> MemoryStore::GetUser(absl::string_view user_id) {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return absl::NotFoundError("no such user");
  return it->second;
}

absl::StatusOr<UserRecord> MemoryStore::GetUserByUsername(
    absl::string_view username) {
  absl::MutexLock lock(&mu_);
  auto name = usernames_.find(username);
  if (name == usernames_.end()) return absl::NotFoundError("no such user");
  return users_.at(name->second);
}

absl::StatusOr<std::vector<UserRecord>> MemoryStore::ListUsers(
    absl::string_view after, int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<UserRecord> out;
  for (auto it = users_.upper_bound(after);
       it != users_.end() && static_cast<int>(out.size()) < limit; ++it) {
    out.push_back(it->second);
  }
  return out;
}

absl::Status MemoryStore::UpdateUser(const UserRecord& user) {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(user.user_id);
  if (it == users_.end()) return absl::NotFoundError("no such user");
  it->second.name = user.name;
  it->second.email = user.email;
  it->second.email_verified = user.email_verified;
  it->second.claims = user.claims;
  it->second.claims_updated_at = user.claims_updated_at;
  it->second.disabled = user.disabled;
  it->second.updated_at = user.updated_at;
  return absl::OkStatus();
}

absl::Status MemoryStore::SetPasswordHash(absl::string_view user_id,
                                          absl::string_view password_hash,
                                          absl::Time updated_at) {
  absl::MutexLock lock(&mu_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return absl::NotFoundError("no such user");
  it->second.password_hash = std::string(password_hash);
  it->second.updated_at = updated_at;
  return absl::OkStatus();
}

absl::Status MemoryStore::CreateAuthorizationCode(
    const AuthorizationCodeRecord& code) {
  absl::MutexLock lock(&mu_);
  if (!codes_.emplace(code.code_hash, code).second) {
    return absl::AlreadyExistsError(
        "an authorization code with this hash exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<AuthorizationCodeRecord> MemoryStore::GetAuthorizationCode(
    absl::string_view code_hash) {
  absl::MutexLock lock(&mu_);
  auto it = codes_.find(code_hash);
  if (it == codes_.end())
    return absl::NotFoundError("no such authorization code");
  return it->second;
}

absl::StatusOr<AuthorizationCodeRecord> MemoryStore::RedeemAuthorizationCode(
    absl::string_view code_hash, absl::string_view client_id, absl::Time now,
    absl::string_view access_token_jti, absl::Time access_token_expires_at) {
  absl::MutexLock lock(&mu_);
  auto it = codes_.find(code_hash);
  if (it == codes_.end() || it->second.client_id != client_id) {
    return absl::NotFoundError("no such authorization code");
  }
  AuthorizationCodeRecord& code = it->second;
  if (code.redeemed_at.has_value()) {
    return absl::FailedPreconditionError(
        "the authorization code was already redeemed");
  }
  if (code.expires_at <= now) {
    return absl::FailedPreconditionError("the authorization code expired");
  }
  code.redeemed_at = now;
  code.access_token_jti = std::string(access_token_jti);
  code.access_token_expires_at = access_token_expires_at;
  return code;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredCodes(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(
      codes_, [&](const auto& entry) { return entry.second.expires_at < now; });
}

absl::StatusOr<int64_t> MemoryStore::CountLivePushedRequests(
    absl::string_view client_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t live = 0;
  for (const auto& [hash, request] : pushed_requests_) {
    live += request.client_id == client_id && request.expires_at > now;
  }
  return live;
}

absl::Status MemoryStore::CreatePushedRequest(
    const PushedRequestRecord& request) {
  absl::MutexLock lock(&mu_);
  if (!pushed_requests_.emplace(request.request_uri_hash, request).second) {
    return absl::AlreadyExistsError("a pushed request with this hash exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<PushedRequestRecord> MemoryStore::ConsumePushedRequest(
    absl::string_view request_uri_hash, absl::string_view client_id,
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = pushed_requests_.find(request_uri_hash);
  if (it == pushed_requests_.end() || it->second.client_id != client_id ||
      it->second.expires_at <= now) {
    return absl::NotFoundError("no such pushed request");
  }
  PushedRequestRecord consumed = std::move(it->second);
  pushed_requests_.erase(it);
  return consumed;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredPushedRequests(
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(pushed_requests_, [&](const auto& entry) {
    return entry.second.expires_at < now;
  });
}

absl::Status MemoryStore::CreateRefreshToken(const RefreshTokenRecord& token) {
  absl::MutexLock lock(&mu_);
  if (!refresh_tokens_.emplace(token.token_hash, token).second) {
    return absl::AlreadyExistsError("a refresh token with this hash exists");
  }
  return absl::OkStatus();
}

absl::StatusOr<RefreshTokenRecord> MemoryStore::GetRefreshToken(
    absl::string_view token_hash) {
  absl::MutexLock lock(&mu_);
  auto it = refresh_tokens_.find(token_hash);
  if (it == refresh_tokens_.end()) {
    return absl::NotFoundError("no such refresh token");
  }
  return it->second;
}

absl::StatusOr<RefreshTokenRecord> MemoryStore::RotateRefreshToken(
    absl::string_view old_hash, absl::string_view client_id, absl::Time now,
    const RefreshTokenRecord& replacement) {
  absl::MutexLock lock(&mu_);
  auto it = refresh_tokens_.find(old_hash);
  if (it == refresh_tokens_.end() || it->second.client_id != client_id) {
    return absl::NotFoundError("no such refresh token");
  }
  RefreshTokenRecord& old = it->second;
  if (old.rotated_at.has_value()) {
    return absl::FailedPreconditionError(
        "the refresh token was already rotated");
  }
  if (old.revoked) {
    return absl::FailedPreconditionError("the refresh token was revoked");
  }
  if (old.idle_expires_at <= now || old.absolute_expires_at <= now) {
    return absl::FailedPreconditionError("the refresh token expired");
  }
  if (refresh_tokens_.count(replacement.token_hash) != 0) {
    return absl::AlreadyExistsError("a refresh token with this hash exists");
  }
  old.rotated_at = now;
  RefreshTokenRecord rotated = old;
  refresh_tokens_.emplace(replacement.token_hash, replacement);
  return rotated;
}

absl::StatusOr<int64_t> MemoryStore::RevokeRefreshFamily(
    absl::string_view family_id) {
  absl::MutexLock lock(&mu_);
  int64_t live = 0;
  for (auto& [hash, token] : refresh_tokens_) {
    if (token.family_id != family_id || token.revoked) continue;
    if (!token.rotated_at.has_value()) ++live;
    token.revoked = true;
  }
  return live;
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredRefreshTokens(absl::Time now) {
  absl::MutexLock lock(&mu_);
  return EraseIf(refresh_tokens_, [&](const auto& entry) {
    return entry.second.absolute_expires_at < now;
  });
}

absl::StatusOr<std::vector<IssuedAccessToken>> MemoryStore::GrantAccessTokens(
    absl::string_view grant_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<IssuedAccessToken> tokens;
  for (const auto& [hash, code] : codes_) {
    if (code.grant_id == grant_id && code.redeemed_at.has_value() &&
        code.access_token_expires_at > now) {
      tokens.push_back({code.access_token_jti, code.access_token_expires_at});
    }
  }
  for (const auto& [hash, token] : refresh_tokens_) {
    if (token.family_id == grant_id && !token.access_token_jti.empty() &&
        token.access_token_expires_at > now) {
      tokens.push_back({token.access_token_jti, token.access_token_expires_at});
    }
  }
  return tokens;
}

absl::StatusOr<std::vector<std::string>> MemoryStore::UserGrants(
    absl::string_view user_id, absl::Time now) {
  return GrantsOf(user_id, std::nullopt, now);
}

absl::StatusOr<std::vector<std::string>> MemoryStore::UserClientGrants(
    absl::string_view user_id, absl::string_view client_id, absl::Time now) {
  return GrantsOf(user_id, client_id, now);
}

std::vector<std::string> MemoryStore::GrantsOf(
    absl::string_view user_id, std::optional<absl::string_view> client_id,
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::set<std::string> grants;
  for (const auto& [hash, code] : codes_) {
    if (code.user_id == user_id && code.redeemed_at.has_value() &&
        code.access_token_expires_at > now &&
        (!client_id.has_value() || code.client_id == *client_id)) {
      grants.insert(code.grant_id);
    }
  }
  for (const auto& [hash, token] : refresh_tokens_) {
    if (token.user_id == user_id && token.absolute_expires_at > now &&
        (!client_id.has_value() || token.client_id == *client_id)) {
      grants.insert(token.family_id);
    }
  }
  return std::vector<std::string>(grants.begin(), grants.end());
}

absl::StatusOr<LoginAttemptStore::Counters> MemoryStore::GetLoginAttempts(
    const std::vector<std::string>& keys) {
  absl::MutexLock lock(&attempts_mu_);
  Counters counters;
  for (const std::string& key : keys) {
    auto it = login_attempts_.find(key);
    counters.push_back(it == login_attempts_.end()
                           ? std::nullopt
                           : std::optional<LoginAttempts>(it->second));
  }
  return counters;
}

absl::Status MemoryStore::UpdateLoginAttempts(
    const std::vector<std::string>& keys,
    absl::FunctionRef<absl::Status(Counters&)> update) {
  absl::MutexLock lock(&attempts_mu_);
  Counters counters;
  for (const std::string& key : keys) {
    auto it = login_attempts_.find(key);
    counters.push_back(it == login_attempts_.end()
                           ? std::nullopt
                           : std::optional<LoginAttempts>(it->second));
  }
  if (absl::Status status = update(counters); !status.ok()) return status;
  for (size_t i = 0; i < keys.size() && i < counters.size(); ++i) {
    if (counters[i].has_value()) {
      login_attempts_[keys[i]] = *counters[i];
    } else {
      login_attempts_.erase(keys[i]);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredLoginAttempts(absl::Time now) {
  absl::MutexLock lock(&attempts_mu_);
  return EraseIf(login_attempts_, [&](const auto& entry) {
    return entry.second.expires_at < now;
  });
}

absl::Status MemoryStore::CreateSession(const SessionRecord& session) {
  absl::MutexLock lock(&mu_);
  if (sessions_.count(session.sid) > 0 ||
      session_secrets_.count(session.secret_hash) > 0) {
    return absl::AlreadyExistsError("a session with this sid or secret exists");
  }
  sessions_[session.sid] = session;
  session_secrets_[session.secret_hash] = session.sid;
  return absl::OkStatus();
}

absl::StatusOr<SessionRecord> MemoryStore::GetSession(absl::string_view sid) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return absl::NotFoundError("no such session");
  return it->second;
}

absl::StatusOr<SessionRecord> MemoryStore::GetSessionBySecret(
    absl::string_view secret_hash) {
  absl::MutexLock lock(&mu_);
  auto sid = session_secrets_.find(secret_hash);
  if (sid == session_secrets_.end()) {
    return absl::NotFoundError("no such session");
  }
  return sessions_.at(sid->second);
}

absl::StatusOr<std::vector<SessionRecord>> MemoryStore::ListUserSessions(
    absl::string_view user_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<SessionRecord> out;
  for (const auto& [sid, session] : sessions_) {
    if (session.user_id == user_id && session.LiveAt(now)) {
      out.push_back(session);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created_at, a.sid) < std::tie(b.created_at, b.sid);
  });
  return out;
}

absl::StatusOr<SessionRecord> MemoryStore::EndSession(absl::string_view sid,
                                                      absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(sid);
  if (it == sessions_.end()) return absl::NotFoundError("no such session");
  if (!it->second.LiveAt(now)) {
    return absl::FailedPreconditionError(
        "the session already ended or expired");
  }
  it->second.ended_at = now;
  return it->second;
}

absl::StatusOr<std::vector<SessionRecord>> MemoryStore::EndUserSessions(
    absl::string_view user_id, absl::Time now) {
  absl::MutexLock lock(&mu_);
  std::vector<SessionRecord> ended;
  for (auto& [sid, session] : sessions_) {
    if (session.user_id == user_id && session.LiveAt(now)) {
      session.ended_at = now;
      ended.push_back(session);
    }
  }
  return ended;
}

absl::Status MemoryStore::AddSessionClient(absl::string_view sid,
                                           absl::string_view client_id,
                                           absl::Time now) {
  absl::MutexLock lock(&mu_);
  auto session = sessions_.find(sid);
  if (session == sessions_.end()) {
    return absl::NotFoundError("no such session");
  }
  if (!session->second.LiveAt(now)) {
    return absl::FailedPreconditionError("the session ended or expired");
  }
  session_clients_[std::string(sid)].insert(std::string(client_id));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> MemoryStore::ListSessionClients(
    absl::string_view sid) {
  absl::MutexLock lock(&mu_);
  auto found = session_clients_.find(sid);
  if (found == session_clients_.end()) return std::vector<std::string>();
  return std::vector<std::string>(found->second.begin(), found->second.end());
}

absl::StatusOr<int64_t> MemoryStore::PurgeExpiredSessions(absl::Time now) {
  absl::MutexLock lock(&mu_);
  int64_t purged = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_at < now) {
      session_secrets_.erase(it->second.secret_hash);
      session_clients_.erase(it->first);
      it = sessions_.erase(it);
      ++purged;
    } else {
      ++it;
    }
  }
  return purged;
}

// Consents.

absl::StatusOr<ConsentRecord> MemoryStore::GetConsent(
    absl::string_view user_id, absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  auto it = consents_.find({std::string(user_id), std::string(client_id)});
  if (it == consents_.end()) return absl::NotFoundError("no such consent");
  return it->second;
}

absl::StatusOr<ConsentRecord> MemoryStore::GrantConsent(
    absl::string_view user_id, absl::string_view client_id,
    const std::vector<std::string>& scopes, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (users_.find(user_id) == users_.end() ||
      clients_.find(client_id) == clients_.end()) {
    return absl::NotFoundError("no such user or client");
  }
  ConsentRecord& consent =
      consents_[{std::string(user_id), std::string(client_id)}];
  consent.user_id = std::string(user_id);
  consent.client_id = std::string(client_id);
  std::set<std::string> all(consent.scopes.begin(), consent.scopes.end());
  all.insert(scopes.begin(), scopes.end());
  consent.scopes.assign(all.begin(), all.end());
  consent.granted_at = now;
  return consent;
}

absl::StatusOr<std::vector<ConsentRecord>> MemoryStore::ListUserConsents(
    absl::string_view user_id) {
  absl::MutexLock lock(&mu_);
  std::vector<ConsentRecord> found;
  for (const auto& [key, consent] : consents_) {
    if (key.first == user_id) found.push_back(consent);
  }
  return found;  // The map orders them by client_id within a user.
}

absl::Status MemoryStore::RevokeConsent(absl::string_view user_id,
                                        absl::string_view client_id) {
  absl::MutexLock lock(&mu_);
  if (consents_.erase({std::string(user_id), std::string(client_id)}) == 0) {
    return absl::NotFoundError("no such consent");
  }
  return absl::OkStatus();
}

}  // namespace identity::storage
