// OAuth 2.0 error codes (RFC 6749 §5.2) as absl::Status payloads. The OAuth
// core reports every protocol failure this way; the gRPC and HTTP faces map
// them in one place each (docs/api.md).
#ifndef IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_
#define IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace identity::server {

enum class OAuthError {
  kInvalidRequest,
  kInvalidClient,
  kInvalidGrant,
  kUnauthorizedClient,
  kUnsupportedGrantType,
  kInvalidScope,
  kAccessDenied,
};

// "invalid_request", "invalid_client", ...
absl::string_view OAuthErrorCode(OAuthError error);

// An error status carrying `error`. The message is for developers and never
// contains secrets or tokens.
absl::Status OAuthFailure(OAuthError error, absl::string_view message);

// The OAuth error carried by `status`, if any (storage outages carry none).
std::optional<OAuthError> OAuthErrorOf(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_
