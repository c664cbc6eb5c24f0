#include "server/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/keys/key_sealer.h"
#include "server/users/password_hasher.h"
#include "server/users/trusted_proxies.h"

namespace identity::server {
namespace {

using Setter = std::function<absl::Status(absl::string_view, ServerConfig&)>;
using Getenv = std::function<std::optional<std::string>(const std::string&)>;
using FileReader =
    std::function<absl::StatusOr<std::string>(const std::string&)>;

absl::Status Bad(absl::string_view setting, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", setting, ": ", why));
}

absl::Status Why(absl::string_view why) {
  return absl::InvalidArgumentError(why);
}

// The setters below parse one value; the table at the end of this section
// says which setting each one serves.

Setter Text(std::string ServerConfig::*field) {
  return [field](absl::string_view value, ServerConfig& config) {
    config.*field = std::string(value);
    return absl::OkStatus();
  };
}

// Comma-separated paths; blanks around them and empty entries are dropped.
Setter Paths(std::vector<std::string> ServerConfig::*field) {
  return [field](absl::string_view value, ServerConfig& config) {
    (config.*field).clear();
    for (absl::string_view path : absl::StrSplit(value, ',')) {
      path = absl::StripAsciiWhitespace(path);
      if (!path.empty()) (config.*field).emplace_back(path);
    }
    return absl::OkStatus();
  };
}

Setter PositiveDuration(absl::Duration ServerConfig::*field) {
  return [field](absl::string_view value, ServerConfig& config) {
    absl::Duration d;
    if (!absl::ParseDuration(value, &d) || d <= absl::ZeroDuration()) {
      return Why("expected a positive duration such as 10m or 30s");
    }
    config.*field = d;
    return absl::OkStatus();
  };
}

// A duration in [min, max]; `why` says what is expected.
Setter DurationIn(absl::Duration ServerConfig::*field, absl::Duration min,
                  absl::Duration max, std::string why) {
  return [=](absl::string_view value, ServerConfig& config) {
    absl::Duration d;
    if (!absl::ParseDuration(value, &d) || d < min || d > max) return Why(why);
    config.*field = d;
    return absl::OkStatus();
  };
}

Setter IntIn(int ServerConfig::*field, int min, int max) {
  return [=](absl::string_view value, ServerConfig& config) {
    int n = 0;
    if (!absl::SimpleAtoi(value, &n) || n < min || n > max) {
      return Why(absl::StrCat("must be ", min, " to ", max));
    }
    config.*field = n;
    return absl::OkStatus();
  };
}

// Bounds are checked together with the other Argon2id parameters.
Setter WholeNumber(uint32_t ServerConfig::*field) {
  return [field](absl::string_view value, ServerConfig& config) {
    if (!absl::SimpleAtoi(value, &(config.*field))) {
      return Why("must be a whole number");
    }
    return absl::OkStatus();
  };
}

absl::Status CheckHostPort(absl::string_view value) {
  if (value.empty()) return absl::OkStatus();  // Off.
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return Why("expected host:port, such as 0.0.0.0:9464");
  }
  // An IP address (v6 in brackets) or localhost: no name resolution.
  std::string host(value.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  in6_addr address;
  if (host != "localhost" && inet_pton(AF_INET, host.c_str(), &address) != 1 &&
      inet_pton(AF_INET6, host.c_str(), &address) != 1) {
    return Why(
        "the host must be an IP address or localhost, such as 0.0.0.0:9464 "
        "or [::]:9464");
  }
  return absl::OkStatus();
}

// host:port of a listener, or empty: off.
Setter Listener(std::string ServerConfig::*field) {
  return [field](absl::string_view value, ServerConfig& config) {
    config.*field = std::string(value);
    return CheckHostPort(value);
  };
}

absl::Status SetLogLevel(absl::string_view value, ServerConfig& config) {
  auto level = logging::ParseLevel(value);
  if (!level.ok()) return Why(level.status().message());
  config.log_level = *level;
  return absl::OkStatus();
}

absl::Status SetStore(absl::string_view value, ServerConfig& config) {
  if (value == "postgres") {
    config.store = ServerConfig::Store::kPostgres;
  } else if (value == "memory") {
    config.store = ServerConfig::Store::kMemory;
  } else {
    return Why("must be postgres or memory");
  }
  return absl::OkStatus();
}

// RFC 3986 §3.2.2: a reg-name of dot-separated labels of letters, digits
// and inner hyphens, or an IPv6 literal in brackets (issue 13 item 11).
bool IsHost(absl::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr address;
    return inet_pton(AF_INET6,
                     std::string(host.substr(1, host.size() - 2)).c_str(),
                     &address) == 1;
  }
  if (host.empty()) return false;
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
  }
  return true;
}

