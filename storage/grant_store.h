// Persistence of what a user's consent produces: authorization codes and
// refresh tokens, and the pushed authorization requests that lead to them. Both
// are stored only as hashes of their values (SHA-256 of 256 random bits: the
// core hashes, the store never sees a code or token). Single use of a code and
// rotation of a refresh token are atomic here, also across replicas sharing one
// PostgreSQL (conditional UPDATE ... RETURNING).
#ifndef IDENTITY_STORAGE_GRANT_STORE_H_
#define IDENTITY_STORAGE_GRANT_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace identity::storage {

struct AuthorizationCodeRecord {
  std::string code_hash;  // Primary key.
  // The grant this code starts: the family id of the refresh tokens it leads
  // to, so that a replay of the code can revoke them.
  std::string grant_id;
  std::string client_id;
  std::string user_id;
  std::string redirect_uri;
  std::string scope;  // Granted, space-delimited.
  std::string nonce;  // Empty when the request had none.
  std::string code_challenge;
  std::string code_challenge_method;  // "S256" or "plain".
  absl::Time auth_time;
  absl::Time expires_at;
  // The login session (session_store.h) the code was issued from; empty
  // when none (the gRPC face has no sessions).
  std::string sid = {};
  // Set by the redemption: when, and the jti and expiry of the access token
  // it issued (revoked if the code is replayed).
  std::optional<absl::Time> redeemed_at;
  std::string access_token_jti;
  absl::Time access_token_expires_at;
  // The resource indicators (RFC 8707) the code was authorized for, no
  // spaces inside one; empty when the request named none.
  std::vector<std::string> resources = {};

  bool operator==(const AuthorizationCodeRecord& other) const;
};

struct RefreshTokenRecord {
  std::string token_hash;  // Primary key.
  std::string family_id;   // The grant: every rotation keeps it.
  std::string client_id;
  std::string user_id;
  std::string scope;  // Granted, space-delimited.
  absl::Time auth_time;
  absl::Time created_at;
  // Unused for longer than the idle lifetime: expired. Each rotation sets
  // the new token's idle expiry; the family's absolute expiry never moves.
  absl::Time idle_expires_at;
  absl::Time absolute_expires_at;
  // Set when a newer token replaced this one.
  std::optional<absl::Time> rotated_at;
  bool revoked = false;
  // The access token issued with this refresh token (by the code exchange
  // or the rotation that created it): revoked with the grant.
  std::string access_token_jti = {};
  absl::Time access_token_expires_at = absl::UnixEpoch();
  // The login session the grant came from (every rotation keeps it); empty
  // when none.
  std::string sid = {};
  // The resource indicators (RFC 8707) the grant was authorized for (every
  // rotation keeps them); empty when none.
  std::vector<std::string> resources = {};
  // RFC 9449 §5: the SHA-256 JWK thumbprint of the DPoP key the family is
  // bound to (a public client's grant made with a proof); every rotation
  // keeps it. Empty: not bound.
  std::string dpop_jkt = {};

  bool operator==(const RefreshTokenRecord& other) const;
};

// An access token a grant issued, as the revocation list needs it.
struct IssuedAccessToken {
  std::string jti;
  absl::Time expires_at;

  bool operator==(const IssuedAccessToken& other) const {
    return jti == other.jti && expires_at == other.expires_at;
  }
};

// A pushed authorization request (RFC 9126): the parameters a client sent to
// the PAR endpoint, waiting for the authorization request that refers to
// them by request_uri. Stored by the hash of the reference (the core hashes;
// the store never sees a request_uri), bound to the client, single use.
struct PushedRequestRecord {
  std::string request_uri_hash;  // Primary key.
  std::string client_id;
  // The request's parameters, encoded by the core; opaque here.
  std::string parameters;
  absl::Time expires_at;

  bool operator==(const PushedRequestRecord& other) const;
};

// Thread-safe. Errors: NotFound, AlreadyExists, FailedPrecondition (below),
// Unavailable, Internal.
class GrantStore {
 public:
  virtual ~GrantStore() = default;

