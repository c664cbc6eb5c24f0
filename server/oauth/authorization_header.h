// The two schemes of an HTTP `Authorization` header (or gRPC `authorization`
// metadata) the server reads: Basic client credentials (RFC 7617, with the
// form-urlencoding of RFC 6749 §2.3.1) and Bearer access tokens (RFC 6750
// §2.1). Both faces parse the header here, nowhere else.
#ifndef IDENTITY_SERVER_OAUTH_AUTHORIZATION_HEADER_H_
#define IDENTITY_SERVER_OAUTH_AUTHORIZATION_HEADER_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::server {

struct ClientCredentials {
  std::string client_id;
  std::string client_secret;
  // A private_key_jwt client assertion (client_assertion.h); then the
  // secret is empty.
  std::string client_assertion = {};
};

// Whether `value` uses the scheme `scheme` ("Basic", "Bearer"): the name,
// case-insensitive (RFC 9110 §11.1), then at least one space.
bool HasAuthScheme(absl::string_view value, absl::string_view scheme);

// Decodes "Basic base64(id:secret)", where id and secret were
// form-urlencoded before base64 (RFC 6749 §2.3.1). Errors: kInvalidClient
// (oauth_error.h) for anything malformed, never echoing the value.
absl::StatusOr<ClientCredentials> ParseBasicAuthorization(
    absl::string_view value);

// The token of "Bearer <token>" (RFC 6750 §2.1), surrounding whitespace
// removed; nullopt for another scheme or an empty token.
std::optional<std::string> BearerToken(absl::string_view value);

// The token of "DPoP <token>" (RFC 9449 §7.1), as BearerToken.
std::optional<std::string> DpopToken(absl::string_view value);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_AUTHORIZATION_HEADER_H_
