#include "server/oauth/client_assertion.h"

#include <openssl/sha.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/base64url.h"
#include "jwt/claims.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"
#include "jwt/status.h"
#include "server/oauth/client_jwks.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status Refused(absl::string_view why) {
  return OAuthFailure(OAuthError::kInvalidClient,
                      absl::StrCat("client assertion refused: ", why));
}

// The replay store's key: the jti scoped to its client (RFC 7519 §4.1.7:
// jti is unique per issuer), hashed so what is stored has a fixed size.
std::string ReplayKey(absl::string_view client_id, absl::string_view jti) {
  const std::string scoped = absl::StrCat(client_id, std::string(1, '\0'), jti);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(scoped.data()), scoped.size(),
         digest);
  return jwt::Base64UrlEncode(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

// How far replicas' clocks may differ (as own_access_tokens.h assumes), and
// then some: a replay entry outlives every replica's acceptance window.
constexpr absl::Duration kReplayClockPad = absl::Minutes(1);

}  // namespace

std::vector<std::string> ClientAssertionAudiences(absl::string_view issuer) {
  std::vector<std::string> audiences = {std::string(issuer)};
  for (const char* path :
       {"/token", "/par", "/introspect", "/revoke", "/device_authorization"}) {
    audiences.push_back(absl::StrCat(issuer, path));
  }
  return audiences;
}

absl::StatusOr<std::string> ClaimedClientId(absl::string_view assertion) {
  auto jws = jwt::Jws::Parse(assertion, kMaxClientAssertionSize);
  if (!jws.ok()) {
    return Refused(jwt::ReasonName(jwt::ReasonOf(jws.status())));
  }
  auto claims = jwt::Claims::Parse(jws->payload());
  if (!claims.ok() || !claims->sub.has_value() || claims->sub->empty()) {
    return Refused("no sub naming the client");
  }
  return *claims->sub;
}

absl::StatusOr<ClientAssertionVerifier> ClientAssertionVerifier::Create(
    ClientAssertionOptions options, storage::ReplayStore* replays) {
  if (options.audiences.empty() || options.clock == nullptr ||
      replays == nullptr || options.max_lifetime <= absl::ZeroDuration() ||
      options.leeway < absl::ZeroDuration() ||
      options.leeway > absl::Minutes(5) ||
      options.leeway != absl::Seconds(absl::ToInt64Seconds(options.leeway))) {
    return absl::InvalidArgumentError("client assertion options are invalid");
  }
  for (const std::string& audience : options.audiences) {
    if (audience.empty()) {
      return absl::InvalidArgumentError("a client assertion audience is empty");
    }
  }
  return ClientAssertionVerifier(std::move(options), replays);
}

absl::Status ClientAssertionVerifier::Verify(
    const storage::ClientRecord& client, absl::string_view assertion) const {
  auto jwks = ParseClientJwks(client.jwks);
  if (!jwks.ok()) return Refused("the client has no usable keys");
  jwt::VerifierOptions options;
  options.issuer = client.client_id;  // RFC 7523 §3 item 1.
  options.audiences = options_.audiences;
  // RFC 7523 sets no typ; peers send "JWT" or none.
  options.skip_typ_check = true;
  options.leeway = options_.leeway;
  options.allowed_algorithms = ClientAssertionAlgorithms();
  options.max_token_size = kMaxClientAssertionSize;
  options.require_exp = true;  // RFC 7523 §3 item 4.
  options.clock = options_.clock;
  auto verifier = jwt::JwtVerifier::Create(std::move(options));
  if (!verifier.ok()) return verifier.status();
  auto verified = verifier->Verify(assertion, *jwks);
  if (!verified.ok()) {
    return Refused(jwt::ReasonName(jwt::ReasonOf(verified.status())));
  }
  const jwt::Claims& claims = verified->claims;
  if (claims.sub != client.client_id) {  // RFC 7523 §3 item 2.
    return Refused("sub is not the client_id");
  }
  if (!claims.jti.has_value() || claims.jti->empty() ||
      claims.jti->size() > kMaxClientAssertionJtiSize) {
    return Refused("a jti of 1 to 256 bytes is required");
  }
  const absl::Time now = options_.clock->Now();
  const absl::Time exp = absl::FromUnixSeconds(*claims.exp);
  if (exp > now + options_.max_lifetime + options_.leeway) {
    return Refused("exp is too far in the future");
  }
  // RFC 7523 §3 item 7: single use until it expires, across replicas, kept
  // past the last moment a replica whose clock lags could still accept it.
  auto claim = replays_->ClaimOnce(
      kClientAssertionReplayKind, ReplayKey(client.client_id, *claims.jti),
      exp + options_.leeway + kReplayClockPad, now);
  if (!claim.ok()) return claim.status();
  if (*claim == storage::ReplayClaim::kReplay) {
    return Refused("this jti was already used");
  }
  return absl::OkStatus();
}

}  // namespace identity::server
