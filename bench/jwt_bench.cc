// JWT sign and verify in jwt/ against the raw EVP call on the same key and
// data, the limit the library can approach. SPEC target: every ratio >= 0.9.
//
//   bazel run --config=bench //bench:jwt_bench
//
// Prints Google Benchmark's table, then one line per algorithm and operation
// with both rates and their ratio (medians of the repetitions, measured in this
// process).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "jwt/algorithm.h"
#include "jwt/claims.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"
#include "jwt/jwks.h"
#include "jwt/jws.h"
#include "jwt/jwt_signer.h"
#include "jwt/jwt_verifier.h"

namespace identity::jwt {
namespace {

constexpr int64_t kNow = 1'800'000'000;

bool IsPss(Algorithm alg) { return alg == Algorithm::kPS256; }

// The digest of each benchmarked algorithm (RFC 7518 §3, RFC 8037 §3.1),
// written out here rather than taken from jwt/'s internal evp_key.h: the
// baseline is the plain EVP call, independent of the library it measures.
const EVP_MD* BaselineDigest(Algorithm alg) {
  switch (alg) {
    case Algorithm::kES256:
    case Algorithm::kRS256:
    case Algorithm::kPS256:
      return EVP_sha256();
    case Algorithm::kES384:
      return EVP_sha384();
    case Algorithm::kEdDSA:
      return nullptr;  // Ed25519 hashes internally.
    default:
      std::fprintf(stderr, "no baseline digest for this algorithm\n");
      std::abort();
  }
}

// Everything one algorithm's benchmarks share: a key, a signer, a verifier, a
// token, and the raw-EVP signature (DER for ECDSA, as EVP produces it) over the
// same signing input.
struct Fixture {
  explicit Fixture(Algorithm alg)
      : alg(alg),
        key(*Jwk::Generate(alg, "bench")),
        jwks(*Jwks::FromKeys({key.PublicKey()})),
        signer(*JwtSigner::Create(key, SignerOptions{"at+jwt"})),
        clock(absl::FromUnixSeconds(kNow)) {
    claims.iss = "https://id.example";
    claims.sub = "service-account-42";
    claims.aud = {"orders-api"};
    claims.iat = kNow;
    claims.exp = kNow + 600;
    claims.jti = "6f1c1e9a-1d6b-4f57-9d55-8c6d2f4b1a00";
    claims.other["client_id"] = "orders-worker";
    claims.other["scope"] = "orders.read orders.write";
    token = *signer.Sign(claims);
    signing_input = token.substr(0, token.rfind('.'));
    VerifierOptions options;
    options.issuer = "https://id.example";
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    options.allowed_algorithms = {alg};
    options.clock = &clock;
    verifier.emplace(*JwtVerifier::Create(options));
    raw_signature = RawSign();
  }

  std::string RawSign() const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestSignInit(ctx, &pctx, BaselineDigest(alg), nullptr, key.pkey());
    if (IsPss(alg)) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1);
    }
    size_t len = 0;
    const auto* data = reinterpret_cast<const uint8_t*>(signing_input.data());
    EVP_DigestSign(ctx, nullptr, &len, data, signing_input.size());
    std::string sig(len, '\0');
    EVP_DigestSign(ctx, reinterpret_cast<uint8_t*>(sig.data()), &len, data,
                   signing_input.size());
    sig.resize(len);
    EVP_MD_CTX_free(ctx);
    return sig;
  }

  // Verifies with the same public key object the JWT verifier uses.
  bool RawVerify() const {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestVerifyInit(ctx, &pctx, BaselineDigest(alg), nullptr,
                         jwks.keys()[0].pkey());
    if (IsPss(alg)) {
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, -1);
    }
    const int ok = EVP_DigestVerify(
        ctx, reinterpret_cast<const uint8_t*>(raw_signature.data()),
        raw_signature.size(),
        reinterpret_cast<const uint8_t*>(signing_input.data()),
        signing_input.size());
    EVP_MD_CTX_free(ctx);
    return ok == 1;
  }

  Algorithm alg;
  Jwk key;
  Jwks jwks;
  JwtSigner signer;
  FakeClock clock;
  Claims claims;
  std::string token;
  std::string signing_input;
  std::optional<JwtVerifier> verifier;
  std::string raw_signature;
};

