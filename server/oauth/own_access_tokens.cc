#include "server/oauth/own_access_tokens.h"

#include "absl/strings/str_cat.h"
#include "jwt/status.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

constexpr char kReasonDetail[] = "reason";

absl::Status Invalid(absl::string_view reason, absl::string_view message) {
  return WithErrorDetail(OAuthFailure(OAuthError::kInvalidToken, message),
                         kReasonDetail, reason);
}

}  // namespace

absl::StatusOr<jwt::JwtVerifier> OwnAccessTokenVerifier(
    std::string issuer, const jwt::Clock* clock) {
  jwt::VerifierOptions options;
  options.issuer = std::move(issuer);
  options.required_typ = "at+jwt";
  // Deliberately not the audience: the token is checked by the server that
  // minted it, not by a resource server. Introspection reports "aud" for the
  // resource server to judge (RFC 7662 §2.2), and a token minted before a
  // change of --audience stays introspectable and revocable until it
  // expires. The issuer and "typ" checks still keep other issuers' tokens
  // and this server's ID tokens out (RFC 9068 §4, RFC 8725 §3.11).
  options.skip_audience_check = true;
  options.allowed_algorithms = ServerSigningAlgorithms();
  options.leeway = kReplicaClockLeeway;
  options.require_exp = true;
  options.clock = clock;
  return jwt::JwtVerifier::Create(std::move(options));
}

absl::StatusOr<OwnAccessTokens> OwnAccessTokens::Create(
    std::string issuer, const jwt::Clock* clock, const KeyManager* keys,
    storage::RevocationStore* revocations, VerifiedTokenCache* cache) {
  auto verifier = OwnAccessTokenVerifier(issuer, clock);
  if (!verifier.ok()) return verifier.status();
  return OwnAccessTokens(std::move(issuer), clock, *std::move(verifier), keys,
                         revocations, cache);
}

absl::StatusOr<jwt::VerifiedJwt> OwnAccessTokens::Verify(
    absl::string_view token) const {
  if (cache_ == nullptr) {
    return verifier_.Verify(token, *keys_->snapshot()->jwks);
  }
  auto verified = VerifyShared(token);
  if (!verified.ok()) return verified.status();
  return **verified;
}

absl::StatusOr<std::shared_ptr<const jwt::VerifiedJwt>>
OwnAccessTokens::VerifyShared(absl::string_view token) const {
  const std::shared_ptr<const jwt::Jwks> jwks = keys_->snapshot()->jwks;
  const bool cacheable = cache_ != nullptr && cache_->Cacheable(token);
  VerifiedTokenCache::Key key{};
  if (cacheable) {
    key = VerifiedTokenCache::KeyOf(token);
    // Verified before by this very key set: a removed key cannot answer,
    // since removing it made a new set.
    if (auto cached = cache_->Find(key, jwks); cached != nullptr) {
      // RFC 7519 §4.1.4: "exp" (and nbf, iat) judged on every use.
      absl::Status times = verifier_.CheckTimes(cached->claims);
      if (times.ok()) return cached;
      cache_->Erase(key);
      return times;
    }
  }
  auto verified = verifier_.Verify(token, *jwks);
  if (!verified.ok()) return verified.status();
  auto shared = std::make_shared<const jwt::VerifiedJwt>(*std::move(verified));
  if (cacheable) cache_->Insert(key, jwks, shared);
  return shared;
}

absl::Status OwnAccessTokens::Refused(const absl::Status& status) {
  const absl::string_view reason = jwt::ReasonName(jwt::ReasonOf(status));
  return Invalid(reason,
                 absl::StrCat("the access token is not valid: ", reason));
}

absl::Status OwnAccessTokens::CheckNotRevoked(
    const jwt::VerifiedJwt& verified) const {
  // Never cached with the verification: the revocation list's own copy
  // (storage/cache, --store-cache-ttl) is the only staleness.
  if (!verified.claims.jti.has_value()) return absl::OkStatus();
  auto revoked = revocations_->IsRevoked(*verified.claims.jti);
  if (!revoked.ok()) return revoked.status();
  if (*revoked) return Invalid("revoked", "the access token was revoked");
  return absl::OkStatus();
}

absl::StatusOr<jwt::VerifiedJwt> OwnAccessTokens::Check(
    absl::string_view token) const {
  if (cache_ != nullptr) {
    auto checked = CheckShared(token);
    if (!checked.ok()) return checked.status();
    return **checked;
  }
  auto verified = Verify(token);
  if (!verified.ok()) return Refused(verified.status());
  if (absl::Status s = CheckNotRevoked(*verified); !s.ok()) return s;
  return verified;
}

absl::StatusOr<std::shared_ptr<const jwt::VerifiedJwt>>
OwnAccessTokens::CheckShared(absl::string_view token) const {
  auto verified = VerifyShared(token);
  if (!verified.ok()) return Refused(verified.status());
  if (absl::Status s = CheckNotRevoked(**verified); !s.ok()) return s;
  return verified;
}

absl::Status OwnAccessTokens::Revoke(absl::string_view jti,
                                     absl::Time expires_at) const {
  return revocations_->Revoke(jti, expires_at + kReplicaClockLeeway);
}

std::string OwnAccessTokens::ReasonOf(const absl::Status& status) {
  return ErrorDetailsOf(status)[kReasonDetail];
}

}  // namespace identity::server
