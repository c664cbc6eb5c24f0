#include "client/interceptor/interceptor.h"

#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "client/interceptor/online_check.h"
#include "client/interceptor/server_credentials.h"
#include "jwt/jws.h"
#include "jwt/jwt_verifier.h"

namespace identity::interceptor {
namespace {

absl::Status InContext(absl::string_view context, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(context, ": ", status.message()));
}

// Rules of the list as a whole; each issuer's own fields are checked by
// jwt::JwtVerifier::Create (the one place that says what a verifier needs).
absl::Status CheckIssuerList(const std::vector<TrustedIssuer>& issuers) {
  if (issuers.empty()) {
    return absl::InvalidArgumentError(
        "InterceptorOptions: issuers is empty: name at least one trusted "
        "issuer");
  }
  absl::flat_hash_set<absl::string_view> seen;
  for (const TrustedIssuer& trusted : issuers) {
    if (trusted.skip_issuer_check && issuers.size() > 1) {
      return absl::InvalidArgumentError(
          "InterceptorOptions: skip_issuer_check needs a single trusted "
          "issuer (tokens are routed to their issuer by \"iss\")");
    }
    if (!trusted.issuer.empty() && !seen.insert(trusted.issuer).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("InterceptorOptions: issuer \"", trusted.issuer,
                       "\" is listed twice"));
    }
  }
  return absl::OkStatus();
}

// A policy that requires a token for every method no rule names.
absl::StatusOr<MethodPolicy> BuildPolicy(const InterceptorOptions& options) {
  MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
  for (const auto& [pattern, rule] : options.rules) {
    if (absl::Status s = policy.SetRule(pattern, rule); !s.ok()) return s;
  }
  for (const std::string& service : options.services) {
    if (absl::Status s = policy.AddRulesFromService(service); !s.ok()) {
      return s;
    }
  }
  return policy;
}

absl::StatusOr<std::shared_ptr<OnlineChecker>> BuildOnlineChecker(
    const std::optional<IntrospectionEndpoint>& endpoint,
    const jwt::Clock* clock) {
  if (!endpoint.has_value()) return nullptr;
  if (endpoint->address.empty()) {
    return absl::InvalidArgumentError("introspection: address is empty");
  }
  if (endpoint->client_id.empty()) {
    return absl::InvalidArgumentError(
        "introspection: client_id is empty (the issuer authenticates the "
        "caller of Introspect)");
  }
  if (endpoint->cache_ttl < absl::ZeroDuration() ||
      endpoint->timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "introspection: cache_ttl must not be negative, timeout must be "
        "positive");
  }
  IntrospectionCheckerOptions checker;
  checker.client_id = endpoint->client_id;
  checker.client_secret = endpoint->client_secret;
  checker.cache_ttl = endpoint->cache_ttl;
  checker.timeout = endpoint->timeout;
  return std::make_shared<IntrospectionChecker>(
      grpc::CreateChannel(endpoint->address,
                          endpoint->credentials != nullptr
                              ? endpoint->credentials
                              : grpc::InsecureChannelCredentials()),
      std::move(checker), clock);
}

struct IssuerParts {
  std::shared_ptr<const TokenValidator> validator;
  std::shared_ptr<JwksCache> keys;
};

// The verifier, key cache (started) and validator of one trusted issuer.
absl::StatusOr<IssuerParts> BuildIssuer(const TrustedIssuer& trusted,
                                        absl::Duration leeway,
                                        const jwt::Clock* clock) {
  jwt::VerifierOptions rules;
  rules.issuer = trusted.issuer;
  rules.audiences = trusted.audiences;
  rules.required_typ = trusted.required_typ;
  rules.skip_issuer_check = trusted.skip_issuer_check;
  rules.skip_audience_check = trusted.skip_audience_check;
  rules.skip_typ_check = trusted.skip_typ_check;
  rules.leeway = leeway;
  rules.clock = clock;
  absl::StatusOr<jwt::JwtVerifier> verifier =
      jwt::JwtVerifier::Create(std::move(rules));
  if (!verifier.ok()) return verifier.status();
  absl::StatusOr<std::unique_ptr<JwksFetcher>> fetcher =
      CreateJwksFetcher(trusted.keys, trusted.issuer);
  if (!fetcher.ok()) return fetcher.status();
  absl::StatusOr<std::unique_ptr<JwksCache>> cache =
      JwksCache::Create(*std::move(fetcher), clock, trusted.key_refresh);
  if (!cache.ok()) return cache.status();
  std::shared_ptr<JwksCache> keys = *std::move(cache);
  keys->Start();
  // The validator shares the cache: it lives as long as the validator does.
  auto validator = std::make_shared<const JwksTokenValidator>(
      *std::move(verifier), [keys] { return keys->Current(); },
      [keys] { keys->RequestRefetch(); });
  return IssuerParts{std::move(validator), std::move(keys)};
}

}  // namespace

absl::StatusOr<Interceptor> Interceptor::Create(InterceptorOptions options) {
  if (options.clock == nullptr) {
    return absl::InvalidArgumentError("InterceptorOptions: clock is null");
  }
  if (absl::Status s = CheckIssuerList(options.issuers); !s.ok()) return s;
  // Everything that needs no I/O first, so that a bad option fails fast.
  absl::StatusOr<MethodPolicy> policy = BuildPolicy(options);
  if (!policy.ok()) return policy.status();
  absl::StatusOr<std::shared_ptr<OnlineChecker>> online =
      BuildOnlineChecker(options.introspection, options.clock);
  if (!online.ok()) return online.status();
  absl::StatusOr<std::shared_ptr<const DpopChecker>> dpop =
      DpopChecker::Create(std::move(options.dpop), options.clock);
  if (!dpop.ok()) return dpop.status();

  Interceptor built;
  IssuerSelectingValidator::ByIssuer by_issuer;
  std::shared_ptr<const TokenValidator> only;
  for (size_t i = 0; i < options.issuers.size(); ++i) {
    const TrustedIssuer& trusted = options.issuers[i];
    absl::StatusOr<IssuerParts> parts =
        BuildIssuer(trusted, options.leeway, options.clock);
    if (!parts.ok()) {
      return InContext(
          absl::StrCat("issuers[", i, "] (\"", trusted.issuer, "\")"),
          parts.status());
    }
    built.keys_[trusted.issuer] = parts->keys;
    by_issuer[trusted.issuer] = parts->validator;
    only = parts->validator;
  }
  // Routing by "iss" unless the single issuer explicitly opted out of the
  // issuer check (then every token goes to it).
  std::shared_ptr<const TokenValidator> inner =
      options.issuers.front().skip_issuer_check
          ? only
          : std::make_shared<const IssuerSelectingValidator>(
                std::move(by_issuer), jwt::kDefaultMaxTokenSize);
  built.authorizer_ = std::make_shared<const CallAuthorizer>(
      *std::move(policy),
      std::make_shared<const CachingTokenValidator>(
          std::move(inner), options.clock, options.token_cache),
      std::move(options.observer), *std::move(online), *std::move(dpop));
  built.credentials_ =
      AuthorizingServerCredentials(built.authorizer_, std::move(options.tls));
  return built;
}

absl::StatusOr<std::shared_ptr<const VerifiedToken>> Interceptor::Caller(
    const grpc::ServerContextBase& context) const {
  return VerifiedCaller(context, *authorizer_);
}

const JwksCache* Interceptor::keys(absl::string_view issuer) const {
  auto it = keys_.find(issuer);
  return it == keys_.end() ? nullptr : it->second.get();
}

}  // namespace identity::interceptor
