#include "server/oauth/oauth_error.h"

#include <string>

#include "absl/strings/cord.h"

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
};

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
  const Row& row = RowFor(error);
  absl::Status status(row.status, message);
  status.SetPayload(kPayloadUrl, absl::Cord(row.code));
  return status;
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

}  // namespace identity::server
