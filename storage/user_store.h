// Persistence of end users (the resource owners who log in). No rules here:
// server/users and the OAuth core validate what they store.
#ifndef IDENTITY_STORAGE_USER_STORE_H_
#define IDENTITY_STORAGE_USER_STORE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

struct UserRecord {
  // Stable, server-generated; the "sub" of the user's tokens.
  std::string user_id;
  // The login name, unique (compared exactly; the core lower-cases it).
  std::string username;
  // A PHC string (server/users/argon2_phc.h), never the password.
  std::string password_hash;
  // Profile claims (OIDC Core §5.1).
  std::string name;
  std::string email;
  bool email_verified = false;
  bool disabled = false;
  absl::Time created_at;
  absl::Time updated_at;

  bool operator==(const UserRecord& other) const;
};

// Thread-safe. Errors: NotFound, AlreadyExists, Unavailable, Internal.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // AlreadyExists if the user_id or the username is taken.
  virtual absl::Status CreateUser(const UserRecord& user) = 0;
  virtual absl::StatusOr<UserRecord> GetUser(absl::string_view user_id) = 0;
  virtual absl::StatusOr<UserRecord> GetUserByUsername(
      absl::string_view username) = 0;
  // Up to `limit` users with user_id > `after`, ordered by user_id.
  virtual absl::StatusOr<std::vector<UserRecord>> ListUsers(
      absl::string_view after, int limit) = 0;
  // Replaces name, email, email_verified, disabled and updated_at (not the
  // username, the password hash or created_at). NotFound if absent.
  virtual absl::Status UpdateUser(const UserRecord& user) = 0;
  // Replaces the password hash and updated_at. NotFound if absent.
  virtual absl::Status SetPasswordHash(absl::string_view user_id,
                                       absl::string_view password_hash,
                                       absl::Time updated_at) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_USER_STORE_H_
