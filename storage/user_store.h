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

// A postal address (OIDC Core §5.1.1). An empty string: not set.
struct PostalAddress {
  std::string formatted;       // May hold line breaks ("\n" or "\r\n").
  std::string street_address;  // Likewise.
  std::string locality;
  std::string region;
  std::string postal_code;
  std::string country;

  bool empty() const;
  bool operator==(const PostalAddress& other) const;
};

// A user's standard claims (OIDC Core §5.1) other than name, email and
// email_verified (UserRecord's own fields) and preferred_username (the
// username). An empty string: not set.
struct StandardClaims {
  std::string given_name;
  std::string family_name;
  std::string middle_name;
  std::string nickname;
  std::string profile;  // URLs.
  std::string picture;
  std::string website;
  std::string gender;
  std::string birthdate;  // YYYY, YYYY-MM-DD or 0000-MM-DD.
  std::string zoneinfo;   // A tz database name.
  std::string locale;     // A BCP 47 language tag.
  std::string phone_number;
  bool phone_number_verified = false;
  PostalAddress address;

  bool operator==(const StandardClaims& other) const;
};

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
  StandardClaims claims;
  bool disabled = false;
  absl::Time created_at;
  // Any change to the record.
  absl::Time updated_at;
  // The last change to name, email, email_verified or `claims`: the
  // "updated_at" claim.
  absl::Time claims_updated_at;

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
  // Replaces name, email, email_verified, claims, claims_updated_at,
  // disabled and updated_at (not the username, the password hash or
  // created_at). NotFound if absent.
  virtual absl::Status UpdateUser(const UserRecord& user) = 0;
  // Replaces the password hash and updated_at. NotFound if absent.
  virtual absl::Status SetPasswordHash(absl::string_view user_id,
                                       absl::string_view password_hash,
                                       absl::Time updated_at) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_USER_STORE_H_
