#include "server/oauth/access_token_verifier.h"

#include "server/keys/key_manager.h"

namespace identity::server {

absl::StatusOr<jwt::JwtVerifier> OwnAccessTokenVerifier(
    std::string issuer, const jwt::Clock* clock) {
  jwt::VerifierOptions options;
  options.issuer = std::move(issuer);
  options.required_typ = "at+jwt";
  options.allowed_algorithms = ServerSigningAlgorithms();
  options.leeway = kReplicaClockLeeway;
  options.require_exp = true;
  options.clock = clock;
  return jwt::JwtVerifier::Create(std::move(options));
}

}  // namespace identity::server
