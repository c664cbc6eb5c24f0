#include "server/config.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

const std::string kKekHex(64, 'a');

class ConfigTest : public ::testing::Test {
 protected:
  absl::StatusOr<ServerConfig> Load(std::vector<std::string> args) {
    return LoadConfig(
        args,
        [this](const std::string& name) -> std::optional<std::string> {
          auto it = env_.find(name);
          if (it == env_.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& path) -> absl::StatusOr<std::string> {
          auto it = files_.find(path);
          if (it == files_.end()) return absl::NotFoundError("no such file");
          return it->second;
        });
  }

  std::vector<std::string> Minimal() {
    return {"--store=memory", "--issuer=https://id.example", "--kek-file=/kek"};
  }

  std::map<std::string, std::string> env_;
  std::map<std::string, std::string> files_{{"/kek", kKekHex + "\n"}};
};

TEST_F(ConfigTest, MinimalConfigHasSafeDefaults) {
  auto config = Load(Minimal());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->grpc_listen, "127.0.0.1:50051");
  EXPECT_EQ(config->audience, "https://id.example");
  EXPECT_EQ(config->access_token_lifetime, absl::Minutes(10));
  // ES256 signs access tokens; RS256 is there for ID tokens (OIDC Core
  // §15.1).
  EXPECT_EQ(config->signing_algorithms,
            (std::vector<jwt::Algorithm>{jwt::Algorithm::kES256,
                                         jwt::Algorithm::kRS256}));
  EXPECT_EQ(config->kek, std::string(32, '\xaa'));
  EXPECT_EQ(config->store_cache_ttl, absl::Seconds(5));
  EXPECT_EQ(config->store_stale_if_error, absl::Seconds(30));
  EXPECT_EQ(config->http_listen, "");  // No HTTP listener unless asked.
  EXPECT_EQ(config->log_level, logging::Level::kInfo);
  EXPECT_EQ(config->health_check_interval, absl::Seconds(2));
}

TEST_F(ConfigTest, UserLoginSettings) {
  auto defaults = Load(Minimal());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->refresh_token_idle_lifetime, absl::Hours(336));
  EXPECT_EQ(defaults->refresh_token_lifetime, absl::Hours(720));
  EXPECT_FALSE(defaults->allow_plain_pkce);
  EXPECT_EQ(defaults->argon2_memory_kib, 19456u);
  std::vector<std::string> args = Minimal();
  args.push_back("--refresh-token-idle-lifetime=1h");
  args.push_back("--refresh-token-lifetime=2h");
  args.push_back("--allow-plain-pkce=true");
  args.push_back("--argon2-memory-kib=65536");
  args.push_back("--argon2-iterations=3");
  args.push_back("--argon2-parallelism=4");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->refresh_token_idle_lifetime, absl::Hours(1));
  EXPECT_EQ(config->refresh_token_lifetime, absl::Hours(2));
  EXPECT_TRUE(config->allow_plain_pkce);
  EXPECT_EQ(config->argon2_memory_kib, 65536u);
  EXPECT_EQ(config->argon2_iterations, 3u);
  EXPECT_EQ(config->argon2_parallelism, 4u);
}

// Issue 13: the bound on concurrent password hashes, and the proxies whose
// X-Forwarded-For names a login's source (none unless set).
TEST_F(ConfigTest, LoginBurstAndProxySettings) {
  auto defaults = Load(Minimal());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->password_hash_concurrency, 0);  // The core count.
  EXPECT_EQ(defaults->password_hash_wait, absl::Milliseconds(100));
  EXPECT_EQ(defaults->trusted_proxies, "");
  std::vector<std::string> args = Minimal();
  args.push_back("--password-hash-concurrency=3");
  args.push_back("--password-hash-wait=0");
  args.push_back("--trusted-proxies=10.0.0.0/8, ::1");
  auto set = Load(args);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->password_hash_concurrency, 3);
  EXPECT_EQ(set->password_hash_wait, absl::ZeroDuration());
  EXPECT_EQ(set->trusted_proxies, "10.0.0.0/8, ::1");
  for (const char* bad :
       {"--password-hash-concurrency=-1", "--password-hash-concurrency=1025",
        "--password-hash-wait=11s", "--password-hash-wait=-1ms",
        "--trusted-proxies=10.0.0.0/8,proxy.example"}) {
    std::vector<std::string> refused = Minimal();
    refused.push_back(bad);
    auto config = Load(refused);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
    const std::string flag(
        absl::string_view(bad).substr(0, absl::string_view(bad).find('=')));
    EXPECT_NE(config.status().message().find(flag), absl::string_view::npos)
        << config.status();
  }
}

