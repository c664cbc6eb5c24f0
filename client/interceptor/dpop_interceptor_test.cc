// DPoP (RFC 9449) at the interceptor: the replay cache, every rule of
// CallAuthorizer::Authorize for bound tokens and proofs (a negative test
// each), and the rules on a real gRPC server on loopback, where a refused
// call never reaches its handler and the handler sees the key's thumbprint.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/dpop_check.h"
#include "client/interceptor/server_credentials.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "identity/v1/keys.grpc.pb.h"
#include "jwt/clock.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {
namespace {

constexpr absl::string_view kGetJwks = "/identity.v1.KeyService/GetJwks";
constexpr absl::string_view kRotateKeys = "/identity.v1.KeyService/RotateKeys";
constexpr absl::string_view kListKeys = "/identity.v1.KeyService/ListKeys";
constexpr absl::string_view kAuthority = "orders.example:8443";

TEST(InMemoryDpopReplayCacheTest, RefusesASecondUseUntilExpiry) {
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  InMemoryDpopReplayCache cache(10, &clock);
  const absl::Time until = clock.Now() + absl::Seconds(60);
  EXPECT_TRUE(cache.ClaimOnce("jkt1", "a", until).ok());
  EXPECT_EQ(cache.ClaimOnce("jkt1", "a", until).code(),
            absl::StatusCode::kAlreadyExists);
  // Scoped to the key: another key may use the same jti.
  EXPECT_TRUE(cache.ClaimOnce("jkt2", "a", until).ok());
  clock.Advance(absl::Seconds(60));
  // Expired: the proof is refused as too old anyway; the entry is free.
  EXPECT_TRUE(cache.ClaimOnce("jkt1", "a", until + absl::Seconds(60)).ok());
}

TEST(InMemoryDpopReplayCacheTest, IsBoundedAndDropsTheEarliestToExpire) {
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  InMemoryDpopReplayCache cache(3, &clock);
  const absl::Time t = clock.Now();
  ASSERT_TRUE(cache.ClaimOnce("k", "old", t + absl::Seconds(10)).ok());
  ASSERT_TRUE(cache.ClaimOnce("k", "mid", t + absl::Seconds(20)).ok());
  ASSERT_TRUE(cache.ClaimOnce("k", "new", t + absl::Seconds(30)).ok());
  ASSERT_TRUE(cache.ClaimOnce("k", "newer", t + absl::Seconds(40)).ok());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.evictions(), 1);
  // The documented consequence: the dropped (oldest) proof is accepted again.
  EXPECT_TRUE(cache.ClaimOnce("k", "old", t + absl::Seconds(10)).ok());
  EXPECT_EQ(cache.ClaimOnce("k", "newer", t + absl::Seconds(40)).code(),
            absl::StatusCode::kAlreadyExists);
  // Expired entries go first, without counting as evictions.
  clock.Advance(absl::Seconds(35));
  ASSERT_TRUE(cache.ClaimOnce("k", "later", t + absl::Seconds(90)).ok());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.evictions(), 2);
}

TEST(DpopCheckerTest, RefusesBadOptions) {
  jwt::FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  EXPECT_FALSE(DpopChecker::Create({}, nullptr).ok());
  DpopOptions options;
  options.max_age = absl::ZeroDuration();
  EXPECT_FALSE(DpopChecker::Create(options, &clock).ok());
  options = {};
  options.allowed_algorithms = {jwt::Algorithm::kHS256};
  EXPECT_FALSE(DpopChecker::Create(options, &clock).ok());
  for (const char* bad : {"", "a b", "user@host", "host/path"}) {
    options = {};
    options.authorities = {bad};
    EXPECT_FALSE(DpopChecker::Create(options, &clock).ok()) << bad;
  }
  options = {};
  options.authorities = {"orders.example", "orders.internal:8443"};
  EXPECT_TRUE(DpopChecker::Create(options, &clock).ok());
}

// A replay cache that cannot be reached.
class FailingReplayCache final : public DpopReplayCache {
 public:
  absl::Status ClaimOnce(absl::string_view, absl::string_view,
                         absl::Time) override {
    return absl::UnavailableError("store down");
  }
};