// The issuer is an exact URL, not a prefix (issue 13 item 11): OIDC
// Discovery §3 and RFC 8414 §2 make it an https URL with scheme, host,
// optional port and path, and no query or fragment; RFC 3986 §3.2.1
// userinfo has no place in it. Plain http only for a loopback host spelled
// exactly localhost, 127.0.0.1 or [::1], for local trials.
absl::Status SetIssuer(absl::string_view value, ServerConfig& config) {
  if (value.empty()) return Why("required");
  const absl::Status wrong =
      Why("must be an https:// URL (http:// only on localhost, 127.0.0.1 "
          "or [::1]) with a host, an optional port and path, and no query, "
          "fragment or user");
  absl::string_view rest = value;
  const bool https = absl::ConsumePrefix(&rest, "https://");
  if (!https && !absl::ConsumePrefix(&rest, "http://")) return wrong;
  for (unsigned char c : rest) {
    // No query, fragment or userinfo; no spaces, controls or non-ASCII.
    if (c == '?' || c == '#' || c == '@' || c == '\\' || c <= ' ' ||
        c >= 0x7f) {
      return wrong;
    }
  }
  const absl::string_view authority = rest.substr(0, rest.find('/'));
  absl::string_view host = authority;
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos && authority.back() != ']') {
    host = authority.substr(0, colon);
    int port = 0;
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &port) || port < 1 ||
        port > 65535 || authority[colon + 1] == '+') {
      return wrong;
    }
  }
  if (!IsHost(host)) return wrong;
  if (!https && host != "localhost" && host != "127.0.0.1" && host != "[::1]") {
    return wrong;
  }
  config.issuer = std::string(value);
  return absl::OkStatus();
}

absl::Status SetAccessTokenLifetime(absl::string_view value,
                                    ServerConfig& config) {
  absl::Status parsed =
      PositiveDuration(&ServerConfig::access_token_lifetime)(value, config);
  if (!parsed.ok()) return parsed;
  if (config.access_token_lifetime > absl::Hours(24)) return Why("at most 24h");
  return absl::OkStatus();
}

absl::Status SetAllowPlainPkce(absl::string_view value, ServerConfig& config) {
  if (value != "true" && value != "false") return Why("must be true or false");
  config.allow_plain_pkce = value == "true";
  return absl::OkStatus();
}

// ES256 signs access tokens (30x faster than RS256: issuance is sign-bound);
// RS256 signs ID tokens by default, as OIDC Core §15.1 requires of an OP
// (docs/configuration.md).
constexpr char kDefaultSigningAlgorithms[] = "ES256,RS256";

absl::StatusOr<std::vector<jwt::Algorithm>> ParseSigningAlgorithms(
    absl::string_view value) {
  std::vector<jwt::Algorithm> algorithms;
  for (absl::string_view name : absl::StrSplit(value, ',')) {
    auto alg = jwt::AlgorithmFromName(absl::StripAsciiWhitespace(name));
    if (!alg.has_value() || jwt::KeyTypeFor(*alg) == jwt::KeyType::kOct) {
      return Why(
          "must be a comma-separated list of asymmetric JWS algorithms "
          "(RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, "
          "EdDSA); not none, not HMAC");
    }
    if (std::find(algorithms.begin(), algorithms.end(), *alg) !=
        algorithms.end()) {
      return Why(absl::StrCat(jwt::AlgorithmName(*alg), " is listed twice"));
    }
    algorithms.push_back(*alg);
  }
  return algorithms;
}

absl::Status SetSigningAlgorithms(absl::string_view value,
                                  ServerConfig& config) {
  auto algorithms = ParseSigningAlgorithms(value);
  if (!algorithms.ok()) return algorithms.status();
  config.signing_algorithms = *std::move(algorithms);
  return absl::OkStatus();
}

absl::Status SetSigningAlgorithmAlias(absl::string_view value,
                                      ServerConfig& config) {
  if (value.empty()) return absl::OkStatus();
  auto algorithms = ParseSigningAlgorithms(value);
  if (!algorithms.ok()) return algorithms.status();
  if (algorithms->size() != 1) return Why("one algorithm only");
  config.signing_algorithm_alias = algorithms->front();
  return absl::OkStatus();
}