TEST_F(ConfigTest, ObservabilitySettings) {
  std::vector<std::string> args = Minimal();
  args.push_back("--http-listen=[::]:9464");
  args.push_back("--log-level=debug");
  args.push_back("--health-check-interval=500ms");
  args.push_back("--http-threads=2");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->http_threads, 2);
  EXPECT_EQ(config->http_listen, "[::]:9464");
  EXPECT_EQ(config->log_level, logging::Level::kDebug);
  EXPECT_EQ(config->health_check_interval, absl::Milliseconds(500));
}

TEST_F(ConfigTest, ListenerBoundsSettings) {
  auto defaults = Load(Minimal());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->management_listen, "");    // Off: compatibility.
  EXPECT_EQ(defaults->http_max_connections, 0);  // A share of the limit.
  EXPECT_EQ(defaults->http_idle_timeout, absl::Seconds(5));
  EXPECT_EQ(defaults->grpc_max_threads, 256);
  std::vector<std::string> args = Minimal();
  args.push_back("--management-listen=127.0.0.1:9000");
  args.push_back("--http-max-connections=500");
  args.push_back("--http-idle-timeout=30s");
  args.push_back("--grpc-max-threads=64");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->management_listen, "127.0.0.1:9000");
  EXPECT_EQ(config->http_max_connections, 500);
  EXPECT_EQ(config->http_idle_timeout, absl::Seconds(30));
  EXPECT_EQ(config->grpc_max_threads, 64);
}

TEST_F(ConfigTest, StoreCacheTtlMayBeZero) {
  std::vector<std::string> args = Minimal();
  args.push_back("--store-cache-ttl=0");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store_cache_ttl, absl::ZeroDuration());
}

TEST_F(ConfigTest, SigningAlgorithmsListInOrderAndTheFormerFlagIsOneOfThem) {
  std::vector<std::string> args = Minimal();
  args.push_back("--signing-algorithms=EdDSA, RS256,PS256");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->signing_algorithms,
            (std::vector<jwt::Algorithm>{jwt::Algorithm::kEdDSA,
                                         jwt::Algorithm::kRS256,
                                         jwt::Algorithm::kPS256}));
  // --signing-algorithm, the single-algorithm setting of old: that one only.
  args = Minimal();
  args.push_back("--signing-algorithm=EdDSA");
  config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->signing_algorithms,
            std::vector<jwt::Algorithm>{jwt::Algorithm::kEdDSA});
}

TEST_F(ConfigTest, FlagsBeatEnvironmentBeatFile) {
  files_["/conf"] = "# comment\naccess-token-lifetime = 5m\naudience = file\n";
  env_["IDENTITY_CONFIG"] = "/conf";
  env_["IDENTITY_AUDIENCE"] = "env";
  auto config = Load(Minimal());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->access_token_lifetime, absl::Minutes(5));
  EXPECT_EQ(config->audience, "env");
  std::vector<std::string> args = Minimal();
  args.push_back("--audience");
  args.push_back("flag");
  EXPECT_EQ(Load(args)->audience, "flag");
}

TEST_F(ConfigTest, KekFromEnvironment) {
  env_["IDENTITY_KEK"] = kKekHex;
  auto config = Load({"--store=memory", "--issuer=https://id.example"});
  ASSERT_TRUE(config.ok()) << config.status();
}

