#include "server/oauth/resource_indicators.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status InvalidTarget(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidTarget, message);
}

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

absl::Status CheckResourceIndicator(absl::string_view indicator) {
  if (indicator.empty()) return InvalidTarget("resource is empty");
  if (indicator.size() > kMaxResourceIndicatorLength) {
    return InvalidTarget(absl::StrCat("resource must be at most ",
                                      kMaxResourceIndicatorLength, " bytes"));
  }
  for (unsigned char c : indicator) {
    if (c <= 0x20 || c >= 0x7f) {
      return InvalidTarget(
          "resource must be an absolute URI of printable ASCII, no spaces");
    }
  }
  // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ),
  // then ":" (RFC 8707 §2: an absolute URI, §4.3).
  const size_t colon = indicator.find(':');
  bool scheme_ok =
      colon != absl::string_view::npos && colon > 0 &&
      absl::ascii_isalpha(static_cast<unsigned char>(indicator[0]));
  for (size_t i = 1; scheme_ok && i < colon; ++i) {
    const unsigned char c = indicator[i];
    scheme_ok = absl::ascii_isalnum(c) || c == '+' || c == '-' || c == '.';
  }
  if (!scheme_ok || colon + 1 == indicator.size()) {
    return InvalidTarget("resource must be an absolute URI (RFC 8707 §2)");
  }
  if (indicator.find('#') != absl::string_view::npos) {
    return InvalidTarget("resource must not have a fragment (RFC 8707 §2)");
  }
  return absl::OkStatus();
}

bool AllowsResource(const storage::ClientRecord& client,
                    const storage::ResourceRecord& resource) {
  return !ResourceScopes(client.allowed_scopes, resource).empty();
}

std::vector<std::string> ResourceScopes(
    const std::vector<std::string>& scopes,
    const storage::ResourceRecord& resource) {
  std::vector<std::string> out;
  for (const std::string& scope : scopes) {
    if (Contains(resource.scopes, scope)) out.push_back(scope);
  }
  return out;
}

absl::StatusOr<storage::ResourceRecord> ResourceIndicators::Allowed(
    absl::string_view indicator, const storage::ClientRecord& client) const {
  if (absl::Status s = CheckResourceIndicator(indicator); !s.ok()) return s;
  auto resource = store_->GetResource(indicator);
  if (resource.status().code() == absl::StatusCode::kNotFound) {
    return InvalidTarget("resource is not a registered resource");
  }
  if (!resource.ok()) return resource.status();
  if (!AllowsResource(client, *resource)) {
    return InvalidTarget(
        "the client may not have this resource (none of its scopes is the "
        "client's)");
  }
  return resource;
}

absl::StatusOr<std::vector<std::string>> ResourceIndicators::ForAuthorization(
    const std::vector<std::string>& requested,
    const storage::ClientRecord& client) const {
  std::vector<std::string> distinct;
  for (const std::string& indicator : requested) {
    if (Contains(distinct, indicator)) continue;
    if (distinct.size() == kMaxResourcesPerAuthorization) {
      return InvalidTarget(absl::StrCat(
          "at most ", kMaxResourcesPerAuthorization, " resources per request"));
    }
    // Syntax of every value first: a malformed request fails before any
    // storage call.
    if (absl::Status s = CheckResourceIndicator(indicator); !s.ok()) return s;
    distinct.push_back(indicator);
  }
  for (const std::string& indicator : distinct) {
    auto allowed = Allowed(indicator, client);
    if (!allowed.ok()) return allowed.status();
  }
  return distinct;
}

absl::StatusOr<std::optional<storage::ResourceRecord>>
ResourceIndicators::ForToken(
    const std::vector<std::string>& requested,
    const std::optional<std::vector<std::string>>& authorized,
    const storage::ClientRecord& client) const {
  std::vector<std::string> named;
  for (const std::string& indicator : requested) {
    if (!Contains(named, indicator)) named.push_back(indicator);
  }
  if (named.size() > 1) {
    // RFC 8707 §2.2 lets the server refuse several: one audience per token.
    return InvalidTarget("one resource per token request");
  }
  if (named.empty()) {
    if (!authorized.has_value() || authorized->empty()) return std::nullopt;
    if (authorized->size() > 1) {
      return InvalidTarget(
          "the grant is for several resources: name one (resource)");
    }
    named = *authorized;
  }
  // Syntax before the grant check: a malformed value is malformed.
  if (absl::Status s = CheckResourceIndicator(named[0]); !s.ok()) return s;
  if (authorized.has_value() && !Contains(*authorized, named[0])) {
    return InvalidTarget(
        "the grant was not authorized for this resource (RFC 8707 §2.2)");
  }
  auto resource = Allowed(named[0], client);
  if (!resource.ok()) return resource.status();
  return std::optional<storage::ResourceRecord>(*std::move(resource));
}

absl::StatusOr<std::optional<storage::ResourceRecord>> TokenTarget(
    const ResourceIndicators* indicators,
    const std::vector<std::string>& requested,
    const std::optional<std::vector<std::string>>& authorized,
    const storage::ClientRecord& client) {
  if (indicators != nullptr) {
    return indicators->ForToken(requested, authorized, client);
  }
  if (requested.empty() && (!authorized.has_value() || authorized->empty())) {
    return std::nullopt;
  }
  return InvalidTarget("this server has no resources");
}

absl::StatusOr<std::vector<std::string>> NarrowToResource(
    const std::vector<std::string>& scopes,
    const storage::ResourceRecord& resource) {
  std::vector<std::string> narrowed = ResourceScopes(scopes, resource);
  if (narrowed.empty()) {
    return OAuthFailure(OAuthError::kInvalidScope,
                        "none of the scopes is one of the resource's");
  }
  return narrowed;
}

}  // namespace identity::server
