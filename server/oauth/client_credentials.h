// Which client a token, introspection or revocation request comes from: the
// one rule both faces apply to what the request carries (RFC 6749 §2.3).
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/oauth/authorization_header.h"

namespace identity::server {

// What a request carries that may identify its client.
struct PresentedCredentials {
  // The `Authorization` header or `authorization` metadata; empty if none.
  absl::string_view authorization;
  // The client_id and client_secret parameters, when present (over gRPC, a
  // non-empty field).
  std::optional<std::string> client_id;
  std::optional<std::string> client_secret;
};

// The client's id and secret: from Basic credentials (client_secret_basic,
// RFC 6749 §2.3.1) when the request has an authorization; else from the
// parameters (client_secret_post; a public client sends client_id only).
// Errors, in this order: kInvalidClient for an authorization in another
// scheme (the client tried a method this server does not support, RFC 6749
// §5.2); kInvalidRequest for Basic plus a client_secret parameter (RFC 6749
// §2.3: one method per request); kInvalidClient for malformed Basic
// credentials; kInvalidRequest for Basic plus a different client_id
// parameter.
absl::StatusOr<ClientCredentials> ResolveClientCredentials(
    const PresentedCredentials& presented);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_H_
