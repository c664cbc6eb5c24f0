#include "server/oauth/authorization_header.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status Malformed() {
  return OAuthFailure(OAuthError::kInvalidClient,
                      "malformed Basic authorization");
}

// What follows the scheme name and its spaces.
absl::string_view Credentials(absl::string_view value,
                              absl::string_view scheme) {
  return absl::StripAsciiWhitespace(value.substr(scheme.size() + 1));
}

}  // namespace

bool HasAuthScheme(absl::string_view value, absl::string_view scheme) {
  return value.size() > scheme.size() &&
         absl::StartsWithIgnoreCase(value, scheme) &&
         value[scheme.size()] == ' ';
}

absl::StatusOr<ClientCredentials> ParseBasicAuthorization(
    absl::string_view value) {
  if (!HasAuthScheme(value, "Basic")) return Malformed();
  std::string decoded;
  if (!absl::Base64Unescape(Credentials(value, "Basic"), &decoded)) {
    return Malformed();
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Malformed();
  std::optional<std::string> id =
      FormUrlDecode(absl::string_view(decoded).substr(0, colon));
  std::optional<std::string> secret =
      FormUrlDecode(absl::string_view(decoded).substr(colon + 1));
  if (!id.has_value() || !secret.has_value()) return Malformed();
  return ClientCredentials{*std::move(id), *std::move(secret)};
}

std::optional<std::string> BearerToken(absl::string_view value) {
  if (!HasAuthScheme(value, "Bearer")) return std::nullopt;
  const absl::string_view token = Credentials(value, "Bearer");
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

std::optional<std::string> DpopToken(absl::string_view value) {
  if (!HasAuthScheme(value, "DPoP")) return std::nullopt;
  const absl::string_view token = Credentials(value, "DPoP");
  if (token.empty()) return std::nullopt;
  return std::string(token);
}

}  // namespace identity::server
