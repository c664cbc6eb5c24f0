// The server's configuration: flags, environment and an optional file, merged
// and validated once at start-up into an immutable struct. Nothing reads the
// environment later.
//
// Every setting is one entry of one table (Settings()): its flag, its
// environment variable, its default, its help line and its parser. The
// --help text is generated from the table, and config_test checks
// docs/configuration.md against it.
#ifndef IDENTITY_SERVER_CONFIG_H_
#define IDENTITY_SERVER_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "server/http/page_theme.h"
#include "server/logging/log.h"

namespace identity::server {

// Built by LoadConfig only. The defaults are in the settings table
// (Settings(), shown by --help), so the fields here start from zero values.
struct ServerConfig {
  std::string grpc_listen;
  // host:port of the HTTP listener (/metrics, /healthz, /readyz and the
  // OpenID Connect front door); empty: off.
  std::string http_listen;
  // Threads of the HTTP listener; 0: max(4, 2 x cores) (server/app_policy.h).
  int http_threads = 0;
  // Open HTTP connections at most; 0: a share of the open-file limit
  // (server/app_policy.h, ConnectionBudgetFor).
  int http_max_connections = 0;
  // An HTTP connection with no request for this long is closed.
  absl::Duration http_idle_timeout;
  // host:port of the management listener (/metrics, /healthz, /readyz, then
  // not on http_listen); empty: off, and they stay on http_listen.
  std::string management_listen;
  // Threads gRPC runs calls on (grpc::ResourceQuota); calls beyond them are
  // refused with RESOURCE_EXHAUSTED.
  int grpc_max_threads = 0;
  logging::Level log_level = logging::Level::kInfo;
  // How often readiness probes PostgreSQL.
  absl::Duration health_check_interval;
  // On SIGTERM, how long the server keeps serving while it already says
  // NOT_SERVING, so that load balancers take it out before it stops.
  absl::Duration drain_delay;
  enum class Store { kPostgres, kMemory } store = Store::kPostgres;
  std::string database_url;
  int database_pool_size = 0;
  std::string issuer;
  std::string audience;  // Defaults to the issuer.
  std::string kek_file;  // Where the KEK was read from; empty: IDENTITY_KEK.
  std::string kek;       // 32 bytes, from kek_file or IDENTITY_KEK.
  // KEK rotation (docs/operations.md): KEKs that only open what they sealed.
  // Previous ones are being rotated away from (what they sealed is
  // re-sealed under `kek`); next ones are being rotated to, held by every
  // replica before any seals under them.
  std::vector<std::string> previous_kek_files;
  std::vector<std::string> next_kek_files;
  std::vector<std::string> previous_keks;  // 32 bytes each, as the files.
  std::vector<std::string> next_keks;
  absl::Duration access_token_lifetime;
  absl::Duration key_rotation_period;
  absl::Duration key_refresh_interval;
  // How long a replica may answer from its copy of a client record or of the
  // revocation list; bounds how late another replica's change takes effect
  // here. Zero: no cache.
  absl::Duration store_cache_ttl;
  // While the database is unreachable, how much longer those copies keep
  // answering (storage/cache/caching_store.h, "stale if error").
  absl::Duration store_stale_if_error;
  // Access tokens remembered as verified (server/oauth/
  // verified_token_cache.h), at most; 0: every check verifies.
  int verified_token_cache_size = 0;
  // The signing algorithms, each with its own keys (server/keys/
  // key_manager.h): the first signs access tokens; ID tokens use the
  // client's id_token_signed_response_alg, else RS256 when listed, else the
  // first.
  std::vector<jwt::Algorithm> signing_algorithms;
  // --signing-algorithm, the former single-algorithm setting: when set, the
  // list is that one algorithm (CheckAcrossSettings).
  std::optional<jwt::Algorithm> signing_algorithm_alias;
  // Refresh tokens: unused this long, one expires; a family (a grant) never
  // outlives refresh_token_lifetime.
  absl::Duration refresh_token_idle_lifetime;
  absl::Duration refresh_token_lifetime;
  // RFC 8628: how long a device authorization's codes live, and the least
  // time between a device's polls it starts with.
  absl::Duration device_code_lifetime;
  absl::Duration device_poll_interval;
  // PKCE "plain" (RFC 7636 §4.2) accepted as well as S256.
  bool allow_plain_pkce = false;
  // Argon2id for user passwords (server/users/password_hasher.h).
  uint32_t argon2_memory_kib = 0;
  uint32_t argon2_iterations = 0;
  uint32_t argon2_parallelism = 0;
  // Password hashes at once (server/users/hash_limiter.h); 0: the number of
  // cores. A login waits up to password_hash_wait for a slot, then is
  // refused as busy.
  int password_hash_concurrency = 0;
  absl::Duration password_hash_wait;
  // Comma-separated addresses and CIDR blocks of reverse proxies whose
  // X-Forwarded-For names a login's source (server/users/trusted_proxies.h);
  // validated by TrustedProxies::Parse. Empty: none.
  std::string trusted_proxies;
  std::string tls_cert_file;
  std::string tls_key_file;
  // The look of the login, error and confirmation pages (validated:
  // server/http/page_theme.h), with the layout template and stylesheet read
  // from theme_template_dir when it is set.
  PageTheme theme;
  std::string theme_template_dir;
  // Created with scope identity.admin at start when set and absent.
  std::string bootstrap_admin_client_id;
  std::string bootstrap_admin_client_secret;
};

// One setting of the table.
struct Setting {
  // "grpc-listen": accepted as --grpc-listen and as "grpc-listen = ..." in
  // the file. Empty for a setting read from the environment only.
  std::string flag;
  std::string env;            // "IDENTITY_GRPC_LISTEN"
  std::string default_value;  // Parsed when the setting is unset or empty.
  std::string help;           // One line: --help, and the docs' table.
  // Parses `value` (never empty unless default_value is) into `config`.
  // Errors: InvalidArgument saying why, without the setting's name (the
  // caller adds it) and without echoing a secret.
  std::function<absl::Status(absl::string_view value, ServerConfig& config)>
      set;
};

// Every setting, in the order --help lists them. Immutable; thread-safe.
const std::vector<Setting>& Settings();

// The text of `identity-server --help`, generated from Settings().
std::string HelpText();

// Builds the configuration from, in decreasing precedence: `args`
// ("--name=value" or "--name value"), the environment (through `getenv`,
// variables IDENTITY_NAME), and the file named by --config / IDENTITY_CONFIG
// (lines "name = value", "#" comments; read through `read_file`). Errors:
// InvalidArgument naming the setting, for unknown flags, malformed values and
// inconsistent combinations. Secrets are never echoed.
absl::StatusOr<ServerConfig> LoadConfig(
    const std::vector<std::string>& args,
    const std::function<std::optional<std::string>(const std::string&)>& getenv,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        read_file);

// The whole file at `path`: what LoadConfig reads files with in the server
// (--config, --kek-file), and the TLS files too. Errors: NotFound when it
// cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace identity::server

#endif  // IDENTITY_SERVER_CONFIG_H_