absl::Status SetTrustedProxies(absl::string_view value, ServerConfig& config) {
  auto proxies = TrustedProxies::Parse(value);
  if (!proxies.ok()) return Why(proxies.status().message());
  config.trusted_proxies = std::string(value);
  return absl::OkStatus();
}

// The bootstrap client gets identity.admin, so its secret must not be
// guessable (issue 13 item 4: "a" was accepted). 32 bytes, like the secrets
// the server generates for clients; never echoed.
absl::Status SetBootstrapAdminSecret(absl::string_view value,
                                     ServerConfig& config) {
  if (!value.empty() && value.size() < 32) {
    return Why("must be at least 32 characters (e.g. openssl rand -base64 32)");
  }
  config.bootstrap_admin_client_secret = std::string(value);
  return absl::OkStatus();
}

// Read by LoadConfig itself: which file to read the others from.
absl::Status SetNothing(absl::string_view, ServerConfig&) {
  return absl::OkStatus();
}

std::string EnvName(absl::string_view flag) {
  std::string env = absl::StrCat("IDENTITY_", absl::AsciiStrToUpper(flag));
  for (char& c : env) {
    if (c == '-') c = '_';
  }
  return env;
}

// A setting with a flag; its variable is IDENTITY_ and the flag in capitals.
Setting Flag(std::string flag, std::string default_value, std::string help,
             Setter set) {
  std::string env = EnvName(flag);
  return {std::move(flag), std::move(env), std::move(default_value),
          std::move(help), std::move(set)};
}

// A setting of the environment only: no flag, not in the file.
Setting EnvOnly(std::string env, std::string help, Setter set) {
  return {"", std::move(env), "", std::move(help), std::move(set)};
}

std::vector<Setting> ConnectionSettings() {
  using C = ServerConfig;
  return {
      Flag("config", "",
           "optional file of \"name = value\" lines (# comments); the "
           "environment and flags beat it",
           &SetNothing),
      Flag("grpc-listen", "127.0.0.1:50051", "address to serve gRPC on",
           Text(&C::grpc_listen)),
      Flag("http-listen", "",
           "host:port of the HTTP listener: the OpenID Connect front door, "
           "and /metrics, /healthz and /readyz unless --management-listen is "
           "set (off unless set)",
           Listener(&C::http_listen)),
      Flag("http-threads", "0",
           "threads of the HTTP listener, 0 to 256; 0: max(4, 2 x cores)",
           IntIn(&C::http_threads, 0, 256)),
      Flag("http-max-connections", "0",
           "open connections of the HTTP listener at most, 0 to 1000000; 0: "
           "half of what the open-file limit leaves, at most 4096",
           IntIn(&C::http_max_connections, 0, 1000000)),
      Flag(
          "http-idle-timeout", "5s",
          "an HTTP connection without a request for this long is closed, "
          "1s to 10m",
          DurationIn(&C::http_idle_timeout, absl::Seconds(1), absl::Minutes(10),
                     "expected a duration from 1s to 10m, such as 5s")),
      Flag("management-listen", "",
           "host:port of the management listener: /metrics, /healthz and "
           "/readyz, then not on --http-listen (off unless set)",
           Listener(&C::management_listen)),
      Flag("grpc-max-threads", "256",
           "threads gRPC runs calls that may block on, 4 to 65536; a call "
           "beyond them is refused with RESOURCE_EXHAUSTED",
           IntIn(&C::grpc_max_threads, 4, 65536)),
      Flag("log-level", "info",
           "debug, info, warn (or warning) or error; lines below it are "
           "dropped",
           &SetLogLevel),
      Flag("health-check-interval", "2s",
           "how often readiness probes PostgreSQL, 100ms to 1m",
           DurationIn(&C::health_check_interval, absl::Milliseconds(100),
                      absl::Minutes(1),
                      "expected a duration from 100ms to 1m, such as 2s")),
      Flag("drain-delay", "0s",
           "on SIGTERM, how long to keep serving while already NOT_SERVING, "
           "0 to 1m",
           DurationIn(&C::drain_delay, absl::ZeroDuration(), absl::Minutes(1),
                      "expected a duration from 0s to 1m, such as 2s")),
      Flag("store", "postgres", "postgres or memory (state lost at exit)",
           &SetStore),
      Flag("database-url", "",
           "libpq URL of PostgreSQL; required with --store=postgres",
           Text(&C::database_url)),
      Flag("database-pool-size", "8", "connections to PostgreSQL, 1 to 1000",
           IntIn(&C::database_pool_size, 1, 1000)),
  };
}

