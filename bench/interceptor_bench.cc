// The interceptor's cost per call (SPEC: a cache hit adds <= 2 µs median).
//
//   bazel run --config=bench //bench:interceptor_bench
//
// Two views, in one process:
//   - BM_Authorize/*: CallAuthorizer::Authorize alone, the work the auth
//     processor does for each call: a verified-token cache hit, and a miss
//     (full ES256 verification, a fresh token per iteration).
//   - BM_Call/*: unary calls over loopback gRPC to a handler that does
//     nothing, on a plaintext port without the interceptor, with it and a
//     cached token, and with it and a new token per call: the parts composed
//     by hand (modes 1, 2) and built by Interceptor::Create from a JWKS file
//     (modes 3, 4), as a service adopts it. The added cost per call is the
//     difference of the medians.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/interceptor.h"
#include "client/interceptor/server_credentials.h"
#include "identity/v1/keys.grpc.pb.h"
#include "jwt/clock.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {
namespace {

constexpr char kIssuer[] = "https://id.example";
constexpr char kMethod[] = "/identity.v1.KeyService/ListKeys";

// An issuer key, a caching authorizer that protects every method, and a
// supply of distinct valid tokens.
struct Setup {
  Setup() {
    jwt::Jwk key = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "k1");
    signer = std::make_unique<jwt::JwtSigner>(
        *jwt::JwtSigner::Create(key, {.typ = "at+jwt"}));
    auto jwks = std::make_shared<const jwt::Jwks>(
        *jwt::Jwks::FromKeys({key.PublicKey()}));
    jwt::VerifierOptions options;
    options.issuer = kIssuer;
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    auto verifier = std::make_shared<JwksTokenValidator>(
        *jwt::JwtVerifier::Create(options), [jwks] { return jwks; });
    auto cache = std::make_shared<CachingTokenValidator>(
        verifier, jwt::Clock::Real(),
        CachingTokenValidator::Options{/*capacity=*/1'000,
                                       /*max_age=*/absl::Minutes(5)});
    authorizer = std::make_shared<CallAuthorizer>(
        MethodPolicy::RequireTokenByDefault(), cache);
    // The same issuer and key, the way a service adopts the interceptor.
    jwks_file =
        std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
        "/interceptor_bench_jwks.json";
    std::ofstream(jwks_file) << jwt::DumpJson(jwks->ToPublicJson());
    TrustedIssuer issuer;
    issuer.issuer = kIssuer;
    issuer.audiences = {"orders-api"};
    issuer.keys = JwksFileKeys{jwks_file};
    InterceptorOptions adopted;
    adopted.issuers = {issuer};
    interceptor = std::make_unique<Interceptor>(*Interceptor::Create(adopted));
  }

  std::string Token(int i) const {
    jwt::Claims claims;
    claims.iss = kIssuer;
    claims.sub = "client-" + std::to_string(i);
    claims.aud = {"orders-api"};
    claims.iat = absl::ToUnixSeconds(absl::Now());
    claims.exp = *claims.iat + 600;
    claims.jti = "jti-" + std::to_string(i);
    claims.other["client_id"] = *claims.sub;
    claims.other["scope"] = "orders.read orders.write";
    return "Bearer " + *signer->Sign(claims);
  }

  std::unique_ptr<jwt::JwtSigner> signer;
  std::shared_ptr<const CallAuthorizer> authorizer;
  std::string jwks_file;
  std::unique_ptr<Interceptor> interceptor;
};

const Setup& Shared() {
  static const Setup* const kSetup = new Setup;
  return *kSetup;
}

void BM_Authorize_CacheHit(benchmark::State& state) {
  const std::string header = Shared().Token(0);
  const std::vector<absl::string_view> values = {header};
  (void)Shared().authorizer->Authorize(kMethod, values);  // Fills the cache.
  for (auto _ : state) {
    benchmark::DoNotOptimize(Shared().authorizer->Authorize(kMethod, values));
  }
}
BENCHMARK(BM_Authorize_CacheHit);

void BM_Authorize_CacheMiss(benchmark::State& state) {
  // More distinct tokens than the cache holds, signed beforehand.
  static const auto* const kTokens = [] {
    auto* tokens = new std::vector<std::string>;
    for (int i = 0; i < 4'000; ++i) tokens->push_back(Shared().Token(i + 1));
    return tokens;
  }();
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<absl::string_view> values = {
        (*kTokens)[i++ % kTokens->size()]};
    benchmark::DoNotOptimize(Shared().authorizer->Authorize(kMethod, values));
  }
}
BENCHMARK(BM_Authorize_CacheMiss);

class NullKeys final : public v1::KeyService::Service {
  grpc::Status ListKeys(grpc::ServerContext*, const v1::ListKeysRequest*,
                        v1::ListKeysResponse*) override {
    return grpc::Status::OK;
  }
};

// Modes of BM_Call: the port's credentials and how many distinct tokens.
enum Mode { kPlain, kCached, kNewToken, kCreateCached, kCreateNewToken };

std::shared_ptr<grpc::ServerCredentials> CredentialsFor(int mode) {
  switch (mode) {
    case kCached:
    case kNewToken:
      return AuthorizingServerCredentials(Shared().authorizer);
    case kCreateCached:
    case kCreateNewToken:
      return Shared().interceptor->credentials();
    default:
      return grpc::InsecureServerCredentials();
  }
}

// A server on a free loopback port, with the credentials of `mode`.
struct Server {
  explicit Server(int mode) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", CredentialsFor(mode), &port);
    builder.RegisterService(&service);
    server = builder.BuildAndStart();
    stub = v1::KeyService::NewStub(
        grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                            grpc::InsecureChannelCredentials()));
  }
  ~Server() { server->Shutdown(); }
  NullKeys service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<v1::KeyService::Stub> stub;
};

// mode 0: no interceptor; 1: interceptor, cached token; 2: new token per
// call; 3 and 4: the same as 1 and 2 through Interceptor::Create.
void BM_Call(benchmark::State& state) {
  const int mode = state.range(0);
  Server server(mode);
  std::vector<std::string> tokens;
  const int distinct = mode == kNewToken || mode == kCreateNewToken ? 4'000 : 1;
  for (int i = 0; i < distinct; ++i)
    tokens.push_back(Shared().Token(10'000 + i));
  size_t i = 0;
  v1::ListKeysRequest request;
  v1::ListKeysResponse response;
  for (auto _ : state) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", tokens[i++ % tokens.size()]);
    if (!server.stub->ListKeys(&context, request, &response).ok()) {
      state.SkipWithError("call failed");
      break;
    }
  }
}
BENCHMARK(BM_Call)
    ->DenseRange(kPlain, kCreateNewToken)
    ->ArgName("mode")
    ->UseRealTime();

}  // namespace
}  // namespace identity::interceptor

BENCHMARK_MAIN();
