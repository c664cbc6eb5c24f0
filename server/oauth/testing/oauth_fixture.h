// Test-only: the OAuth core wired on the in-memory store with a fake clock,
// as identity-server wires it on PostgreSQL. Shared by the OAuth core tests
// and the gRPC face tests so both exercise the same setup.
#ifndef IDENTITY_SERVER_OAUTH_TESTING_OAUTH_FIXTURE_H_
#define IDENTITY_SERVER_OAUTH_TESTING_OAUTH_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "jwt/clock.h"
#include "server/keys/key_manager.h"
#include "server/keys/key_sealer.h"
#include "server/oauth/client_authenticator.h"
#include "server/oauth/client_credentials_grant.h"
#include "server/oauth/client_secret.h"
#include "server/oauth/dpop_proof_check.h"
#include "server/oauth/events.h"
#include "server/oauth/grant_revoker.h"
#include "server/oauth/introspector.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/token_endpoint.h"
#include "server/oauth/verified_token_cache.h"
#include "storage/memory/memory_store.h"

namespace identity::server::testing {

inline const absl::Time kFixtureNow = absl::FromUnixSeconds(1'800'000'000);
inline constexpr char kFixtureIssuer[] = "https://id.example";
inline constexpr char kFixtureAudience[] = "orders-api";

// Remembers every event as one line: "issued client_credentials worker",
// "refused client_credentials invalid_client", "validated inactive expired".
class RecordingEvents : public OAuthEvents {
 public:
  void TokenIssued(absl::string_view grant_type,
                   absl::string_view client_id) override {
    Add(absl::StrCat("issued ", grant_type, " ", client_id));
  }
  void TokenRefused(absl::string_view grant_type,
                    absl::string_view error) override {
    Add(absl::StrCat("refused ", grant_type, " ", error));
  }
  void TokenValidated(bool active, absl::string_view reason) override {
    Add(absl::StrCat("validated ", active ? "active " : "inactive ", reason));
  }
  void LoginFailed(absl::string_view reason) override {
    Add(absl::StrCat("login_failed ", reason));
  }
  void RefreshReuseDetected(absl::string_view client_id) override {
    Add(absl::StrCat("refresh_reuse ", client_id));
  }
  void BackchannelLogout(absl::string_view outcome,
                         absl::string_view client_id) override {
    Add(absl::StrCat("backchannel_logout ", outcome, " ", client_id));
  }
  // Returns the events so far and forgets them.
  std::vector<std::string> Take() {
    absl::MutexLock lock(&mu_);
    return std::exchange(events_, {});
  }

 private:
  void Add(std::string event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(std::move(event));
  }
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// RFC 9449 proofs judged by `clock`, with the library's defaults.
inline jwt::DpopProofOptions DpopOptions(const jwt::Clock* clock) {
  jwt::DpopProofOptions options;
  options.clock = clock;
  return options;
}

// Not movable: the parts point at each other.
struct OAuthFixture {
  explicit OAuthFixture(KeyManagerOptions key_options = {})
      : keys(*KeyManager::Create(&store, &sealer, &clock, key_options)),
        grant(&authenticator, keys.get(), &clock, SystemRandom(),
              GrantOptions{kFixtureIssuer, kFixtureAudience, absl::Minutes(10)},
              &resources),
        dpop(*DpopProofCheck::Create(DpopOptions(&clock), &store)),
        tokens({{"client_credentials", &grant}}, &events, &dpop),
        access_tokens(*OwnAccessTokens::Create(
            kFixtureIssuer, &clock, keys.get(), &store, &token_cache)),
        grant_revoker(&store, &access_tokens, &clock),
        introspector(&authenticator, &access_tokens, &store, &events) {}
  OAuthFixture(const OAuthFixture&) = delete;
  OAuthFixture& operator=(const OAuthFixture&) = delete;

  // A client allowed orders.read and orders.write.
  absl::Status AddClient(const std::string& id, const std::string& secret) {
    storage::ClientRecord client;
    client.client_id = id;
    client.name = "Client " + id;
    client.allowed_scopes = {"orders.read", "orders.write"};
    client.grant_types = {"client_credentials"};
    client.secret_hash = hasher.Hash(secret);
    client.created_at = client.updated_at = clock.Now();
    return store.CreateClient(client);
  }

  storage::MemoryStore store;
  KeySealer sealer = *KeySealer::Create(std::string(32, 'k'));
  ClientSecretHasher hasher = *ClientSecretHasher::Create(std::string(32, 'h'));
  jwt::FakeClock clock{kFixtureNow};
  std::unique_ptr<KeyManager> keys;
  ClientAuthenticator authenticator{&store, &hasher};
  // RFC 8707: the resources registered in `store`.
  ResourceIndicators resources{&store};
  RecordingEvents events;
  ClientCredentialsGrant grant;
  // DPoP proofs (RFC 9449), used once through `store`.
  DpopProofCheck dpop;
  // The token endpoint with client_credentials alone.
  TokenEndpoint tokens;
  // As identity-server runs: verified tokens cached (default bounds).
  VerifiedTokenCache token_cache;
  OwnAccessTokens access_tokens;
  GrantRevoker grant_revoker;
  Introspector introspector;
};

}  // namespace identity::server::testing

#endif  // IDENTITY_SERVER_OAUTH_TESTING_OAUTH_FIXTURE_H_
