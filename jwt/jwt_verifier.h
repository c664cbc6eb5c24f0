// Verifies JWTs: compact JWS parsing, key selection, signature, then the claims
// rules of RFC 7519 and RFC 8725. Configuration is fixed at construction; the
// key set is a per-call argument so that callers can swap JWKS snapshots
// without rebuilding verifiers.
#ifndef IDENTITY_JWT_JWT_VERIFIER_H_
#define IDENTITY_JWT_JWT_VERIFIER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "jwt/claims.h"
#include "jwt/clock.h"
#include "jwt/jwks.h"
#include "jwt/jws.h"

namespace identity::jwt {

// The largest leeway a verifier accepts.
inline constexpr absl::Duration kMaxLeeway = absl::Hours(24);

struct VerifierOptions {
  // Required exact "iss" (RFC 7519 §4.1.1, simple string comparison). Empty:
  // not checked.
  std::string issuer;
  // Accepted audiences: "aud" must contain at least one (RFC 7519 §4.1.3).
  // Empty: not checked.
  std::vector<std::string> audiences;
  // Tolerated clock skew for exp, nbf and iat: whole seconds, 0 to kMaxLeeway.
  absl::Duration leeway = absl::ZeroDuration();
  // Required "typ" header (e.g. "at+jwt", RFC 9068 §4). Compared
  // case-insensitively, with an optional "application/" prefix (RFC 7515
  // §4.1.9). nullopt: not checked.
  std::optional<std::string> required_typ;
  // Algorithms accepted in the header. Never "none"; HMAC only if listed.
  std::vector<Algorithm> allowed_algorithms = DefaultAllowedAlgorithms();
  // Longest compact token accepted, in bytes.
  size_t max_token_size = kDefaultMaxTokenSize;
  // Whether a token without "exp" is refused (kExpMissing).
  bool require_exp = true;
  // Source of "now". Not owned; must outlive the verifier.
  const Clock* clock = Clock::Real();
};

struct VerifiedJwt {
  JwsHeader header;
  Claims claims;
  std::string payload;  // The claims set exactly as signed (JSON text).
  std::string kid;      // The kid of the key that verified, possibly empty.
};

// Immutable; thread-safe.
class JwtVerifier {
 public:
  // Errors: kOptionsInvalid for a leeway that is not whole seconds in
  // [0, kMaxLeeway], an empty allowlist, a zero max size or a null clock.
  static absl::StatusOr<JwtVerifier> Create(VerifierOptions options);

  // Verifies `token` against `jwks`. Checks, in order, each failure with its
  // own Reason:
  //   1. Jws::Parse: size, shape, base64url, strict JSON header, alg, crit;
  //   2. typ: kTypMissing, kTypMismatch;
  //   3. VerifyJws: allowlist, kid, key agreement, signature;
  //   4. claims: strict JSON object, registered types (kClaimInvalid);
  //   5. exp: kExpMissing, kExpired (now >= exp + leeway);
  //   6. nbf: kNotYetValid (now < nbf - leeway);
  //   7. iat: kIssuedInFuture (iat > now + leeway);
  //   8. iss: kIssuerMissing, kIssuerMismatch;
  //   9. aud: kAudienceMissing, kAudienceMismatch.
  absl::StatusOr<VerifiedJwt> Verify(absl::string_view token,
                                     const Jwks& jwks) const;

  const VerifierOptions& options() const { return options_; }

 private:
  explicit JwtVerifier(VerifierOptions options)
      : options_(std::move(options)) {}

  VerifierOptions options_;
};

// Whether a "typ" header value names `expected` (RFC 7515 §4.1.9:
// case-insensitive, and "application/" may be omitted).
bool TypMatches(absl::string_view typ, absl::string_view expected);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_JWT_VERIFIER_H_
