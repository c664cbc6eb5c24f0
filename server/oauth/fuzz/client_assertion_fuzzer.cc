// libFuzzer target: what a client sends for private_key_jwt, read before it
// is authenticated (RFC 7521 §4.2, RFC 7523 §3), and the key set an admin
// registers. The input is split at the first newline: a JWK Set, then the
// client_assertion.
//   - ParseClientJwks / CanonicalClientJwks of the set;
//   - ResolveClientCredentials with the assertion (ClaimedClientId);
//   - when the set parses, ClientAssertionVerifier::Verify of the assertion
//     as the client's, on the in-memory store.
// Properties beyond "no crash": a canonical set parses again to the same
// text; a resolved assertion names its client; random input never
// authenticates (a signature would have to verify).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "jwt/clock.h"
#include "server/oauth/client_assertion.h"
#include "server/oauth/client_credentials.h"
#include "server/oauth/client_jwks.h"
#include "storage/memory/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace identity::server;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  const std::string jwks = text.substr(0, newline);
  const std::string assertion =
      newline == std::string::npos ? "" : text.substr(newline + 1);

  auto canonical = CanonicalClientJwks(jwks);
  if (canonical.ok() &&
      CanonicalClientJwks(*canonical).value_or("") != *canonical) {
    __builtin_trap();
  }
  auto resolved = ResolveClientCredentials(
      {"", std::nullopt, std::nullopt, kJwtBearerAssertionType, assertion});
  if (resolved.ok() && (resolved->client_id.empty() ||
                        resolved->client_assertion != assertion)) {
    __builtin_trap();
  }
  if (!canonical.ok() || !resolved.ok()) return 0;
  identity::storage::MemoryStore store;
  static const identity::jwt::FakeClock clock(
      absl::FromUnixSeconds(1'800'000'000));
  auto verifier = ClientAssertionVerifier::Create(
      {ClientAssertionAudiences("https://id.example"), absl::Seconds(30),
       absl::Minutes(5), &clock},
      &store);
  if (!verifier.ok()) __builtin_trap();
  identity::storage::ClientRecord client;
  client.client_id = resolved->client_id;
  client.token_endpoint_auth_method = "private_key_jwt";
  client.jwks = *canonical;
  (void)verifier->Verify(client, assertion);
  return 0;
}
