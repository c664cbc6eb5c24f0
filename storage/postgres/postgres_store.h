// ClientStore, RevocationStore, SigningKeyStore, UserStore, GrantStore,
// LoginAttemptStore and SessionStore on PostgreSQL.
#ifndef IDENTITY_STORAGE_POSTGRES_POSTGRES_STORE_H_
#define IDENTITY_STORAGE_POSTGRES_POSTGRES_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "storage/client_store.h"
#include "storage/consent_store.h"
#include "storage/device_authorization_store.h"
#include "storage/grant_store.h"
#include "storage/login_attempt_store.h"
#include "storage/postgres/connection_pool.h"
#include "storage/replay_store.h"
#include "storage/resource_store.h"
#include "storage/revocation_store.h"
#include "storage/session_store.h"
#include "storage/signing_key_store.h"
#include "storage/user_store.h"

namespace identity::storage {

// Thread-safe. Every query is a prepared statement; times are kept to the
// microsecond (PostgreSQL's timestamptz).
class PostgresStore : public ClientStore,
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
  // Connects (lazily) and applies the schema migrations. Errors: those of
  // ConnectionPool::Create and ApplyMigrations.
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(
      PoolOptions options);

  absl::Status CreateClient(const ClientRecord& client) override;
  absl::StatusOr<ClientRecord> GetClient(absl::string_view client_id) override;
  absl::StatusOr<std::vector<ClientRecord>> ListClients(absl::string_view after,
                                                        int limit) override;
  absl::Status UpdateClient(const ClientRecord& client) override;
  absl::Status DeleteClient(absl::string_view client_id) override;

  absl::Status Revoke(absl::string_view jti, absl::Time expires_at) override;
  absl::StatusOr<bool> IsRevoked(absl::string_view jti) override;
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
  // One conditional UPDATE ... RETURNING; a refusal costs a second statement
  // that tells NotFound from FailedPrecondition.
  absl::StatusOr<AuthorizationCodeRecord> RedeemAuthorizationCode(
      absl::string_view code_hash, absl::string_view client_id, absl::Time now,
      absl::string_view access_token_jti,
      absl::Time access_token_expires_at) override;
  absl::StatusOr<int64_t> PurgeExpiredCodes(absl::Time now) override;
  absl::Status CreatePushedRequest(const PushedRequestRecord& request) override;
  // One DELETE ... RETURNING: the row goes to the first caller only.
  absl::StatusOr<PushedRequestRecord> ConsumePushedRequest(
      absl::string_view request_uri_hash, absl::string_view client_id,
      absl::Time now) override;
  absl::StatusOr<int64_t> CountLivePushedRequests(absl::string_view client_id,
                                                  absl::Time now) override;
  absl::StatusOr<int64_t> PurgeExpiredPushedRequests(absl::Time now) override;

  // DeviceAuthorizationStore (postgres_device_store.cc). Creation is one
  // transaction (an expired holder of the user code deleted, then the
  // INSERT); a poll, the decision and the redemption are each one
  // conditional UPDATE ... RETURNING.
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
  // One transaction: the conditional UPDATE ... RETURNING of the old token,
  // then the INSERT of the replacement.
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
  // One transaction: each key's row is created if absent and locked (an
  // INSERT ... ON CONFLICT DO UPDATE ... RETURNING), in sorted key order so
  // that concurrent calls cannot deadlock; then `update` runs and the rows
  // are written back or deleted. Other replicas' calls on a shared key wait
  // for the row lock.
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
  // One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: concurrent grants
  // both land in the union. The foreign keys refuse an unknown user or
  // client (NotFound).
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

  // Opens every connection of both pools now (ConnectionPool::Warm): a
  // server under load then needs no name resolution and no new connection
  // until one breaks. Errors: the first failure (the rest open on demand).
  absl::Status Warm();

  // Runs `SELECT 1` on a connection of its own (outside the pool, so a busy
  // pool does not make the database look down). Errors: Unavailable.
  absl::Status Ping();

  ConnectionPool& pool() { return *pool_; }

 private:
  PostgresStore(std::unique_ptr<ConnectionPool> pool,
                std::unique_ptr<ConnectionPool> probe)
      : pool_(std::move(pool)), probe_(std::move(probe)) {}

  // The session the prepared `statement` finds by `key` (NotFound if none).
  absl::StatusOr<SessionRecord> SessionBy(absl::string_view statement,
                                          absl::string_view key);
  // The rows of the prepared `statement` over ($1 = key, $2 = now).
  absl::StatusOr<std::vector<SessionRecord>> SessionsWhere(
      absl::string_view statement, absl::string_view key, absl::Time now);

  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<ConnectionPool> probe_;  // One connection, for Ping.
};

}  // namespace identity::storage

#endif  // IDENTITY_STORAGE_POSTGRES_POSTGRES_STORE_H_
