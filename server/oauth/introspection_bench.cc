// Introspection of one token seen before, with and without the verified-token
// cache, in one process (issue 16: "Introspect of a token seen before"). The
// whole core call: client authentication, verification or cache hit, exp,
// the revocation list (memory store), the response fields. And, to compare
// in the same process, a client_credentials token and client authentication.
//
//   bazel run --config=bench //server/oauth:introspection_bench --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <string>

#include "benchmark/benchmark.h"
#include "server/oauth/introspector.h"
#include "server/oauth/own_access_tokens.h"
#include "server/oauth/testing/oauth_fixture.h"
#include "server/oauth/verified_token_cache.h"

namespace identity::server {
namespace {

struct Setup {
  Setup() {
    if (!fixture.AddClient("worker", "worker-secret").ok()) std::abort();
    token = fixture.tokens
                .Exchange({"client_credentials", "worker", "worker-secret", ""})
                ->access_token;
  }
  testing::OAuthFixture fixture;
  std::string token;
};

void Run(benchmark::State& state, const Introspector& introspector,
         const std::string& token) {
  for (auto _ : state) {
    auto result = introspector.Introspect("worker", "worker-secret", token);
    if (!result.ok() || !result->active) {
      state.SkipWithError("the token is not active");
      return;
    }
    benchmark::DoNotOptimize(result);
  }
}

void BM_IntrospectUncached(benchmark::State& state) {
  Setup setup;
  testing::OAuthFixture& f = setup.fixture;
  auto tokens = *OwnAccessTokens::Create(testing::kFixtureIssuer, &f.clock,
                                         f.keys.get(), &f.store);
  Introspector introspector(&f.authenticator, &tokens, &f.store);
  Run(state, introspector, setup.token);
}
BENCHMARK(BM_IntrospectUncached);

void BM_IntrospectCached(benchmark::State& state) {
  Setup setup;
  testing::OAuthFixture& f = setup.fixture;
  Introspector introspector(&f.authenticator, &f.access_tokens, &f.store);
  Run(state, introspector, setup.token);
}
BENCHMARK(BM_IntrospectCached);

// The cache's own cost per hit: SHA-256 of the token, one shard lock, the
// time claims.
void BM_VerifySharedCached(benchmark::State& state) {
  Setup setup;
  for (auto _ : state) {
    auto verified = setup.fixture.access_tokens.VerifyShared(setup.token);
    benchmark::DoNotOptimize(verified);
  }
}
BENCHMARK(BM_VerifySharedCached);

// For comparison in the same process: a whole client_credentials Token
// (client authentication, claims, the ES256 signature), and its client
// authentication alone.
void BM_ClientCredentialsToken(benchmark::State& state) {
  Setup setup;
  const TokenRequestFields request{"client_credentials", "worker",
                                   "worker-secret", ""};
  for (auto _ : state) {
    auto issued = setup.fixture.tokens.Exchange(request);
    if (!issued.ok()) {
      state.SkipWithError("no token");
      return;
    }
    benchmark::DoNotOptimize(issued);
  }
}
BENCHMARK(BM_ClientCredentialsToken);

void BM_ClientAuthentication(benchmark::State& state) {
  Setup setup;
  for (auto _ : state) {
    auto client = setup.fixture.authenticator.Authenticate(
        "worker", "worker-secret", "127.0.0.1");
    if (!client.ok()) {
      state.SkipWithError("not authenticated");
      return;
    }
    benchmark::DoNotOptimize(client);
  }
}
BENCHMARK(BM_ClientAuthentication);

}  // namespace
}  // namespace identity::server

BENCHMARK_MAIN();
