#include "server/app.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "client/interceptor/server_credentials.h"
#include "server/grpc/server_auth.h"
#include "server/http/logout_poster.h"
#include "server/http/observability.h"
#include "server/http/oidc_endpoints.h"
#include "server/http/pages.h"
#include "server/metrics/auth_metrics.h"
#include "server/metrics/process_metrics.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/open_file_limit.h"
#include "server/random_source.h"

namespace identity::server {

App::App(ServerConfig config, const jwt::Clock* clock,
         const logging::Logger* logger)
    : config_(std::move(config)), clock_(clock), logger_(logger) {
  metrics::RegisterProcessMetrics(&metrics_);
  database_metrics_.emplace(&metrics_);
  oauth_metrics_.emplace(&metrics_);
}

App::~App() = default;

std::optional<StartFailure> App::Start() {
  // Each step with the exit status its failure ends the process with.
  const std::pair<int, absl::Status (App::*)()> steps[] = {
      {2, &App::BudgetDescriptors},
      {1, &App::OpenStores},
      {2, &App::OpenSecrets},
      {2, &App::CheckKeks},
      {1, &App::LoadSecrets},
      {1, &App::LoadKeys},
      {1, &App::EnsureBootstrapAdminClient},
      {1, &App::BuildClientFlows},
      {2, &App::BuildUsers},
      {1, &App::BuildUserFlows},
      {1, &App::BuildGrpcServices},
      {2, &App::ReadTls},
      {2, &App::CreateHttp},
      {1, &App::StartHttp},
      {1, &App::StartGrpc},
  };
  for (const auto& [exit_code, step] : steps) {
    if (absl::Status status = (this->*step)(); !status.ok()) {
      return StartFailure{exit_code, std::move(status)};
    }
  }
  WatchHealth();
  // Key maintenance: rotation on schedule, and bounded staleness for
  // replicas; the purge of expired grants.
  maintenance_.emplace(keys_.get(),
                       PurgeStores{revocations_, grants_, session_store_,
                                   device_store_, replays_},
                       clock_, logger_, &*key_metrics_);
  maintenance_->Start(config_.key_refresh_interval);
  return std::nullopt;
}

void App::Drain() {
  // NOT_SERVING on grpc.health.v1 and /readyz while calls in flight finish.
  health_->Drain();
  // Serving on for the drain delay lets load balancers see NOT_SERVING and
  // send new calls elsewhere before the listeners refuse them.
  if (config_.drain_delay > absl::ZeroDuration()) {
    logger_->Info(
        "draining: serving on, NOT_SERVING, for the drain delay",
        {{"drain_delay_ms", absl::ToInt64Milliseconds(config_.drain_delay)}});
    absl::SleepFor(config_.drain_delay);
  }
  grpc_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (http_ != nullptr) http_->Stop();
  if (management_ != nullptr) management_->Stop();
  maintenance_->Stop();
  // Notices still queued are logged as lost (not durable:
  // backchannel_logout.h).
  if (backchannel_worker_ != nullptr) backchannel_worker_->Stop();
}

// Raises the soft open-file limit to the hard one and shares it: a flood of
// HTTP connections must never take the descriptors gRPC accepts with.
absl::Status App::BudgetDescriptors() {
  auto limit = RaiseOpenFileLimit();
  if (!limit.ok()) return limit.status();
  auto count = [](uint64_t n) {  // RLIM_INFINITY as the largest int64.
    return static_cast<int64_t>(
        std::min<uint64_t>(n, std::numeric_limits<int64_t>::max()));
  };
  logger_->Info("open-file limit", {{"soft_before", count(limit->soft_before)},
                                    {"soft", count(limit->soft)},
                                    {"hard", count(limit->hard)}});
  auto budget = ConnectionBudgetFor(
      limit->soft, !config_.http_listen.empty(), config_.http_max_connections,
      !config_.management_listen.empty(), config_.database_pool_size);
  if (!budget.ok()) return budget.status();
  budget_ = *budget;
  logger_->Info("connection budget",
                {{"http_max_connections", budget_.http},
                 {"management_max_connections", budget_.management},
                 {"grpc_descriptors", budget_.grpc}});
  return absl::OkStatus();
}

absl::Status App::OpenStores() {
  auto use = [this](auto* store) {
    clients_ = store;
    revocations_ = store;
    signing_keys_ = store;
    users_store_ = store;
    grants_ = store;
    login_attempts_ = store;
    session_store_ = store;
    consent_store_ = store;
    resource_store_ = store;
    device_store_ = store;
    replays_ = store;
  };
  if (config_.store == ServerConfig::Store::kMemory) {
    memory_ = std::make_unique<storage::MemoryStore>();
    use(memory_.get());
    logger_->Info("store: memory (state is lost at exit)");
  } else {
    storage::PoolOptions pool;
    pool.url = config_.database_url;
    pool.size = config_.database_pool_size;
    pool.observer = &*database_metrics_;
    auto opened = storage::PostgresStore::Open(pool);
    if (!opened.ok()) return opened.status();
    postgres_ = *std::move(opened);
    use(postgres_.get());
    logger_->Info("store: postgres");
    if (absl::Status warm = postgres_->Warm(); !warm.ok()) {
      // Opened on demand instead, as after any lost connection.
      logger_->Warn("not every database connection opened at start",
                    {{"error", warm.message()}});
    }
    storage::ConnectionPool* connections = &postgres_->pool();
    database_metrics_->WatchPool(
        [connections] { return connections->Stats(); });
  }
  // Client authentication and the revocation check answer from memory,
  // bounded by --store-cache-ttl, and by --store-stale-if-error more while
  // the database is unreachable (storage/cache/caching_store.h).
  cached_clients_.emplace(clients_, clock_, config_.store_cache_ttl,
                          config_.store_stale_if_error);
  cached_revocations_.emplace(revocations_, clock_, config_.store_cache_ttl,
                              config_.store_stale_if_error);
  clients_ = &*cached_clients_;
  revocations_ = &*cached_revocations_;
  return absl::OkStatus();
}

absl::Status App::OpenSecrets() {
  KekRing ring;
  ring.current = config_.kek;
  ring.previous = config_.previous_keks;
  ring.next = config_.next_keks;
  auto sealer = KeySealer::Create(std::move(ring));
  if (!sealer.ok()) return sealer.status();
  sealer_.emplace(*std::move(sealer));
  return absl::OkStatus();
}

// Refuses to start when something in the store opens under no configured
// KEK: one was retired too early, or is missing (docs/operations.md).
absl::Status App::CheckKeks() {
  auto census = SurveySealedValues(signing_keys_, *sealer_, /*reseal=*/false);
  if (!census.ok()) return census.status();
  if (absl::Status all = RequireEveryValueOpens(*census, *sealer_); !all.ok()) {
    return all;
  }
  logger_->Info("key-encryption keys",
                {{"current", sealer_->current_kek_id()},
                 {"previous", static_cast<int>(config_.previous_keks.size())},
                 {"next", static_cast<int>(config_.next_keks.size())},
                 {"sealed_under_current", census->under_current},
                 {"sealed_under_previous", census->under_previous},
                 {"sealed_under_next", census->under_next}});
  return absl::OkStatus();
}

// The client-secret hashing keys and the session cookie key live sealed in
// the store, not derived from the KEK, so a KEK rotation keeps them.
absl::Status App::LoadSecrets() {
  auto secrets =
      LoadServerSecrets(signing_keys_, *sealer_, SystemRandom(), clock_->Now());
  if (!secrets.ok()) return secrets.status();
  auto hasher = ClientSecretHasher::Create(secrets->client_secret_key_v2,
                                           secrets->client_secret_key_v1);
  if (!hasher.ok()) return hasher.status();
  secret_hasher_.emplace(*std::move(hasher));
  server_secrets_.emplace(*std::move(secrets));
  return absl::OkStatus();
}

absl::Status App::LoadKeys() {
  KeyManagerOptions options;
  options.algorithms = config_.signing_algorithms;
  options.rotation_period = config_.key_rotation_period;
  options.retired_key_lifetime = RetiredKeyLifetime(
      config_.access_token_lifetime, config_.key_refresh_interval);
  auto keys = KeyManager::Create(signing_keys_, &*sealer_, clock_, options);
  if (!keys.ok()) return keys.status();
  keys_ = *std::move(keys);
  key_metrics_.emplace(&metrics_, keys_.get(), clock_,
                       config_.key_rotation_period);
  // What a previous KEK sealed is re-sealed now; maintenance carries on.
  auto census = keys_->ResealUnderCurrentKek();
  if (!census.ok()) return census.status();
  key_metrics_->KekSurveyed(*census);
  LogKekCensus(*logger_, *census);
  return absl::OkStatus();
}

absl::Status App::EnsureBootstrapAdminClient() {
  if (config_.bootstrap_admin_client_id.empty()) return absl::OkStatus();
  auto created = EnsureBootstrapAdmin(
      *clients_, *secret_hasher_, config_.bootstrap_admin_client_id,
      config_.bootstrap_admin_client_secret, clock_->Now());
  if (!created.ok()) return created.status();
  if (*created) logger_->Info("created the bootstrap admin client");
  return absl::OkStatus();
}

absl::Status App::BuildClientFlows() {
  ClientAuthThrottleOptions throttle_options;
  throttle_options.clock = clock_;
  auto throttle = ClientAuthThrottle::Create(throttle_options);
  if (!throttle.ok()) return throttle.status();
  client_auth_throttle_ = *std::move(throttle);
  ClientAssertionOptions assertion_options;
  assertion_options.audiences = ClientAssertionAudiences(config_.issuer);
  assertion_options.clock = clock_;
  auto assertions =
      ClientAssertionVerifier::Create(std::move(assertion_options), replays_);
  if (!assertions.ok()) return assertions.status();
  client_assertions_.emplace(*std::move(assertions));
  authenticator_.emplace(clients_, &*secret_hasher_,
                         client_auth_throttle_.get(), &*client_assertions_);
  GrantOptions options;
  options.issuer = config_.issuer;
  options.audience = config_.audience;
  options.access_token_lifetime = config_.access_token_lifetime;
  resource_indicators_.emplace(resource_store_);
  resource_registry_.emplace(resource_store_, clock_);
  client_credentials_.emplace(&*authenticator_, keys_.get(), clock_,
                              SystemRandom(), options, &*resource_indicators_);
  // Introspection, revocation and UserInfo check access tokens by one rule.
  // A token seen before is not verified again (issue 16); exp and the
  // revocation list are judged on every call all the same.
  if (config_.verified_token_cache_size > 0) {
    VerifiedTokenCacheOptions cache_options;
    cache_options.max_entries =
        static_cast<size_t>(config_.verified_token_cache_size);
    verified_tokens_ = std::make_unique<VerifiedTokenCache>(cache_options);
  }
  auto access_tokens =
      OwnAccessTokens::Create(config_.issuer, clock_, keys_.get(), revocations_,
                              verified_tokens_.get());
  if (!access_tokens.ok()) return access_tokens.status();
  access_tokens_.emplace(*std::move(access_tokens));
  grant_revoker_.emplace(grants_, &*access_tokens_, clock_);
  // Browser login sessions (server-side; the cookie holds their secret).
  login_sessions_.emplace(session_store_, clock_, SystemRandom());
  // Back-Channel Logout: an ended session queues a logout token for each of
  // its clients with a backchannel_logout_uri; a thread of its own POSTs
  // them, off the request that ended it.
  BackchannelLogoutOptions backchannel;
  backchannel.issuer = config_.issuer;
  backchannel_logout_.emplace(keys_.get(), clock_, SystemRandom(),
                              HttpLogoutPoster(absl::Seconds(5)),
                              &*oauth_metrics_, logger_, backchannel);
  backchannel_listener_.emplace(&*login_sessions_, cached_clients_->fresh(),
                                &*backchannel_logout_, logger_);
  login_sessions_->Subscribe(&*backchannel_listener_);
  backchannel_worker_ =
      std::make_unique<BackchannelLogoutWorker>(&*backchannel_logout_);
  introspector_.emplace(&*authenticator_, &*access_tokens_, grants_,
                        &*oauth_metrics_, &*login_sessions_);
  // Administration reads clients fresh from the store (and writes through
  // the cache, so this replica's copy follows at once).
  registry_.emplace(cached_clients_->fresh(), &*secret_hasher_, clock_,
                    SystemRandom(), AlgorithmNames(config_.signing_algorithms));
  return absl::OkStatus();
}

// End users: Argon2id passwords, at most --password-hash-concurrency at
// once; logins throttled with the counters in the store (shared by the
// replicas), per source as trusted proxies name it.
absl::Status App::BuildUsers() {
  auto password_hasher = PasswordHasher::Create(
      {config_.argon2_memory_kib, config_.argon2_iterations,
       config_.argon2_parallelism},
      SystemRandom());
  if (!password_hasher.ok()) return password_hasher.status();
  LoginThrottleOptions throttle_options;
  throttle_options.store = login_attempts_;
  throttle_options.clock = clock_;
  auto throttle = LoginThrottle::Create(throttle_options);
  if (!throttle.ok()) return throttle.status();
  HashLimiterOptions hash_options;
  hash_options.max_concurrent =
      config_.password_hash_concurrency > 0
          ? config_.password_hash_concurrency
          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  hash_options.max_wait = config_.password_hash_wait;
  auto hashes = HashLimiter::Create(hash_options);
  if (!hashes.ok()) return hashes.status();
  auto proxies = TrustedProxies::Parse(config_.trusted_proxies);
  if (!proxies.ok()) return proxies.status();
  password_hasher_.emplace(*std::move(password_hasher));
  throttle_ = *std::move(throttle);
  password_hashes_ = *std::move(hashes);
  proxies_.emplace(*std::move(proxies));
  // Disabling a user or setting a password ends the user's grants.
  users_.emplace(
      users_store_, &*password_hasher_, throttle_.get(), clock_, SystemRandom(),
      &*oauth_metrics_,
      [this](absl::string_view user_id) {
        return grant_revoker_->RevokeUserGrants(user_id);
      },
      password_hashes_.get());
  return absl::OkStatus();
}

absl::Status App::BuildUserFlows() {
  AuthorizationOptions authorization_options;
  authorization_options.issuer = config_.issuer;
  authorization_options.allow_plain_pkce = config_.allow_plain_pkce;
  end_session_.emplace(clients_, keys_.get(), config_.issuer,
                       &*login_sessions_);
  consents_.emplace(consent_store_, &*grant_revoker_, clock_);
  authorization_.emplace(clients_, grants_, &*users_, clock_, SystemRandom(),
                         authorization_options, &*login_sessions_, &*consents_,
                         &*resource_indicators_);
  pushed_authorization_.emplace(&*authenticator_, &*authorization_);
  UserTokenOptions token_options;
  token_options.issuer = config_.issuer;
  token_options.audience = config_.audience;
  token_options.access_token_lifetime = config_.access_token_lifetime;
  token_options.id_token_lifetime = config_.access_token_lifetime;
  token_options.refresh_token_idle_lifetime =
      config_.refresh_token_idle_lifetime;
  token_options.refresh_token_lifetime = config_.refresh_token_lifetime;
  minter_.emplace(keys_.get(), token_options);
  UserGrantDeps deps;
  deps.authenticator = &*authenticator_;
  deps.grants = grants_;
  deps.users = users_store_;
  deps.revoker = &*grant_revoker_;
  deps.minter = &*minter_;
  deps.sessions = &*login_sessions_;
  deps.consents = &*consents_;
  deps.resources = &*resource_indicators_;
  deps.clock = clock_;
  deps.random = SystemRandom();
  deps.events = &*oauth_metrics_;
  code_grant_.emplace(deps);
  refresh_grant_.emplace(deps);
  DeviceAuthorizationOptions device_options;
  device_options.verification_uri = config_.issuer + "/device";
  device_options.lifetime = config_.device_code_lifetime;
  device_options.interval = config_.device_poll_interval;
  auto devices = DeviceAuthorizationEndpoint::Create(
      &*authenticator_, clients_, device_store_, login_attempts_,
      &*login_sessions_, &*consents_, clock_, SystemRandom(), device_options);
  if (!devices.ok()) return devices.status();
  devices_ = *std::move(devices);
  device_grant_.emplace(deps, device_store_);
  revoker_.emplace(&*authenticator_, &*access_tokens_, &*grant_revoker_,
                   grants_);
  // RFC 9449: proofs of at most 60 s, single use across replicas.
  jwt::DpopProofOptions dpop_options;
  dpop_options.clock = clock_;
  auto dpop = DpopProofCheck::Create(std::move(dpop_options), replays_);
  if (!dpop.ok()) return dpop.status();
  dpop_.emplace(*std::move(dpop));
  // RFC 9449 §7: DPoP-bound tokens at UserInfo too.
  userinfo_.emplace(&*access_tokens_, users_store_, &*dpop_);
  GrantOptions exchange_options;
  exchange_options.issuer = config_.issuer;
  exchange_options.audience = config_.audience;
  exchange_options.access_token_lifetime = config_.access_token_lifetime;
  exchange_grant_.emplace(&*authenticator_, &*access_tokens_, keys_.get(),
                          SystemRandom(), exchange_options, resource_store_);
  token_endpoint_.emplace(
      std::map<std::string, const TokenGrant*>{
          {"client_credentials", &*client_credentials_},
          {"authorization_code", &*code_grant_},
          {"refresh_token", &*refresh_grant_},
          {kDeviceCodeGrantType, &*device_grant_},
          {kTokenExchangeGrantType, &*exchange_grant_}},
      &*oauth_metrics_, &*dpop_);
  return absl::OkStatus();
}

absl::Status App::BuildGrpcServices() {
  // Browser sessions of the HTTP front door: signed cookies.
  sessions_.emplace(server_secrets_->session_key);
  // The callback methods' blocking calls (server/grpc/call_runner.h): as
  // many threads as the synchronous methods may have.
  BlockingPool::Options pool;
  pool.max_threads = config_.grpc_max_threads;
  pool.min_threads = static_cast<int>(
      std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()),
                         static_cast<unsigned>(pool.max_threads)));
  grpc_pool_.emplace(pool);
  token_service_.emplace(TokenServiceParts{
      &*token_endpoint_, &*authorization_, &*pushed_authorization_, &*revoker_,
      &*userinfo_, &*proxies_, &*authenticator_, devices_.get(), &*grpc_pool_});
  introspection_service_.emplace(&*introspector_, &*grpc_pool_);
  key_service_.emplace(keys_.get(), &*grpc_pool_);
  admin_service_.emplace(&*registry_, &*users_, &*login_sessions_, &*consents_,
                         &*resource_registry_);
  // Decisions of the authorizer (refusals never reach the interceptors):
  // counted, and refusals logged.
  auto authorizer = MakeServerAuthorizer(
      keys_.get(), config_.issuer, clock_,
      std::make_shared<LoggingAuthObserver>(
          logger_, std::make_shared<metrics::AuthDecisionMetrics>(&metrics_)),
      revocations_);
  if (!authorizer.ok()) return authorizer.status();
  authorizer_ = *std::move(authorizer);
  return absl::OkStatus();
}

