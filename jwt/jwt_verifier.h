// Verifies JWTs: compact JWS parsing, key selection, signature, then the claims
// rules of RFC 7519 and RFC 8725. Configuration is fixed at construction; the
// key set is a per-call argument so that callers can swap JWKS snapshots
// without rebuilding verifiers.
#ifndef IDENTITY_JWT_JWT_VERIFIER_H_
#define IDENTITY_JWT_JWT_VERIFIER_H_

#include <cstddef>
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

// Safe by default (RFC 8725 §3.11, RFC 9068 §4): JwtVerifier::Create refuses
// options that leave `issuer`, `audiences` or `required_typ` empty, unless the
// matching skip_*_check says, in the caller's code, that the check is not
// wanted. An empty field therefore never means "anything goes" by accident.
struct VerifierOptions {
  // Required exact "iss" (RFC 7519 §4.1.1, simple string comparison).
  std::string issuer;
  // Accepted audiences: "aud" must contain at least one (RFC 7519 §4.1.3).
  // None may be empty.
  std::vector<std::string> audiences;
  // Required "typ" header (e.g. "at+jwt", RFC 9068 §4). Compared
  // case-insensitively, with an optional "application/" prefix (RFC 7515
  // §4.1.9).
  std::string required_typ;

  // Explicit opt-outs, each only with its field left empty. Each is
  // dangerous; say why next to the line that sets it.
  //
  // No "iss" check: a token signed by any issuer whose keys are in the JWKS
  // passes, e.g. one from another tenant sharing a key set (RFC 8725 §3.8).
  bool skip_issuer_check = false;
  // No "aud" check: a token minted for another service is accepted here,
  // so any resource server the user visits can replay its token to this one
  // (RFC 8725 §3.9, RFC 9068 §4). Only for a verifier of tokens it minted
  // itself for its own use, or for offline inspection.
  bool skip_audience_check = false;
  // No "typ" check: another kind of JWT of the same issuer, e.g. an OpenID
  // Connect ID token ("typ" "JWT"), is accepted as an access token
  // (RFC 8725 §3.11, RFC 9068 §4).
  bool skip_typ_check = false;

  // Tolerated clock skew for exp, nbf and iat: whole seconds, 0 to kMaxLeeway.
  absl::Duration leeway = absl::ZeroDuration();
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
  // Errors: kOptionsInvalid (InvalidArgument), the message naming the
  // field, for an empty issuer, audiences or required_typ without its
  // skip_*_check, a skip_*_check with its field set as well, an empty
  // audience, a leeway that is not whole seconds in [0, kMaxLeeway], an
  // empty allowlist, a zero max size or a null clock.
  static absl::StatusOr<JwtVerifier> Create(VerifierOptions options);

  // Verifies `token` against `jwks`. Checks, in order, each failure with its
  // own Reason:
  //   1. Jws::Parse: size, shape, base64url, strict JSON header, alg, crit;
  //   2. typ: kTypMissing, kTypMismatch (unless skip_typ_check);
  //   3. VerifyJws: allowlist, kid, key agreement, signature;
  //   4. claims: strict JSON object, registered types (kClaimInvalid);
  //   5. exp: kExpMissing, kExpired (now >= exp + leeway);
  //   6. nbf: kNotYetValid (now < nbf - leeway);
  //   7. iat: kIssuedInFuture (iat > now + leeway);
  //   8. iss: kIssuerMissing, kIssuerMismatch (unless skip_issuer_check);
  //   9. aud: kAudienceMissing, kAudienceMismatch (unless
  //      skip_audience_check).
  absl::StatusOr<VerifiedJwt> Verify(absl::string_view token,
                                     const Jwks& jwks) const;

  // Steps 5 to 7 of Verify alone (exp, nbf, iat with the leeway, at the
  // clock's now), for a caller that keeps a token Verify accepted and must
  // judge it again later without verifying it again (a cache of verified
  // tokens): the same errors, each with its Reason.
  absl::Status CheckTimes(const Claims& claims) const;

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
