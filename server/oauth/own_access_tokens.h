// How the server checks an access token it issued (RFC 9068): the signature
// and claims against its own keys, then its revocation list. One rule, used
// by introspection, UserInfo, revocation and the admin methods' guard.
#ifndef IDENTITY_SERVER_OAUTH_OWN_ACCESS_TOKENS_H_
#define IDENTITY_SERVER_OAUTH_OWN_ACCESS_TOKENS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "jwt/jwt_verifier.h"
#include "server/keys/key_manager.h"
#include "server/oauth/verified_token_cache.h"
#include "storage/revocation_store.h"

namespace identity::server {

// Clock skew tolerated between the replica that issued a token and the one
// verifying it (exp, nbf, iat).
inline constexpr absl::Duration kReplicaClockLeeway = absl::Seconds(5);

// The verifier rule: "typ" at+jwt (RFC 9068 §4), "iss" == `issuer`, "exp"
// required, any algorithm the server may sign with (never HMAC or "none"),
// leeway kReplicaClockLeeway. The audience is not checked (an explicit
// skip_audience_check, reasons in the .cc): the server judges tokens it
// minted, whatever audience they name. `clock` must outlive it.
absl::StatusOr<jwt::JwtVerifier> OwnAccessTokenVerifier(
    std::string issuer, const jwt::Clock* clock);

// Thread-safe. `keys`, `revocations` and `cache` must outlive it.
class OwnAccessTokens {
 public:
  // With a `cache`, a token that verified before under the current key set
  // is not verified again (VerifiedTokenCache): only its exp, nbf and iat
  // are judged again, on `clock`, and the revocation list is read as for
  // any token. Without one (null), every call verifies.
  static absl::StatusOr<OwnAccessTokens> Create(
      std::string issuer, const jwt::Clock* clock, const KeyManager* keys,
      storage::RevocationStore* revocations,
      VerifiedTokenCache* cache = nullptr);

  // Signature and claims against the keys' current snapshot; no storage.
  // Errors: those of jwt::JwtVerifier::Verify (jwt/status.h reasons), the
  // same for a cached token (exp passed: kExpired).
  absl::StatusOr<jwt::VerifiedJwt> Verify(absl::string_view token) const;
  // The same, shared with the cache instead of copied.
  absl::StatusOr<std::shared_ptr<const jwt::VerifiedJwt>> VerifyShared(
      absl::string_view token) const;

  // Verify, then the token's jti is not on the revocation list. Errors:
  // kInvalidToken (oauth_error.h) with the detail "reason": the
  // jwt::ReasonName of a failed verification, or "revoked"; the store's
  // errors (Unavailable) unchanged.
  absl::StatusOr<jwt::VerifiedJwt> Check(absl::string_view token) const;
  // The same, shared with the cache instead of copied.
  absl::StatusOr<std::shared_ptr<const jwt::VerifiedJwt>> CheckShared(
      absl::string_view token) const;

  // Puts `jti`, a token of this server that expires at `expires_at`, on the
  // revocation list until its verifiers would refuse it anyway: expires_at
  // plus kReplicaClockLeeway (a revocation kept only until exp would let the
  // token work again for the leeway). Errors: the store's.
  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) const;

  // Whether Check may wait on I/O: the revocation list is not in memory
  // (storage::RevocationStore::AnswersFromMemory). Verify never waits.
  bool MayBlock() const { return !revocations_->AnswersFromMemory(); }

  // Why Check refused: the detail "reason" of its error ("" for others).
  static std::string ReasonOf(const absl::Status& status);

  const jwt::JwtVerifier& verifier() const { return verifier_; }
  // The "iss" of this server's tokens, and the clock that judges them.
  const std::string& issuer() const { return issuer_; }
  const jwt::Clock* clock() const { return clock_; }

 private:
  OwnAccessTokens(std::string issuer, const jwt::Clock* clock,
                  jwt::JwtVerifier verifier, const KeyManager* keys,
                  storage::RevocationStore* revocations,
                  VerifiedTokenCache* cache)
      : issuer_(std::move(issuer)),
        clock_(clock),
        verifier_(std::move(verifier)),
        keys_(keys),
        revocations_(revocations),
        cache_(cache) {}

  // kInvalidToken "reason" for a failed verification.
  static absl::Status Refused(const absl::Status& status);
  // kInvalidToken "revoked" when `verified`'s jti is on the list.
  absl::Status CheckNotRevoked(const jwt::VerifiedJwt& verified) const;

  std::string issuer_;
  const jwt::Clock* clock_;
  jwt::JwtVerifier verifier_;
  const KeyManager* keys_;
  storage::RevocationStore* revocations_;
  VerifiedTokenCache* cache_;  // May be null.
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_OWN_ACCESS_TOKENS_H_
