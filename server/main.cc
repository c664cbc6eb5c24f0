// identity-server: reads the configuration, wires the parts, serves gRPC, and
// drains on SIGTERM. No logic of its own (docs/architecture.md).
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "client/interceptor/server_credentials.h"
#include "server/config.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/key_service.h"
#include "server/grpc/request_log.h"
#include "server/grpc/server_auth.h"
#include "server/grpc/token_service.h"
#include "server/health/health_monitor.h"
#include "server/http/http_server.h"
#include "server/http/observability.h"
#include "server/http/oidc_endpoints.h"
#include "server/http/session.h"
#include "server/keys/key_derivation.h"
#include "server/keys/key_manager.h"
#include "server/logging/log.h"
#include "server/metrics/auth_metrics.h"
#include "server/metrics/grpc_metrics.h"
#include "server/metrics/process_metrics.h"
#include "server/metrics/server_metrics.h"
#include "server/oauth/authorization.h"
#include "server/oauth/authorization_code_grant.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/client_registry.h"
#include "server/oauth/client_secret.h"
#include "server/oauth/introspector.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/purge.h"
#include "server/oauth/refresh_token_grant.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/token_revoker.h"
#include "server/oauth/userinfo_endpoint.h"
#include "server/users/user_accounts.h"
#include "storage/cache/caching_store.h"
#include "storage/memory/memory_store.h"
#include "storage/postgres/postgres_store.h"

