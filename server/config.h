// The server's configuration: flags, environment and an optional file, merged
// and validated once at start-up into an immutable struct. Nothing reads the
// environment later.
#ifndef IDENTITY_SERVER_CONFIG_H_
#define IDENTITY_SERVER_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "jwt/algorithm.h"
#include "server/logging/log.h"

namespace identity::server {

struct ServerConfig {
  std::string grpc_listen = "127.0.0.1:50051";
  // host:port of the HTTP listener (/metrics, /healthz, /readyz); empty: off.
  std::string http_listen;
  // Threads of the HTTP listener; 0: max(4, 2 x cores).
  int http_threads = 0;
  logging::Level log_level = logging::Level::kInfo;
  // How often readiness probes PostgreSQL.
  absl::Duration health_check_interval = absl::Seconds(2);
  enum class Store { kPostgres, kMemory } store = Store::kPostgres;
  std::string database_url;
  int database_pool_size = 8;
  std::string issuer;
  std::string audience;  // Defaults to the issuer.
  std::string kek;       // 32 bytes, from kek_file or IDENTITY_KEK.
  absl::Duration access_token_lifetime = absl::Minutes(10);
  absl::Duration key_rotation_period = absl::Hours(24);
  absl::Duration key_refresh_interval = absl::Seconds(30);
  // How long a replica may answer from its copy of a client record or of the
  // revocation list; bounds how late another replica's change takes effect
  // here. Zero: no cache.
  absl::Duration store_cache_ttl = absl::Seconds(5);
  jwt::Algorithm signing_algorithm = jwt::Algorithm::kES256;
  // Refresh tokens: unused this long, one expires; a family (a grant) never
  // outlives refresh_token_lifetime.
  absl::Duration refresh_token_idle_lifetime = absl::Hours(24 * 14);
  absl::Duration refresh_token_lifetime = absl::Hours(24 * 30);
  // PKCE "plain" (RFC 7636 §4.2) accepted as well as S256.
  bool allow_plain_pkce = false;
  // Argon2id for user passwords (server/users/password_hasher.h).
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_iterations = 2;
  uint32_t argon2_parallelism = 1;
  std::string tls_cert_file;
  std::string tls_key_file;
  // Created with scope identity.admin at start when set and absent.
  std::string bootstrap_admin_client_id;
  std::string bootstrap_admin_client_secret;
};

// Every setting, its flag and environment variable, for --help and docs.
struct SettingHelp {
  std::string flag;  // "grpc-listen"
  std::string env;   // "IDENTITY_GRPC_LISTEN"
  std::string help;
};
const std::vector<SettingHelp>& SettingsHelp();

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

}  // namespace identity::server

#endif  // IDENTITY_SERVER_CONFIG_H_