// An issuer (ES256), a client's DPoP key, a fake clock, and an authorizer
// that opens GetJwks, needs "admin" on RotateKeys and a token elsewhere.
class DpopAuthorizerTest : public ::testing::Test {
 protected:
  DpopAuthorizerTest() : clock_(absl::FromUnixSeconds(1'800'000'000)) {
    jwks_ = std::make_shared<const jwt::Jwks>(
        *jwt::Jwks::FromKeys({issuer_key_.PublicKey()}));
    signer_ = std::make_unique<jwt::JwtSigner>(
        *jwt::JwtSigner::Create(issuer_key_, {.typ = "at+jwt"}));
    jwt::VerifierOptions options;
    options.issuer = "https://id.example";
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    options.clock = &clock_;
    validator_ = std::make_shared<CachingTokenValidator>(
        std::make_shared<JwksTokenValidator>(*jwt::JwtVerifier::Create(options),
                                             [this] { return jwks_; }),
        &clock_);
    observer_ = std::make_shared<CountingAuthObserver>();
  }

  void SetUp() override { authorizer_ = Authorizer({}); }

  std::shared_ptr<const CallAuthorizer> Authorizer(DpopOptions options,
                                                   bool with_dpop = true) {
    MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
    EXPECT_TRUE(policy.SetRule(std::string(kGetJwks), {false, {}}).ok());
    EXPECT_TRUE(
        policy.SetRule(std::string(kRotateKeys), {true, {"admin"}}).ok());
    std::shared_ptr<const DpopChecker> dpop;
    if (with_dpop) {
      auto checker = DpopChecker::Create(std::move(options), &clock_);
      EXPECT_TRUE(checker.ok()) << checker.status();
      dpop = *checker;
    }
    return std::make_shared<CallAuthorizer>(std::move(policy), validator_,
                                            observer_, nullptr, dpop);
  }

  // An access token bound to `jkt` (none when empty).
  std::string Token(absl::string_view jkt, absl::string_view scope = "admin") {
    jwt::Claims claims;
    claims.iss = "https://id.example";
    claims.aud = {"orders-api"};
    claims.sub = "svc";
    claims.iat = absl::ToUnixSeconds(clock_.Now());
    claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
    claims.other["scope"] = std::string(scope);
    if (!jkt.empty()) claims.other["cnf"] = {{"jkt", std::string(jkt)}};
    return *signer_->Sign(claims);
  }

  struct ProofFor {
    absl::string_view path = kRotateKeys;
    absl::string_view authority = kAuthority;
    std::optional<std::string> token = std::nullopt;  // "ath"
    std::string method = "POST";
    absl::Duration age = absl::ZeroDuration();
    const jwt::Jwk* key = nullptr;  // Null: dpop_key_.
    std::string jti = "";           // Empty: a fresh one.
  };
  std::string Proof(const ProofFor& p) {
    jwt::DpopProofClaims claims;
    claims.method = p.method;
    claims.uri = jwt::DpopGrpcUri(p.authority, p.path);
    claims.jti = p.jti.empty() ? absl::StrCat("jti-", ++jti_) : p.jti;
    claims.issued_at = clock_.Now() - p.age;
    claims.access_token = p.token;
    auto proof =
        jwt::SignDpopProof(p.key != nullptr ? *p.key : dpop_key_, claims);
    EXPECT_TRUE(proof.ok()) << proof.status();
    return proof.value_or("");
  }

  // The decision and the observer's reason for it.
  absl::Status Decide(const std::string& authorization,
                      std::vector<std::string> proofs,
                      absl::string_view path = kRotateKeys,
                      absl::string_view authority = kAuthority) {
    CallMetadata call;
    call.path = path;
    call.authority = authority;
    if (!authorization.empty()) call.authorization = {authorization};
    call.dpop.assign(proofs.begin(), proofs.end());
    absl::Status status = authorizer_->Authorize(call);
    last_reason_.clear();
    for (const auto& [key, count] : observer_->Snapshot()) {
      if (count > seen_[key]) last_reason_ = key.second;
      seen_[key] = count;
    }
    return status;
  }

  // Expects an UNAUTHENTICATED refusal with `reason` for the observer.
  void ExpectRefused(const absl::Status& status, absl::string_view reason) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    EXPECT_EQ(last_reason_, reason) << status;
  }

