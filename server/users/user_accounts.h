// End users (SPEC "Users"): the rules for usernames and profile claims,
// passwords hashed with Argon2id, and the login check (throttled, timing
// equalized for unknown users, rehash on parameter change). Transport-free:
// AdminService and the authorization endpoint (gRPC and HTTP) call it.
#ifndef IDENTITY_SERVER_USERS_USER_ACCOUNTS_H_
#define IDENTITY_SERVER_USERS_USER_ACCOUNTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "server/oauth/events.h"
#include "server/random_source.h"
#include "server/users/hash_limiter.h"
#include "server/users/login_throttle.h"
#include "server/users/password_hasher.h"
#include "storage/user_store.h"

namespace identity::server {

struct UserSpec {
  // 1 to 64 characters of [a-z0-9._@+-] after lower-casing (so an e-mail
  // address works as a username); compared lower-case.
  std::string username;
  std::string password = {};  // ValidatePassword (password_hasher.h).
  // Up to 200 bytes of printable UTF-8 (IsPrintableUtf8).
  std::string name = {};
  // Empty, or up to 254 characters "local@domain" without spaces or
  // control characters.
  std::string email = {};
  bool email_verified = false;
  // The other standard claims: ValidateStandardClaims (standard_claims.h).
  storage::StandardClaims claims = {};
};

struct UserPage {
  std::vector<storage::UserRecord> users;
  std::string next_page_token;  // Empty on the last page.
};

// Thread-safe. Everything passed in must outlive it. Errors: kInvalidRequest
// (oauth_error.h) for bad input, NotFound, AlreadyExists, the store's. A
// failed call changes nothing.
//
// Every password hash (logins, unknown users' included, and Create and
// SetPassword) takes a slot of `hashes` first, when given (null: no bound).
// Without a slot in time, Create and SetPassword fail with Unavailable
// ("the server is busy").
class UserAccounts {
 public:
  // Ends every grant of a user (their refresh tokens and access tokens):
  // called when the user is disabled or gets a new password.
  using GrantRevocation = std::function<absl::Status(absl::string_view)>;

  // `revoke_user_grants` may be empty (a server without end-user grants).
  UserAccounts(storage::UserStore* store, const PasswordHasher* hasher,
               LoginThrottle* throttle, const jwt::Clock* clock,
               RandomSource random, OAuthEvents* events = OAuthEvents::None(),
               GrantRevocation revoke_user_grants = nullptr,
               HashLimiter* hashes = nullptr)
      : store_(store),
        hasher_(hasher),
        throttle_(throttle),
        clock_(clock),
        random_(std::move(random)),
        events_(events),
        revoke_user_grants_(std::move(revoke_user_grants)),
        hashes_(hashes) {}

  absl::StatusOr<storage::UserRecord> Create(UserSpec spec) const;
  absl::StatusOr<storage::UserRecord> Get(absl::string_view user_id) const;
  // `page_size`: 1 to 1000, 0 means 100.
  absl::StatusOr<UserPage> List(int page_size,
                                absl::string_view page_token) const;
  // Edits the standard claims as stored (AdminService: the fields a request
  // sets).
  using ClaimsEdit = std::function<void(storage::StandardClaims&)>;
  // Replaces name, email and email_verified, and applies `edit_claims` (when
  // given) to the stored claims; the result is validated as Create's. A
  // phone_number left empty has phone_number_verified false. When any of
  // them changes, claims_updated_at (the "updated_at" claim) is now.
  absl::StatusOr<storage::UserRecord> UpdateProfile(
      absl::string_view user_id, std::string name, std::string email,
      bool email_verified, const ClaimsEdit& edit_claims = nullptr) const;
  // Disabling a user, or setting a password, also ends every grant the user
  // holds (their tokens stop working at once, on every replica). If that
  // fails the change is kept and the error returned: calling again ends them.
  absl::StatusOr<storage::UserRecord> SetDisabled(absl::string_view user_id,
                                                  bool disabled) const;
  absl::StatusOr<storage::UserRecord> SetPassword(
      absl::string_view user_id, absl::string_view password) const;

  // The user, when `password` is theirs and they are not disabled.
  // `source` (the client's address) keys the per-source throttle. The
  // attempt is reserved with the throttle (LoginThrottle::Reserve) before
  // the password is checked, so concurrent guesses count as they start.
  // Errors: kAccessDenied with code Unauthenticated for an unknown user, a
  // wrong password or a disabled user, all with one message (no account
  // enumeration, and an unknown user costs one Argon2id like a known one);
  // kTemporarilyUnavailable with the detail "retry_after_seconds": with code
  // ResourceExhausted while throttled, with code Unavailable when no hash
  // slot came free in time (the server is busy: retry after 1 second; not
  // counted as a failed login); the store's errors (Unavailable, without an
  // OAuth error).
  absl::StatusOr<storage::UserRecord> Authenticate(
      absl::string_view username, absl::string_view password,
      absl::string_view source) const;

 private:
  storage::UserStore* const store_;
  const PasswordHasher* const hasher_;
  LoginThrottle* const throttle_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  OAuthEvents* const events_;
  const GrantRevocation revoke_user_grants_;
  HashLimiter* const hashes_;  // May be null.
};

// Whether `user_id` has the form this server generates (base64url, 1 to 64
// characters): checked before any lookup.
bool IsValidUserId(absl::string_view user_id);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_USERS_USER_ACCOUNTS_H_
