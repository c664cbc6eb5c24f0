// The one table from the OAuth core's errors (server/oauth/oauth_error.h) to
// HTTP, for every route of the front door: JSON endpoints and pages alike.
#ifndef IDENTITY_SERVER_HTTP_OAUTH_HTTP_ERRORS_H_
#define IDENTITY_SERVER_HTTP_OAUTH_HTTP_ERRORS_H_

#include <string>

#include "absl/status/status.h"

namespace identity::server {

struct HttpError {
  int status = 500;
  // The error code a client reads (RFC 6749 §5.2, RFC 6750 §3.1).
  std::string error;
  // For developers; never secrets (the core's messages never carry any).
  // The error_description: only the characters RFC 6749 §5.2 allows
  // (ErrorDescription in server/oauth/oauth_error.h).
  std::string description;
};

// RFC 6749 §5.2: invalid_client is 401, other request errors 400. RFC 6750
// §3.1: invalid_token 401, insufficient_scope 403. A refused login
// (access_denied) or one that is needed (login_required) is 401, a
// throttled one (temporarily_unavailable) 429, or 503 when the server is
// busy (temporarily_unavailable with code Unavailable: no password-hash
// slot, server/users/hash_limiter.h). An error without an OAuth
// code is the server's: 503 "temporarily_unavailable" when the store is
// unreachable or slow (Unavailable, DeadlineExceeded), else 500
// "server_error"; neither shows the internal message.
HttpError HttpErrorOf(const absl::Status& status);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_HTTP_OAUTH_HTTP_ERRORS_H_
