#include "server/config.h"

#include <arpa/inet.h>

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/keys/key_sealer.h"
#include "server/users/password_hasher.h"

namespace identity::server {
namespace {

absl::Status Bad(absl::string_view setting, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", setting, ": ", why));
}

std::string EnvName(absl::string_view flag) {
  return absl::StrCat("IDENTITY_", absl::AsciiStrToUpper(absl::StrReplaceAll(
                                       flag, {{"-", "_"}})));
}

absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view setting,
                                                     const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return Bad(setting, "expected a positive duration such as 10m or 30s");
  }
  return d;
}

}  // namespace

const std::vector<SettingHelp>& SettingsHelp() {
  static const auto* const kHelp = [] {
    auto* help = new std::vector<SettingHelp>;
    for (const auto& [flag, text] :
         std::vector<std::pair<std::string, std::string>>{
             {"config", "optional file of \"name = value\" lines"},
             {"grpc-listen", "address to serve gRPC on (127.0.0.1:50051)"},
             {"http-listen",
              "host:port to serve /metrics, /healthz and /readyz on "
              "(off unless set; e.g. 0.0.0.0:9464)"},
             {"http-threads",
              "threads of the HTTP listener (0, the default: max(4, 2 x "
              "cores))"},
             {"log-level", "debug, info (default), warn or error"},
             {"health-check-interval",
              "how often readiness probes PostgreSQL (2s)"},
             {"store", "postgres (default) or memory"},
             {"database-url", "PostgreSQL URL, for --store=postgres"},
             {"database-pool-size", "connections to PostgreSQL (8)"},
             {"issuer", "the \"iss\" of every token (required)"},
             {"audience", "the \"aud\" of client_credentials tokens (issuer)"},
             {"kek-file",
              "file holding the 32-byte key-encryption key (hex or "
              "base64url); or set IDENTITY_KEK"},
             {"access-token-lifetime", "10m"},
             {"refresh-token-idle-lifetime",
              "a refresh token unused this long expires (336h)"},
             {"refresh-token-lifetime",
              "no refresh token outlives its grant by more (720h)"},
             {"allow-plain-pkce",
              "true to accept PKCE method plain besides S256 (false)"},
             {"argon2-memory-kib", "Argon2id memory for passwords (19456)"},
             {"argon2-iterations", "Argon2id passes (2)"},
             {"argon2-parallelism", "Argon2id lanes (1)"},
             {"key-rotation-period", "24h"},
             {"key-refresh-interval",
              "how stale a replica's keys may be (30s)"},
             {"store-cache-ttl",
              "how stale a replica's copy of a client or of the revocation "
              "list may be (5s; 0 reads the database every time)"},
             {"signing-algorithm",
              "ES256 (default), RS256, PS256, EdDSA, ES384"},
             {"tls-cert-file", "PEM certificate chain; with --tls-key-file"},
             {"tls-key-file", "PEM private key; with --tls-cert-file"},
         }) {
      help->push_back({flag, EnvName(flag), text});
    }
    return help;
  }();
  return *kHelp;
}