  jwt::FakeClock clock_;
  jwt::Jwk issuer_key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "k1");
  jwt::Jwk dpop_key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  std::string jkt_ = dpop_key_.Thumbprint();
  std::shared_ptr<const jwt::Jwks> jwks_;
  std::unique_ptr<jwt::JwtSigner> signer_;
  std::shared_ptr<const TokenValidator> validator_;
  std::shared_ptr<CountingAuthObserver> observer_;
  std::shared_ptr<const CallAuthorizer> authorizer_;
  std::map<std::pair<std::string, std::string>, int64_t> seen_;
  std::string last_reason_;
  int jti_ = 0;
};

TEST_F(DpopAuthorizerTest, AcceptsABoundTokenWithItsProof) {
  const std::string token = Token(jkt_);
  EXPECT_TRUE(Decide("DPoP " + token, {Proof({.token = token})}).ok());
  EXPECT_EQ(last_reason_, "");
  // The scheme is case-insensitive; the query of "htu" is not compared.
  EXPECT_TRUE(Decide("dpop " + token, {Proof({.token = token})}).ok());
  // Scopes are still checked after the proof.
  const std::string reader = Token(jkt_, "read");
  EXPECT_EQ(Decide("DPoP " + reader, {Proof({.token = reader})}).code(),
            absl::StatusCode::kPermissionDenied);
  // Open methods need nothing.
  EXPECT_TRUE(Decide("", {}, kGetJwks).ok());
}

TEST_F(DpopAuthorizerTest, RefusesABoundTokenAsBearer) {
  const std::string token = Token(jkt_);
  ExpectRefused(Decide("Bearer " + token, {}), "dpop_bound_as_bearer");
  // Even with a valid proof: the scheme decides (RFC 9449 §7.2).
  ExpectRefused(Decide("Bearer " + token, {Proof({.token = token})}),
                "dpop_bound_as_bearer");
}

TEST_F(DpopAuthorizerTest, RefusesTheDpopSchemeWithAnUnboundToken) {
  const std::string token = Token("");
  ExpectRefused(Decide("DPoP " + token, {Proof({.token = token})}),
                "dpop_unbound");
}

TEST_F(DpopAuthorizerTest, BearerSchemeIgnoresAProofUnlessRequired) {
  const std::string token = Token("");
  EXPECT_TRUE(Decide("Bearer " + token, {}).ok());
  EXPECT_TRUE(Decide("Bearer " + token, {"not even a jwt"}).ok());
  authorizer_ = Authorizer({.require = true});
  ExpectRefused(Decide("Bearer " + token, {}), "dpop_required");
  const std::string bound = Token(jkt_);
  EXPECT_TRUE(Decide("DPoP " + bound, {Proof({.token = bound})}).ok());
}

TEST_F(DpopAuthorizerTest, NeedsExactlyOneProof) {
  const std::string token = Token(jkt_);
  ExpectRefused(Decide("DPoP " + token, {}), "dpop_proof_missing");
  ExpectRefused(Decide("DPoP " + token,
                       {Proof({.token = token}), Proof({.token = token})}),
                "dpop_proof_repeated");
  ExpectRefused(Decide("DPoP " + token, {"a.b.c"}), "base64_invalid");
}

TEST_F(DpopAuthorizerTest, TheProofMustBeForThisCall) {
  const std::string token = Token(jkt_);
  ExpectRefused(
      Decide("DPoP " + token, {Proof({.token = token, .method = "GET"})}),
      "dpop_htm_mismatch");
  ExpectRefused(
      Decide("DPoP " + token, {Proof({.path = kListKeys, .token = token})}),
      "dpop_htu_mismatch");
  ExpectRefused(Decide("DPoP " + token,
                       {Proof({.authority = "evil.example", .token = token})}),
                "dpop_htu_mismatch");
  ExpectRefused(
      Decide("DPoP " + token, {Proof({.token = token})}, kRotateKeys, ""),
      "dpop_authority_missing");
}

