// DPoP proofs (RFC 9449): the JWT a client signs with its own key for each
// request, which binds an access token to that key. Checked here once for the
// token endpoint (server/oauth) and for the services that accept DPoP-bound
// tokens (client/interceptor). Pure JOSE: single use of "jti" across replicas
// is the caller's (storage/replay_store.h), with DpopProof::accepted_until.
#ifndef IDENTITY_JWT_DPOP_PROOF_H_
#define IDENTITY_JWT_DPOP_PROOF_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"

namespace identity::jwt {

// RFC 9449 §4.2: the "typ" of a proof.
inline constexpr char kDpopProofType[] = "dpop+jwt";
// The longest "jti" accepted, in bytes (callers hash it for the replay store).
inline constexpr size_t kMaxDpopJtiSize = 256;
// The longest proof read, in bytes (an RSA-4096 "jwk" header fits).
inline constexpr size_t kMaxDpopProofSize = 8 * 1024;

struct DpopProofOptions {
  // RFC 9449 §4.3 item 11: how long after its "iat" a proof is accepted.
  absl::Duration max_age = absl::Seconds(60);
  // How far ahead of now "iat" may be (the client's clock running fast).
  absl::Duration leeway = absl::Seconds(5);
  // RFC 9449 §4.3 item 5: asymmetric algorithms only; by default every
  // asymmetric one this library implements (DpopAlgorithms()).
  std::vector<Algorithm> allowed_algorithms;
  // Not owned.
  const Clock* clock = Clock::Real();
};

// The request a proof must be made for (RFC 9449 §4.3 items 8 to 12).
struct DpopRequest {
  // "htm": the HTTP method, compared exactly ("POST").
  std::string method;
  // "htu": the target URI; compared after DpopNormalizeUri on both sides.
  std::string uri;
  // When an access token comes with the proof: "ath" must be its hash
  // (DpopAccessTokenHash). Without one, "ath" is not looked at.
  std::optional<std::string> access_token;
  // When the server demands a nonce (RFC 9449 §8, §9): "nonce" must equal it.
  std::optional<std::string> nonce;
};

// What a verified proof establishes.
struct DpopProof {
  // RFC 7638 SHA-256 thumbprint of the proof's key: the "jkt" of "cnf"
  // (RFC 9449 §6.1).
  std::string jkt;
  std::string jti;
  absl::Time issued_at;
  // issued_at + max_age: the proof is refused after this, so its "jti" needs
  // remembering until then (RFC 9449 §11.1).
  absl::Time accepted_until;
  Jwk key;  // The public key of the "jwk" header.
};

// The asymmetric algorithms this library implements (RS*, PS*, ES*, EdDSA):
// the default of DpopProofOptions and what discovery publishes as
// dpop_signing_alg_values_supported.
const std::vector<Algorithm>& DpopAlgorithms();

// RFC 9449 §4.2 "ath": base64url(SHA-256(ASCII access token)).
std::string DpopAccessTokenHash(absl::string_view access_token);

// The form of a URI that "htu" comparisons use (RFC 9449 §4.3 item 9: the
// query and fragment ignored; RFC 3986 §6.2.2 and §6.2.3 normalization):
// scheme and host lowercased, the scheme's default port dropped, an empty
// path as "/", percent-encodings uppercased and those of unreserved
// characters decoded. Dot segments are kept (compared as sent). Errors:
// InvalidArgument for anything but an absolute http or https URI with a
// host, without userinfo.
absl::StatusOr<std::string> DpopNormalizeUri(absl::string_view uri);

// RFC 9449 is written for HTTP; a gRPC call is an HTTP/2 POST to
// "/<package.Service>/<Method>" on its :authority. So a proof for a gRPC
// call has "htm" "POST" and "htu" this URI: "https://" + `authority` (the
// call's :authority, e.g. "orders.example:8443") + `method_path` (gRPC's
// full method name, "/identity.v1.TokenService/Token"). Always https: the
// scheme the client intends, whether or not TLS ends before the server.
std::string DpopGrpcUri(absl::string_view authority,
                        absl::string_view method_path);

// Immutable and thread-safe.
class DpopProofVerifier {
 public:
  // Errors: kOptionsInvalid for max_age not positive, leeway negative or
  // above max_age, a null clock, or a symmetric (HMAC) allowed algorithm.
  static absl::StatusOr<DpopProofVerifier> Create(DpopProofOptions options);

  // Verifies `proof` for `request` (RFC 9449 §4.3), in order:
  //   the JWS (kTokenTooLarge over kMaxDpopProofSize, and Jws::Parse's);
  //   "typ" (kTypMissing, kTypMismatch: exactly "dpop+jwt");
  //   "alg" allowed (kAlgNotAllowed: HMAC never);
  //   "jwk" (kDpopKeyInvalid: missing, not an object, a symmetric key, or
  //     with private members; the key errors of Jwk::FromJson; kKeyAlgMismatch
  //     when the key cannot do "alg");
  //   the signature with that key (kSignature*);
  //   the claims set a JSON object (kJson*); "jti" a non-empty string of at
  //     most kMaxDpopJtiSize bytes, "htm" and "htu" strings, "iat" a number
  //     (kClaimInvalid);
  //   "htm" (kDpopMethodMismatch), "htu" (kDpopUriMismatch);
  //   "iat" (kIssuedInFuture beyond leeway; kDpopProofTooOld after max_age);
  //   "ath" when an access token is given (kDpopAthMismatch: missing or not
  //     its hash); "nonce" when one is demanded (kDpopNonceMismatch).
  absl::StatusOr<DpopProof> Verify(absl::string_view proof,
                                   const DpopRequest& request) const;

  const DpopProofOptions& options() const { return options_; }

 private:
  explicit DpopProofVerifier(DpopProofOptions options)
      : options_(std::move(options)) {}
  DpopProofOptions options_;
};

// What a client puts in a proof.
struct DpopProofClaims {
  std::string method;
  std::string uri;  // Sent as given (query and fragment are the caller's).
  std::string jti;
  absl::Time issued_at;
  std::optional<std::string> access_token;  // Becomes "ath".
  std::optional<std::string> nonce;
};

// Signs a proof with `private_key` (its public half goes in the "jwk"
// header; "typ" is "dpop+jwt"). The algorithm is the key's SigningAlgorithm.
// Errors: kAlgNotAllowed for an oct key or an RSA key without "alg", and
// those of SignJws. Thread-safe.
absl::StatusOr<std::string> SignDpopProof(const Jwk& private_key,
                                          const DpopProofClaims& claims);

}  // namespace identity::jwt

#endif  // IDENTITY_JWT_DPOP_PROOF_H_