std::vector<Setting> TokenSettings() {
  using C = ServerConfig;
  return {
      Flag("issuer", "",
           "the \"iss\" of every token (required): https://, or http:// on "
           "localhost",
           &SetIssuer),
      Flag("audience", "",
           "the \"aud\" of every access token, client_credentials and "
           "users' (default: the issuer)",
           Text(&C::audience)),
      Flag("kek-file", "",
           "file holding the 32-byte key-encryption key, 64 hex digits or "
           "base64url; required unless IDENTITY_KEK is set",
           Text(&C::kek_file)),
      // Kept as text until LoadConfig parses it (or reads --kek-file).
      EnvOnly("IDENTITY_KEK",
              "the key-encryption key itself, instead of --kek-file (which "
              "wins when both are set)",
              Text(&C::kek)),
      Flag("previous-kek-files", "",
           "comma-separated files of key-encryption keys being rotated "
           "away from: they open what they sealed, which is re-sealed under "
           "--kek-file (docs/operations.md, KEK rotation)",
           Paths(&C::previous_kek_files)),
      Flag("next-kek-files", "",
           "comma-separated files of key-encryption keys being rotated to: "
           "they open what they sealed and are never re-sealed away from "
           "(docs/operations.md, KEK rotation)",
           Paths(&C::next_kek_files)),
      Flag("access-token-lifetime", "10m",
           "lifetime of access and ID tokens, at most 24h",
           &SetAccessTokenLifetime),
      Flag("refresh-token-idle-lifetime", "336h",
           "a refresh token unused this long expires; at most "
           "--refresh-token-lifetime",
           PositiveDuration(&C::refresh_token_idle_lifetime)),
      Flag("refresh-token-lifetime", "720h",
           "no refresh token outlives its grant by more",
           PositiveDuration(&C::refresh_token_lifetime)),
      Flag("device-code-lifetime", "10m",
           "lifetime of a device authorization's device_code and user_code "
           "(RFC 8628), at least 1m",
           PositiveDuration(&C::device_code_lifetime)),
      Flag("device-poll-interval", "5s",
           "least time between a device's polls of the token endpoint (RFC "
           "8628 interval), at least 1s and below --device-code-lifetime",
           PositiveDuration(&C::device_poll_interval)),
      Flag("allow-plain-pkce", "false",
           "true to accept PKCE method plain besides S256", &SetAllowPlainPkce),
      Flag("argon2-memory-kib", "19456",
           "Argon2id memory for user passwords, in KiB",
           WholeNumber(&C::argon2_memory_kib)),
      Flag("argon2-iterations", "2", "Argon2id passes",
           WholeNumber(&C::argon2_iterations)),
      Flag("argon2-parallelism", "1", "Argon2id lanes",
           WholeNumber(&C::argon2_parallelism)),
      Flag("password-hash-concurrency", "0",
           "password hashes at once, 0 to 1024; 0: the number of cores",
           IntIn(&C::password_hash_concurrency, 0, 1024)),
      Flag("password-hash-wait", "100ms",
           "how long a login waits for a hash slot before it is refused as "
           "busy, 0 to 10s",
           DurationIn(&C::password_hash_wait, absl::ZeroDuration(),
                      absl::Seconds(10),
                      "expected a duration from 0 to 10s, such as 100ms")),
      Flag("trusted-proxies", "",
           "comma-separated IP addresses and CIDR blocks of reverse proxies "
           "whose X-Forwarded-For names a login's source (none unless set)",
           &SetTrustedProxies),
  };
}