TEST_F(DpopAuthorizerTest, TheProofMustHashThisToken) {
  const std::string token = Token(jkt_);
  ExpectRefused(Decide("DPoP " + token, {Proof({})}), "dpop_ath_mismatch");
  ExpectRefused(Decide("DPoP " + token, {Proof({.token = Token(jkt_, "x")})}),
                "dpop_ath_mismatch");
}

TEST_F(DpopAuthorizerTest, TheProofMustBeFresh) {
  const std::string token = Token(jkt_);
  ExpectRefused(Decide("DPoP " + token,
                       {Proof({.token = token, .age = absl::Seconds(61)})}),
                "dpop_proof_too_old");
  ExpectRefused(Decide("DPoP " + token,
                       {Proof({.token = token, .age = absl::Seconds(-6)})}),
                "issued_in_future");
  EXPECT_TRUE(Decide("DPoP " + token,
                     {Proof({.token = token, .age = absl::Seconds(59)})})
                  .ok());
}

TEST_F(DpopAuthorizerTest, TheProofMustBeSignedByTheBoundKey) {
  const std::string token = Token(jkt_);
  const jwt::Jwk other = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  ExpectRefused(
      Decide("DPoP " + token, {Proof({.token = token, .key = &other})}),
      "dpop_key_mismatch");
  // A tampered proof does not verify at all.
  std::string proof = Proof({.token = token});
  char& c = proof[proof.size() - 10];
  c = c == 'A' ? 'B' : 'A';
  ExpectRefused(Decide("DPoP " + token, {proof}), "signature_invalid");
}

TEST_F(DpopAuthorizerTest, AProofIsUsedOnce) {
  const std::string token = Token(jkt_);
  const std::string proof = Proof({.token = token, .jti = "once"});
  EXPECT_TRUE(Decide("DPoP " + token, {proof}).ok());
  ExpectRefused(Decide("DPoP " + token, {proof}), "dpop_replayed");
}

TEST_F(DpopAuthorizerTest, AFailingReplayCacheRefusesAsUnavailable) {
  authorizer_ =
      Authorizer({.replay_cache = std::make_shared<FailingReplayCache>()});
  const std::string token = Token(jkt_);
  const absl::Status status =
      Decide("DPoP " + token, {Proof({.token = token})});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(last_reason_, "dpop_replay_cache");
}

TEST_F(DpopAuthorizerTest, ConfiguredAuthoritiesReplaceTheCallsOwn) {
  authorizer_ =
      Authorizer({.authorities = {"orders.example", "ORDERS.example:443"}});
  const std::string token = Token(jkt_);
  // Behind a proxy: the call arrives as "orders.internal:50051".
  EXPECT_TRUE(Decide("DPoP " + token,
                     {Proof({.authority = "orders.example", .token = token})},
                     kRotateKeys, "orders.internal:50051")
                  .ok());
  // The default https port is the same URI.
  EXPECT_TRUE(
      Decide("DPoP " + token,
             {Proof({.authority = "orders.example:443", .token = token})},
             kRotateKeys, "orders.internal:50051")
          .ok());
  ExpectRefused(
      Decide("DPoP " + token,
             {Proof({.authority = "orders.internal:50051", .token = token})},
             kRotateKeys, "orders.internal:50051"),
      "dpop_htu_mismatch");
}

TEST_F(DpopAuthorizerTest, WithoutADpopCheckerBoundTokensAreRefused) {
  authorizer_ = Authorizer({}, /*with_dpop=*/false);
  const std::string token = Token(jkt_);
  ExpectRefused(Decide("DPoP " + token, {Proof({.token = token})}),
                "dpop_unsupported");
  ExpectRefused(Decide("Bearer " + token, {}), "dpop_bound_as_bearer");
  EXPECT_TRUE(Decide("Bearer " + Token(""), {}).ok());
}