// KEK rotation: the previous and next KEKs come from files, comma-separated.
TEST_F(ConfigTest, PreviousAndNextKeksAreReadFromTheirFiles) {
  files_["/old"] = std::string(64, 'b');
  files_["/new1"] = std::string(64, 'c');
  files_["/new2"] = std::string(64, 'd');
  std::vector<std::string> args = Minimal();
  args.push_back("--previous-kek-files=/old");
  args.push_back("--next-kek-files= /new1 , /new2,");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->previous_keks,
            std::vector<std::string>{std::string(32, '\xbb')});
  EXPECT_EQ(config->next_keks,
            (std::vector<std::string>{std::string(32, '\xcc'),
                                      std::string(32, '\xdd')}));
  EXPECT_TRUE(Load(Minimal())->previous_keks.empty());
}

TEST_F(ConfigTest, AKekGivenTwiceOrUnreadableIsRefusedNamingTheFlag) {
  files_["/same"] = kKekHex;
  files_["/bad"] = "not a key";
  std::vector<std::string> twice = Minimal();
  twice.push_back("--previous-kek-files=/same");
  EXPECT_NE(Load(twice).status().message().find("--previous-kek-files"),
            std::string::npos);
  std::vector<std::string> bad = Minimal();
  bad.push_back("--next-kek-files=/bad");
  auto refused = Load(bad);
  EXPECT_NE(refused.status().message().find("--next-kek-files"),
            std::string::npos)
      << refused.status();
  EXPECT_EQ(refused.status().message().find("not a key"), std::string::npos);
  std::vector<std::string> missing = Minimal();
  missing.push_back("--previous-kek-files=/nowhere");
  EXPECT_FALSE(Load(missing).ok());
}

TEST_F(ConfigTest, ClearErrorsForBadInput) {
  struct Case {
    std::vector<std::string> extra;
    std::string mentions;
  };
  for (const Case& c : std::vector<Case>{
           {{"--bogus=1"}, "--bogus"},
           {{"--store=mysql"}, "--store"},
           {{"--access-token-lifetime=soon"}, "--access-token-lifetime"},
           {{"--access-token-lifetime=-5m"}, "--access-token-lifetime"},
           {{"--access-token-lifetime=48h"}, "--access-token-lifetime"},
           {{"--signing-algorithm=HS256"}, "--signing-algorithm"},
           {{"--signing-algorithms=HS256"}, "--signing-algorithms"},
           {{"--signing-algorithms=none"}, "--signing-algorithms"},
           {{"--signing-algorithms=ES256,ES256"}, "--signing-algorithms"},
           {{"--signing-algorithm=ES256,RS256"}, "--signing-algorithm"},
           {{"--signing-algorithm=EdDSA", "--signing-algorithms=RS256"},
            "--signing-algorithm"},
           {{"--tls-cert-file=/c"}, "--tls-cert-file"},
           {{"--issuer=http://id.example"}, "--issuer"},
           {{"--database-pool-size=0"}, "--database-pool-size"},
           {{"--store-cache-ttl=-1s"}, "--store-cache-ttl"},
           {{"--store-cache-ttl=1h"}, "--store-cache-ttl"},
           {{"--store-cache-ttl=soon"}, "--store-cache-ttl"},
           {{"--store-stale-if-error=-1s"}, "--store-stale-if-error"},
           {{"--store-stale-if-error=11m"}, "--store-stale-if-error"},
           {{"--verified-token-cache-size=-1"}, "--verified-token-cache-size"},
           {{"--verified-token-cache-size=10000001"},
            "--verified-token-cache-size"},
           {{"positional"}, "unexpected"},
           {{"--http-listen=9464"}, "--http-listen"},
           {{"--http-listen=:9464"}, "--http-listen"},
           {{"--http-listen=host:http"}, "--http-listen"},
           {{"--http-listen=host:70000"}, "--http-listen"},
           {{"--http-listen=metrics.example:9464"}, "--http-listen"},
           {{"--management-listen=9000"}, "--management-listen"},
           {{"--management-listen=mgmt.example:9000"}, "--management-listen"},
           {{"--http-max-connections=-1"}, "--http-max-connections"},
           {{"--http-idle-timeout=0s"}, "--http-idle-timeout"},
           {{"--http-idle-timeout=1h"}, "--http-idle-timeout"},
           {{"--grpc-max-threads=2"}, "--grpc-max-threads"},
           {{"--log-level=trace"}, "--log-level"},
           {{"--http-threads=-1"}, "--http-threads"},
           {{"--http-threads=1000"}, "--http-threads"},
           {{"--health-check-interval=1ms"}, "--health-check-interval"},
           {{"--health-check-interval=1h"}, "--health-check-interval"},
           {{"--refresh-token-idle-lifetime=0s"},
            "--refresh-token-idle-lifetime"},
           {{"--refresh-token-idle-lifetime=800h"},
            "--refresh-token-idle-lifetime"},
           {{"--allow-plain-pkce=yes"}, "--allow-plain-pkce"},
           {{"--argon2-memory-kib=1024"}, "--argon2-memory-kib"},
           {{"--argon2-iterations=x"}, "--argon2-iterations"},
       }) {
    std::vector<std::string> args = Minimal();
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    auto config = Load(args);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << c.mentions;
    EXPECT_NE(config.status().message().find(c.mentions), std::string::npos)
        << config.status();
  }
}

