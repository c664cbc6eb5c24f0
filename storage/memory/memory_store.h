// In-memory storage for unit tests and `--store=memory`. Same contract as the
// PostgreSQL store (storage/testing/store_conformance.h runs against both);
// state lives only as long as the process.
#ifndef IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_
#define IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "storage/client_store.h"
#include "storage/consent_store.h"
#include "storage/device_authorization_store.h"
#include "storage/grant_store.h"
#include "storage/login_attempt_store.h"
#include "storage/replay_store.h"
#include "storage/resource_store.h"
#include "storage/revocation_store.h"
#include "storage/session_store.h"
#include "storage/signing_key_store.h"
#include "storage/user_store.h"

namespace identity::storage {

// Thread-safe.
class MemoryStore : public ClientStore,
                    public RevocationStore,
                    public SigningKeyStore,
                    public UserStore,
                    public GrantStore,
                    public LoginAttemptStore,
                    public SessionStore,
                    public ConsentStore,
                    public ResourceStore,
                    public DeviceAuthorizationStore,
                    public ReplayStore {
 public:
  absl::Status CreateClient(const ClientRecord& client) override;
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override;
  bool AnswersFromMemory(absl::string_view) override { return true; }
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override;
  absl::Status UpdateClient(const ClientRecord& client) override;
  absl::Status DeleteClient(absl::string_view client_id) override;

  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override;
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override;
  bool AnswersFromMemory() override { return true; }
  absl::StatusOr<std::vector<std::string>> ListRevoked(absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpired(absl::Time now) override;

  absl::StatusOr<ReplayClaim> ClaimOnce(absl::string_view kind,
                                        absl::string_view id_hash,
                                        absl::Time expires_at,
                                        absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpiredClaims(absl::Time now) override;

  absl::StatusOr<std::vector<SigningKeyRecord>> ListSigningKeys() override;
  absl::Status InitializeSigningKeys(const SigningKeyRecord& current,
                                     const SigningKeyRecord& next) override;
  absl::Status RotateSigningKeys(absl::string_view current_kid,
                                 absl::string_view next_kid,
                                 const SigningKeyRecord& new_next,
                                 absl::Time now, absl::Time remove_at) override;
  absl::Status RetireSigningKey(absl::string_view kid, absl::Time now,
                                absl::Time remove_at) override;
  absl::StatusOr<int64_t> RemoveExpiredSigningKeys(absl::Time now) override;
  absl::Status ResealSigningKey(absl::string_view kid,
                                absl::string_view expected,
                                absl::string_view resealed) override;
  absl::StatusOr<std::vector<SealedSecretRecord>> ListSealedSecrets() override;
  absl::Status CreateSealedSecret(const SealedSecretRecord& secret) override;
  absl::Status ResealSecret(absl::string_view name, absl::string_view expected,
                            absl::string_view resealed) override;

  absl::Status CreateUser(const UserRecord& user) override;
  absl::StatusOr<UserRecord> GetUser(absl::string_view user_id) override;
  absl::StatusOr<UserRecord> GetUserByUsername(
      absl::string_view username) override;
  absl::StatusOr<std::vector<UserRecord>> ListUsers(absl::string_view after,
                                                    int limit) override;
  absl::Status UpdateUser(const UserRecord& user) override;
  absl::Status SetPasswordHash(absl::string_view user_id,
                               absl::string_view password_hash,
                               absl::Time updated_at) override;

  absl::Status CreateAuthorizationCode(
      const AuthorizationCodeRecord& code) override;
  absl::StatusOr<AuthorizationCodeRecord> GetAuthorizationCode(
      absl::string_view code_hash) override;
  absl::StatusOr<AuthorizationCodeRecord> RedeemAuthorizationCode(
      absl::string_view code_hash, absl::string_view client_id, absl::Time now,
      absl::string_view access_token_jti,
      absl::Time access_token_expires_at) override;
  absl::StatusOr<int64_t> PurgeExpiredCodes(absl::Time now) override;
  absl::Status CreatePushedRequest(const PushedRequestRecord& request) override;
  absl::StatusOr<PushedRequestRecord> ConsumePushedRequest(
      absl::string_view request_uri_hash, absl::string_view client_id,
      absl::Time now) override;
  absl::StatusOr<int64_t> CountLivePushedRequests(absl::string_view client_id,
                                                  absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpiredPushedRequests(absl::Time now) override;

  // DeviceAuthorizationStore (memory_device_store.cc).
  absl::Status CreateDeviceAuthorization(
      const DeviceAuthorizationRecord& record, absl::Time now) override;
  absl::StatusOr<int64_t> CountLiveDeviceAuthorizations(
      absl::string_view client_id, absl::Time now) override;
  absl::StatusOr<DeviceAuthorizationRecord> GetPendingDeviceAuthorization(
      absl::string_view user_code_hash, absl::Time now) override;
  absl::StatusOr<DeviceAuthorizationRecord> DecideDeviceAuthorization(
      absl::string_view user_code_hash, absl::Time now,
      DeviceAuthorizationState state, absl::string_view user_id,
      absl::Time auth_time, absl::string_view sid) override;
  absl::StatusOr<DeviceAuthorizationRecord> PollDeviceAuthorization(
      absl::string_view device_code_hash, absl::string_view client_id,
      absl::Time now) override;
  absl::StatusOr<int32_t> IncreaseDevicePollInterval(
      absl::string_view device_code_hash, int32_t seconds) override;
  absl::StatusOr<DeviceAuthorizationRecord> RedeemDeviceAuthorization(
      absl::string_view device_code_hash, absl::string_view client_id,
      absl::Time now, absl::string_view access_token_jti) override;
  absl::StatusOr<int64_t> PurgeExpiredDeviceAuthorizations(
      absl::Time now) override;
  absl::Status CreateRefreshToken(const RefreshTokenRecord& token) override;
  absl::StatusOr<RefreshTokenRecord> GetRefreshToken(
      absl::string_view token_hash) override;
  absl::StatusOr<RefreshTokenRecord> RotateRefreshToken(
      absl::string_view old_hash, absl::string_view client_id, absl::Time now,
      const RefreshTokenRecord& replacement) override;
  absl::StatusOr<int64_t> RevokeRefreshFamily(
      absl::string_view family_id) override;
  absl::StatusOr<int64_t> PurgeExpiredRefreshTokens(absl::Time now) override;
  absl::StatusOr<std::vector<IssuedAccessToken>> GrantAccessTokens(
      absl::string_view grant_id, absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> UserGrants(absl::string_view user_id,
                                                      absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> UserClientGrants(
      absl::string_view user_id, absl::string_view client_id,
      absl::Time now) override;

  absl::StatusOr<Counters> GetLoginAttempts(
      const std::vector<std::string>& keys) override;
  // `update` runs under a mutex of the login counters' own.
  absl::Status UpdateLoginAttempts(
      const std::vector<std::string>& keys,
      absl::FunctionRef<absl::Status(Counters&)> update) override;
  absl::StatusOr<int64_t> PurgeExpiredLoginAttempts(absl::Time now) override;

  absl::Status CreateSession(const SessionRecord& session) override;
  absl::StatusOr<SessionRecord> GetSession(absl::string_view sid) override;
  absl::StatusOr<SessionRecord> GetSessionBySecret(
      absl::string_view secret_hash) override;
  absl::StatusOr<std::vector<SessionRecord>> ListUserSessions(
      absl::string_view user_id, absl::Time now) override;
  absl::StatusOr<SessionRecord> EndSession(absl::string_view sid,
                                           absl::Time now) override;
  absl::StatusOr<std::vector<SessionRecord>> EndUserSessions(
      absl::string_view user_id, absl::Time now) override;
  absl::Status AddSessionClient(absl::string_view sid,
                                absl::string_view client_id,
                                absl::Time now) override;
  absl::StatusOr<std::vector<std::string>> ListSessionClients(
      absl::string_view sid) override;
  absl::StatusOr<int64_t> PurgeExpiredSessions(absl::Time now) override;

  absl::StatusOr<ConsentRecord> GetConsent(
      absl::string_view user_id, absl::string_view client_id) override;
  absl::StatusOr<ConsentRecord> GrantConsent(
      absl::string_view user_id, absl::string_view client_id,
      const std::vector<std::string>& scopes, absl::Time now) override;
  absl::StatusOr<std::vector<ConsentRecord>> ListUserConsents(
      absl::string_view user_id) override;
  absl::Status RevokeConsent(absl::string_view user_id,
                             absl::string_view client_id) override;

  absl::Status CreateResource(const ResourceRecord& resource) override;
  absl::StatusOr<ResourceRecord> GetResource(
      absl::string_view resource) override;
  absl::StatusOr<std::vector<ResourceRecord>> ListResources(
      absl::string_view after, int limit) override;
  absl::Status UpdateResource(const ResourceRecord& resource) override;
  absl::Status DeleteResource(absl::string_view resource) override;

 private:
  // The grants of UserGrants, of one client if `client_id` is set.
  std::vector<std::string> GrantsOf(absl::string_view user_id,
                                    std::optional<absl::string_view> client_id,
                                    absl::Time now);

  absl::Mutex mu_;
  std::map<std::string, ClientRecord, std::less<>> clients_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time, std::less<>> revoked_ ABSL_GUARDED_BY(mu_);
  // (kind, id_hash) -> expires_at (storage/replay_store.h).
  std::map<std::pair<std::string, std::string>, absl::Time> claims_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, SigningKeyRecord, std::less<>> keys_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, SealedSecretRecord, std::less<>> secrets_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, UserRecord, std::less<>> users_ ABSL_GUARDED_BY(mu_);
  // username -> user_id.
  std::map<std::string, std::string, std::less<>> usernames_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, AuthorizationCodeRecord, std::less<>> codes_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, RefreshTokenRecord, std::less<>> refresh_tokens_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, PushedRequestRecord, std::less<>> pushed_requests_
      ABSL_GUARDED_BY(mu_);
  // device_code_hash -> authorization.
  std::map<std::string, DeviceAuthorizationRecord, std::less<>>
      device_authorizations_ ABSL_GUARDED_BY(mu_);
  // sid -> the clients issued codes in it.
  std::map<std::string, std::set<std::string>, std::less<>> session_clients_
      ABSL_GUARDED_BY(mu_);
  // sid -> session; secret hash -> sid.
  std::map<std::string, SessionRecord, std::less<>> sessions_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string, std::less<>> session_secrets_
      ABSL_GUARDED_BY(mu_);
  // (user_id, client_id) -> consent; gone with its client.
  std::map<std::pair<std::string, std::string>, ConsentRecord> consents_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, ResourceRecord, std::less<>> resources_
      ABSL_GUARDED_BY(mu_);
  absl::Mutex attempts_mu_;
  std::map<std::string, LoginAttempts, std::less<>> login_attempts_
      ABSL_GUARDED_BY(attempts_mu_);
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_MEMORY_MEMORY_STORE_H_