TEST_F(DpopAuthorizerTest, RefusesAMalformedConfirmation) {
  for (const jwt::Json& cnf :
       {jwt::Json("x"), jwt::Json{{"jkt", 7}}, jwt::Json{{"jkt", ""}}}) {
    jwt::Claims claims;
    claims.iss = "https://id.example";
    claims.aud = {"orders-api"};
    claims.iat = absl::ToUnixSeconds(clock_.Now());
    claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
    claims.other["scope"] = "admin";
    claims.other["cnf"] = cnf;
    const std::string token = *signer_->Sign(claims);
    ExpectRefused(Decide("Bearer " + token, {}), "cnf_invalid");
    ExpectRefused(Decide("DPoP " + token, {Proof({.token = token})}),
                  "cnf_invalid");
  }
}

TEST_F(DpopAuthorizerTest, OpenMethodsHideUnprovenBoundTokens) {
  auto usable = [this](const std::string& authorization,
                       std::vector<std::string> proofs,
                       absl::string_view path = kGetJwks) {
    CallMetadata call;
    call.path = path;
    call.authority = kAuthority;
    call.authorization = {authorization};
    call.dpop.assign(proofs.begin(), proofs.end());
    EXPECT_TRUE(authorizer_->Authorize(call).ok() || path != kGetJwks);
    return authorizer_->OpenCallCredentialsUsable(call);
  };
  const std::string token = Token(jkt_);
  EXPECT_FALSE(usable("DPoP " + token, {}));
  EXPECT_FALSE(usable("Bearer " + token, {}));
  EXPECT_FALSE(usable("DPoP " + Token(""), {}));
  EXPECT_TRUE(
      usable("DPoP " + token, {Proof({.path = kGetJwks, .token = token})}));
  EXPECT_TRUE(usable("Bearer " + Token(""), {}));
  // A token that does not validate now is hidden too: the handler's own
  // validation later (a key fetched meanwhile) must not let it through.
  EXPECT_FALSE(usable("Bearer garbage", {}));
  EXPECT_FALSE(usable("DPoP garbage", {}));
  // Methods that need a token are Authorize's to decide.
  EXPECT_TRUE(usable("Bearer " + token, {}, kRotateKeys));
  // Without a DPoP checker open calls are not validated (as before).
  authorizer_ = Authorizer({}, /*with_dpop=*/false);
  EXPECT_TRUE(usable("Bearer " + token, {}));
}

TEST_F(DpopAuthorizerTest, HandlersReadTheThumbprint) {
  const std::string token = Token(jkt_);
  const std::string value = "DPoP " + token;
  auto caller = authorizer_->VerifiedCaller({value});
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ((*caller)->DpopJkt().value_or(std::nullopt), jkt_);
  const std::string bearer = "Bearer " + Token("");
  caller = authorizer_->VerifiedCaller({bearer});
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ((*caller)->DpopJkt().value_or("error"), std::nullopt);
}

// A KeyService whose RotateKeys handler counts its runs and records the
// caller's DPoP key thumbprint.
class JktService final : public v1::KeyService::Service {
 public:
  // An open method: records whether the handler sees a caller.
  grpc::Status GetJwks(grpc::ServerContext* context, const v1::GetJwksRequest*,
                       v1::GetJwksResponse*) override {
    ++open_runs;
    auto caller = VerifiedCaller(*context, *authorizer);
    open_caller_seen = caller.ok();
    open_dpop_seen = context->client_metadata().count("dpop") > 0;
    return grpc::Status::OK;
  }
  std::atomic<int> open_runs{0};
  std::atomic<bool> open_caller_seen{false};
  std::atomic<bool> open_dpop_seen{false};

  grpc::Status RotateKeys(grpc::ServerContext* context,
                          const v1::RotateKeysRequest*,
                          v1::RotateKeysResponse*) override {
    ++runs;
    auto caller = VerifiedCaller(*context, *authorizer);
    if (!caller.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "caller");
    auto jkt = (*caller)->DpopJkt();
    last_jkt = jkt.ok() && jkt->has_value() ? **jkt : "";
    return grpc::Status::OK;
  }
  const CallAuthorizer* authorizer = nullptr;
  std::atomic<int> runs{0};
  std::string last_jkt;
};

