#include "server/oauth/oauth_error.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace identity::server {
namespace {

constexpr absl::string_view kPayloadUrl =
    "type.identity.dev/identity.server.OAuthError";

struct Row {
  OAuthError error;
  absl::string_view code;
  absl::StatusCode status;
};

constexpr Row kRows[] = {
    {OAuthError::kInvalidRequest, "invalid_request",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kInvalidClient, "invalid_client",
     absl::StatusCode::kUnauthenticated},
    {OAuthError::kInvalidGrant, "invalid_grant",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kUnauthorizedClient, "unauthorized_client",
     absl::StatusCode::kPermissionDenied},
    {OAuthError::kUnsupportedGrantType, "unsupported_grant_type",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kInvalidScope, "invalid_scope",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kAccessDenied, "access_denied",
     absl::StatusCode::kPermissionDenied},
    {OAuthError::kUnsupportedResponseType, "unsupported_response_type",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kTemporarilyUnavailable, "temporarily_unavailable",
     absl::StatusCode::kResourceExhausted},
    {OAuthError::kInvalidToken, "invalid_token",
     absl::StatusCode::kUnauthenticated},
    {OAuthError::kInsufficientScope, "insufficient_scope",
     absl::StatusCode::kPermissionDenied},
    {OAuthError::kUnsupportedTokenType, "unsupported_token_type",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kLoginRequired, "login_required",
     absl::StatusCode::kUnauthenticated},
    {OAuthError::kConsentRequired, "consent_required",
     absl::StatusCode::kFailedPrecondition},
    {OAuthError::kAccountSelectionRequired, "account_selection_required",
     absl::StatusCode::kFailedPrecondition},
    {OAuthError::kRequestNotSupported, "request_not_supported",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kRequestUriNotSupported, "request_uri_not_supported",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kInvalidTarget, "invalid_target",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kAuthorizationPending, "authorization_pending",
     absl::StatusCode::kFailedPrecondition},
    {OAuthError::kSlowDown, "slow_down", absl::StatusCode::kResourceExhausted},
    {OAuthError::kExpiredToken, "expired_token",
     absl::StatusCode::kInvalidArgument},
    {OAuthError::kInvalidDpopProof, "invalid_dpop_proof",
     absl::StatusCode::kInvalidArgument},
};

constexpr absl::string_view kDetailPrefix =
    "type.identity.dev/identity.server.OAuthError/detail/";

const Row& RowFor(OAuthError error) {
  for (const Row& row : kRows) {
    if (row.error == error) return row;
  }
  return kRows[0];
}

}  // namespace

absl::string_view OAuthErrorCode(OAuthError error) {
  return RowFor(error).code;
}

absl::Status OAuthFailure(OAuthError error, absl::string_view message) {
  return OAuthFailure(error, message, RowFor(error).status);
}

absl::Status OAuthFailure(OAuthError error, absl::string_view message,
                          absl::StatusCode code) {
  absl::Status status(code, message);
  status.SetPayload(kPayloadUrl, absl::Cord(RowFor(error).code));
  return status;
}

absl::Status WithErrorDetail(absl::Status status, absl::string_view key,
                             absl::string_view value) {
  status.SetPayload(absl::StrCat(kDetailPrefix, key), absl::Cord(value));
  return status;
}

std::map<std::string, std::string> ErrorDetailsOf(const absl::Status& status) {
  std::map<std::string, std::string> details;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (absl::ConsumePrefix(&url, kDetailPrefix)) {
      details[std::string(url)] = std::string(value);
    }
  });
  return details;
}

std::optional<OAuthError> OAuthErrorOf(const absl::Status& status) {
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string code(*payload);
  for (const Row& row : kRows) {
    if (row.code == code) return row.error;
  }
  return std::nullopt;
}

namespace {

// The length of the UTF-8 sequence `lead` starts (2 to 4), or 1 for a byte
// that starts none.
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

}  // namespace

std::string ErrorDescription(absl::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (size_t i = 0; i < message.size();) {
    const unsigned char c = message[i];
    if (c < 0x80) {
      ++i;
      if (c == '"') {
        out.push_back('\'');
      } else if (c == '\\') {
        out.push_back('/');
      } else if (c < 0x20 || c == 0x7f) {
        out.push_back(' ');
      } else {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    // One '?' for a whole well-formed sequence; a stray byte is one too.
    size_t length = Utf8Length(c);
    if (i + length > message.size()) length = 1;
    for (size_t k = 1; k < length; ++k) {
      if (!IsContinuation(message[i + k])) length = 1;
    }
    out.append(message.substr(i, length) == "\xc2\xa7" ? "section " : "?");
    i += length;
  }
  return out;
}

absl::string_view OAuthErrorCodeOf(const absl::Status& status) {
  const std::optional<OAuthError> error = OAuthErrorOf(status);
  return error.has_value() ? OAuthErrorCode(*error) : "server_error";
}

}  // namespace identity::server
