#include "server/oauth/client_registry.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "jwt/base64url.h"
#include "server/oauth/client_jwks.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/paging.h"
#include "server/oauth/redirect_uri.h"
#include "server/oauth/scope.h"
#include "server/oauth/token_request.h"

namespace identity::server {
namespace {

constexpr size_t kMaxClientIdLength = 128;
constexpr size_t kMaxNameLength = 200;
constexpr size_t kMaxScopes = 100;

absl::Status Invalid(absl::string_view message) {
  return OAuthFailure(OAuthError::kInvalidRequest, message);
}

constexpr size_t kMaxRedirectUris = 20;

}  // namespace

bool IsPrintableUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = s[i];
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F;
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F;
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return false;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return false;
    // Invisible and direction-changing characters, which let a name pose as
    // another in listings: zero-width, bidirectional controls, line and
    // paragraph separators, word joiners, the byte-order mark.
    if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
        (cp >= 0x2060 && cp <= 0x2069) || cp == 0xFEFF) {
      return false;
    }
    i += len;
  }
  return true;
}

bool AllowsGrant(const storage::ClientRecord& client,
                 absl::string_view grant_type) {
  return std::find(client.grant_types.begin(), client.grant_types.end(),
                   grant_type) != client.grant_types.end();
}

namespace {

// `values` without repeats, in first-seen order.
std::vector<std::string> Unique(std::vector<std::string> values) {
  std::vector<std::string> unique;
  for (std::string& value : values) {
    if (std::find(unique.begin(), unique.end(), value) == unique.end()) {
      unique.push_back(std::move(value));
    }
  }
  return unique;
}

// Checks grant types and redirect URIs against each other and the client
// type; defaults the grant types.
// RFC 9700 §2.1.1: only a confidential client may go without PKCE.
absl::Status CheckPkceOptional(const ClientSpec& spec, bool public_client) {
  if (public_client && spec.pkce_optional.value_or(false)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "a public client must use PKCE: pkce_optional is for "
                        "confidential clients only");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ClientRegistry::CheckIdTokenAlg(const ClientSpec& spec) const {
  const std::string alg = spec.id_token_signed_response_alg.value_or("");
  if (alg.empty()) return absl::OkStatus();
  if (std::find(signing_algorithms_.begin(), signing_algorithms_.end(), alg) !=
      signing_algorithms_.end()) {
    return absl::OkStatus();
  }
  // OIDC Core §2: an ID token MUST be signed; "none" is never allowed here,
  // nor HMAC (the server signs with private keys only).
  return OAuthFailure(
      OAuthError::kInvalidRequest,
      absl::StrCat("id_token_signed_response_alg \"", alg.substr(0, 32),
                   "\" is not one of the server's signing algorithms (",
                   absl::StrJoin(signing_algorithms_, ", "), ")"));
}

// Back-Channel Logout 1.0 §2.2: the redirect URI rules (absolute, no
// fragment, https or http on a loopback host), without private-use schemes:
// the server POSTs to it.
absl::Status CheckBackchannelLogoutUri(const ClientSpec& spec) {
  if (!spec.backchannel_logout_uri.has_value() ||
      spec.backchannel_logout_uri->empty()) {
    return absl::OkStatus();
  }
  const std::string& uri = *spec.backchannel_logout_uri;
  if (absl::Status s = ValidateRedirectUri(uri); !s.ok()) return s;
  if (!absl::StartsWith(uri, "https://") && !absl::StartsWith(uri, "http://")) {
    return Invalid(
        "backchannel_logout_uri must be https (or http on a "
        "loopback host)");
  }
  return absl::OkStatus();
}

namespace {

absl::Status NormalizeGrants(ClientSpec& spec, bool public_client) {
  spec.grant_types = Unique(std::move(spec.grant_types));
  if (spec.grant_types.empty()) spec.grant_types = {"client_credentials"};
  for (const std::string& grant : spec.grant_types) {
    if (grant != "client_credentials" && grant != "authorization_code" &&
        grant != "refresh_token" && grant != kDeviceCodeGrantType &&
        grant != kTokenExchangeGrantType) {
      return Invalid(absl::StrCat(
          "grant type \"", absl::CHexEscape(grant),
          "\" is not one of client_credentials, authorization_code, "
          "refresh_token, ",
          kDeviceCodeGrantType, ", ", kTokenExchangeGrantType));
    }
  }
  auto has = [&](absl::string_view grant) {
    return std::find(spec.grant_types.begin(), spec.grant_types.end(), grant) !=
           spec.grant_types.end();
  };
  if (has("refresh_token") && !has("authorization_code") &&
      !has(kDeviceCodeGrantType)) {
    return Invalid(
        "the refresh_token grant needs authorization_code or the device "
        "code grant");
  }
  if (public_client && has("client_credentials")) {
    return Invalid(
        "a public client cannot use client_credentials (it has no secret)");
  }
  if (public_client && has(kTokenExchangeGrantType)) {
    return Invalid(
        "a public client cannot use token exchange (it has no secret)");
  }
  spec.redirect_uris = Unique(std::move(spec.redirect_uris));
  if (spec.redirect_uris.size() > kMaxRedirectUris) {
    return Invalid(absl::StrCat("at most ", kMaxRedirectUris,
                                " redirect URIs per client"));
  }
  for (const std::string& uri : spec.redirect_uris) {
    if (absl::Status s = ValidateRedirectUri(uri); !s.ok()) return s;
  }
  if (has("authorization_code") && spec.redirect_uris.empty()) {
    return Invalid("the authorization_code grant needs a redirect URI");
  }
  spec.post_logout_redirect_uris =
      Unique(std::move(spec.post_logout_redirect_uris));
  if (spec.post_logout_redirect_uris.size() > kMaxRedirectUris) {
    return Invalid(absl::StrCat("at most ", kMaxRedirectUris,
                                " post-logout redirect URIs per client"));
  }
  for (const std::string& uri : spec.post_logout_redirect_uris) {
    if (absl::Status s = ValidateRedirectUri(uri); !s.ok()) return s;
  }
  return CheckBackchannelLogoutUri(spec);
}

// Checks the name and scopes of `spec`, dropping duplicate scopes.
absl::Status NormalizeSpec(ClientSpec& spec) {
  if (spec.name.size() > kMaxNameLength || !IsPrintableUtf8(spec.name)) {
    return Invalid(absl::StrCat("name must be at most ", kMaxNameLength,
                                " bytes of UTF-8 without control or invisible "
                                "format characters"));
  }
  if (spec.allowed_scopes.size() > kMaxScopes) {
    return Invalid(
        absl::StrCat("at most ", kMaxScopes, " allowed scopes per client"));
  }
  // One scope string through the one scope parser: each element must be a
  // single scope token.
  for (const std::string& scope : spec.allowed_scopes) {
    auto parsed = ParseScope(scope);
    if (!parsed.ok() || parsed->size() != 1 || (*parsed)[0] != scope) {
      return Invalid(absl::StrCat("allowed scope \"", absl::CHexEscape(scope),
                                  "\" is not a scope token (RFC 6749 §3.3)"));
    }
  }
  auto unique = ParseScope(absl::StrJoin(spec.allowed_scopes, " "));
  if (!unique.ok()) return unique.status();
  spec.allowed_scopes = *std::move(unique);
  return absl::OkStatus();
}

constexpr size_t kMaxExchangeAudiences = 20;
constexpr size_t kMaxAudienceLength = 256;

// RFC 8693 §2.1 audience values as the policy lists them: stored
// space-separated, so %x21-7E only. Drops duplicates.
absl::Status NormalizeExchangePolicy(storage::TokenExchangePolicy& policy) {
  policy.audiences = Unique(std::move(policy.audiences));
  if (policy.audiences.size() > kMaxExchangeAudiences) {
    return Invalid(absl::StrCat("at most ", kMaxExchangeAudiences,
                                " token exchange audiences per client"));
  }
  for (const std::string& audience : policy.audiences) {
    bool printable = !audience.empty() && audience.size() <= kMaxAudienceLength;
    for (char c : audience) printable = printable && c > 0x20 && c < 0x7f;
    if (!printable) {
      return Invalid(absl::StrCat(
          "a token exchange audience must be 1 to ", kMaxAudienceLength,
          " printable ASCII characters without spaces"));
    }
  }
  return absl::OkStatus();
}

// A client registered for token exchange must be allowed one of its modes,
// else every request of it would be refused.
absl::Status CheckExchangeModes(const storage::ClientRecord& client) {
  if (AllowsGrant(client, kTokenExchangeGrantType) &&
      !client.token_exchange.delegation &&
      !client.token_exchange.impersonation) {
    return Invalid(
        "the token exchange grant needs delegation or impersonation "
        "allowed (RFC 8693 section 1.1)");
  }
  return absl::OkStatus();
}

absl::Status CheckClientId(absl::string_view client_id) {
  if (!IsValidClientId(client_id)) {
    return Invalid(absl::StrCat("client_id must be 1 to ", kMaxClientIdLength,
                                " characters from [A-Za-z0-9._~-]"));
  }
  return absl::OkStatus();
}

// The create-time token_endpoint_auth_method rules (ClientSpec).
absl::Status NormalizeAuthMethod(ClientSpec& spec) {
  std::string& method = spec.token_endpoint_auth_method;
  if (method.empty()) {
    method = spec.public_client ? kAuthNone : kAuthClientSecretBasic;
  }
  if (method != kAuthNone && method != kAuthClientSecretBasic &&
      method != kAuthClientSecretPost && method != kAuthPrivateKeyJwt) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "token_endpoint_auth_method must be "
                        "client_secret_basic, client_secret_post, "
                        "private_key_jwt or none");
  }
  if (spec.public_client != (method == kAuthNone)) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "token_endpoint_auth_method none is for public "
                        "clients, and only it");
  }
  return absl::OkStatus();
}