class DpopServerTest : public DpopAuthorizerTest,
                       public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    authorizer_ = Authorizer({});
    std::optional<grpc::SslServerCredentialsOptions> tls;
    std::shared_ptr<grpc::ChannelCredentials> channel_creds =
        grpc::InsecureChannelCredentials();
    grpc::ChannelArguments args;
    if (GetParam()) {
      auto pair = testing::SelfSignedLocalhost();
      grpc::SslServerCredentialsOptions options;
      options.pem_key_cert_pairs.push_back(pair);
      tls = options;
      grpc::SslCredentialsOptions client;
      client.pem_root_certs = pair.cert_chain;
      channel_creds = grpc::SslCredentials(client);
      args.SetSslTargetNameOverride("localhost");
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(
        "127.0.0.1:0", AuthorizingServerCredentials(authorizer_, tls), &port);
    service_.authorizer = authorizer_.get();
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    // The :authority the client sends: the target (TLS: the name override).
    authority_ = GetParam() ? "localhost" : "127.0.0.1:" + std::to_string(port);
    stub_ = v1::KeyService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), channel_creds, args));
  }
  void TearDown() override { server_->Shutdown(); }

  grpc::Status Call(const std::string& authorization,
                    const std::vector<std::string>& proofs) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", authorization);
    for (const std::string& proof : proofs) context.AddMetadata("dpop", proof);
    v1::RotateKeysRequest request;
    v1::RotateKeysResponse response;
    return stub_->RotateKeys(&context, request, &response);
  }

  JktService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::KeyService::Stub> stub_;
  std::string authority_;
};

TEST_P(DpopServerTest, ChecksTheProofBeforeTheHandler) {
  const std::string token = Token(jkt_);
  const std::string proof =
      Proof({.authority = authority_, .token = token, .jti = "one"});
  grpc::Status status = Call("DPoP " + token, {proof});
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_.runs, 1);
  EXPECT_EQ(service_.last_jkt, jkt_);

  // Each refusal: UNAUTHENTICATED naming the rule, and no handler run.
  struct Refusal {
    std::string authorization;
    std::vector<std::string> proofs;
    std::string message;
  };
  const std::vector<Refusal> refusals = {
      {"DPoP " + token, {proof}, "already used"},
      {"Bearer " + token, {}, "DPoP-bound"},
      {"DPoP " + token, {}, "needs a DPoP proof"},
      {"DPoP " + token,
       {Proof({.authority = "other.example", .token = token})},
       "dpop_htu_mismatch"},
      {"DPoP " + token,
       {Proof({.path = kListKeys, .authority = authority_, .token = token})},
       "dpop_htu_mismatch"},
      {"DPoP " + token,
       {Proof({.authority = authority_})},
       "dpop_ath_mismatch"},
      {"DPoP " + Token(""),
       {Proof({.authority = authority_, .token = Token("")})},
       "needs a DPoP-bound token"},
  };
  for (const Refusal& refusal : refusals) {
    status = Call(refusal.authorization, refusal.proofs);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << refusal.message;
    EXPECT_NE(status.error_message().find(refusal.message), std::string::npos)
        << status.error_message();
  }
  EXPECT_EQ(service_.runs, 1) << "a refused call ran its handler";
}