  // AlreadyExists if the hash is taken.
  virtual absl::Status CreateAuthorizationCode(
      const AuthorizationCodeRecord& code) = 0;
  // The code as stored (redeemed or not). NotFound if absent.
  virtual absl::StatusOr<AuthorizationCodeRecord> GetAuthorizationCode(
      absl::string_view code_hash) = 0;
  // Atomically marks the code redeemed at `now` by `client_id`, recording the
  // access token it issues, and returns the updated record. Of concurrent
  // calls exactly one succeeds. Errors: NotFound (absent, or bound to
  // another client); FailedPrecondition when already redeemed (the returned
  // status only: call GetAuthorizationCode for what the first redemption
  // issued) or expired (expires_at <= now).
  virtual absl::StatusOr<AuthorizationCodeRecord> RedeemAuthorizationCode(
      absl::string_view code_hash, absl::string_view client_id, absl::Time now,
      absl::string_view access_token_jti,
      absl::Time access_token_expires_at) = 0;
  // Forgets codes that expired before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredCodes(absl::Time now) = 0;

  // AlreadyExists if the hash is taken.
  virtual absl::Status CreatePushedRequest(
      const PushedRequestRecord& request) = 0;
  // Atomically removes the pushed request if it belongs to `client_id` and
  // expires after `now`, and returns it: of concurrent calls (also across
  // replicas) exactly one succeeds. NotFound otherwise (absent, consumed
  // already, expired, or another client's; another client's call leaves it
  // in place).
  virtual absl::StatusOr<PushedRequestRecord> ConsumePushedRequest(
      absl::string_view request_uri_hash, absl::string_view client_id,
      absl::Time now) = 0;
  // How many pushed requests of `client_id` expire after `now` (the bound on
  // what one client, possibly a public one anybody can name, may store).
  virtual absl::StatusOr<int64_t> CountLivePushedRequests(
      absl::string_view client_id, absl::Time now) = 0;
  // Forgets pushed requests that expired before `now`; returns how many.
  virtual absl::StatusOr<int64_t> PurgeExpiredPushedRequests(
      absl::Time now) = 0;

  // AlreadyExists if the hash is taken.
  virtual absl::Status CreateRefreshToken(const RefreshTokenRecord& token) = 0;
  // NotFound if absent.
  virtual absl::StatusOr<RefreshTokenRecord> GetRefreshToken(
      absl::string_view token_hash) = 0;
  // Atomically: if `old_hash` is live (not rotated, not revoked, idle and
  // absolute expiries after `now`) and belongs to `client_id`, marks it
  // rotated at `now` and stores `replacement`, in one transaction; returns
  // the old record. Of concurrent calls on one token exactly one succeeds.
  // Errors: NotFound (absent, or another client's); FailedPrecondition when
  // it is rotated, revoked or expired (GetRefreshToken tells which).
  virtual absl::StatusOr<RefreshTokenRecord> RotateRefreshToken(
      absl::string_view old_hash, absl::string_view client_id, absl::Time now,
      const RefreshTokenRecord& replacement) = 0;
  // Revokes every token of the family; returns how many were live.
  virtual absl::StatusOr<int64_t> RevokeRefreshFamily(
      absl::string_view family_id) = 0;
  // Forgets tokens whose absolute expiry is before `now`.
  virtual absl::StatusOr<int64_t> PurgeExpiredRefreshTokens(absl::Time now) = 0;

  // Every access token the grant `grant_id` issued that expires after `now`:
  // its code's (recorded by the redemption) and each of its refresh tokens'.
  // In no particular order; a jti may appear twice.
  virtual absl::StatusOr<std::vector<IssuedAccessToken>> GrantAccessTokens(
      absl::string_view grant_id, absl::Time now) = 0;
  // The grants of `user_id` that may still yield or hold a valid token at
  // `now`: those with a refresh token whose absolute expiry is after `now`,
  // or a redeemed code whose access token expires after `now`. Distinct, in
  // no particular order.
  virtual absl::StatusOr<std::vector<std::string>> UserGrants(
      absl::string_view user_id, absl::Time now) = 0;
  // UserGrants, only those made to `client_id` (a withdrawn consent).
  virtual absl::StatusOr<std::vector<std::string>> UserClientGrants(
      absl::string_view user_id, absl::string_view client_id,
      absl::Time now) = 0;
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_GRANT_STORE_H_