// Issue 13 item 11: the issuer is parsed as a URL and its host compared
// exactly; a prefix check let http://localhost.evil.example pass as local.
TEST_F(ConfigTest, IssuerIsAnExactHttpsUrl) {
  for (const std::string issuer :
       {"https://id.example", "https://id.example:8443/tenant/a",
        "https://[2001:db8::1]:443", "http://localhost",
        "http://localhost:8080", "http://127.0.0.1:9000/base",
        "http://[::1]:8080"}) {
    std::vector<std::string> args = Minimal();
    args.push_back("--issuer=" + issuer);
    auto config = Load(args);
    ASSERT_TRUE(config.ok()) << issuer << ": " << config.status();
    EXPECT_EQ(config->issuer, issuer);
  }
}

TEST_F(ConfigTest, IssuerShapesThatAreRefused) {
  for (const std::string issuer : {
           // Plain http on a host that only starts like a loopback one.
           "http://localhost.evil.example",
           "http://localhost.evil.example:8080/",
           "http://127.0.0.1.evil.example",
           "http://localhostevil.example",
           "http://127.0.0.10",
           "http://id.example",
           "http://LOCALHOST",
           // Userinfo: the host is what follows the @.
           "http://localhost@evil.example",
           "http://localhost:80@evil.example",
           "https://user:pass@id.example",
           // Query and fragment (OIDC Discovery §3, RFC 8414 §2).
           "https://id.example?tenant=a",
           "https://id.example/#frag",
           // No host, a bad host or a bad port.
           "https://",
           "https:///path",
           "https://:443",
           "https://id..example",
           "https://-id.example",
           "https://id_example.com",
           "https://[::1",
           "https://[not-an-address]",
           "https://id.example:",
           "https://id.example:0",
           "https://id.example:65536",
           "https://id.example:+443",
           "https://id.example:http",
           // Not http(s), or not a URL at all.
           "HTTPS://id.example",
           "ftp://id.example",
           "id.example",
           "https://id.example/a b",
           "https://id.example\\@evil.example",
       }) {
    std::vector<std::string> args = Minimal();
    args.push_back("--issuer=" + issuer);
    auto config = Load(args);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << issuer;
    EXPECT_NE(config.status().message().find("--issuer"), std::string::npos)
        << issuer;
  }
}

// Issue 13 item 4: the bootstrap client gets identity.admin, so a short,
// guessable secret ("a" was accepted) stops the server at start, naming
// the variable and not echoing the secret.
TEST_F(ConfigTest, BootstrapAdminSecretOfUnder32CharactersIsRefused) {
  env_["IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID"] = "admin";
  for (const std::string& secret :
       std::vector<std::string>{"a", "change-me", std::string(31, 'x')}) {
    env_["IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = secret;
    auto config = Load(Minimal());
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(
                  "IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET"),
              std::string::npos)
        << config.status();
    EXPECT_EQ(config.status().message().find("change-me"), std::string::npos);
  }
  env_["IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET"] = std::string(32, 'x');
  auto config = Load(Minimal());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bootstrap_admin_client_secret, std::string(32, 'x'));
}