absl::StatusOr<ServerConfig> LoadConfig(
    const std::vector<std::string>& args,
    const std::function<std::optional<std::string>(const std::string&)>& getenv,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        read_file) {
  std::map<std::string, std::string> known;
  for (const SettingHelp& setting : SettingsHelp()) known[setting.flag] = "";

  // Flags.
  std::map<std::string, std::string> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg, "\""));
    }
    arg = arg.substr(2);
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Bad(arg, "needs a value");
    }
    if (known.count(arg) == 0) return Bad(arg, "unknown setting");
    flags[arg] = value;
  }

  // File, then environment, then flags: later wins.
  std::map<std::string, std::string> values;
  std::optional<std::string> file = flags.count("config")
                                        ? std::optional(flags["config"])
                                        : getenv(EnvName("config"));
  if (file.has_value() && !file->empty()) {
    auto text = read_file(*file);
    if (!text.ok()) return Bad("config", text.status().message());
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      ++line_number;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || line[0] == '#') continue;
      const size_t eq = line.find('=');
      if (eq == absl::string_view::npos) {
        return Bad("config", absl::StrCat("line ", line_number,
                                          " is not \"name = value\""));
      }
      std::string name(absl::StripAsciiWhitespace(line.substr(0, eq)));
      if (known.count(name) == 0 || name == "config") {
        return Bad("config", absl::StrCat("line ", line_number,
                                          ": unknown setting \"", name, "\""));
      }
      values[name] =
          std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    }
  }
  for (const auto& [name, unused] : known) {
    if (auto env = getenv(EnvName(name)); env.has_value()) values[name] = *env;
  }
  for (const auto& [name, value] : flags) values[name] = value;
  auto get = [&](const std::string& name) -> std::string {
    auto it = values.find(name);
    return it == values.end() ? "" : it->second;
  };

  ServerConfig config;
  if (!get("grpc-listen").empty()) config.grpc_listen = get("grpc-listen");
  config.http_listen = get("http-listen");
  if (!config.http_listen.empty()) {
    const size_t colon = config.http_listen.rfind(':');
    int port = -1;
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(config.http_listen.substr(colon + 1), &port) ||
        port < 0 || port > 65535) {
      return Bad("http-listen", "expected host:port, such as 0.0.0.0:9464");
    }
    // An IP address (v6 in brackets) or localhost: no name resolution.
    std::string host = config.http_listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    }
    in6_addr address;
    if (host != "localhost" &&
        inet_pton(AF_INET, host.c_str(), &address) != 1 &&
        inet_pton(AF_INET6, host.c_str(), &address) != 1) {
      return Bad("http-listen",
                 "the host must be an IP address or localhost, such as "
                 "0.0.0.0:9464 or [::]:9464");
    }
  }
  if (!get("http-threads").empty() &&
      (!absl::SimpleAtoi(get("http-threads"), &config.http_threads) ||
       config.http_threads < 0 || config.http_threads > 256)) {
    return Bad("http-threads", "must be 0 to 256");
  }
  if (!get("log-level").empty()) {
    auto level = logging::ParseLevel(get("log-level"));
    if (!level.ok()) return Bad("log-level", level.status().message());
    config.log_level = *level;
  }
  if (!get("health-check-interval").empty()) {
    absl::Duration interval;
    if (!absl::ParseDuration(get("health-check-interval"), &interval) ||
        interval < absl::Milliseconds(100) || interval > absl::Minutes(1)) {
      return Bad("health-check-interval",
                 "expected a duration from 100ms to 1m, such as 2s");
    }
    config.health_check_interval = interval;
  }
  for (auto [name, field] :
       {std::pair{"refresh-token-idle-lifetime",
                  &config.refresh_token_idle_lifetime},
        std::pair{"refresh-token-lifetime", &config.refresh_token_lifetime}}) {
    if (get(name).empty()) continue;
    auto d = ParsePositiveDuration(name, get(name));
    if (!d.ok()) return d.status();
    *field = *d;
  }
  if (config.refresh_token_idle_lifetime > config.refresh_token_lifetime) {
    return Bad("refresh-token-idle-lifetime",
               "must not exceed --refresh-token-lifetime");
  }
  if (const std::string plain = get("allow-plain-pkce"); !plain.empty()) {
    if (plain != "true" && plain != "false") {
      return Bad("allow-plain-pkce", "must be true or false");
    }
    config.allow_plain_pkce = plain == "true";
  }
  for (auto [name, field] :
       {std::pair{"argon2-memory-kib", &config.argon2_memory_kib},
        std::pair{"argon2-iterations", &config.argon2_iterations},
        std::pair{"argon2-parallelism", &config.argon2_parallelism}}) {
    if (get(name).empty()) continue;
    if (!absl::SimpleAtoi(get(name), field)) {
      return Bad(name, "must be a whole number");
    }
  }
  if (absl::Status weak = ValidateArgon2Params({config.argon2_memory_kib,
                                                config.argon2_iterations,
                                                config.argon2_parallelism});
      !weak.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--argon2-memory-kib, --argon2-iterations, --argon2-parallelism: ",
        weak.message()));
  }
  const std::string store = get("store");
  if (store.empty() || store == "postgres") {
    config.store = ServerConfig::Store::kPostgres;
  } else if (store == "memory") {
    config.store = ServerConfig::Store::kMemory;
  } else {
    return Bad("store", "must be postgres or memory");
  }
  config.database_url = get("database-url");
  if (config.store == ServerConfig::Store::kPostgres &&
      config.database_url.empty()) {
    return Bad("database-url",
               "required with --store=postgres (or try --store=memory)");
  }
  if (!get("database-pool-size").empty() &&
      (!absl::SimpleAtoi(get("database-pool-size"),
                         &config.database_pool_size) ||
       config.database_pool_size < 1 || config.database_pool_size > 1000)) {
    return Bad("database-pool-size", "must be 1 to 1000");
  }
  config.issuer = get("issuer");
  if (config.issuer.empty()) return Bad("issuer", "required");
  if (!absl::StartsWith(config.issuer, "https://") &&
      !absl::StartsWith(config.issuer, "http://localhost") &&
      !absl::StartsWith(config.issuer, "http://127.0.0.1")) {
    // OIDC Core §2 / RFC 8414 §2: https; plain http only for local trials.
    return Bad("issuer", "must be an https:// URL (http:// only on localhost)");
  }
  config.audience = get("audience").empty() ? config.issuer : get("audience");

  std::string kek_text;
  if (auto env = getenv("IDENTITY_KEK"); env.has_value() && !env->empty()) {
    kek_text = *env;
  }
  if (!get("kek-file").empty()) {
    auto text = read_file(get("kek-file"));
    if (!text.ok()) return Bad("kek-file", text.status().message());
    kek_text = *text;
  }
  if (kek_text.empty()) {
    return Bad("kek-file", "required (or set IDENTITY_KEK)");
  }
  auto kek = KeySealer::ParseKek(kek_text);
  if (!kek.ok()) return Bad("kek-file", kek.status().message());
  config.kek = *std::move(kek);

  for (const auto& [name, field] :
       {std::pair{"access-token-lifetime", &config.access_token_lifetime},
        std::pair{"key-rotation-period", &config.key_rotation_period},
        std::pair{"key-refresh-interval", &config.key_refresh_interval}}) {
    if (get(name).empty()) continue;
    auto d = ParsePositiveDuration(name, get(name));
    if (!d.ok()) return d.status();
    *field = *d;
  }
  if (!get("store-cache-ttl").empty()) {
    absl::Duration ttl;
    if (!absl::ParseDuration(get("store-cache-ttl"), &ttl) ||
        ttl < absl::ZeroDuration() || ttl > absl::Minutes(10)) {
      return Bad("store-cache-ttl",
                 "expected a duration from 0 to 10m, such as 5s");
    }
    config.store_cache_ttl = ttl;
  }
  if (config.access_token_lifetime > absl::Hours(24)) {
    return Bad("access-token-lifetime", "at most 24h");
  }
  if (!get("signing-algorithm").empty()) {
    auto alg = jwt::AlgorithmFromName(get("signing-algorithm"));
    if (!alg.has_value() || jwt::KeyTypeFor(*alg) == jwt::KeyType::kOct) {
      return Bad("signing-algorithm", "must be an asymmetric JWS algorithm");
    }
    config.signing_algorithm = *alg;
  }
  config.tls_cert_file = get("tls-cert-file");
  config.tls_key_file = get("tls-key-file");
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Bad("tls-cert-file", "TLS needs both a certificate and a key");
  }
  config.bootstrap_admin_client_id =
      getenv("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID").value_or("");
  config.bootstrap_admin_client_secret =
      getenv("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET").value_or("");
  if (config.bootstrap_admin_client_id.empty() !=
      config.bootstrap_admin_client_secret.empty()) {
    return absl::InvalidArgumentError(
        "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID and _SECRET go together");
  }
  return config;
}

}  // namespace identity::server
