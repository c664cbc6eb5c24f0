#include "server/grpc/client_credentials_metadata.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

// application/x-www-form-urlencoded decoding: '+' is a space, %XX a byte.
bool FormDecode(absl::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const std::string hex(in.substr(i + 1, 2));
      if (!absl::ascii_isxdigit(hex[0]) || !absl::ascii_isxdigit(hex[1])) {
        return false;
      }
      out->push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

absl::Status Malformed() {
  return OAuthFailure(OAuthError::kInvalidClient,
                      "malformed Basic authorization");
}

}  // namespace

absl::StatusOr<ClientCredentials> ParseBasicAuthorization(
    absl::string_view value) {
  constexpr absl::string_view kScheme = "basic ";
  if (value.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(value, kScheme)) {
    return Malformed();
  }
  std::string decoded;
  if (!absl::Base64Unescape(absl::StripAsciiWhitespace(value.substr(6)),
                            &decoded)) {
    return Malformed();
  }
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return Malformed();
  ClientCredentials credentials;
  if (!FormDecode(absl::string_view(decoded).substr(0, colon),
                  &credentials.client_id) ||
      !FormDecode(absl::string_view(decoded).substr(colon + 1),
                  &credentials.client_secret)) {
    return Malformed();
  }
  return credentials;
}

absl::StatusOr<ClientCredentials> CallCredentials(
    const grpc::ServerContext& context, absl::string_view field_client_id,
    absl::string_view field_client_secret) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end() ||
      !absl::StartsWithIgnoreCase(
          absl::string_view(it->second.data(), it->second.size()), "basic ")) {
    return ClientCredentials{std::string(field_client_id),
                             std::string(field_client_secret)};
  }
  if (!field_client_secret.empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "use one client authentication method, not two");
  }
  auto credentials = ParseBasicAuthorization(
      absl::string_view(it->second.data(), it->second.size()));
  if (!credentials.ok()) return credentials.status();
  if (!field_client_id.empty() && field_client_id != credentials->client_id) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "client_id differs from the authorization header");
  }
  return credentials;
}

}  // namespace identity::server
