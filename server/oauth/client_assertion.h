// private_key_jwt client authentication (RFC 7523 §2.2 and §3, RFC 7521
// §4.2, OIDC Core §9): a JWT the client signs with a key whose public half
// it registered (client_jwks.h), presented once.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_ASSERTION_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_ASSERTION_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jwt/clock.h"
#include "storage/client_store.h"
#include "storage/replay_store.h"

namespace identity::server {

// RFC 7523 §2.2: the client_assertion_type of a JWT client assertion.
inline constexpr char kJwtBearerAssertionType[] =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
// The ReplayStore kind of assertion ids.
inline constexpr char kClientAssertionReplayKind[] = "client_assertion";
// The longest assertion read, in bytes (a JWS of a few claims and an RSA
// signature is well under 2 KiB).
inline constexpr size_t kMaxClientAssertionSize = 8 * 1024;
// The longest "jti" accepted, in bytes.
inline constexpr size_t kMaxClientAssertionJtiSize = 256;

struct ClientAssertionOptions {
  // What "aud" must contain one of (RFC 7523 §3 item 3): the issuer and the
  // URLs of the endpoints that authenticate clients (ClientAssertionAudiences).
  std::vector<std::string> audiences;
  // Tolerated clock skew for exp, nbf and iat (whole seconds).
  absl::Duration leeway = absl::Seconds(30);
  // How far in the future "exp" may be (RFC 7523 §3 item 4 lets the server
  // bound it): the replay store keeps an id that long at most.
  absl::Duration max_lifetime = absl::Minutes(5);
  // Not owned.
  const jwt::Clock* clock = jwt::Clock::Real();
};

// The issuer and its token, PAR, introspection and revocation endpoint URLs
// (as discovery publishes them): an assertion made for any of them is made
// for this server, whichever endpoint receives it (peers accept the issuer
// or the token endpoint everywhere).
std::vector<std::string> ClientAssertionAudiences(absl::string_view issuer);

// The client an assertion claims to come from: its "sub" (RFC 7523 §3 item
// 2), read WITHOUT verifying anything, to find the client whose keys then
// verify it. Errors: kInvalidClient (oauth_error.h) for an assertion too
// large, not a compact JWS, or without a string "sub".
absl::StatusOr<std::string> ClaimedClientId(absl::string_view assertion);

// Immutable and thread-safe. `replays` must outlive it.
class ClientAssertionVerifier {
 public:
  // Errors: InvalidArgument for no audience, an empty one, a leeway not
  // whole seconds in [0, 5 min], a non-positive max_lifetime or a null clock.
  static absl::StatusOr<ClientAssertionVerifier> Create(
      ClientAssertionOptions options, storage::ReplayStore* replays);

  // Verifies `assertion` as `client`'s, which must be registered for
  // private_key_jwt. In order, each failure kInvalidClient with its reason
  // in the message: the client has no usable jwks; the JWS (size, alg
  // allowlist ClientAssertionAlgorithms: no none or HMAC, kid selecting one
  // of the client's keys, signature); exp required and not passed, nbf, iat
  // (jwt::JwtVerifier with the leeway); iss = client_id; aud; sub =
  // client_id; jti required (at most kMaxClientAssertionJtiSize bytes); exp
  // at most max_lifetime (plus leeway) ahead; then the jti's first use
  // across replicas (RFC 7523 §3 item 7), recorded until exp plus leeway.
  // Only an assertion that passed every other check reaches the replay store.
  // Store errors (Unavailable) unchanged.
  absl::Status Verify(const storage::ClientRecord& client,
                      absl::string_view assertion) const;

  const ClientAssertionOptions& options() const { return options_; }

 private:
  ClientAssertionVerifier(ClientAssertionOptions options,
                          storage::ReplayStore* replays)
      : options_(std::move(options)), replays_(replays) {}

  ClientAssertionOptions options_;
  storage::ReplayStore* replays_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_ASSERTION_H_
