// OAuth 2.0 error codes (RFC 6749 §5.2) as absl::Status payloads. The OAuth
// core reports every protocol failure this way; the gRPC and HTTP faces map
// them in one place each: server/grpc/status_mapping.h and
// server/http/oauth_http_errors.h (docs/api.md, docs/http.md).
#ifndef IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_
#define IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_

#include <map>
#include <optional>
#include <string>

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
  kUnsupportedResponseType,   // RFC 6749 §4.1.2.1.
  kTemporarilyUnavailable,    // RFC 6749 §4.1.2.1 (too many failed logins).
  kInvalidToken,              // RFC 6750 §3.1.
  kInsufficientScope,         // RFC 6750 §3.1.
  kUnsupportedTokenType,      // RFC 7009 §2.2.1.
  kLoginRequired,             // OIDC Core §3.1.2.6 (prompt=none, no session).
  kConsentRequired,           // OIDC Core §3.1.2.6 (prompt=consent).
  kAccountSelectionRequired,  // OIDC Core §3.1.2.6 (prompt=select_account).
  kRequestNotSupported,       // OIDC Core §6.1 (a Request Object).
  kRequestUriNotSupported,    // OIDC Core §6.2 (a Request Object by URI).
  kInvalidTarget,             // RFC 8707 §2, RFC 8693 §2.2.2.
  kAuthorizationPending,      // RFC 8628 §3.5 (the user has not answered).
  kSlowDown,                  // RFC 8628 §3.5 (polling too fast).
  kExpiredToken,              // RFC 8628 §3.5 (the device_code expired).
  kInvalidDpopProof,          // RFC 9449 §5 and §12.2 (a DPoP proof refused).
};

// "invalid_request", "invalid_client", ...
absl::string_view OAuthErrorCode(OAuthError error);

// An error status carrying `error`, with the error's usual status code. The
// message is for developers and never contains secrets or tokens.
absl::Status OAuthFailure(OAuthError error, absl::string_view message);
// The same with another status code (access_denied for failed credentials is
// kUnauthenticated, not the usual kPermissionDenied).
absl::Status OAuthFailure(OAuthError error, absl::string_view message,
                          absl::StatusCode code);

// Attaches `key` = `value` to an OAuth error (google.rpc.ErrorInfo metadata
// over gRPC; the HTTP face uses it too): the redirect URL an authorization
// error is meant for, or the seconds to wait before a retry.
absl::Status WithErrorDetail(absl::Status status, absl::string_view key,
                             absl::string_view value);
// Every detail attached to `status`, by key.
std::map<std::string, std::string> ErrorDetailsOf(const absl::Status& status);

// RFC 6749 §5.2 limits error_description to %x20-21 / %x23-5B / %x5D-7E:
// printable ASCII without '"' and '\\'. `message` made so, the one builder of
// every error_description the server sends (the HTTP JSON bodies and the
// authorization error redirect): '"' becomes '\'', '\\' becomes '/', "§"
// becomes "section ", another non-ASCII character (each UTF-8 sequence, or
// each stray byte) '?', a control character a space. A clean message is
// returned unchanged. gRPC status messages keep the core's text as it is:
// gRPC percent-encodes grpc-message, and RFC 6749 §5.2 binds only the
// OAuth wire forms (docs/api.md).
std::string ErrorDescription(absl::string_view message);

// The OAuth error carried by `status`, if any (storage outages carry none).
std::optional<OAuthError> OAuthErrorOf(const absl::Status& status);

// The error code a client hears for a failed `status`: its OAuth error's
// code, or "server_error" (RFC 6749 §4.1.2.1) when it carries none.
absl::string_view OAuthErrorCodeOf(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_OAUTH_ERROR_H_
