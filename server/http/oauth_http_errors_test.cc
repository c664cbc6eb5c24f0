// The one table from the core's errors to HTTP statuses and error codes.
#include "server/http/oauth_http_errors.h"

#include "gtest/gtest.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

int StatusOf(OAuthError error) {
  return HttpErrorOf(OAuthFailure(error, "why")).status;
}

// RFC 6749 §5.2: invalid_client is 401, other request errors 400.
TEST(HttpErrorOfTest, TokenEndpointErrorsFollowRfc6749Section5_2) {
  EXPECT_EQ(StatusOf(OAuthError::kInvalidClient), 401);
  for (OAuthError error :
       {OAuthError::kInvalidRequest, OAuthError::kInvalidGrant,
        OAuthError::kUnauthorizedClient, OAuthError::kUnsupportedGrantType,
        OAuthError::kInvalidScope, OAuthError::kUnsupportedTokenType,
        OAuthError::kInvalidTarget}) {
    EXPECT_EQ(StatusOf(error), 400) << OAuthErrorCode(error);
  }
  const HttpError error =
      HttpErrorOf(OAuthFailure(OAuthError::kInvalidGrant, "code used"));
  EXPECT_EQ(error.error, "invalid_grant");
  EXPECT_EQ(error.description, "code used");
}

// RFC 8707 §2: a resource indicator unknown, malformed or not allowed.
TEST(HttpErrorOfTest, InvalidTargetIs400) {
  const HttpError error =
      HttpErrorOf(OAuthFailure(OAuthError::kInvalidTarget, "no such API"));
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.error, "invalid_target");
}

// RFC 9449 §5: a refused proof at the token endpoint is a 400.
TEST(HttpErrorOfTest, InvalidDpopProofIs400) {
  EXPECT_EQ(StatusOf(OAuthError::kInvalidDpopProof), 400);
  EXPECT_EQ(
      HttpErrorOf(OAuthFailure(OAuthError::kInvalidDpopProof, "why")).error,
      "invalid_dpop_proof");
}

// RFC 6750 §3.1.
TEST(HttpErrorOfTest, BearerErrorsFollowRfc6750Section3_1) {
  EXPECT_EQ(StatusOf(OAuthError::kInvalidToken), 401);
  EXPECT_EQ(StatusOf(OAuthError::kInsufficientScope), 403);
}

TEST(HttpErrorOfTest, LoginOutcomes) {
  // Failed credentials (UserAccounts::Authenticate) are UNAUTHENTICATED.
  EXPECT_EQ(HttpErrorOf(OAuthFailure(OAuthError::kAccessDenied, "wrong",
                                     absl::StatusCode::kUnauthenticated))
                .status,
            401);
  EXPECT_EQ(StatusOf(OAuthError::kLoginRequired), 401);
  EXPECT_EQ(StatusOf(OAuthError::kTemporarilyUnavailable), 429);
}

// RFC 8628 §3.5: a user's denial heard by a polling device is an error of
// the token endpoint (RFC 6749 §5.2: 400), as are the other polling answers.
TEST(HttpErrorOfTest, DevicePollingOutcomesAre400) {
  EXPECT_EQ(StatusOf(OAuthError::kAccessDenied), 400);
  EXPECT_EQ(StatusOf(OAuthError::kAuthorizationPending), 400);
  EXPECT_EQ(StatusOf(OAuthError::kSlowDown), 400);
  EXPECT_EQ(StatusOf(OAuthError::kExpiredToken), 400);
  EXPECT_EQ(HttpErrorOf(OAuthFailure(OAuthError::kSlowDown, "")).error,
            "slow_down");
}

// Too many failed logins is the client's doing (429, RFC 6585 §4); a server
// without a free password-hash slot is busy (503, RFC 9110 §15.6.4). Both
// are temporarily_unavailable (RFC 6749 §4.1.2.1), told apart by the code.
TEST(HttpErrorOfTest, ABusyServerIs503AndAThrottledLogin429) {
  const HttpError busy = HttpErrorOf(
      OAuthFailure(OAuthError::kTemporarilyUnavailable, "the server is busy",
                   absl::StatusCode::kUnavailable));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.error, "temporarily_unavailable");
  EXPECT_EQ(busy.description, "the server is busy");
  const HttpError throttled =
      HttpErrorOf(OAuthFailure(OAuthError::kTemporarilyUnavailable, "too many",
                               absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(throttled.status, 429);
}

// RFC 6749 §5.2 (issue 13 item 9): the description has only %x20-21 /
// %x23-5B / %x5D-7E, whatever the core's message holds.
TEST(HttpErrorOfTest, DescriptionHasOnlyTheCharactersRfc6749Allows) {
  const HttpError error = HttpErrorOf(
      OAuthFailure(OAuthError::kInvalidScope,
                   "scope \"a\\b\" has a character RFC 6749 \xc2\xa7"
                   "3.3 forbids"));
  EXPECT_EQ(error.description,
            "scope 'a/b' has a character RFC 6749 section 3.3 forbids");
}

// Every route maps the server's own failures alike: 503 when the store is
// out of reach, 500 otherwise, and never the internal message.
TEST(HttpErrorOfTest, ServerFailuresHideTheirMessage) {
  for (const absl::Status& status :
       {absl::UnavailableError("db down at 10.0.0.1"),
        absl::DeadlineExceededError("slow")}) {
    const HttpError error = HttpErrorOf(status);
    EXPECT_EQ(error.status, 503);
    EXPECT_EQ(error.error, "temporarily_unavailable");
    EXPECT_EQ(error.description.find("10.0.0.1"), std::string::npos);
  }
  const HttpError internal = HttpErrorOf(absl::InternalError("bug at x.cc"));
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(internal.error, "server_error");
  EXPECT_EQ(internal.description, "");
}

}  // namespace
}  // namespace identity::server
