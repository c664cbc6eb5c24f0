#include "server/users/user_accounts.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/paging.h"
#include "server/users/standard_claims.h"

namespace identity::server {
namespace {

constexpr size_t kMaxUsername = 64;
constexpr size_t kMaxName = 200;
constexpr size_t kMaxEmail = 254;

absl::Status Invalid(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

absl::Time Now(const jwt::Clock* clock) {
  // The store keeps microseconds.
  return absl::FromUnixMicros(absl::ToUnixMicros(clock->Now()));
}

absl::StatusOr<std::string> NormalizeUsername(absl::string_view username) {
  std::string lower = absl::AsciiStrToLower(username);
  bool ok = !lower.empty() && lower.size() <= kMaxUsername;
  for (char c : lower) {
    ok = ok && (absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') || c == '.' ||
                c == '_' || c == '@' || c == '+' || c == '-');
  }
  if (!ok) {
    return Invalid(absl::StrCat("username must be 1 to ", kMaxUsername,
                                " characters of [a-z0-9._@+-]"));
  }
  return lower;
}

absl::Status CheckProfile(absl::string_view name, absl::string_view email) {
  if (name.size() > kMaxName || !IsPrintableUtf8(name)) {
    return Invalid(absl::StrCat("name must be at most ", kMaxName,
                                " bytes of printable UTF-8"));
  }
  if (!email.empty()) {
    const size_t at = email.find('@');
    bool ok = email.size() <= kMaxEmail && at != absl::string_view::npos &&
              at > 0 && at + 1 < email.size() &&
              email.find('@', at + 1) == absl::string_view::npos;
    for (char c : email) {
      const unsigned char u = static_cast<unsigned char>(c);
      ok = ok && u > 0x20 && u < 0x7F;
    }
    if (!ok) {
      return Invalid(
          "email must be local@domain, at most 254 printable ASCII "
          "characters");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUserId(absl::string_view user_id) {
  if (!IsValidUserId(user_id)) return Invalid("user_id is malformed");
  return absl::OkStatus();
}

// A slot for one password hash, or none when there is no bound.
using HashSlot = std::optional<HashLimiter::Slot>;
absl::StatusOr<HashSlot> TakeHashSlot(HashLimiter* hashes) {
  if (hashes == nullptr) return HashSlot();
  auto slot = hashes->Acquire();
  if (!slot.ok()) return slot.status();
  return HashSlot(*std::move(slot));
}

// RFC 6749 §4.1.2.1: temporarily_unavailable, "due to a temporary
// overloading". The throttle's refusal is ResourceExhausted (this client
// used up its tries); a busy server's is Unavailable, so the HTTP face can
// answer 503 rather than 429 (server/http/oauth_http_errors.h).
absl::Status Throttled(const absl::Status& refusal) {
  return WithErrorDetail(
      OAuthFailure(OAuthError::kTemporarilyUnavailable,
                   "too many failed logins; try again later"),
      "retry_after_seconds",
      absl::StrCat(absl::ToInt64Seconds(RetryAfter(refusal))));
}

absl::Status Busy() {
  return WithErrorDetail(OAuthFailure(OAuthError::kTemporarilyUnavailable,
                                      "the server is busy; try again later",
                                      absl::StatusCode::kUnavailable),
                         "retry_after_seconds", "1");
}

// A refusal of the throttle as the caller hears it; other errors (the
// store's) as they are.
absl::Status FromThrottle(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted
             ? Throttled(status)
             : status;
}

}  // namespace

bool IsValidUserId(absl::string_view user_id) {
  if (user_id.empty() || user_id.size() > 64) return false;
  for (char c : user_id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::StatusOr<storage::UserRecord> UserAccounts::Create(UserSpec spec) const {
  auto username = NormalizeUsername(spec.username);
  if (!username.ok()) return username.status();
  if (absl::Status s = CheckProfile(spec.name, spec.email); !s.ok()) return s;
  if (absl::Status s = ValidateStandardClaims(spec.claims); !s.ok()) return s;
  if (absl::Status s = ValidatePassword(spec.password); !s.ok()) {
    return Invalid(s.message());
  }
  auto slot = TakeHashSlot(hashes_);
  if (!slot.ok()) return slot.status();
  auto hash = hasher_->Hash(spec.password);
  if (!hash.ok()) return hash.status();
  storage::UserRecord user;
  // 128 random bits: the "sub", stable and not guessable.
  user.user_id = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  user.username = *std::move(username);
  user.password_hash = *std::move(hash);
  user.name = std::move(spec.name);
  user.email = std::move(spec.email);
  user.email_verified = spec.email_verified;
  user.claims = std::move(spec.claims);
  if (user.claims.phone_number.empty()) {
    user.claims.phone_number_verified = false;
  }
  user.created_at = user.updated_at = user.claims_updated_at = Now(clock_);
  absl::Status stored = store_->CreateUser(user);
  if (stored.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("the username \"", user.username, "\" is taken"));
  }
  if (!stored.ok()) return stored;
  return user;
}

absl::StatusOr<storage::UserRecord> UserAccounts::Get(
    absl::string_view user_id) const {
  if (absl::Status s = CheckUserId(user_id); !s.ok()) return s;
  auto user = store_->GetUser(user_id);
  if (user.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError("no such user");
  }
  return user;
}

absl::StatusOr<UserPage> UserAccounts::List(
    int page_size, absl::string_view page_token) const {
  auto page_request = ParsePageRequest(page_size, page_token, &IsValidUserId);
  if (!page_request.ok()) return page_request.status();
  auto users = store_->ListUsers(page_request->after, page_request->size + 1);
  if (!users.ok()) return users.status();
  UserPage page;
  page.users = *std::move(users);
  if (page.users.size() > static_cast<size_t>(page_request->size)) {
    page.users.resize(page_request->size);
    page.next_page_token = NextPageToken(page.users.back().user_id);
  }
  return page;
}

absl::StatusOr<storage::UserRecord> UserAccounts::UpdateProfile(
    absl::string_view user_id, std::string name, std::string email,
    bool email_verified, const ClaimsEdit& edit_claims) const {
  if (absl::Status s = CheckProfile(name, email); !s.ok()) return s;
  auto user = Get(user_id);
  if (!user.ok()) return user.status();
  storage::StandardClaims claims = user->claims;
  if (edit_claims) edit_claims(claims);
  // A number that is gone cannot stay verified.
  if (claims.phone_number.empty()) claims.phone_number_verified = false;
  if (absl::Status s = ValidateStandardClaims(claims); !s.ok()) return s;
  const bool changed = user->name != name || user->email != email ||
                       user->email_verified != email_verified ||
                       !(user->claims == claims);
  user->name = std::move(name);
  user->email = std::move(email);
  user->email_verified = email_verified;
  user->claims = std::move(claims);
  user->updated_at = Now(clock_);
  if (changed) user->claims_updated_at = user->updated_at;
  if (absl::Status s = store_->UpdateUser(*user); !s.ok()) return s;
  return user;
}

absl::StatusOr<storage::UserRecord> UserAccounts::SetDisabled(
    absl::string_view user_id, bool disabled) const {
  auto user = Get(user_id);
  if (!user.ok()) return user.status();
  user->disabled = disabled;
  user->updated_at = Now(clock_);
  if (absl::Status s = store_->UpdateUser(*user); !s.ok()) return s;
  if (disabled && revoke_user_grants_) {
    if (absl::Status s = revoke_user_grants_(user->user_id); !s.ok()) return s;
  }
  return user;
}

absl::StatusOr<storage::UserRecord> UserAccounts::SetPassword(
    absl::string_view user_id, absl::string_view password) const {
  if (absl::Status s = ValidatePassword(password); !s.ok()) {
    return Invalid(s.message());
  }
  auto user = Get(user_id);
  if (!user.ok()) return user.status();
  auto slot = TakeHashSlot(hashes_);
  if (!slot.ok()) return slot.status();
  auto hash = hasher_->Hash(password);
  if (!hash.ok()) return hash.status();
  user->password_hash = *std::move(hash);
  user->updated_at = Now(clock_);
  if (absl::Status s = store_->SetPasswordHash(
          user->user_id, user->password_hash, user->updated_at);
      !s.ok()) {
    return s;
  }
  // Whoever knew the old password may hold tokens: they end now.
  if (revoke_user_grants_) {
    if (absl::Status s = revoke_user_grants_(user->user_id); !s.ok()) return s;
  }
  return user;
}

absl::StatusOr<storage::UserRecord> UserAccounts::Authenticate(
    absl::string_view username, absl::string_view password,
    absl::string_view source) const {
  const absl::Status refused =
      OAuthFailure(OAuthError::kAccessDenied, "wrong username or password",
                   absl::StatusCode::kUnauthenticated);
  // A name that could never have been registered: a failed login all the
  // same (it is throttled like any other), keyed by what was sent.
  auto normalized = NormalizeUsername(username);
  const std::string key =
      normalized.ok() ? *normalized : absl::AsciiStrToLower(username);
  // A locked-out key is refused before anything costs: no hash slot, no
  // lookup. Reserve below decides, atomically.
  if (absl::Status allowed = throttle_->Check(key, source); !allowed.ok()) {
    if (allowed.code() == absl::StatusCode::kResourceExhausted) {
      events_->LoginFailed("throttled");
    }
    return FromThrottle(allowed);
  }
  absl::StatusOr<storage::UserRecord> user =
      absl::NotFoundError("malformed username");
  if (normalized.ok()) user = store_->GetUserByUsername(*normalized);
  if (!user.ok() && user.status().code() != absl::StatusCode::kNotFound) {
    return user.status();
  }
  // The unknown user's dummy hash takes a slot too: it costs the same.
  auto slot = TakeHashSlot(hashes_);
  if (!slot.ok()) {
    events_->LoginFailed("busy");
    return Busy();
  }
  if (absl::Status reserved = throttle_->Reserve(key, source); !reserved.ok()) {
    if (reserved.code() == absl::StatusCode::kResourceExhausted) {
      events_->LoginFailed("throttled");
    }
    return FromThrottle(reserved);
  }
  // From here the attempt counts as a failure unless it succeeds.
  auto fail = [&](absl::string_view reason) {
    events_->LoginFailed(reason);
    return refused;
  };
  if (!user.ok()) {
    hasher_->VerifyDummy(password);  // Costs what a wrong password costs.
    return fail("bad_credentials");
  }
  auto check = hasher_->Verify(password, user->password_hash);
  if (!check.ok()) {
    // A corrupt stored hash: the login fails, and the metric says why.
    return fail("corrupt_hash");
  }
  if (!check->matches) return fail("bad_credentials");
  // Only now, with the right password: a disabled account does not reveal
  // itself to someone guessing.
  if (user->disabled) return fail("disabled");
  // A failure to give the attempt back leaves the counters stricter, not
  // looser: the login stands.
  (void)throttle_->RecordSuccess(key, source);
  if (check->needs_rehash) {
    // Parameters changed since the hash was made: upgrade it now that the
    // password is at hand (under the same hash slot). A failure here does
    // not fail the login.
    auto rehashed = hasher_->Hash(password);
    if (rehashed.ok() &&
        store_->SetPasswordHash(user->user_id, *rehashed, Now(clock_)).ok()) {
      user->password_hash = *std::move(rehashed);
    }
  }
  return user;
}

}  // namespace identity::server