std::vector<Setting> KeyAndTlsSettings() {
  using C = ServerConfig;
  return {
      Flag("key-rotation-period", "24h", "how long a key signs",
           PositiveDuration(&C::key_rotation_period)),
      Flag("key-refresh-interval", "30s",
           "how stale a replica's keys may be; also the rotation check period",
           PositiveDuration(&C::key_refresh_interval)),
      Flag("store-cache-ttl", "5s",
           "how stale a replica's copy of a client or of the revocation list "
           "may be, 0 to 10m (0: the database every time)",
           DurationIn(&C::store_cache_ttl, absl::ZeroDuration(),
                      absl::Minutes(10),
                      "expected a duration from 0 to 10m, such as 5s")),
      Flag("store-stale-if-error", "30s",
           "while the database is unreachable, how much longer than "
           "--store-cache-ttl a replica's copy of a client or of the "
           "revocation list keeps answering, 0 to 10m",
           DurationIn(&C::store_stale_if_error, absl::ZeroDuration(),
                      absl::Minutes(10),
                      "expected a duration from 0 to 10m, such as 30s")),
      Flag("verified-token-cache-size", "10000",
           "access tokens of this server remembered as verified, so that "
           "checking one again skips its signature, 0 to 10000000 (0: none; "
           "least recently used evicted first)",
           IntIn(&C::verified_token_cache_size, 0, 10000000)),
      Flag("signing-algorithms", kDefaultSigningAlgorithms,
           "the algorithms that sign, each with its own keys and rotation, "
           "any asymmetric JWS ones: RS256, RS384, RS512, PS256, PS384, "
           "PS512, ES256, ES384, ES512, EdDSA. The first signs access "
           "tokens; ID tokens use the client's id_token_signed_response_alg, "
           "else RS256 if listed, else the first",
           &SetSigningAlgorithms),
      Flag("signing-algorithm", "",
           "former name, one algorithm: the same as --signing-algorithms "
           "with only that one",
           &SetSigningAlgorithmAlias),
      Flag("tls-cert-file", "",
           "PEM certificate chain for gRPC and HTTP (plaintext unless set); "
           "with --tls-key-file",
           Text(&C::tls_cert_file)),
      Flag("tls-key-file", "", "PEM private key; with --tls-cert-file",
           Text(&C::tls_key_file)),
      EnvOnly("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID",
              "a client created with scope identity.admin at start if "
              "absent; with IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET",
              Text(&C::bootstrap_admin_client_id)),
      EnvOnly("IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET",
              "that client's secret, at least 32 characters; with "
              "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID",
              &SetBootstrapAdminSecret),
  };
}

// A theme field, checked by `check` (server/http/page_theme.h).
Setter ThemeField(std::string PageTheme::*field,
                  absl::Status (*check)(absl::string_view)) {
  return [field, check](absl::string_view value, ServerConfig& config) {
    if (absl::Status checked = check(value); !checked.ok()) return checked;
    config.theme.*field = std::string(value);
    return absl::OkStatus();
  };
}

// The pages people see (docs/http.md, "Pages").
std::vector<Setting> PageSettings() {
  return {
      Flag("theme-product-name", kDefaultProductName,
           "the product name on the login, error and confirmation pages and "
           "in their titles, 1 to 64 bytes",
           ThemeField(&PageTheme::product_name, &CheckProductName)),
      Flag("theme-logo-url", "",
           "a logo shown beside the product name: an https:// URL or a "
           "data:image/...;base64, URI of at most 32 KiB (none unless set)",
           ThemeField(&PageTheme::logo_url, &CheckLogoUrl)),
      Flag("theme-primary-color", kDefaultPrimaryColor,
           "the colour of the pages' buttons and focus rings, #rrggbb",
           ThemeField(&PageTheme::primary_color, &CheckColor)),
      Flag("theme-background-color", kDefaultBackgroundColor,
           "the colour around the pages' card, #rrggbb",
           ThemeField(&PageTheme::background_color, &CheckColor)),
      Flag("theme-template-dir", "",
           "a directory with layout.html (the document around every page's "
           "content) and optionally style.css (the stylesheet), read at start "
           "(the built-in ones unless set)",
           Text(&ServerConfig::theme_template_dir)),
  };
}

bool IsFlag(absl::string_view name) {
  for (const Setting& s : Settings()) {
    if (!s.flag.empty() && s.flag == name) return true;
  }
  return false;
}

// Where a setting's text comes from, before parsing.
struct Sources {
  std::map<std::string, std::string> flags;  // By flag name.
  std::map<std::string, std::string> file;   // By flag name.
};

absl::StatusOr<std::map<std::string, std::string>> ParseFlags(
    const std::vector<std::string>& args) {
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
    if (!IsFlag(arg)) return Bad(arg, "unknown setting");
    flags[arg] = value;
  }
  return flags;
}

