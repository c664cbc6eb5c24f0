#include "client/interceptor/token_validator.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "jwt/jws.h"
#include "jwt/status.h"

namespace identity::interceptor {

absl::StatusOr<std::vector<std::string>> VerifiedToken::ActorChain() const {
  std::vector<std::string> chain;
  const jwt::Json* level = &claims.other;
  // The JSON parser bounds the nesting, so the walk ends.
  for (auto act = level->find("act"); act != level->end();
       act = level->find("act")) {
    const auto sub = act->is_object() ? act->find("sub") : act->end();
    if (!act->is_object() || sub == act->end() || !sub->is_string()) {
      return absl::InvalidArgumentError(
          "an act claim is not an object with a string sub");
    }
    chain.push_back(sub->get<std::string>());
    level = &*act;
  }
  return chain;
}

absl::StatusOr<std::optional<std::string>> VerifiedToken::DpopJkt() const {
  const auto cnf = claims.other.find("cnf");
  if (cnf == claims.other.end()) return std::nullopt;
  if (!cnf->is_object()) {
    return absl::InvalidArgumentError("the cnf claim is not an object");
  }
  const auto jkt = cnf->find("jkt");
  if (jkt == cnf->end()) return std::nullopt;
  if (!jkt->is_string() || jkt->get<std::string>().empty()) {
    return absl::InvalidArgumentError("cnf.jkt is not a non-empty string");
  }
  return jkt->get<std::string>();
}

namespace {

// A jwt/ error as the Unauthenticated refusal of a call: the message names
// the failed rule (never the token), and jwt/'s Reason payload stays, so
// ReasonOf still names the rule.
absl::Status Refused(const absl::Status& jwt_error) {
  absl::Status refused = absl::UnauthenticatedError(
      absl::StrCat("invalid token (", jwt::ReasonName(jwt::ReasonOf(jwt_error)),
                   "): ", jwt_error.message()));
  jwt_error.ForEachPayload(
      [&refused](absl::string_view url, const absl::Cord& payload) {
        refused.SetPayload(url, payload);
      });
  return refused;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
JwksTokenValidator::Validate(absl::string_view token) const {
  std::shared_ptr<const jwt::Jwks> keys = jwks_();
  if (keys == nullptr) {
    return absl::UnavailableError("no verification keys are available");
  }
  auto verified = verifier_.Verify(token, *keys);
  if (!verified.ok()) {
    if (on_unknown_kid_ != nullptr &&
        jwt::ReasonOf(verified.status()) == jwt::Reason::kKidUnknown) {
      on_unknown_kid_();
    }
    return Refused(verified.status());
  }
  auto result = std::make_shared<VerifiedToken>();
  result->claims = std::move(verified->claims);
  if (result->claims.other.contains("scope")) {
    std::optional<std::string> scope = result->claims.GetString("scope");
    if (!scope.has_value()) {
      return Refused(jwt::MakeError(jwt::Reason::kClaimInvalid,
                                    "the scope claim is not a string"));
    }
    result->scopes = absl::StrSplit(*scope, ' ', absl::SkipEmpty());
  }
  if (result->claims.exp.has_value()) {
    result->valid_until =
        absl::FromUnixSeconds(*result->claims.exp) + verifier_.options().leeway;
  }
  return result;
}

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
IssuerSelectingValidator::Validate(absl::string_view token) const {
  // Parsed, not verified: only to choose whose keys and rules apply.
  absl::StatusOr<jwt::Jws> jws = jwt::Jws::Parse(token, max_token_size_);
  if (!jws.ok()) return Refused(jws.status());
  absl::StatusOr<jwt::Claims> claims = jwt::Claims::Parse(jws->payload());
  if (!claims.ok()) return Refused(claims.status());
  if (!claims->iss.has_value()) {
    return Refused(jwt::MakeError(jwt::Reason::kIssuerMissing,
                                  "the token has no \"iss\""));
  }
  auto it = by_issuer_.find(*claims->iss);
  if (it == by_issuer_.end()) {
    return Refused(jwt::MakeError(jwt::Reason::kIssuerMismatch,
                                  "\"iss\" names no trusted issuer"));
  }
  return it->second->Validate(token);
}

CachingTokenValidator::CachingTokenValidator(
    std::shared_ptr<const TokenValidator> inner, const jwt::Clock* clock,
    Options options)
    : inner_(std::move(inner)),
      clock_(clock),
      options_(options),
      shard_capacity_(std::max<size_t>(1, options.capacity / kShards)) {}

CachingTokenValidator::Shard& CachingTokenValidator::ShardFor(
    absl::string_view token) const {
  return shards_[absl::HashOf(token) % kShards];
}

absl::StatusOr<std::shared_ptr<const VerifiedToken>>
CachingTokenValidator::Validate(absl::string_view token) const {
  Shard& shard = ShardFor(token);
  const absl::Time now = clock_->Now();
  {
    absl::ReaderMutexLock lock(&shard.mu);
    auto it = shard.entries.find(token);
    if (it != shard.entries.end() && now < it->second.use_until) {
      return it->second.token;
    }
  }
  auto verified = inner_->Validate(token);
  if (!verified.ok()) return verified.status();
  const absl::Time use_until =
      std::min((*verified)->valid_until, now + options_.max_age);
  absl::MutexLock lock(&shard.mu);
  if (shard.entries.size() >= shard_capacity_) {
    absl::erase_if(shard.entries, [now](const auto& entry) {
      return entry.second.use_until <= now;
    });
    // Still full: drop an arbitrary eighth.
    for (size_t drop = shard.entries.size() >= shard_capacity_
                           ? std::max<size_t>(1, shard_capacity_ / 8)
                           : 0;
         drop > 0 && !shard.entries.empty(); --drop) {
      shard.entries.erase(shard.entries.begin());
    }
  }
  shard.entries.insert_or_assign(std::string(token),
                                 Entry{*verified, use_until});
  return verified;
}

size_t CachingTokenValidator::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    absl::ReaderMutexLock lock(&shard.mu);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace identity::interceptor
