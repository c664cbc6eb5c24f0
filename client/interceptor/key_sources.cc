#include "client/interceptor/key_sources.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "jwt/json.h"

namespace identity::interceptor {
namespace {

class HttpsFetcher final : public JwksFetcher {
 public:
  HttpsFetcher(std::string uri, HttpGetOptions http)
      : uri_(std::move(uri)), http_(std::move(http)) {}

  absl::StatusOr<FetchedJwks> Fetch() override {
    absl::StatusOr<HttpGetResult> got = HttpGet(uri_, http_);
    if (!got.ok()) return got.status();
    return FetchedJwks{std::move(got->body), got->max_age};
  }

 private:
  const std::string uri_;
  const HttpGetOptions http_;
};

class DiscoveryFetcher final : public JwksFetcher {
 public:
  DiscoveryFetcher(std::string issuer, HttpGetOptions http)
      : issuer_(std::move(issuer)), http_(std::move(http)) {}

  absl::StatusOr<FetchedJwks> Fetch() override {
    // OIDC Discovery §4: the issuer without a trailing "/", then the
    // well-known path.
    const std::string url = absl::StrCat(absl::StripSuffix(issuer_, "/"),
                                         "/.well-known/openid-configuration");
    absl::StatusOr<HttpGetResult> document = HttpGet(url, http_);
    if (!document.ok()) return document.status();
    absl::StatusOr<jwt::Json> json = jwt::ParseJsonObject(document->body);
    if (!json.ok()) {
      return absl::UnavailableError(
          absl::StrCat(url, ": not a JSON object: ", json.status().message()));
    }
    const auto issuer = json->find("issuer");
    const auto jwks_uri = json->find("jwks_uri");
    // OIDC Discovery §4.3: the issuer in the document MUST be identical to
    // the one the document was fetched for, else an impostor's keys.
    if (issuer == json->end() || !issuer->is_string() ||
        issuer->get<std::string>() != issuer_) {
      return absl::UnavailableError(absl::StrCat(
          url, ": its \"issuer\" is not exactly \"", issuer_, "\""));
    }
    if (jwks_uri == json->end() || !jwks_uri->is_string()) {
      return absl::UnavailableError(
          absl::StrCat(url, ": no \"jwks_uri\" string"));
    }
    absl::StatusOr<HttpGetResult> keys =
        HttpGet(jwks_uri->get<std::string>(), http_);
    if (!keys.ok()) return keys.status();
    return FetchedJwks{std::move(keys->body), keys->max_age};
  }

 private:
  const std::string issuer_;
  const HttpGetOptions http_;
};

// One overload per alternative of KeySource, for std::visit.
struct FetcherFor {
  absl::string_view issuer;

  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const KeyServiceKeys& keys) const {
    if (keys.address.empty()) {
      return absl::InvalidArgumentError("KeyServiceKeys: address is empty");
    }
    if (keys.timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "KeyServiceKeys: timeout must be positive");
    }
    return KeyServiceJwksFetcher(
        grpc::CreateChannel(keys.address,
                            keys.credentials != nullptr
                                ? keys.credentials
                                : grpc::InsecureChannelCredentials()),
        keys.timeout);
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const JwksFileKeys& keys) const {
    if (keys.path.empty()) {
      return absl::InvalidArgumentError("JwksFileKeys: path is empty");
    }
    return FileJwksFetcher(keys.path);
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const JwksUriKeys& keys) const {
    if (keys.uri.empty()) {
      return absl::InvalidArgumentError("JwksUriKeys: uri is empty");
    }
    return HttpsJwksFetcher(keys.uri, keys.http);
  }
  absl::StatusOr<std::unique_ptr<JwksFetcher>> operator()(
      const OidcDiscoveryKeys& keys) const {
    const std::string from =
        keys.issuer_url.empty() ? std::string(issuer) : keys.issuer_url;
    if (from.empty()) {
      return absl::InvalidArgumentError(
          "OidcDiscoveryKeys: no issuer_url and no issuer to discover");
    }
    return OidcDiscoveryJwksFetcher(from, keys.http);
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<JwksFetcher>> HttpsJwksFetcher(
    std::string uri, HttpGetOptions http) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(uri, http);
  if (!url.ok()) return url.status();
  if (http.timeout <= absl::ZeroDuration() || http.max_body_bytes == 0) {
    return absl::InvalidArgumentError(
        "HTTP options: timeout and max_body_bytes must be positive");
  }
  return std::make_unique<HttpsFetcher>(std::move(uri), std::move(http));
}

absl::StatusOr<std::unique_ptr<JwksFetcher>> OidcDiscoveryJwksFetcher(
    std::string issuer, HttpGetOptions http) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(issuer, http);
  if (!url.ok()) return url.status();
  if (absl::StrContains(issuer, '?') || absl::StrContains(issuer, '#')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "issuer \"", issuer, "\": no query or fragment (OIDC Discovery §3)"));
  }
  if (http.timeout <= absl::ZeroDuration() || http.max_body_bytes == 0) {
    return absl::InvalidArgumentError(
        "HTTP options: timeout and max_body_bytes must be positive");
  }
  return std::make_unique<DiscoveryFetcher>(std::move(issuer), std::move(http));
}

absl::StatusOr<std::unique_ptr<JwksFetcher>> CreateJwksFetcher(
    const KeySource& source, absl::string_view issuer) {
  return std::visit(FetcherFor{issuer}, source);
}

}  // namespace identity::interceptor