// Lines "name = value"; "#" starts a comment line. --config cannot name
// another file, and environment-only settings stay out of files.
absl::StatusOr<std::map<std::string, std::string>> ParseFile(
    absl::string_view text) {
  std::map<std::string, std::string> values;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return Bad("config", absl::StrCat("line ", line_number,
                                        " is not \"name = value\""));
    }
    std::string name(absl::StripAsciiWhitespace(line.substr(0, eq)));
    if (!IsFlag(name) || name == "config") {
      return Bad("config", absl::StrCat("line ", line_number,
                                        ": unknown setting \"", name, "\""));
    }
    values[name] = std::string(absl::StripAsciiWhitespace(line.substr(eq + 1)));
  }
  return values;
}

absl::StatusOr<Sources> ReadSources(const std::vector<std::string>& args,
                                    const Getenv& getenv,
                                    const FileReader& read_file) {
  Sources sources;
  auto flags = ParseFlags(args);
  if (!flags.ok()) return flags.status();
  sources.flags = *std::move(flags);
  auto named = sources.flags.find("config");
  std::optional<std::string> file = named != sources.flags.end()
                                        ? std::optional(named->second)
                                        : getenv(EnvName("config"));
  if (file.has_value() && !file->empty()) {
    auto text = read_file(*file);
    if (!text.ok()) return Bad("config", text.status().message());
    auto values = ParseFile(*text);
    if (!values.ok()) return values.status();
    sources.file = *std::move(values);
  }
  return sources;
}

// Flags beat the environment, which beats the file; an empty value (a set
// but empty variable included) means the default.
std::string ValueOf(const Setting& setting, const Sources& sources,
                    const Getenv& getenv) {
  std::string value;
  if (auto flag = sources.flags.find(setting.flag);
      !setting.flag.empty() && flag != sources.flags.end()) {
    value = flag->second;
  } else if (auto env = getenv(setting.env); env.has_value()) {
    value = *env;
  } else if (auto line = sources.file.find(setting.flag);
             !setting.flag.empty() && line != sources.file.end()) {
    value = line->second;
  }
  return value.empty() ? setting.default_value : value;
}

// The KEKs of --previous-kek-files and --next-kek-files; none may repeat
// another (KeySealer::Create checks that too, this names the flag).
absl::Status LoadOtherKeks(ServerConfig& config, const FileReader& read_file) {
  std::set<std::string> seen = {config.kek};
  for (auto [flag, files, keks] :
       {std::make_tuple("previous-kek-files", &config.previous_kek_files,
                        &config.previous_keks),
        std::make_tuple("next-kek-files", &config.next_kek_files,
                        &config.next_keks)}) {
    for (const std::string& file : *files) {
      auto text = read_file(file);
      if (!text.ok()) return Bad(flag, text.status().message());
      auto kek = KeySealer::ParseKek(*text);
      if (!kek.ok()) {
        return Bad(flag, absl::StrCat(file, ": ", kek.status().message()));
      }
      if (!seen.insert(*kek).second) {
        return Bad(flag, absl::StrCat(file, " repeats a key-encryption key"));
      }
      keks->push_back(*std::move(kek));
    }
  }
  return absl::OkStatus();
}

// IDENTITY_KEK left the key's text in config.kek; --kek-file, when set, wins.
absl::Status LoadKek(ServerConfig& config, const FileReader& read_file) {
  if (!config.kek_file.empty()) {
    auto text = read_file(config.kek_file);
    if (!text.ok()) return Bad("kek-file", text.status().message());
    config.kek = *std::move(text);
  }
  if (config.kek.empty()) {
    return Bad("kek-file", "required (or set IDENTITY_KEK)");
  }
  auto kek = KeySealer::ParseKek(config.kek);
  if (!kek.ok()) {
    config.kek.clear();
    return Bad("kek-file", kek.status().message());
  }
  config.kek = *std::move(kek);
  return LoadOtherKeks(config, read_file);
}

// --theme-template-dir: layout.html must be there, style.css may be.
absl::Status LoadTemplates(ServerConfig& config, const FileReader& read_file) {
  if (config.theme_template_dir.empty()) return absl::OkStatus();
  const std::string layout_file = config.theme_template_dir + "/layout.html";
  auto layout = read_file(layout_file);
  if (!layout.ok()) return Bad("theme-template-dir", layout.status().message());
  if (absl::Status checked = CheckLayoutTemplate(*layout); !checked.ok()) {
    return Bad("theme-template-dir",
               absl::StrCat(layout_file, ": ", checked.message()));
  }
  config.theme.layout_template = *std::move(layout);
  const std::string style_file = config.theme_template_dir + "/style.css";
  auto style = read_file(style_file);
  if (!style.ok() && style.status().code() != absl::StatusCode::kNotFound) {
    return Bad("theme-template-dir", style.status().message());
  }
  if (style.ok()) {
    if (absl::Status checked = CheckStylesheet(*style); !checked.ok()) {
      return Bad("theme-template-dir",
                 absl::StrCat(style_file, ": ", checked.message()));
    }
    config.theme.stylesheet = *std::move(style);
  }
  return absl::OkStatus();
}

