#include "server/oauth/client_authenticator.h"

#include "absl/strings/str_cat.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

absl::Status Refused() {
  return OAuthFailure(OAuthError::kInvalidClient,
                      "client authentication failed");
}

}  // namespace

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::Throttled(
    absl::string_view client_id, absl::string_view source, Check check) const {
  if (throttle_ == nullptr) return check();
  // Before the secret is looked at: a refused attempt learns nothing.
  if (absl::Status admitted = throttle_->Admit(client_id, source);
      !admitted.ok()) {
    return admitted;
  }
  auto client = check();
  if (client.ok()) {
    throttle_->RecordSuccess(client_id, source);
  } else if (OAuthErrorOf(client.status()) == OAuthError::kInvalidClient) {
    throttle_->RecordFailure(client_id, source);
  }
  return client;
}

bool ClientAuthenticator::MayBlock(absl::string_view client_id,
                                   absl::string_view client_assertion) const {
  return !client_assertion.empty() || !store_->AnswersFromMemory(client_id);
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::CheckSecret(
    absl::string_view client_id, absl::string_view client_secret) const {
  if (client_id.empty() || client_secret.empty()) return Refused();
  auto client = store_->GetClient(client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) {
    // Hash anyway so an unknown client costs what a wrong secret costs.
    (void)hasher_->Matches(client_secret, "v2:");
    return Refused();
  }
  if (!client.ok()) return client.status();
  if (!hasher_->Matches(client_secret, client->secret_hash)) return Refused();
  // A private_key_jwt client has no secret; refused even if one was left.
  if (UsesPrivateKeyJwt(*client)) return Refused();
  return client;
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::CheckPublic(
    absl::string_view client_id) const {
  if (client_id.empty()) return Refused();
  auto client = store_->GetClient(client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) return Refused();
  if (!client.ok()) return client.status();
  // A confidential client without its secret is not authenticated.
  if (!client->public_client) return Refused();
  return client;
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::CheckAssertion(
    absl::string_view client_id, absl::string_view assertion) const {
  if (client_id.empty() || assertions_ == nullptr) return Refused();
  auto client = store_->GetClient(client_id);
  if (client.status().code() == absl::StatusCode::kNotFound) return Refused();
  if (!client.ok()) return client.status();
  // RFC 7523 §2.2: only a client registered for private_key_jwt.
  if (!UsesPrivateKeyJwt(*client)) return Refused();
  if (absl::Status verified = assertions_->Verify(*client, assertion);
      !verified.ok()) {
    return verified;
  }
  return client;
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::Authenticate(
    absl::string_view client_id, absl::string_view client_secret,
    absl::string_view source, absl::string_view client_assertion) const {
  return Throttled(client_id, source, [&] {
    return !client_assertion.empty()
               ? CheckAssertion(client_id, client_assertion)
               : CheckSecret(client_id, client_secret);
  });
}

absl::StatusOr<storage::ClientRecord>
ClientAuthenticator::AuthenticatePublicOrConfidential(
    absl::string_view client_id, absl::string_view client_secret,
    absl::string_view source, absl::string_view client_assertion) const {
  return Throttled(client_id, source, [&] {
    if (!client_assertion.empty()) {
      return CheckAssertion(client_id, client_assertion);
    }
    return client_secret.empty() ? CheckPublic(client_id)
                                 : CheckSecret(client_id, client_secret);
  });
}

absl::StatusOr<storage::ClientRecord> ClientAuthenticator::AuthenticateForGrant(
    absl::string_view client_id, absl::string_view client_secret,
    absl::string_view grant_type, absl::string_view source,
    absl::string_view client_assertion) const {
  auto client = AuthenticatePublicOrConfidential(client_id, client_secret,
                                                 source, client_assertion);
  if (!client.ok()) return client.status();
  if (!AllowsGrant(*client, grant_type)) {
    return OAuthFailure(
        OAuthError::kUnauthorizedClient,
        absl::StrCat("the client may not use the ", grant_type, " grant"));
  }
  return client;
}

}  // namespace identity::server