// `spec.jwks` checked against the client's method and made canonical.
absl::Status NormalizeJwks(ClientSpec& spec, absl::string_view method) {
  if (method != kAuthPrivateKeyJwt) {
    if (spec.jwks.has_value() && !spec.jwks->empty()) {
      return OAuthFailure(OAuthError::kInvalidRequest,
                          "jwks is only for private_key_jwt clients");
    }
    return absl::OkStatus();
  }
  if (!spec.jwks.has_value() || spec.jwks->empty()) {
    return OAuthFailure(OAuthError::kInvalidRequest,
                        "a private_key_jwt client needs jwks");
  }
  auto canonical = CanonicalClientJwks(*spec.jwks);
  if (!canonical.ok()) return canonical.status();
  spec.jwks = *std::move(canonical);
  return absl::OkStatus();
}

}  // namespace

std::string TokenEndpointAuthMethod(const storage::ClientRecord& client) {
  if (!client.token_endpoint_auth_method.empty()) {
    return client.token_endpoint_auth_method;
  }
  return client.public_client ? kAuthNone : kAuthClientSecretBasic;
}

bool UsesPrivateKeyJwt(const storage::ClientRecord& client) {
  return client.token_endpoint_auth_method == kAuthPrivateKeyJwt;
}

bool IsValidClientId(absl::string_view client_id) {
  if (client_id.empty() || client_id.size() > kMaxClientIdLength) return false;
  for (char c : client_id) {
    if (!(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '~' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

absl::StatusOr<CreatedClient> ClientRegistry::Create(ClientSpec spec) const {
  if (spec.client_id.empty()) {
    // 128 random bits: unguessable and collision-free in practice.
    spec.client_id = jwt::Base64UrlEncode(RandomBytes(random_, 16));
  } else if (absl::Status s = CheckClientId(spec.client_id); !s.ok()) {
    return s;
  }
  if (absl::Status s = NormalizeSpec(spec); !s.ok()) return s;
  if (absl::Status s = NormalizeGrants(spec, spec.public_client); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPkceOptional(spec, spec.public_client); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckIdTokenAlg(spec); !s.ok()) return s;
  if (absl::Status s = NormalizeAuthMethod(spec); !s.ok()) return s;
  if (absl::Status s = NormalizeJwks(spec, spec.token_endpoint_auth_method);
      !s.ok()) {
    return s;
  }
  if (spec.token_exchange.has_value()) {
    if (absl::Status s = NormalizeExchangePolicy(*spec.token_exchange);
        !s.ok()) {
      return s;
    }
  }
  CreatedClient created;
  storage::ClientRecord& client = created.client;
  client.client_id = std::move(spec.client_id);
  client.name = std::move(spec.name);
  client.allowed_scopes = std::move(spec.allowed_scopes);
  client.redirect_uris = std::move(spec.redirect_uris);
  client.post_logout_redirect_uris = std::move(spec.post_logout_redirect_uris);
  client.grant_types = std::move(spec.grant_types);
  client.public_client = spec.public_client;
  client.pkce_optional = spec.pkce_optional.value_or(false);
  client.id_token_signed_response_alg =
      spec.id_token_signed_response_alg.value_or("");
  client.require_pushed_authorization_requests =
      spec.require_pushed_authorization_requests.value_or(false);
  client.backchannel_logout_uri = spec.backchannel_logout_uri.value_or("");
  client.backchannel_logout_session_required =
      spec.backchannel_logout_session_required.value_or(false);
  client.third_party = spec.third_party.value_or(false);
  client.dpop_bound_access_tokens =
      spec.dpop_bound_access_tokens.value_or(false);
  client.token_endpoint_auth_method = spec.token_endpoint_auth_method;
  client.jwks = spec.jwks.value_or("");
  client.token_exchange =
      spec.token_exchange.value_or(storage::TokenExchangePolicy{});
  if (absl::Status s = CheckExchangeModes(client); !s.ok()) return s;
  if (!client.public_client && !UsesPrivateKeyJwt(client)) {
    created.client_secret = GenerateClientSecret(random_);
    client.secret_hash = hasher_->Hash(created.client_secret);
  }
  client.created_at = client.updated_at = absl::FromUnixMicros(
      absl::ToUnixMicros(clock_->Now()));  // The store keeps microseconds.
  absl::Status stored = store_->CreateClient(client);
  if (stored.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("client \"", client.client_id, "\" already exists"));
  }
  if (!stored.ok()) return stored;
  return created;
}

absl::StatusOr<storage::ClientRecord> ClientRegistry::Get(
    absl::string_view client_id) const {
  if (absl::Status s = CheckClientId(client_id); !s.ok()) return s;
  return store_->GetClient(client_id);
}

absl::StatusOr<ClientPage> ClientRegistry::List(
    int page_size, absl::string_view page_token) const {
  auto page_request = ParsePageRequest(page_size, page_token, &IsValidClientId);
  if (!page_request.ok()) return page_request.status();
  auto clients =
      store_->ListClients(page_request->after, page_request->size + 1);
  if (!clients.ok()) return clients.status();
  ClientPage page;
  page.clients = *std::move(clients);
  if (page.clients.size() > static_cast<size_t>(page_request->size)) {
    page.clients.resize(page_request->size);
    page.next_page_token = NextPageToken(page.clients.back().client_id);
  }
  return page;
}

absl::StatusOr<storage::ClientRecord> ClientRegistry::Update(
    ClientSpec spec) const {
  if (absl::Status s = CheckClientId(spec.client_id); !s.ok()) return s;
  if (absl::Status s = NormalizeSpec(spec); !s.ok()) return s;
  auto client = store_->GetClient(spec.client_id);
  if (!client.ok()) return client.status();
  if (absl::Status s = NormalizeGrants(spec, client->public_client); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPkceOptional(spec, client->public_client);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckIdTokenAlg(spec); !s.ok()) return s;
  // Keys are checked only when replaced: an update that leaves them (a
  // narrowed scope list, say) needs not send them again.
  if (spec.jwks.has_value()) {
    if (absl::Status s = NormalizeJwks(spec, TokenEndpointAuthMethod(*client));
        !s.ok()) {
      return s;
    }
  }
  if (spec.jwks.has_value() && UsesPrivateKeyJwt(*client)) {
    client->jwks = *spec.jwks;
  }
  if (spec.pkce_optional.has_value()) {
    client->pkce_optional = *spec.pkce_optional;
  }
  if (spec.id_token_signed_response_alg.has_value()) {
    client->id_token_signed_response_alg = *spec.id_token_signed_response_alg;
  }
  if (spec.require_pushed_authorization_requests.has_value()) {
    client->require_pushed_authorization_requests =
        *spec.require_pushed_authorization_requests;
  }
  if (spec.backchannel_logout_uri.has_value()) {
    client->backchannel_logout_uri = *spec.backchannel_logout_uri;
  }
  if (spec.backchannel_logout_session_required.has_value()) {
    client->backchannel_logout_session_required =
        *spec.backchannel_logout_session_required;
  }
  if (spec.third_party.has_value()) client->third_party = *spec.third_party;
  if (spec.dpop_bound_access_tokens.has_value()) {
    client->dpop_bound_access_tokens = *spec.dpop_bound_access_tokens;
  }
  if (spec.token_exchange.has_value()) {
    if (absl::Status s = NormalizeExchangePolicy(*spec.token_exchange);
        !s.ok()) {
      return s;
    }
    client->token_exchange = *std::move(spec.token_exchange);
  }
  client->name = std::move(spec.name);
  client->allowed_scopes = std::move(spec.allowed_scopes);
  client->redirect_uris = std::move(spec.redirect_uris);
  client->post_logout_redirect_uris = std::move(spec.post_logout_redirect_uris);
  client->grant_types = std::move(spec.grant_types);
  if (absl::Status s = CheckExchangeModes(*client); !s.ok()) return s;
  client->updated_at = absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  if (absl::Status s = store_->UpdateClient(*client); !s.ok()) return s;
  return client;
}

absl::Status ClientRegistry::Delete(absl::string_view client_id) const {
  if (absl::Status s = CheckClientId(client_id); !s.ok()) return s;
  return store_->DeleteClient(client_id);
}

}  // namespace identity::server
