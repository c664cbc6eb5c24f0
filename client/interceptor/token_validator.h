// Validates the bearer token of a call. The interface lets the same
// authorizer sit on identity-server (which verifies against its own keys) and
// on other services (which fetch the issuer's JWKS).
#ifndef IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_
#define IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jwt/claims.h"
#include "jwt/clock.h"
#include "jwt/jwks.h"
#include "jwt/jwt_verifier.h"

namespace identity::interceptor {

struct VerifiedToken {
  jwt::Claims claims;
  // The "scope" claim split on spaces (RFC 9068 §2.2.3, RFC 8693 §4.2).
  std::vector<std::string> scopes;
  // Until when the token stays valid: "exp" plus the verifier's leeway
  // (absl::InfiniteFuture() for a token without "exp", if accepted).
  absl::Time valid_until = absl::InfiniteFuture();

  // RFC 8693 §4.1: who acts for the subject ("sub"), from the nested "act"
  // claims: each actor's "sub", the current actor first, then the one it
  // acted for, and so on. Empty when the token has no "act" (the subject
  // itself calls, or a service impersonates it). Only the current actor is
  // the party the call comes from (§4.1: prior actors are informational).
  // Errors: InvalidArgument when an "act" level is not an object with a
  // string "sub" (a handler that decides on the chain refuses such a call).
  absl::StatusOr<std::vector<std::string>> ActorChain() const;

  // RFC 9449 §6.1: the thumbprint of the key the token is bound to, from
  // "cnf": {"jkt": ...}; nullopt for a token without "cnf" or whose "cnf"
  // has no "jkt" (not DPoP-bound). The interceptor has checked, before the
  // handler ran, that the call's DPoP proof was signed by that key. Errors:
  // InvalidArgument when "cnf" is not an object or "jkt" not a non-empty
  // string (such a token is refused before any handler).
  absl::StatusOr<std::optional<std::string>> DpopJkt() const;
};

// Implementations are thread-safe.
class TokenValidator {
 public:
  virtual ~TokenValidator() = default;
  // The verified token, or an error whose message names the reason (never
  // the token). Errors: Unauthenticated for a token that does not verify;
  // Unavailable when no keys are at hand.
  virtual absl::StatusOr<std::shared_ptr<const VerifiedToken>> Validate(
      absl::string_view token) const = 0;
};

// Verifies JWTs with `verifier` against whatever key set `jwks` returns at the
// time of the call (a snapshot: rotations take effect on the next call).
class JwksTokenValidator final : public TokenValidator {
 public:
  using JwksSource = std::function<std::shared_ptr<const jwt::Jwks>()>;

  // `on_unknown_kid`, if set, runs (and must not block) when a token names
  // a "kid" the set lacks: a JwksCache's RequestRefetch.
  JwksTokenValidator(jwt::JwtVerifier verifier, JwksSource jwks,
                     std::function<void()> on_unknown_kid = nullptr)
      : verifier_(std::move(verifier)),
        jwks_(std::move(jwks)),
        on_unknown_kid_(std::move(on_unknown_kid)) {}

  absl::StatusOr<std::shared_ptr<const VerifiedToken>> Validate(
      absl::string_view token) const override;

 private:
  const jwt::JwtVerifier verifier_;
  const JwksSource jwks_;
  const std::function<void()> on_unknown_kid_;
};

// Several trusted issuers at once (a migration from another IdP): each token
// goes to the validator of the issuer its "iss" names, read from the payload
// BEFORE any signature work (the payload is parsed strictly, jwt/'s Jws and
// Claims parsers, but not trusted: the chosen validator verifies everything,
// "iss" included). A token whose "iss" names no trusted issuer is refused
// without touching any issuer's keys, so it cannot trigger a JWKS refetch.
// Errors: those of the chosen validator; Unauthenticated with jwt/'s reason
// for a token that does not parse, has no "iss" (issuer_missing) or names an
// unknown one (issuer_mismatch).
class IssuerSelectingValidator final : public TokenValidator {
 public:
  using ByIssuer =
      absl::flat_hash_map<std::string, std::shared_ptr<const TokenValidator>>;

  // `by_issuer`: exact "iss" value (RFC 7519 §4.1.1) -> its validator.
  // `max_token_size` bounds the parse, as the verifiers' option does.
  IssuerSelectingValidator(ByIssuer by_issuer, size_t max_token_size)
      : by_issuer_(std::move(by_issuer)), max_token_size_(max_token_size) {}

  absl::StatusOr<std::shared_ptr<const VerifiedToken>> Validate(
      absl::string_view token) const override;

 private:
  const ByIssuer by_issuer_;
  const size_t max_token_size_;
};

// A bounded cache of verified tokens in front of another validator (SPEC:
// repeated validation costs about a hash lookup). Keyed by the whole token;
// an entry is used only while the clock is before its valid_until, and at
// most `max_age` after it was verified (so a key set change reaches cached
// tokens within that time). Failures are not cached. When full, expired
// entries go first, then an arbitrary eighth of the shard.
class CachingTokenValidator final : public TokenValidator {
 public:
  struct Options {
    size_t capacity = 10'000;
    absl::Duration max_age = absl::Minutes(5);
  };

  // `clock` must outlive the cache.
  CachingTokenValidator(std::shared_ptr<const TokenValidator> inner,
                        const jwt::Clock* clock, Options options);
  CachingTokenValidator(std::shared_ptr<const TokenValidator> inner,
                        const jwt::Clock* clock)
      : CachingTokenValidator(std::move(inner), clock, Options()) {}

  absl::StatusOr<std::shared_ptr<const VerifiedToken>> Validate(
      absl::string_view token) const override;

  // The number of cached tokens (for tests and metrics).
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const VerifiedToken> token;
    absl::Time use_until;
  };
  struct Shard {
    mutable absl::Mutex mu;
    absl::flat_hash_map<std::string, Entry> entries ABSL_GUARDED_BY(mu);
  };
  static constexpr size_t kShards = 16;

  Shard& ShardFor(absl::string_view token) const;

  const std::shared_ptr<const TokenValidator> inner_;
  const jwt::Clock* const clock_;
  const Options options_;
  const size_t shard_capacity_;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace identity::interceptor

#endif  // IDENTITY_CLIENT_INTERCEPTOR_TOKEN_VALIDATOR_H_
