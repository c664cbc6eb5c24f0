#include "server/http/oauth_http_errors.h"

#include <optional>

#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

int StatusFor(OAuthError error) {
  switch (error) {
    case OAuthError::kInvalidClient:
    case OAuthError::kInvalidToken:
    case OAuthError::kAccessDenied:
    case OAuthError::kLoginRequired:
      return 401;
    case OAuthError::kInsufficientScope:
      return 403;
    case OAuthError::kTemporarilyUnavailable:
      return 429;
    case OAuthError::kInvalidRequest:
    case OAuthError::kInvalidGrant:
    case OAuthError::kUnauthorizedClient:
    case OAuthError::kUnsupportedGrantType:
    case OAuthError::kInvalidScope:
    case OAuthError::kUnsupportedResponseType:
    case OAuthError::kUnsupportedTokenType:
    case OAuthError::kConsentRequired:
    case OAuthError::kAccountSelectionRequired:
    case OAuthError::kRequestNotSupported:
    case OAuthError::kRequestUriNotSupported:
    case OAuthError::kInvalidTarget:
    case OAuthError::kAuthorizationPending:
    case OAuthError::kSlowDown:
    case OAuthError::kExpiredToken:
    case OAuthError::kInvalidDpopProof:  // RFC 9449 §5.
      return 400;
  }
  return 400;
}

}  // namespace

HttpError HttpErrorOf(const absl::Status& status) {
  const std::optional<OAuthError> error = OAuthErrorOf(status);
  if (error.has_value()) {
    int http_status = StatusFor(*error);
    // A busy server's temporarily_unavailable is its own state, not this
    // client's doing: 503 (RFC 9110 §15.6.4), not 429 (RFC 6585 §4).
    if (*error == OAuthError::kTemporarilyUnavailable &&
        status.code() == absl::StatusCode::kUnavailable) {
      http_status = 503;
    }
    // RFC 8628 §3.5: the user denying a device is an error of the token
    // endpoint (RFC 6749 §5.2: 400); failed credentials stay 401.
    if (*error == OAuthError::kAccessDenied &&
        status.code() == absl::StatusCode::kPermissionDenied) {
      http_status = 400;
    }
    return HttpError{http_status, std::string(OAuthErrorCode(*error)),
                     ErrorDescription(status.message())};
  }
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    return HttpError{503, "temporarily_unavailable",
                     "the server cannot reach its database"};
  }
  return HttpError{500, "server_error", ""};
}

}  // namespace identity::server
