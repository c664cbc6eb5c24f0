// Managing OAuth clients (AdminService): the rules for client ids, names and
// scopes, server-generated secrets shown once, and paging. Transport-free:
// the gRPC face (server/grpc/admin_service.h) only converts messages.
#ifndef IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_
#define IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"
#include "server/oauth/client_secret.h"
#include "server/random_source.h"
#include "storage/client_store.h"

namespace identity::server {

struct ClientSpec {
  // 1 to 128 characters from [A-Za-z0-9._~-]. Empty on create: generated.
  std::string client_id;
  // Up to 200 bytes of UTF-8 without control or invisible format characters
  // (zero-width, bidirectional controls, BOM).
  std::string name;
  // Scope tokens (RFC 6749 §3.3) of at most 256 bytes, at most 100;
  // duplicates are dropped.
  std::vector<std::string> allowed_scopes;
  // At most 20, each valid for ValidateRedirectUri (redirect_uri.h); at
  // least one with the authorization_code grant. Duplicates are dropped.
  std::vector<std::string> redirect_uris = {};
  // From "client_credentials", "authorization_code", "refresh_token",
  // kTokenExchangeGrantType (token_request.h, not for a public client);
  // empty means {"client_credentials"}; refresh_token needs
  // authorization_code. Duplicates are dropped.
  std::vector<std::string> grant_types = {};
  // Create only: no secret; may not use client_credentials.
  bool public_client = false;
  // RFC 9700 §2.1.1: true lets a confidential client leave PKCE out of an
  // OpenID Connect request; refused for a public client. Unset:
  // false on create, unchanged on update.
  std::optional<bool> pkce_optional = std::nullopt;
  // OIDC Dynamic Client Registration §2: the JWS algorithm of the client's
  // ID tokens, one of the server's signing algorithms ("none" and HMAC are
  // never among them); "" for the server's default. Unset: "" on create,
  // unchanged on update.
  std::optional<std::string> id_token_signed_response_alg = std::nullopt;
  // RFC 9126 §6: true makes the client's authorization requests come by a
  // pushed request's request_uri only. Unset: false on create, unchanged on
  // update.
  std::optional<bool> require_pushed_authorization_requests = std::nullopt;
  // RP-Initiated Logout 1.0 §3: the same rules as redirect_uris, at most 20;
  // may be empty. Duplicates are dropped. Replaced on update.
  std::vector<std::string> post_logout_redirect_uris = {};
  // OIDC Back-Channel Logout 1.0 §2.2: an https URL (or http on a loopback
  // host), no fragment; "" for none. Unset: "" on create, unchanged on
  // update.
  std::optional<std::string> backchannel_logout_uri = std::nullopt;
  // Unset: false on create, unchanged on update.
  std::optional<bool> backchannel_logout_session_required = std::nullopt;
  // OIDC Core §3.1.2.4: users consent to the client's scopes. Unset: false
  // (first-party) on create, unchanged on update.
  std::optional<bool> third_party = std::nullopt;
  // RFC 9449 §10.2: token requests must carry a DPoP proof. Unset: false on
  // create, unchanged on update.
  std::optional<bool> dpop_bound_access_tokens = std::nullopt;
  // RFC 8693: with the token exchange grant type, delegation or
  // impersonation (or both) must be allowed; audiences are at most 20, each
  // 1 to 256 characters of %x21-7E, duplicates dropped. Unset: all off on
  // create, unchanged on update; set: replaced as a whole.
  std::optional<storage::TokenExchangePolicy> token_exchange = std::nullopt;
  // OIDC Dynamic Client Registration §2 token_endpoint_auth_method, create
  // only: "" means "none" for a public client, "client_secret_basic"
  // otherwise; "none" exactly for a public client; "private_key_jwt" gets no
  // secret and needs `jwks`.
  std::string token_endpoint_auth_method = {};
  // The client's public keys (a JWK Set as JSON text, client_jwks.h), only
  // for private_key_jwt; stored with public members only. Unset: none on
  // create, unchanged on update.
  std::optional<std::string> jwks = std::nullopt;
};

struct CreatedClient {
  storage::ClientRecord client;
  // The only time the secret exists outside the caller's hands. Empty for a
  // public client.
  std::string client_secret;
};

struct ClientPage {
  std::vector<storage::ClientRecord> clients;
  // Empty on the last page.
  std::string next_page_token;
};

// Thread-safe. Everything passed in must outlive it. Errors: kInvalidRequest
// (oauth_error.h) for bad input, NotFound, AlreadyExists, and the store's
// (Unavailable...). A failed call changes nothing.
class ClientRegistry {
 public:
  // `signing_algorithms`: what id_token_signed_response_alg may name (the
  // server's configured signing algorithms, "RS256", ...).
  ClientRegistry(storage::ClientStore* store, const ClientSecretHasher* hasher,
                 const jwt::Clock* clock, RandomSource random,
                 std::vector<std::string> signing_algorithms)
      : store_(store),
        hasher_(hasher),
        clock_(clock),
        random_(std::move(random)),
        signing_algorithms_(std::move(signing_algorithms)) {}

  absl::StatusOr<CreatedClient> Create(ClientSpec spec) const;
  absl::StatusOr<storage::ClientRecord> Get(absl::string_view client_id) const;
  // `page_size`: 1 to 1000, 0 means 100. `page_token`: empty or a previous
  // page's next_page_token.
  absl::StatusOr<ClientPage> List(int page_size,
                                  absl::string_view page_token) const;
  // Replaces the name, allowed scopes, redirect URIs and grant types; the
  // secret and public_client stay.
  absl::StatusOr<storage::ClientRecord> Update(ClientSpec spec) const;
  absl::Status Delete(absl::string_view client_id) const;

 private:
  storage::ClientStore* const store_;
  const ClientSecretHasher* const hasher_;
  const jwt::Clock* const clock_;
  const RandomSource random_;
  const std::vector<std::string> signing_algorithms_;

  absl::Status CheckIdTokenAlg(const ClientSpec& spec) const;
};

// Whether `client_id` is 1 to 128 characters from [A-Za-z0-9._~-].
bool IsValidClientId(absl::string_view client_id);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF) without C0/C1 control characters or invisible format characters
// (zero-width, bidirectional controls, BOM): for names shown to people.
bool IsPrintableUtf8(absl::string_view s);

// RFC 8628 §3.4: the device authorization grant's grant_type.
inline constexpr char kDeviceCodeGrantType[] =
    "urn:ietf:params:oauth:grant-type:device_code";
// OIDC Dynamic Client Registration §2 token_endpoint_auth_method values.
inline constexpr char kAuthClientSecretBasic[] = "client_secret_basic";
inline constexpr char kAuthClientSecretPost[] = "client_secret_post";
inline constexpr char kAuthPrivateKeyJwt[] = "private_key_jwt";
inline constexpr char kAuthNone[] = "none";

// The client's token_endpoint_auth_method: as registered, or for a client
// stored before it existed "none" (public) or "client_secret_basic". The
// two secret methods are interchangeable: a secret client may send its
// secret either way, as before this setting existed.
std::string TokenEndpointAuthMethod(const storage::ClientRecord& client);
// Whether the client authenticates by private_key_jwt only.
bool UsesPrivateKeyJwt(const storage::ClientRecord& client);

// Whether `client` may use `grant_type`.
bool AllowsGrant(const storage::ClientRecord& client,
                 absl::string_view grant_type);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_OAUTH_CLIENT_REGISTRY_H_