// The rules between settings, once each is parsed on its own.
absl::Status CheckAcrossSettings(ServerConfig& config) {
  if (config.refresh_token_idle_lifetime > config.refresh_token_lifetime) {
    return Bad("refresh-token-idle-lifetime",
               "must not exceed --refresh-token-lifetime");
  }
  if (config.device_code_lifetime < absl::Minutes(1)) {
    return Bad("device-code-lifetime", "must be at least 1m");
  }
  if (config.device_poll_interval < absl::Seconds(1) ||
      config.device_poll_interval >= config.device_code_lifetime) {
    return Bad("device-poll-interval",
               "must be at least 1s and below --device-code-lifetime");
  }
  if (absl::Status weak = ValidateArgon2Params({config.argon2_memory_kib,
                                                config.argon2_iterations,
                                                config.argon2_parallelism});
      !weak.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--argon2-memory-kib, --argon2-iterations, --argon2-parallelism: ",
        weak.message()));
  }
  if (config.store == ServerConfig::Store::kPostgres &&
      config.database_url.empty()) {
    return Bad("database-url",
               "required with --store=postgres (or try --store=memory)");
  }
  if (config.audience.empty()) config.audience = config.issuer;
  if (config.signing_algorithm_alias.has_value()) {
    if (config.signing_algorithms !=
        *ParseSigningAlgorithms(kDefaultSigningAlgorithms)) {
      return Bad("signing-algorithm",
                 "is the former name of --signing-algorithms: set only one");
    }
    config.signing_algorithms = {*config.signing_algorithm_alias};
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Bad("tls-cert-file", "TLS needs both a certificate and a key");
  }
  if (config.bootstrap_admin_client_id.empty() !=
      config.bootstrap_admin_client_secret.empty()) {
    return absl::InvalidArgumentError(
        "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID and _SECRET go together");
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const auto* const kSettings = [] {
    auto* settings = new std::vector<Setting>(ConnectionSettings());
    for (auto part : {TokenSettings(), KeyAndTlsSettings(), PageSettings()}) {
      for (Setting& s : part) settings->push_back(std::move(s));
    }
    return settings;
  }();
  return *kSettings;
}

std::string HelpText() {
  std::string text =
      "usage: identity-server [--setting=value]...\n\n"
      "Each setting may also come from the environment or a file:\n";
  for (const Setting& s : Settings()) {
    if (s.flag.empty()) {
      absl::StrAppend(&text, "  ", s.env, "  (environment only)");
    } else {
      absl::StrAppend(&text, "  --", s.flag, "  (", s.env,
                      s.default_value.empty() ? "" : "; default ",
                      s.default_value, ")");
    }
    absl::StrAppend(&text, "\n      ", s.help, "\n");
  }
  return text;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // Absent (NotFound) is told apart from present but unreadable.
    const int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError("cannot read " + path);
    }
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot read ", path, ": ", error != 0 ? strerror(error) : "error"));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<ServerConfig> LoadConfig(const std::vector<std::string>& args,
                                        const Getenv& getenv,
                                        const FileReader& read_file) {
  auto sources = ReadSources(args, getenv, read_file);
  if (!sources.ok()) return sources.status();
  ServerConfig config;
  for (const Setting& setting : Settings()) {
    const std::string value = ValueOf(setting, *sources, getenv);
    if (absl::Status set = setting.set(value, config); !set.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(setting.flag.empty() ? setting.env : "--" + setting.flag,
                       ": ", set.message()));
    }
  }
  if (absl::Status kek = LoadKek(config, read_file); !kek.ok()) return kek;
  if (absl::Status templates = LoadTemplates(config, read_file);
      !templates.ok()) {
    return templates;
  }
  if (absl::Status rules = CheckAcrossSettings(config); !rules.ok()) {
    return rules;
  }
  return config;
}

}  // namespace identity::server