const std::vector<Algorithm> kAlgorithms = {
    Algorithm::kES256, Algorithm::kRS256, Algorithm::kPS256, Algorithm::kES384,
    Algorithm::kEdDSA};

Fixture& FixtureFor(Algorithm alg) {
  static auto* fixtures = new std::map<Algorithm, Fixture*>;
  auto it = fixtures->find(alg);
  if (it == fixtures->end()) {
    it = fixtures->emplace(alg, new Fixture(alg)).first;
  }
  return *it->second;
}

void BM_RawSign(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) benchmark::DoNotOptimize(f.RawSign());
  state.SetItemsProcessed(state.iterations());
}

void BM_JwtSign(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) {
    auto token = f.signer.Sign(f.claims);
    if (!token.ok()) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawVerify(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) {
    if (!f.RawVerify()) state.SkipWithError("raw verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_JwtVerify(benchmark::State& state, Algorithm alg) {
  Fixture& f = FixtureFor(alg);
  for (auto _ : state) {
    auto verified = f.verifier->Verify(f.token, f.jwks);
    if (!verified.ok()) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(verified);
  }
  state.SetItemsProcessed(state.iterations());
}

// Breakdown of the verifier's own work (ES256 token): what the ratio above pays
// for.
void BM_ParseJws(benchmark::State& state) {
  Fixture& f = FixtureFor(Algorithm::kES256);
  for (auto _ : state) benchmark::DoNotOptimize(Jws::Parse(f.token));
}
BENCHMARK(BM_ParseJws);

void BM_ParseClaims(benchmark::State& state) {
  Fixture& f = FixtureFor(Algorithm::kES256);
  const std::string payload = Jws::Parse(f.token)->payload();
  for (auto _ : state) benchmark::DoNotOptimize(Claims::Parse(payload));
}
BENCHMARK(BM_ParseClaims);

void BM_SerializeClaims(benchmark::State& state) {
  Fixture& f = FixtureFor(Algorithm::kES256);
  for (auto _ : state) benchmark::DoNotOptimize(f.claims.Serialize());
}
BENCHMARK(BM_SerializeClaims);

// Keeps the median real time per benchmark name (or the single run's, without
// repetitions).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string& name = run.run_name.function_name;
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") {
        continue;
      }
      if (run.run_type == Run::RT_Iteration && seconds_.count(name) != 0) {
        continue;
      }
      seconds_[name] = run.GetAdjustedRealTime() / 1e9;  // Default unit: ns.
    }
  }

  void PrintRatios() const {
    std::printf("\n%-6s %-7s %14s %14s %7s\n", "alg", "op", "jwt/s",
                "raw EVP/s", "ratio");
    for (Algorithm alg : kAlgorithms) {
      const std::string a = std::string(AlgorithmName(alg));
      for (const char* op : {"Sign", "Verify"}) {
        auto jwt = seconds_.find(absl::StrCat("BM_Jwt", op, "/", a));
        auto raw = seconds_.find(absl::StrCat("BM_Raw", op, "/", a));
        if (jwt == seconds_.end() || raw == seconds_.end()) continue;
        std::printf("%-6s %-7s %14.0f %14.0f %7.3f\n", a.c_str(), op,
                    1 / jwt->second, 1 / raw->second,
                    raw->second / jwt->second);
      }
    }
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace
}  // namespace identity::jwt

int main(int argc, char** argv) {
  using namespace identity::jwt;
  for (Algorithm alg : kAlgorithms) {
    const std::string name(AlgorithmName(alg));
    // Raw and JWT runs alternate per algorithm so drift affects both sides
    // alike.
    benchmark::RegisterBenchmark(("BM_RawSign/" + name).c_str(), BM_RawSign,
                                 alg);
    benchmark::RegisterBenchmark(("BM_JwtSign/" + name).c_str(), BM_JwtSign,
                                 alg);
    benchmark::RegisterBenchmark(("BM_RawVerify/" + name).c_str(), BM_RawVerify,
                                 alg);
    benchmark::RegisterBenchmark(("BM_JwtVerify/" + name).c_str(), BM_JwtVerify,
                                 alg);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
