// identity-server's parts, composed: the stores (memory or PostgreSQL, behind
// read caches), the signing keys, the OAuth core, the faces (gRPC server,
// HTTP listener), health and maintenance, with their metrics and logs. main
// reads the configuration, starts an App and drains it on SIGTERM. The App
// wires; the few decisions it makes while wiring are in app_policy.h, and
// the periodic work in maintenance.h.
#ifndef IDENTITY_SERVER_APP_H_
#define IDENTITY_SERVER_APP_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "client/interceptor/call_authorizer.h"
#include "jwt/clock.h"
#include "server/app_policy.h"
#include "server/config.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/call_runner.h"
#include "server/grpc/key_service.h"
#include "server/grpc/request_log.h"
#include "server/grpc/token_service.h"
#include "server/health/health_monitor.h"
#include "server/http/http_server.h"
#include "server/http/session.h"
#include "server/keys/key_manager.h"
#include "server/keys/key_sealer.h"
#include "server/keys/server_secrets.h"
#include "server/logging/log.h"
#include "server/maintenance.h"
#include "server/metrics/grpc_metrics.h"
#include "server/metrics/metrics.h"
#include "server/metrics/server_metrics.h"
#include "server/oauth/authorization.h"
#include "server/oauth/authorization_code_grant.h"
#include "server/oauth/backchannel_logout.h"
#include "server/oauth/client_auth_throttle.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/client_secret.h"
#include "server/oauth/consents.h"
#include "server/oauth/cors_policy.h"
#include "server/oauth/device_authorization.h"
#include "server/oauth/device_code_grant.h"
#include "server/oauth/dpop_proof_check.h"
#include "server/oauth/end_session.h"
#include "server/oauth/grant_revoker.h"
#include "server/oauth/introspector.h"
#include "server/oauth/login_sessions.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/pushed_authorization.h"
#include "server/oauth/refresh_token_grant.h"
#include "server/oauth/resource_indicators.h"
#include "server/oauth/resource_registry.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_exchange_grant.h"
#include "server/oauth/token_revoker.h"
#include "server/oauth/user_tokens.h"
#include "server/oauth/userinfo_endpoint.h"
#include "server/oauth/verified_token_cache.h"
#include "server/users/hash_limiter.h"
#include "server/users/login_throttle.h"
#include "server/users/password_hasher.h"
#include "server/users/trusted_proxies.h"
#include "server/users/user_accounts.h"
#include "storage/cache/caching_store.h"
#include "storage/memory/memory_store.h"
#include "storage/postgres/postgres_store.h"

namespace identity::server {

// Why Start failed, and the exit status of the process for it
// (docs/configuration.md): 2 when the configuration cannot be used (the KEK,
// a KEK missing for what the store holds sealed, the Argon2id parameters,
// the TLS files, the HTTP listener's options), 1 otherwise (the database,
// the keys in it, a port taken).
struct StartFailure {
  int exit_code;
  absl::Status status;
};

// Not thread-safe: one owner calls Start, then Drain. Once started, the
// parts serve calls on their own threads.
class App {
 public:
  // `clock` and `logger` must outlive the App. Builds nothing yet.
  App(ServerConfig config, const jwt::Clock* clock,
      const logging::Logger* logger);
  ~App();

  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Builds the parts in dependency order and serves: first the open-file
  // limit is raised and shared between the listeners (ConnectionBudgetFor),
  // the HTTP listeners bind and serve before gRPC does (a taken port stops
  // the start-up before any call is answered), then readiness probing and
  // maintenance start. At most once. On failure, what was built is torn
  // down by the destructor.
  std::optional<StartFailure> Start();

  // The shutdown on SIGTERM: NOT_SERVING (grpc.health.v1, /readyz) at once,
  // every listener serving on for --drain-delay (blocks that long), then
  // gRPC calls in flight get up to 10 s, then the HTTP listener and the
  // maintenance thread stop. After a successful Start only.
  void Drain();

  // The bound ports, after a successful Start (0: no such listener).
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_ == nullptr ? 0 : http_->port(); }
  int management_port() const {
    return management_ == nullptr ? 0 : management_->port();
  }

 private:
  // The steps of Start, in order; each builds the members it names.
  absl::Status BudgetDescriptors();
  absl::Status OpenStores();
  absl::Status OpenSecrets();
  absl::Status CheckKeks();
  absl::Status LoadSecrets();
  absl::Status LoadKeys();
  absl::Status EnsureBootstrapAdminClient();
  absl::Status BuildClientFlows();
  absl::Status BuildUsers();
  absl::Status BuildUserFlows();
  absl::Status BuildGrpcServices();
  absl::Status ReadTls();
  absl::Status CreateHttp();
  absl::StatusOr<std::unique_ptr<HttpServer>> NewHttpServer(
      const std::string& listen, int threads, int max_connections) const;
  absl::Status StartHttp();
  absl::Status StartGrpc();
  void WatchHealth();

  const ServerConfig config_;
  const jwt::Clock* const clock_;
  const logging::Logger* const logger_;

