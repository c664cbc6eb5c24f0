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
  // RFC 7521 §4.2: client_assertion_type and client_assertion.
  std::optional<std::string> client_assertion_type = std::nullopt;
  std::optional<std::string> client_assertion = std::nullopt;
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
//
// A request with client_assertion_type or client_assertion authenticates by
// a JWT assertion (RFC 7521 §4.2, RFC 7523 §2.2): both are required
// (kInvalidRequest), the type must be kJwtBearerAssertionType
// (kInvalidClient), no Basic credentials nor client_secret may come with it
// (kInvalidRequest), and the client is the assertion's claimed one
// (ClaimedClientId: kInvalidClient), which a client_id parameter must name
// too (kInvalidClient). The assertion is verified later, by the
// ClientAuthenticator, against the client's keys.
absl::StatusOr<ClientCredentials> ResolveClientCredentials(
    const PresentedCredentials& presented);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_CREDENTIALS_H_