namespace identity::server {
namespace {

// Before the configuration (and so the log level) is known.
void EarlyLog(absl::string_view message) {
  logging::Logger(logging::Level::kInfo, jwt::Clock::Real())
      .Error(message, {{"component", "config"}});
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

int Run(int argc, char** argv) {
  // Debian's absl is built with the deadlock detector on for every Mutex,
  // gRPC's included; it costs a few per cent of the CPU per call and finds
  // nothing the tests (run under ASan/TSan-free debug builds) would not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: identity-server [--setting=value]...\n\n"
                 "Each setting may also come from the environment or a file:\n";
    for (const SettingHelp& s : SettingsHelp()) {
      std::cout << "  --" << s.flag << "  (" << s.env << ")\n      " << s.help
                << "\n";
    }
    return 0;
  }
  auto config = LoadConfig(
      args,
      [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      },
      &ReadFile);
  if (!config.ok()) {
    EarlyLog(config.status().message());
    return 2;
  }
  const jwt::Clock* clock = jwt::Clock::Real();
  const logging::Logger logger(config->log_level, clock);
  auto Log = [&logger](absl::string_view message) { logger.Info(message); };
  auto Fail = [&logger](absl::string_view message) { logger.Error(message); };
  metrics::Registry metrics_registry;
  metrics::RegisterProcessMetrics(&metrics_registry);
  metrics::DatabaseMetrics database_metrics(&metrics_registry);
  metrics::OAuthMetrics oauth_metrics(&metrics_registry);

  // Signals go to one thread, which starts the drain.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<storage::MemoryStore> memory;
  std::unique_ptr<storage::PostgresStore> postgres;
  storage::ClientStore* clients = nullptr;
  storage::RevocationStore* revocations = nullptr;
  storage::SigningKeyStore* signing_keys = nullptr;
  storage::UserStore* user_store = nullptr;
  storage::GrantStore* grant_store = nullptr;
  if (config->store == ServerConfig::Store::kMemory) {
    memory = std::make_unique<storage::MemoryStore>();
    clients = memory.get();
    revocations = memory.get();
    signing_keys = memory.get();
    user_store = memory.get();
    grant_store = memory.get();
    Log("store: memory (state is lost at exit)");
  } else {
    storage::PoolOptions pool;
    pool.url = config->database_url;
    pool.size = config->database_pool_size;
    pool.observer = &database_metrics;
    auto opened = storage::PostgresStore::Open(pool);
    if (!opened.ok()) {
      Fail(opened.status().message());
      return 1;
    }
    postgres = *std::move(opened);
    clients = postgres.get();
    revocations = postgres.get();
    signing_keys = postgres.get();
    user_store = postgres.get();
    grant_store = postgres.get();
    Log("store: postgres");
    storage::ConnectionPool* connections = &postgres->pool();
    database_metrics.WatchPool([connections] { return connections->Stats(); });
  }

  // Client authentication and the revocation check answer from memory,
  // bounded by --store-cache-ttl (storage/cache/caching_store.h).
  storage::CachingClientStore cached_clients(clients, clock,
                                             config->store_cache_ttl);
  storage::CachingRevocationStore cached_revocations(revocations, clock,
                                                     config->store_cache_ttl);
  clients = &cached_clients;
  revocations = &cached_revocations;

  auto sealer = KeySealer::Create(config->kek);
  auto hasher = ClientSecretHasher::Create(
      DeriveSubkey(config->kek, "identity client-secret hash v1"));
  if (!sealer.ok() || !hasher.ok()) {
    Fail("cannot use the key-encryption key");
    return 2;
  }
  KeyManagerOptions key_options;
  key_options.algorithm = config->signing_algorithm;
  key_options.rotation_period = config->key_rotation_period;
  key_options.retired_key_lifetime =
      config->access_token_lifetime + config->key_refresh_interval;
  auto keys = KeyManager::Create(signing_keys, &*sealer, clock, key_options);
  if (!keys.ok()) {
    Fail(keys.status().message());
    return 1;
  }
  metrics::KeyMetrics key_metrics(&metrics_registry, keys->get(), clock,
                                  config->key_rotation_period);
  if (!config->bootstrap_admin_client_id.empty()) {
    auto created = EnsureBootstrapAdmin(
        *clients, *hasher, config->bootstrap_admin_client_id,
        config->bootstrap_admin_client_secret, clock->Now());
    if (!created.ok()) {
      Fail(created.status().message());
      return 1;
    }
    if (*created) Log("created the bootstrap admin client");
  }

  ClientAuthenticator authenticator(clients, &*hasher);
  GrantOptions grant_options;
  grant_options.issuer = config->issuer;
  grant_options.audience = config->audience;
  grant_options.access_token_lifetime = config->access_token_lifetime;
  ClientCredentialsGrant grant(&authenticator, keys->get(), clock,
                               SystemRandom(), grant_options);
  auto access_tokens =
      OwnAccessTokens::Create(config->issuer, clock, keys->get(), revocations);
  if (!access_tokens.ok()) {
    Fail(access_tokens.status().message());
    return 1;
  }
  Introspector introspector(&authenticator, &*access_tokens, &oauth_metrics);
  // Administration reads clients fresh from the store (and writes through
  // the cache, so this replica's copy follows at once).
  ClientRegistry registry(cached_clients.fresh(), &*hasher, clock,
                          SystemRandom());

  // End users: Argon2id passwords, throttled logins (per replica).
  auto password_hasher = PasswordHasher::Create(
      {config->argon2_memory_kib, config->argon2_iterations,
       config->argon2_parallelism},
      SystemRandom());
  LoginThrottleOptions throttle_options;
  throttle_options.clock = clock;
  auto throttle = LoginThrottle::Create(throttle_options);
  if (!password_hasher.ok() || !throttle.ok()) {
    Fail(!password_hasher.ok() ? password_hasher.status().message()
                               : throttle.status().message());
    return 2;
  }
  UserAccounts users(user_store, &*password_hasher, throttle->get(), clock,
                     SystemRandom(), &oauth_metrics);
  AuthorizationOptions authorization_options;
  authorization_options.issuer = config->issuer;
  authorization_options.allow_plain_pkce = config->allow_plain_pkce;
  AuthorizationEndpoint authorization(clients, grant_store, &users, clock,
                                      SystemRandom(), authorization_options);
  UserTokenOptions user_token_options;
  user_token_options.issuer = config->issuer;
  user_token_options.audience = config->audience;
  user_token_options.access_token_lifetime = config->access_token_lifetime;
  user_token_options.id_token_lifetime = config->access_token_lifetime;
  user_token_options.refresh_token_idle_lifetime =
      config->refresh_token_idle_lifetime;
  user_token_options.refresh_token_lifetime = config->refresh_token_lifetime;
  UserTokenMinter minter(keys->get(), user_token_options);
  UserGrantDeps user_grant_deps;
  user_grant_deps.authenticator = &authenticator;
  user_grant_deps.grants = grant_store;
  user_grant_deps.users = user_store;
  user_grant_deps.revocations = revocations;
  user_grant_deps.minter = &minter;
  user_grant_deps.clock = clock;
  user_grant_deps.random = SystemRandom();
  user_grant_deps.events = &oauth_metrics;
  AuthorizationCodeGrant code_grant(user_grant_deps);
  RefreshTokenGrant refresh_grant(user_grant_deps);
  TokenRevoker revoker(&authenticator, &*access_tokens, grant_store,
                       revocations);
  UserInfoEndpoint userinfo(&*access_tokens, user_store);
  TokenEndpoint token_endpoint({{"client_credentials", &grant},
                                {"authorization_code", &code_grant},
                                {"refresh_token", &refresh_grant}},
                               &oauth_metrics);

  // Browser sessions of the HTTP front door: signed cookies.
  const SessionCodec sessions(
      DeriveSubkey(config->kek, "identity session cookie v1"));
  TokenServiceImpl token_service(
      TokenServiceParts{&token_endpoint, &authorization, &revoker, &userinfo});
  IntrospectionServiceImpl introspection_service(&introspector);
  KeyServiceImpl key_service(keys->get());
  AdminServiceImpl admin_service(&registry, &users);
  // Decisions of the authorizer (refusals never reach the interceptors):
  // counted, and refusals logged.
  auto authorizer = MakeServerAuthorizer(
      keys->get(), config->issuer, clock,
      std::make_shared<LoggingAuthObserver>(
          &logger,
          std::make_shared<metrics::AuthDecisionMetrics>(&metrics_registry)),
      revocations);
  if (!authorizer.ok()) {
    Fail(authorizer.status().message());
    return 1;
  }

  // Admin calls are authorized before their handlers run, on plaintext and
  // TLS ports alike (client/interceptor/server_credentials.h).
  std::optional<grpc::SslServerCredentialsOptions> tls;
  if (!config->tls_cert_file.empty()) {
    auto cert = ReadFile(config->tls_cert_file);
    auto key = ReadFile(config->tls_key_file);
    if (!cert.ok() || !key.ok()) {
      Fail("cannot read the TLS certificate or key");
      return 2;
    }
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    tls = std::move(ssl);
  }
  // Readiness: PostgreSQL answers (grpc.health.v1, /readyz, identity_db_up).
  HealthMonitor health(
      postgres ? HealthMonitor::Probe([&] { return postgres->Ping(); })
               : HealthMonitor::Probe());
  // The HTTP listener binds before gRPC serves: a taken port stops the
  // start-up before any call is answered.
  std::unique_ptr<HttpServer> http;
  if (!config->http_listen.empty()) {
    HttpServerOptions http_options;
    http_options.listen = config->http_listen;
    // Handlers block on the database and on Argon2id (a login holds its
    // thread for ~25 ms): more threads than cores.
    http_options.threads =
        config->http_threads > 0
            ? config->http_threads
            : std::max(
                  4, 2 * static_cast<int>(std::thread::hardware_concurrency()));
    http_options.tls_cert_file = config->tls_cert_file;
    http_options.tls_key_file = config->tls_key_file;
    auto created = HttpServer::Create(http_options);
    if (!created.ok()) {
      Fail(created.status().message());
      return 2;
    }
    http = *std::move(created);
    // One log line per HTTP request: path only (queries carry states and
    // challenges, bodies credentials), never a header or cookie.
    http->SetObserver([&logger](const HttpRequest& request,
                                const HttpResponse& response,
                                absl::Duration latency) {
      const logging::Level level =
          response.status >= 500   ? logging::Level::kWarn
          : response.status >= 400 ? logging::Level::kInfo
                                   : logging::Level::kDebug;
      if (!logger.Enabled(level)) return;
      logger.Log(level, "http request",
                 {{"method", request.method},
                  {"path", absl::string_view(request.path).substr(0, 256)},
                  {"status", response.status},
                  {"latency_ms", absl::ToDoubleMilliseconds(latency)},
                  {"peer", request.remote_address}});
    });
    AddObservabilityRoutes(*http, &metrics_registry,
                           [&health] { return health.serving(); });
    OidcEndpointsDeps oidc;
    oidc.issuer = config->issuer;
    oidc.keys = keys->get();
    oidc.authorization = &authorization;
    oidc.tokens = &token_endpoint;
    oidc.introspector = &introspector;
    oidc.revoker = &revoker;
    oidc.userinfo = &userinfo;
    oidc.sessions = &sessions;
    oidc.clock = clock;
    oidc.random = SystemRandom();
    oidc.allow_plain_pkce = config->allow_plain_pkce;
    oidc.secure_cookies =
        http->tls() || absl::StartsWith(config->issuer, "https://");
    AddOidcRoutes(*http, std::move(oidc));
    if (absl::Status started = http->Start(); !started.ok()) {
      Fail(started.message());
      return 1;
    }
    logger.Info("serving HTTP", {{"port", http->port()}, {"tls", http->tls()}});
  }

  std::shared_ptr<grpc::ServerCredentials> credentials =
      interceptor::AuthorizingServerCredentials(*authorizer, std::move(tls));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // The synchronous server starts and ends polling threads as load moves
  // between the min and max; keep enough of them to avoid churning threads
  // under load (measured: hundreds of thread creations per second with the
  // defaults of 1 and 2).
  const int cores = std::max(1u, std::thread::hardware_concurrency());
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, cores);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, 4 * cores);
  metrics::GrpcServerMetrics grpc_metrics(&metrics_registry);
  RequestLog request_log(&logger);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(grpc_metrics.InterceptorFactory());
  interceptors.push_back(request_log.InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  int port = 0;
  builder.AddListeningPort(config->grpc_listen, credentials, &port);
  builder.RegisterService(&token_service);
  builder.RegisterService(&introspection_service);
  builder.RegisterService(&key_service);
  builder.RegisterService(&admin_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Fail("cannot listen on " + config->grpc_listen);
    return 1;
  }
  logger.Info("serving gRPC", {{"port", port}});
  health.AddListener([&](bool serving, const absl::Status& status) {
    server->GetHealthCheckService()->SetServingStatus(serving);
    database_metrics.SetUp(serving);
    if (serving) {
      logger.Info("ready");
    } else {
      logger.Warn("not ready", {{"error", status.message()}});
    }
  });
  health.Start(config->health_check_interval);

  // Key maintenance: rotation on schedule, and bounded staleness for replicas.
  absl::Notification stopping;
  std::thread maintenance([&] {
    absl::Time next_purge = clock->Now();
    while (!stopping.WaitForNotificationWithTimeout(
        config->key_refresh_interval)) {
      if (clock->Now() >= next_purge) {
        next_purge = clock->Now() + kPurgeInterval;
        auto purged = PurgeExpired(revocations, grant_store, clock->Now());
        if (!purged.ok()) {
          logger.Warn("purge failed", {{"error", purged.status().message()}});
        } else if (purged->revocations + purged->codes +
                       purged->refresh_tokens >
                   0) {
          logger.Info("purged expired entries",
                      {{"revocations", purged->revocations},
                       {"codes", purged->codes},
                       {"refresh_tokens", purged->refresh_tokens}});
        }
      }
      auto rotated = (*keys)->Maintain();
      key_metrics.Refreshed(rotated.status());
      if (!rotated.ok()) {
        logger.Warn("key maintenance failed",
                    {{"error", rotated.status().message()}});
      } else if (*rotated) {
        Log("rotated the signing keys");
      }
    }
  });

  int signal = 0;
  sigwait(&signals, &signal);
  Log("draining");
  // NOT_SERVING on grpc.health.v1 and /readyz while calls in flight finish.
  health.Drain();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (http != nullptr) http->Stop();
  stopping.Notify();
  maintenance.join();
  Log("stopped");
  return 0;
}

}  // namespace
}  // namespace identity::server

int main(int argc, char** argv) { return identity::server::Run(argc, argv); }