  // Families registered in the order /metrics lists them: the process's
  // first.
  metrics::Registry metrics_;
  std::optional<metrics::DatabaseMetrics> database_metrics_;
  std::optional<metrics::OAuthMetrics> oauth_metrics_;

  // Stores: one of memory_ and postgres_; the pointers below point into it,
  // clients_ and revocations_ into the caches once they exist.
  std::unique_ptr<storage::MemoryStore> memory_;
  std::unique_ptr<storage::PostgresStore> postgres_;
  storage::ClientStore* clients_ = nullptr;
  storage::RevocationStore* revocations_ = nullptr;
  storage::SigningKeyStore* signing_keys_ = nullptr;
  storage::UserStore* users_store_ = nullptr;
  storage::GrantStore* grants_ = nullptr;
  storage::LoginAttemptStore* login_attempts_ = nullptr;
  storage::SessionStore* session_store_ = nullptr;
  storage::ConsentStore* consent_store_ = nullptr;
  storage::ResourceStore* resource_store_ = nullptr;
  storage::DeviceAuthorizationStore* device_store_ = nullptr;
  storage::ReplayStore* replays_ = nullptr;
  std::optional<storage::CachingClientStore> cached_clients_;
  std::optional<storage::CachingRevocationStore> cached_revocations_;

  std::optional<KeySealer> sealer_;
  std::optional<ServerSecrets> server_secrets_;
  std::optional<ClientSecretHasher> secret_hasher_;
  std::unique_ptr<KeyManager> keys_;
  std::optional<metrics::KeyMetrics> key_metrics_;

  // The OAuth core.
  // Back-off for failed client authentication (per replica).
  std::unique_ptr<ClientAuthThrottle> client_auth_throttle_;
  // private_key_jwt assertions (client_assertion.h).
  std::optional<ClientAssertionVerifier> client_assertions_;
  // DPoP proofs at the token endpoint (RFC 9449), used once across
  // replicas through replays_.
  std::optional<DpopProofCheck> dpop_;
  std::optional<ClientAuthenticator> authenticator_;
  // RFC 8707: the rules (read at every request naming a resource) and the
  // administration.
  std::optional<ResourceIndicators> resource_indicators_;
  std::optional<ResourceRegistry> resource_registry_;
  std::optional<ClientCredentialsGrant> client_credentials_;
  std::unique_ptr<VerifiedTokenCache> verified_tokens_;  // Null: off.
  std::optional<OwnAccessTokens> access_tokens_;
  std::optional<GrantRevoker> grant_revoker_;
  std::optional<Consents> consents_;
  std::optional<LoginSessions> login_sessions_;
  std::optional<BackchannelLogout> backchannel_logout_;
  std::optional<BackchannelSessionListener> backchannel_listener_;
  std::unique_ptr<BackchannelLogoutWorker> backchannel_worker_;
  std::optional<Introspector> introspector_;
  std::optional<ClientRegistry> registry_;
  std::optional<PasswordHasher> password_hasher_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<HashLimiter> password_hashes_;
  std::optional<TrustedProxies> proxies_;  // Whose X-Forwarded-For counts.
  std::optional<UserAccounts> users_;
  std::optional<EndSessionEndpoint> end_session_;
  std::optional<AuthorizationEndpoint> authorization_;
  std::optional<PushedAuthorizationEndpoint> pushed_authorization_;
  std::optional<UserTokenMinter> minter_;
  std::optional<AuthorizationCodeGrant> code_grant_;
  std::optional<RefreshTokenGrant> refresh_grant_;
  // RFC 8628: the device authorization endpoint and the polling grant.
  std::unique_ptr<DeviceAuthorizationEndpoint> devices_;
  std::optional<DeviceCodeGrant> device_grant_;
  std::optional<TokenExchangeGrant> exchange_grant_;
  std::optional<TokenRevoker> revoker_;
  std::optional<UserInfoEndpoint> userinfo_;
  std::optional<CorsPolicy> cors_;  // Which pages may read HTTP answers.
  std::optional<TokenEndpoint> token_endpoint_;

  // The faces.
  std::optional<SessionCodec> sessions_;
  // Runs the gRPC callback methods' calls that may block; outlives grpc_.
  std::optional<BlockingPool> grpc_pool_;
  std::optional<TokenServiceImpl> token_service_;
  std::optional<IntrospectionServiceImpl> introspection_service_;
  std::optional<KeyServiceImpl> key_service_;
  std::optional<AdminServiceImpl> admin_service_;
  std::shared_ptr<const interceptor::CallAuthorizer> authorizer_;
  std::optional<grpc::SslServerCredentialsOptions> tls_;
  std::optional<HealthMonitor> health_;
  // How the open-file limit is shared (server/app_policy.h).
  ConnectionBudget budget_;
  std::unique_ptr<HttpServer> http_;
  // /metrics, /healthz and /readyz when --management-listen is set.
  std::unique_ptr<HttpServer> management_;
  std::optional<metrics::GrpcServerMetrics> grpc_metrics_;
  std::optional<RequestLog> request_log_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::optional<Maintenance> maintenance_;
};

}  // namespace identity::server

#endif  // IDENTITY_SERVER_APP_H_