// Tokens and proofs made by npm jose, an independent JOSE implementation
// (testdata/make_dpop_jose_calls.mjs), for authority "orders.example": a
// server behind a proxy (configured authorities) accepts each, on a real
// gRPC server on loopback, once; a proof for another method is refused.
TEST(DpopJoseTest, AcceptsProofsMadeByJose) {
  std::ifstream in("client/interceptor/testdata/dpop_jose_calls.json");
  std::stringstream text;
  text << in.rdbuf();
  const jwt::Json data =
      jwt::Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(data.is_object()) << "dpop_jose_calls.json unreadable";
  jwt::FakeClock clock(absl::FromUnixSeconds(data["iat"].get<int64_t>() + 1));
  auto issuer = jwt::Jwk::FromJson(data["issuer_jwk"]);
  ASSERT_TRUE(issuer.ok()) << issuer.status();
  auto jwks =
      std::make_shared<const jwt::Jwks>(*jwt::Jwks::FromKeys({*issuer}));
  jwt::VerifierOptions options;
  options.issuer = "https://id.example";
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  options.clock = &clock;
  auto validator = std::make_shared<JwksTokenValidator>(
      *jwt::JwtVerifier::Create(options), [jwks] { return jwks; });
  DpopOptions dpop;
  dpop.authorities = {data["authority"].get<std::string>()};
  auto checker = DpopChecker::Create(dpop, &clock);
  ASSERT_TRUE(checker.ok()) << checker.status();
  auto authorizer =
      std::make_shared<CallAuthorizer>(MethodPolicy::RequireTokenByDefault(),
                                       validator, nullptr, nullptr, *checker);
  JktService service;
  service.authorizer = authorizer.get();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0",
                           AuthorizingServerCredentials(authorizer), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::KeyService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  auto call = [&stub](const std::string& token, const std::string& proof) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "DPoP " + token);
    context.AddMetadata("dpop", proof);
    v1::RotateKeysRequest request;
    v1::RotateKeysResponse response;
    return stub->RotateKeys(&context, request, &response);
  };
  ASSERT_TRUE(data["calls"].is_array());
  ASSERT_GE(data["calls"].size(), 5u);
  int runs = 0;
  for (const jwt::Json& c : data["calls"]) {
    const std::string alg = c["alg"].get<std::string>();
    const std::string token = c["token"].get<std::string>();
    grpc::Status status = call(token, c["proof"].get<std::string>());
    EXPECT_TRUE(status.ok()) << alg << ": " << status.error_message();
    EXPECT_EQ(service.runs, ++runs) << alg;
    EXPECT_EQ(service.last_jkt, c["jkt"].get<std::string>()) << alg;
    status = call(token, c["proof"].get<std::string>());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << alg;
    EXPECT_NE(status.error_message().find("already used"), std::string::npos)
        << alg << ": " << status.error_message();
    status = call(token, c["other_method_proof"].get<std::string>());
    EXPECT_NE(status.error_message().find("dpop_htu_mismatch"),
              std::string::npos)
        << alg << ": " << status.error_message();
  }
  EXPECT_EQ(service.runs, runs);
  server->Shutdown();
}

TEST_P(DpopServerTest, OpenMethodsSeeNoUnprovenCaller) {
  auto call = [this](const std::string& authorization,
                     const std::vector<std::string>& proofs) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", authorization);
    for (const std::string& proof : proofs) context.AddMetadata("dpop", proof);
    v1::GetJwksRequest request;
    v1::GetJwksResponse response;
    return stub_->GetJwks(&context, request, &response);
  };
  const std::string token = Token(jkt_);
  // A stolen bound token without its proof: the open method runs, as an
  // anonymous call.
  ASSERT_TRUE(call("DPoP " + token, {}).ok());
  EXPECT_FALSE(service_.open_caller_seen);
  ASSERT_TRUE(
      call("Bearer " + token,
           {Proof({.path = kGetJwks, .authority = authority_, .token = token})})
          .ok());
  EXPECT_FALSE(service_.open_caller_seen);
  EXPECT_FALSE(service_.open_dpop_seen);
  // With its proof, the handler sees the caller.
  ASSERT_TRUE(
      call("DPoP " + token,
           {Proof({.path = kGetJwks, .authority = authority_, .token = token})})
          .ok());
  EXPECT_TRUE(service_.open_caller_seen);
  EXPECT_TRUE(service_.open_dpop_seen);
  EXPECT_EQ(service_.open_runs, 3);
}

INSTANTIATE_TEST_SUITE_P(Transports, DpopServerTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "tls" : "plaintext";
                         });

}  // namespace
}  // namespace identity::interceptor
