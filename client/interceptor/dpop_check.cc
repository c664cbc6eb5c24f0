#include "client/interceptor/dpop_check.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "jwt/json.h"
#include "jwt/jws.h"
#include "jwt/status.h"

namespace identity::interceptor {
namespace {

// "host" or "host:port" (RFC 3986 §3.2.2, §3.2.3; no userinfo, no path).
bool IsAuthority(absl::string_view authority) {
  if (authority.empty()) return false;
  for (const char c : authority) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_' ||
          c == '~' || c == ':' || c == '[' || c == ']')) {
      return false;
    }
  }
  return jwt::DpopNormalizeUri(jwt::DpopGrpcUri(authority, "/")).ok();
}

}  // namespace

InMemoryDpopReplayCache::InMemoryDpopReplayCache(size_t capacity,
                                                 const jwt::Clock* clock)
    : capacity_(capacity == 0 ? 1 : capacity), clock_(clock) {}

void InMemoryDpopReplayCache::MakeRoom() {
  const absl::Time now = clock_->Now();
  while (!by_until_.empty() && by_until_.begin()->first <= now) {
    until_.erase(by_until_.begin()->second);
    by_until_.erase(by_until_.begin());
  }
  while (until_.size() >= capacity_) {
    until_.erase(by_until_.begin()->second);
    by_until_.erase(by_until_.begin());
    ++evictions_;
  }
}

absl::Status InMemoryDpopReplayCache::ClaimOnce(absl::string_view jkt,
                                                absl::string_view jti,
                                                absl::Time until) {
  // A thumbprint is base64url, so the space cannot be part of it.
  std::string key = absl::StrCat(jkt, " ", jti);
  absl::MutexLock lock(&mu_);
  auto it = until_.find(key);
  if (it != until_.end()) {
    if (it->second > clock_->Now()) {
      return absl::AlreadyExistsError("this DPoP proof was already used");
    }
    by_until_.erase({it->second, key});
    until_.erase(it);
  }
  MakeRoom();
  until_.emplace(key, until);
  by_until_.emplace(until, std::move(key));
  return absl::OkStatus();
}

size_t InMemoryDpopReplayCache::size() const {
  absl::MutexLock lock(&mu_);
  return until_.size();
}

int64_t InMemoryDpopReplayCache::evictions() const {
  absl::MutexLock lock(&mu_);
  return evictions_;
}

absl::StatusOr<std::shared_ptr<const DpopChecker>> DpopChecker::Create(
    DpopOptions options, const jwt::Clock* clock) {
  if (clock == nullptr) {
    return absl::InvalidArgumentError("DpopOptions: clock is null");
  }
  for (const std::string& authority : options.authorities) {
    if (!IsAuthority(authority)) {
      return absl::InvalidArgumentError(
          absl::StrCat("DpopOptions: authority \"", authority,
                       "\" is not host or host:port"));
    }
  }
  jwt::DpopProofOptions proof_options;
  proof_options.max_age = options.max_age;
  proof_options.leeway = options.leeway;
  proof_options.allowed_algorithms = options.allowed_algorithms;
  proof_options.clock = clock;
  absl::StatusOr<jwt::DpopProofVerifier> verifier =
      jwt::DpopProofVerifier::Create(std::move(proof_options));
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("DpopOptions: ", verifier.status().message()));
  }
  std::shared_ptr<DpopReplayCache> replays = std::move(options.replay_cache);
  if (replays == nullptr) {
    replays = std::make_shared<InMemoryDpopReplayCache>(
        options.replay_cache_capacity, clock);
  }
  return std::shared_ptr<const DpopChecker>(
      new DpopChecker(*std::move(verifier), options.require,
                      std::move(options.authorities), std::move(replays)));
}

absl::StatusOr<std::string> DpopChecker::TargetUri(
    const DpopCall& call, absl::string_view proof) const {
  if (authorities_.empty()) {
    if (call.authority.empty()) {
      return absl::UnauthenticatedError(
          "the call has no :authority to check the DPoP proof's htu against");
    }
    return jwt::DpopGrpcUri(call.authority, call.path);
  }
  // Behind a proxy: the configured authority the proof names, read from the
  // (not yet verified) proof only to choose; Verify then checks it.
  absl::StatusOr<jwt::Jws> jws = jwt::Jws::Parse(proof, jwt::kMaxDpopProofSize);
  std::optional<std::string> htu;
  if (jws.ok()) {
    absl::StatusOr<jwt::Json> claims = jwt::ParseJsonObject(jws->payload());
    if (claims.ok()) {
      auto it = claims->find("htu");
      if (it != claims->end() && it->is_string()) {
        htu = jwt::DpopNormalizeUri(it->get<std::string>()).value_or("");
      }
    }
  }
  for (const std::string& authority : authorities_) {
    std::string uri = jwt::DpopGrpcUri(authority, call.path);
    if (htu.has_value() && jwt::DpopNormalizeUri(uri).value_or("") == *htu) {
      return uri;
    }
  }
  return jwt::DpopGrpcUri(authorities_.front(), call.path);
}

absl::Status DpopChecker::Check(const DpopCall& call,
                                absl::string_view access_token,
                                absl::string_view jkt,
                                std::string* reason) const {
  if (call.proofs.empty()) {
    *reason = "dpop_proof_missing";
    return absl::UnauthenticatedError(
        "a DPoP-bound token needs a DPoP proof in \"dpop\" metadata "
        "(RFC 9449 section 7.1)");
  }
  if (call.proofs.size() > 1) {
    *reason = "dpop_proof_repeated";
    return absl::UnauthenticatedError(
        "more than one \"dpop\" metadata value (RFC 9449 section 4.3)");
  }
  absl::StatusOr<std::string> uri = TargetUri(call, call.proofs.front());
  if (!uri.ok()) {
    *reason = "dpop_authority_missing";
    return uri.status();
  }
  jwt::DpopRequest request;
  request.method = "POST";
  request.uri = *std::move(uri);
  request.access_token = std::string(access_token);
  absl::StatusOr<jwt::DpopProof> proof =
      verifier_.Verify(call.proofs.front(), request);
  if (!proof.ok()) {
    *reason = std::string(jwt::ReasonName(jwt::ReasonOf(proof.status())));
    return absl::UnauthenticatedError(absl::StrCat(
        "invalid DPoP proof (", *reason, "): ", proof.status().message()));
  }
  if (proof->jkt != jkt) {
    *reason = "dpop_key_mismatch";
    return absl::UnauthenticatedError(
        "the DPoP proof is signed by another key than the one the token is "
        "bound to (cnf.jkt)");
  }
  absl::Status claimed =
      replays_->ClaimOnce(proof->jkt, proof->jti, proof->accepted_until);
  if (claimed.code() == absl::StatusCode::kAlreadyExists) {
    *reason = "dpop_replayed";
    return absl::UnauthenticatedError(
        "the DPoP proof was already used (its jti is single-use, RFC 9449 "
        "section 11.1)");
  }
  if (!claimed.ok()) {
    *reason = "dpop_replay_cache";
    return absl::UnavailableError(
        "cannot record the DPoP proof's use; try again later");
  }
  return absl::OkStatus();
}

}  // namespace identity::interceptor