// The pages' theme (docs/configuration.md, "Pages"): defaults, and bad
// values stop the start with a message naming the setting.
TEST_F(ConfigTest, ThemeSettingsAreValidatedAtStart) {
  auto defaults = Load(Minimal());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->theme.product_name, "identity");
  EXPECT_EQ(defaults->theme.logo_url, "");
  EXPECT_EQ(defaults->theme.primary_color, "#1d4ed8");
  EXPECT_EQ(defaults->theme.background_color, "#f3f4f6");

  std::vector<std::string> args = Minimal();
  args.push_back("--theme-product-name=Acme Sign-in");
  args.push_back("--theme-logo-url=https://cdn.acme.example/logo.svg");
  args.push_back("--theme-primary-color=#B45309");
  args.push_back("--theme-background-color=#0f172a");
  auto themed = Load(args);
  ASSERT_TRUE(themed.ok()) << themed.status();
  EXPECT_EQ(themed->theme.product_name, "Acme Sign-in");
  EXPECT_EQ(themed->theme.logo_url, "https://cdn.acme.example/logo.svg");
  EXPECT_EQ(themed->theme.primary_color, "#B45309");
  EXPECT_EQ(themed->theme.background_color, "#0f172a");

  for (const auto& [flag, message] :
       std::vector<std::pair<std::string, std::string>>{
           {"--theme-primary-color=blue",
            "--theme-primary-color: must be a colour #rrggbb, such as #1d4ed8"},
           {"--theme-background-color=#fff",
            "--theme-background-color: must be a colour #rrggbb, such as "
            "#1d4ed8"},
           {"--theme-logo-url=http://cdn.acme.example/logo.svg",
            "--theme-logo-url: must be an https:// URL or a "
            "data:image/...;base64, URI"},
           {"--theme-product-name=" + std::string(65, 'x'),
            "--theme-product-name: must be 1 to 64 bytes"},
       }) {
    std::vector<std::string> bad = Minimal();
    bad.push_back(flag);
    auto config = Load(bad);
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument)
        << flag;
    EXPECT_EQ(config.status().message(), message) << flag;
  }
}

// --theme-template-dir: layout.html is required and checked at start,
// style.css is optional.
TEST_F(ConfigTest, TheTemplateDirectoryIsReadAndCheckedAtStart) {
  const std::string layout =
      "<!doctype html><html lang=\"{{lang}}\"><title>{{title}}</title>"
      "<style>{{style}}</style><main>{{content}}</main></html>";
  files_["/theme/layout.html"] = layout;
  std::vector<std::string> args = Minimal();
  args.push_back("--theme-template-dir=/theme");
  auto config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->theme.layout_template, layout);
  EXPECT_EQ(config->theme.stylesheet, "");  // The built-in one.
  files_["/theme/style.css"] = "main{color:#000}";
  config = Load(args);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->theme.stylesheet, "main{color:#000}");

  files_["/theme/style.css"] = "</STYLE><script>";
  EXPECT_EQ(Load(args).status().message(),
            "--theme-template-dir: /theme/style.css: must not hold </style");
  files_["/theme/layout.html"] = "<main>{{content}}</main>{{secret}}";
  EXPECT_EQ(Load(args).status().message(),
            "--theme-template-dir: /theme/layout.html: unknown placeholder "
            "{{secret}}; known: lang, title, product_name, logo_url, brand, "
            "style, content");
  files_.erase("/theme/layout.html");
  EXPECT_EQ(Load(args).status().message(),
            "--theme-template-dir: no such file");
}

TEST_F(ConfigTest, RequiredSettings) {
  EXPECT_NE(Load({"--store=memory", "--kek-file=/kek"})
                .status()
                .message()
                .find("--issuer"),
            std::string::npos);
  EXPECT_NE(Load({"--store=memory", "--issuer=https://id.example"})
                .status()
                .message()
                .find("--kek-file"),
            std::string::npos);
  EXPECT_NE(Load({"--issuer=https://id.example", "--kek-file=/kek"})
                .status()
                .message()
                .find("--database-url"),
            std::string::npos);
}

TEST_F(ConfigTest, KekErrorsNeverEchoTheKey) {
  files_["/kek"] = "this-is-secret-material";
  auto config = Load(Minimal());
  EXPECT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().find("secret-material"),
            std::string::npos);
}

}  // namespace
}  // namespace identity::server