// Admin calls are authorized before their handlers run, on plaintext and TLS
// ports alike (client/interceptor/server_credentials.h).
absl::Status App::ReadTls() {
  if (config_.tls_cert_file.empty()) return absl::OkStatus();
  auto cert = ReadFile(config_.tls_cert_file);
  auto key = ReadFile(config_.tls_key_file);
  if (!cert.ok() || !key.ok()) {
    return absl::NotFoundError("cannot read the TLS certificate or key");
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  tls_ = std::move(ssl);
  return absl::OkStatus();
}

absl::Status App::CreateHttp() {
  // Readiness: PostgreSQL answers (grpc.health.v1, /readyz, identity_db_up).
  storage::PostgresStore* postgres = postgres_.get();
  // While the read caches can answer through an outage, readiness holds
  // (health_monitor.h): --store-stale-if-error when the caches are on.
  const absl::Duration grace = config_.store_cache_ttl > absl::ZeroDuration()
                                   ? config_.store_stale_if_error
                                   : absl::ZeroDuration();
  HealthMonitor::Probe probe;
  if (postgres != nullptr) probe = [postgres] { return postgres->Ping(); };
  health_.emplace(std::move(probe), grace);
  if (!config_.http_listen.empty()) {
    auto created = NewHttpServer(
        config_.http_listen,
        HttpThreads(config_.http_threads, std::thread::hardware_concurrency()),
        budget_.http);
    if (!created.ok()) return created.status();
    http_ = *std::move(created);
  }
  if (!config_.management_listen.empty()) {
    // Scrapes and probes: one thread, a few connections of its own, so a
    // busy front door does not hold them up.
    auto created =
        NewHttpServer(config_.management_listen, 1, budget_.management);
    if (!created.ok()) return created.status();
    management_ = *std::move(created);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HttpServer>> App::NewHttpServer(
    const std::string& listen, int threads, int max_connections) const {
  HttpServerOptions options;
  options.listen = listen;
  options.threads = threads;
  options.max_connections = max_connections;
  options.idle_timeout = config_.http_idle_timeout;
  options.tls_cert_file = config_.tls_cert_file;
  options.tls_key_file = config_.tls_key_file;
  return HttpServer::Create(options);
}

// The HTTP listeners bind before gRPC serves: a taken port stops the start-up
// before any call is answered. /metrics, /healthz and /readyz are on the
// management listener when there is one, else on the front door as before
// --management-listen existed (docs/observability.md).
absl::Status App::StartHttp() {
  HealthMonitor* health = &*health_;
  if (management_ != nullptr) {
    AddObservabilityRoutes(*management_, &metrics_,
                           [health] { return health->serving(); });
    if (absl::Status started = management_->Start(); !started.ok()) {
      return started;
    }
    logger_->Info("serving management",
                  {{"port", management_->port()}, {"tls", management_->tls()}});
  }
  if (http_ == nullptr) return absl::OkStatus();
  // One log line per HTTP request: path only (queries carry states and
  // challenges, bodies credentials), never a header or cookie.
  http_->SetObserver([logger = logger_](const HttpRequest& request,
                                        const HttpResponse& response,
                                        absl::Duration latency) {
    const logging::Level level = HttpRequestLogLevel(response.status);
    if (!logger->Enabled(level)) return;
    logger->Log(level, "http request",
                {{"method", request.method},
                 {"path", absl::string_view(request.path).substr(0, 256)},
                 {"status", response.status},
                 {"latency_ms", absl::ToDoubleMilliseconds(latency)},
                 {"peer", request.remote_address}});
  });
  if (management_ == nullptr) {
    logger_->Warn(
        "/metrics, /healthz and /readyz are served on --http-listen; set "
        "--management-listen to keep them off the front door");
    AddObservabilityRoutes(*http_, &metrics_,
                           [health] { return health->serving(); });
  }
  OidcEndpointsDeps oidc;
  oidc.issuer = config_.issuer;
  oidc.keys = keys_.get();
  oidc.authorization = &*authorization_;
  oidc.tokens = &*token_endpoint_;
  oidc.pushed = &*pushed_authorization_;
  oidc.devices = devices_.get();
  oidc.introspector = &*introspector_;
  oidc.revoker = &*revoker_;
  oidc.userinfo = &*userinfo_;
  cors_.emplace(clients_);
  oidc.cors = &*cors_;
  oidc.sessions = &*sessions_;
  oidc.login_sessions = &*login_sessions_;
  oidc.end_session = &*end_session_;
  oidc.clock = clock_;
  oidc.random = SystemRandom();
  oidc.allow_plain_pkce = config_.allow_plain_pkce;
  oidc.secure_cookies = SecureCookies(http_->tls(), config_.issuer);
  oidc.proxies = &*proxies_;
  auto pages = Pages::Create(config_.theme);
  if (!pages.ok()) return pages.status();
  oidc.pages = std::make_shared<const Pages>(*std::move(pages));
  AddOidcRoutes(*http_, std::move(oidc));
  if (absl::Status started = http_->Start(); !started.ok()) return started;
  logger_->Info("serving HTTP",
                {{"port", http_->port()}, {"tls", http_->tls()}});
  return absl::OkStatus();
}

absl::Status App::StartGrpc() {
  std::shared_ptr<grpc::ServerCredentials> credentials =
      interceptor::AuthorizingServerCredentials(authorizer_, std::move(tls_));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const GrpcLimits limits = GrpcLimitsFor(config_.grpc_max_threads,
                                          std::thread::hardware_concurrency());
  grpc::ResourceQuota quota("identity-server");
  quota.SetMaxThreads(limits.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, limits.pollers.min);
  builder.SetSyncServerOption(
      grpc::ServerBuilder::SyncServerOption::MAX_POLLERS, limits.pollers.max);
  builder.SetMaxReceiveMessageSize(limits.max_receive_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             limits.max_concurrent_streams);
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE,
                             limits.max_metadata_bytes);
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             limits.handshake_timeout_ms);
  grpc_metrics_.emplace(&metrics_);
  request_log_.emplace(logger_);
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(grpc_metrics_->InterceptorFactory());
  interceptors.push_back(request_log_->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  builder.AddListeningPort(config_.grpc_listen, credentials, &grpc_port_);
  builder.RegisterService(&*token_service_);
  builder.RegisterService(&*introspection_service_);
  builder.RegisterService(&*key_service_);
  builder.RegisterService(&*admin_service_);
  grpc_ = builder.BuildAndStart();
  if (grpc_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError("cannot listen on " + config_.grpc_listen);
  }
  logger_->Info("serving gRPC", {{"port", grpc_port_}});
  return absl::OkStatus();
}

void App::WatchHealth() {
  health_->AddListener([this](bool serving, const absl::Status& status) {
    grpc_->GetHealthCheckService()->SetServingStatus(serving);
    database_metrics_->SetUp(serving);
    if (serving) {
      logger_->Info("ready");
    } else {
      logger_->Warn("not ready", {{"error", status.message()}});
    }
  });
  health_->Start(config_.health_check_interval);
}

}  // namespace identity::server
