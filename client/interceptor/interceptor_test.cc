// The method policy, the bearer-token rules and the authorizer's decisions,
// then the credentials on a real gRPC server (plaintext and TLS, sync and
// callback handlers): a rejected call never reaches its handler.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>

#include "annotated.grpc.pb.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/server_credentials.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "gtest/gtest.h"
#include "identity/v1/keys.grpc.pb.h"
#include "jwt/clock.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {
namespace {

constexpr absl::string_view kGetJwks = "/identity.v1.KeyService/GetJwks";
constexpr absl::string_view kRotateKeys = "/identity.v1.KeyService/RotateKeys";
constexpr absl::string_view kListKeys = "/identity.v1.KeyService/ListKeys";

TEST(MethodPolicyTest, MostSpecificRuleWins) {
  MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
  ASSERT_TRUE(
      policy.SetRule("/identity.v1.KeyService/*", {true, {"keys"}}).ok());
  ASSERT_TRUE(policy.SetRule(std::string(kGetJwks), {false, {}}).ok());
  EXPECT_FALSE(policy.RuleFor(kGetJwks).requires_token);
  EXPECT_EQ(policy.RuleFor(kRotateKeys).required_scopes,
            std::vector<std::string>{"keys"});
  const MethodRule& other = policy.RuleFor("/pkg.Other/Call");
  EXPECT_TRUE(other.requires_token);
  EXPECT_TRUE(other.required_scopes.empty());
  EXPECT_FALSE(MethodPolicy::OpenByDefault().RuleFor("/a.B/C").requires_token);
}

TEST(MethodPolicyTest, RejectsMalformedRules) {
  MethodPolicy policy = MethodPolicy::OpenByDefault();
  for (const char* pattern : {"", "/", "//M", "identity.v1.KeyService/GetJwks",
                              "/Svc/", "/Svc/M*", "/S vc/M", "/Svc/M/x"}) {
    EXPECT_EQ(policy.SetRule(pattern, {}).code(),
              absl::StatusCode::kInvalidArgument)
        << pattern;
  }
  EXPECT_FALSE(policy.SetRule("/a.B/C", {true, {"bad scope"}}).ok());
  EXPECT_FALSE(policy.SetRule("/a.B/C", {true, {""}}).ok());
  EXPECT_FALSE(policy.SetRule("/a.B/C", {false, {"admin"}}).ok());
  EXPECT_FALSE(
      policy.SetRule("/a.B/C", {false, {}, /*online_check=*/true}).ok())
      << "an online check needs a token";
  ASSERT_TRUE(policy.SetRule("/a.B/C", {}).ok());
  EXPECT_FALSE(policy.SetRule("/a.B/C", {}).ok()) << "set twice";
}

TEST(MethodPolicyTest, ReadsProtoMethodOptions) {
  // A use of the generated code keeps it linked, so that its descriptors are
  // in the generated pool the lookup by name reads.
  (void)test::Empty::descriptor();
  MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
  ASSERT_TRUE(policy.AddRulesFromService("identity.test.Annotated").ok());
  EXPECT_EQ(policy.RuleFor("/identity.test.Annotated/Read").required_scopes,
            std::vector<std::string>{"orders.read"});
  EXPECT_EQ(policy.RuleFor("/identity.test.Annotated/Write").required_scopes,
            (std::vector<std::string>{"orders.read", "orders.write"}));
  EXPECT_FALSE(policy.RuleFor("/identity.test.Annotated/Ping").requires_token);
  EXPECT_TRUE(policy.RuleFor("/identity.test.Annotated/Delete").online_check);
  EXPECT_FALSE(policy.RuleFor("/identity.test.Annotated/Read").online_check);
  const MethodRule& other = policy.RuleFor("/identity.test.Annotated/Other");
  EXPECT_TRUE(other.requires_token);
  EXPECT_TRUE(other.required_scopes.empty());
  // Configuration and annotation both naming a method is an error, not a
  // silent override.
  EXPECT_FALSE(policy.AddRulesFromService("identity.test.Annotated").ok());
  absl::Status bad = MethodPolicy::OpenByDefault().AddRulesFromService(
      "identity.test.BadlyAnnotated");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("identity.test.BadlyAnnotated.Both"),
            absl::string_view::npos)
      << bad;
  EXPECT_EQ(MethodPolicy::OpenByDefault()
                .AddRulesFromService("identity.test.OpenButChecked")
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MethodPolicy::OpenByDefault().AddRulesFromService("no.Such").code(),
            absl::StatusCode::kNotFound);
}

TEST(BearerTokenTest, FollowsRfc6750) {
  EXPECT_EQ(BearerToken("Bearer abc.def-_~+/=="), "abc.def-_~+/==");
  EXPECT_EQ(BearerToken("bearer x"), "x");
  EXPECT_EQ(BearerToken("BEARER x"), "x");
  EXPECT_EQ(BearerToken("Bearer   x"), "x");  // 1*SP
  for (const char* bad :
       {"", "Bearer", "Bearer ", "Bearer  ", "Basic eA==", "Bearerx",
        "Bearer a b", "Bearer =abc", "Bearer a=b", "Bearer a\tb", "Token x"}) {
    EXPECT_FALSE(BearerToken(bad).has_value()) << bad;
  }
}

// An issuer with one ES256 key, a fake clock, and an authorizer that opens
// GetJwks, needs "admin" on RotateKeys, and any valid token elsewhere.
class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest() : clock_(absl::FromUnixSeconds(1'800'000'000)) {
    jwks_ = std::make_shared<const jwt::Jwks>(
        *jwt::Jwks::FromKeys({key_.PublicKey()}));
    signer_ = std::make_unique<jwt::JwtSigner>(
        *jwt::JwtSigner::Create(key_, {.typ = "at+jwt"}));
    jwt::VerifierOptions options;
    options.issuer = "https://id.example";
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    options.clock = &clock_;
    uncached_ = std::make_shared<JwksTokenValidator>(
        *jwt::JwtVerifier::Create(options), [this] { return jwks_; });
    auto validator = std::make_shared<CachingTokenValidator>(
        uncached_, &clock_,
        CachingTokenValidator::Options{/*capacity=*/64,
                                       /*max_age=*/absl::Minutes(5)});
    cache_ = validator.get();
    MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
    EXPECT_TRUE(policy.SetRule(std::string(kGetJwks), {false, {}}).ok());
    EXPECT_TRUE(
        policy.SetRule(std::string(kRotateKeys), {true, {"admin"}}).ok());
    authorizer_ =
        std::make_shared<CallAuthorizer>(std::move(policy), validator);
  }

  std::string Token(absl::string_view scope,
                    absl::string_view issuer = "https://id.example",
                    absl::Duration lifetime = absl::Minutes(5)) {
    jwt::Claims claims;
    claims.iss = std::string(issuer);
    claims.aud = {"orders-api"};
    claims.sub = "svc";
    claims.iat = absl::ToUnixSeconds(clock_.Now());
    claims.exp = absl::ToUnixSeconds(clock_.Now() + lifetime);
    if (!scope.empty()) claims.other["scope"] = std::string(scope);
    return *signer_->Sign(claims);
  }

  absl::StatusCode Decide(absl::string_view path,
                          std::vector<std::string> values) {
    std::vector<absl::string_view> views(values.begin(), values.end());
    return authorizer_->Authorize(path, views).code();
  }

  jwt::FakeClock clock_;
  jwt::Jwk key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "k1");
  std::shared_ptr<const jwt::Jwks> jwks_;
  std::shared_ptr<const JwksTokenValidator> uncached_;
  const CachingTokenValidator* cache_ = nullptr;
  std::unique_ptr<jwt::JwtSigner> signer_;
  std::shared_ptr<const CallAuthorizer> authorizer_;
};

TEST_F(AuthorizerTest, DecidesEachCall) {
  using absl::StatusCode;
  EXPECT_EQ(Decide(kGetJwks, {}), StatusCode::kOk);
  EXPECT_EQ(Decide(kGetJwks, {"Bearer garbage"}), StatusCode::kOk);
  EXPECT_EQ(Decide(kListKeys, {"Bearer " + Token("")}), StatusCode::kOk);
  EXPECT_EQ(Decide(kRotateKeys, {"Bearer " + Token("read admin")}),
            StatusCode::kOk);

  EXPECT_EQ(Decide(kListKeys, {}), StatusCode::kUnauthenticated);
  EXPECT_EQ(Decide(kListKeys, {"Basic YTpi"}), StatusCode::kUnauthenticated);
  EXPECT_EQ(Decide(kListKeys, {"Bearer " + Token(""), "Bearer " + Token("")}),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(Decide(kListKeys, {"Bearer a.b.c"}), StatusCode::kUnauthenticated);
  EXPECT_EQ(Decide(kListKeys, {"Bearer " + Token("", "https://evil.example")}),
            StatusCode::kUnauthenticated);
  std::string tampered = Token("admin");
  tampered[tampered.size() - 3] ^= 1;
  EXPECT_EQ(Decide(kRotateKeys, {"Bearer " + tampered}),
            StatusCode::kUnauthenticated);
  const std::string expiring =
      Token("admin", "https://id.example", absl::Seconds(10));
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(Decide(kRotateKeys, {"Bearer " + expiring}),
            StatusCode::kUnauthenticated);

  EXPECT_EQ(Decide(kRotateKeys, {"Bearer " + Token("")}),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Decide(kRotateKeys, {"Bearer " + Token("administrator adm")}),
            StatusCode::kPermissionDenied);
}

TEST_F(AuthorizerTest, RefusesAnIdTokenOfTheSameIssuer) {
  // RFC 9068 §4, RFC 8725 §3.11: an OpenID Connect ID token of the issuer,
  // signed by the same key and naming this service's audience (a client id
  // that equals it), is not an access token: its "typ" is JWT.
  jwt::Claims claims;
  claims.iss = "https://id.example";
  claims.aud = {"orders-api"};
  claims.sub = "alice";
  claims.iat = absl::ToUnixSeconds(clock_.Now());
  claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
  claims.other["nonce"] = "n-0S6_WzA2Mj";
  const std::string id_token =
      *jwt::JwtSigner::Create(key_, {.typ = "JWT"})->Sign(claims);
  absl::Status status =
      authorizer_->Authorize(kListKeys, {"Bearer " + id_token});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find("typ_mismatch"), absl::string_view::npos)
      << status.message();
  // The same claims as an access token pass: only the type differs.
  EXPECT_TRUE(
      authorizer_->Authorize(kListKeys, {"Bearer " + *signer_->Sign(claims)})
          .ok());
}

TEST_F(AuthorizerTest, RefusesATokenForAnotherAudience) {
  // RFC 9068 §4: the resource server checks that "aud" names it.
  jwt::Claims claims;
  claims.iss = "https://id.example";
  claims.aud = {"billing-api"};
  claims.sub = "svc";
  claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
  absl::Status status =
      authorizer_->Authorize(kListKeys, {"Bearer " + *signer_->Sign(claims)});
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(status.message().find("audience_mismatch"), absl::string_view::npos)
      << status.message();
}

TEST_F(AuthorizerTest, ObserverCountsOutcomesByReason) {
  auto observer = std::make_shared<CountingAuthObserver>();
  MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
  ASSERT_TRUE(policy.SetRule(std::string(kGetJwks), {false, {}}).ok());
  ASSERT_TRUE(policy.SetRule(std::string(kRotateKeys), {true, {"admin"}}).ok());
  CallAuthorizer counted(std::move(policy), uncached_, observer);
  const std::string good = "Bearer " + Token("admin");
  const std::string expiring =
      "Bearer " + Token("", "https://id.example", absl::Seconds(1));
  (void)counted.Authorize(kGetJwks, {});
  (void)counted.Authorize(kRotateKeys, {good});
  (void)counted.Authorize(kRotateKeys, {});
  (void)counted.Authorize(kRotateKeys, {"Basic YTpi"});
  (void)counted.Authorize(kRotateKeys, {good, good});
  (void)counted.Authorize(kListKeys, {"Bearer a.b.c"});
  (void)counted.Authorize(kRotateKeys, {"Bearer " + Token("read")});
  clock_.Advance(absl::Seconds(1));
  (void)counted.Authorize(kListKeys, {expiring});
  EXPECT_EQ(observer->Count(Outcome::kOpen), 1);
  EXPECT_EQ(observer->Count(Outcome::kAllowed), 1);
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated), 5);
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated, "missing"), 1);
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated, "not_bearer"), 1);
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated, "repeated"), 1);
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated, "expired"), 1);
  EXPECT_EQ(observer->Count(Outcome::kPermissionDenied, "scope"), 1);
  EXPECT_EQ(observer->Snapshot().size(), 8u) << "one more: a.b.c's reason";
}

TEST_F(AuthorizerTest, MessagesNameTheReasonNotTheToken) {
  const std::string token = Token("", "https://evil.example");
  std::string header = "Bearer " + token;
  absl::Status status = authorizer_->Authorize(kListKeys, {header});
  EXPECT_NE(status.message().find("iss"), absl::string_view::npos)
      << status.message();
  EXPECT_EQ(status.message().find(token.substr(0, 20)),
            absl::string_view::npos);
  status = authorizer_->Authorize(kRotateKeys, {"Bearer " + Token("")});
  EXPECT_NE(status.message().find("\"admin\""), absl::string_view::npos);
}

TEST_F(AuthorizerTest, CachesVerifiedTokensWithinTheirValidity) {
  const std::string token =
      Token("admin", "https://id.example", absl::Seconds(30));
  auto first = cache_->Validate(token);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)->valid_until,
            clock_.Now() + absl::Seconds(30));  // exp + leeway (0 here).
  auto again = cache_->Validate(token);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), first->get()) << "a hit returns the cached token";
  EXPECT_EQ(cache_->size(), 1u);
  // Expiry is honoured on every hit.
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(cache_->Validate(token).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Failures are not cached: a bad token costs a verification each time.
  EXPECT_FALSE(cache_->Validate("a.b.c").ok());
  EXPECT_EQ(cache_->size(), 1u);
}

TEST_F(AuthorizerTest, CachedTokensAreReverifiedAfterMaxAge) {
  const std::string token = Token("", "https://id.example", absl::Hours(1));
  ASSERT_TRUE(cache_->Validate(token).ok());
  // The key set loses the key: cached hits continue for at most max_age.
  jwt::Jwk other = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "k2");
  jwks_ = std::make_shared<const jwt::Jwks>(
      *jwt::Jwks::FromKeys({other.PublicKey()}));
  EXPECT_TRUE(cache_->Validate(token).ok());
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(cache_->Validate(token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthorizerTest, TheCacheIsBounded) {
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(cache_->Validate(Token("s" + std::to_string(i))).ok());
  }
  EXPECT_LE(cache_->size(), 64u);
  EXPECT_GT(cache_->size(), 0u);
}

TEST_F(AuthorizerTest, VerifiedCallerReadsTheClaims) {
  const std::string header = "Bearer " + Token("read admin");
  auto caller = authorizer_->VerifiedCaller({header});
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ((*caller)->claims.sub, "svc");
  EXPECT_EQ((*caller)->scopes, (std::vector<std::string>{"read", "admin"}));
  EXPECT_EQ(authorizer_->VerifiedCaller({}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// RFC 8693 §4.1: the actor chain, current actor first.
TEST_F(AuthorizerTest, ActorChainListsTheActorsOutermostFirst) {
  jwt::Claims claims;
  claims.iss = "https://id.example";
  claims.aud = {"orders-api"};
  claims.sub = "alice";
  claims.iat = absl::ToUnixSeconds(clock_.Now());
  claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
  claims.other["act"] = {{"sub", "billing"}, {"act", {{"sub", "gateway"}}}};
  auto caller =
      authorizer_->VerifiedCaller({"Bearer " + *signer_->Sign(claims)});
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(*(*caller)->ActorChain(),
            (std::vector<std::string>{"billing", "gateway"}));
}

TEST_F(AuthorizerTest, ActorChainIsEmptyWithoutAct) {
  auto caller = authorizer_->VerifiedCaller({"Bearer " + Token("read")});
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_TRUE((*caller)->ActorChain()->empty());
}

TEST_F(AuthorizerTest, MalformedActorChainIsAnError) {
  for (const jwt::Json& act :
       {jwt::Json("gateway"), jwt::Json({{"client_id", "gateway"}}),
        jwt::Json({{"sub", "b"}, {"act", {{"sub", 7}}}})}) {
    jwt::Claims claims;
    claims.iss = "https://id.example";
    claims.aud = {"orders-api"};
    claims.sub = "alice";
    claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
    claims.other["act"] = act;
    auto caller =
        authorizer_->VerifiedCaller({"Bearer " + *signer_->Sign(claims)});
    ASSERT_TRUE(caller.ok()) << caller.status();
    EXPECT_EQ((*caller)->ActorChain().status().code(),
              absl::StatusCode::kInvalidArgument)
        << act.dump();
  }
}

// A KeyService whose handlers count their runs: GetJwks and RotateKeys in
// the sync API, ListKeys in the callback API.
class CountingService final
    : public v1::KeyService::WithCallbackMethod_ListKeys<
          v1::KeyService::Service> {
 public:
  grpc::Status GetJwks(grpc::ServerContext*, const v1::GetJwksRequest*,
                       v1::GetJwksResponse* response) override {
    ++sync_runs;
    response->set_jwks_json("{}");
    return grpc::Status::OK;
  }
  grpc::Status RotateKeys(grpc::ServerContext* context,
                          const v1::RotateKeysRequest*,
                          v1::RotateKeysResponse*) override {
    ++sync_runs;
    // The authorization metadata stays visible to the handler, and the
    // caller's claims are one call away.
    EXPECT_EQ(context->client_metadata().count("authorization"), 1u);
    auto caller = VerifiedCaller(*context, *authorizer);
    EXPECT_TRUE(caller.ok()) << caller.status();
    if (caller.ok()) last_subject = *(*caller)->claims.sub;
    return grpc::Status::OK;
  }
  grpc::ServerUnaryReactor* ListKeys(grpc::CallbackServerContext* context,
                                     const v1::ListKeysRequest*,
                                     v1::ListKeysResponse*) override {
    ++callback_runs;
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  const CallAuthorizer* authorizer = nullptr;
  std::string last_subject;
  std::atomic<int> sync_runs{0};
  std::atomic<int> callback_runs{0};
};

struct Transport {
  const char* name;
  bool tls;
};

class CredentialsTest : public AuthorizerTest,
                        public ::testing::WithParamInterface<Transport> {
 protected:
  void SetUp() override {
    std::optional<grpc::SslServerCredentialsOptions> tls;
    std::shared_ptr<grpc::ChannelCredentials> channel_creds =
        grpc::InsecureChannelCredentials();
    grpc::ChannelArguments args;
    if (GetParam().tls) {
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
    stub_ = v1::KeyService::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port), channel_creds, args));
  }

  void TearDown() override { server_->Shutdown(); }

  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (v1::KeyService::Stub::*method)(
                        grpc::ClientContext*, const Request&, Response*),
                    const std::string& authorization) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    Request request;
    Response response;
    return (stub_.get()->*method)(&context, request, &response);
  }

  CountingService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::KeyService::Stub> stub_;
};

TEST_P(CredentialsTest, RejectedCallsNeverReachTheHandler) {
  using Stub = v1::KeyService::Stub;
  // Open method: no token needed.
  EXPECT_TRUE(Call(&Stub::GetJwks, "").ok());
  EXPECT_EQ(service_.sync_runs, 1);

  grpc::Status status = Call(&Stub::RotateKeys, "");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(status.error_message().find("missing authorization"),
            std::string::npos)
      << status.error_message();
  status = Call(&Stub::RotateKeys, "Bearer " + Token("read"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("\"admin\""), std::string::npos);
  status = Call(&Stub::RotateKeys, "Bearer not-a-jwt");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_.sync_runs, 1) << "a rejected sync call ran its handler";

  status = Call(&Stub::ListKeys, "Basic YTpi");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_.callback_runs, 0)
      << "a rejected callback call ran its handler";

  // A refusal reaches the client in ASCII, whatever the reason's text.
  const std::string token = Token("admin");
  status = Call(&Stub::RotateKeys,
                "Bearer " + token.substr(0, token.rfind('.') + 1) + "AAAA");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(status.error_message(), AsciiStatusMessage(status.error_message()));
  EXPECT_EQ(service_.sync_runs, 1);

  EXPECT_TRUE(Call(&Stub::RotateKeys, "Bearer " + token).ok());
  EXPECT_EQ(service_.last_subject, "svc");
  EXPECT_TRUE(Call(&Stub::ListKeys, "Bearer " + Token("")).ok());
  EXPECT_EQ(service_.sync_runs, 2);
  EXPECT_EQ(service_.callback_runs, 1);
}

TEST(AsciiStatusMessageTest, ReplacesWhatIsNotPrintableAscii) {
  EXPECT_EQ(AsciiStatusMessage("token expired at 12:00"),
            "token expired at 12:00");
  EXPECT_EQ(AsciiStatusMessage("r\xe2\x80\x96s"), "r?s");  // U+2016.
  EXPECT_EQ(AsciiStatusMessage("\xf0\x9f\x94\x91"
                               " key"),
            "? key");  // 4 bytes.
  EXPECT_EQ(AsciiStatusMessage("a\x80\x80"
                               "b"),
            "a??b");  // Stray bytes.
  EXPECT_EQ(AsciiStatusMessage("line\nbreak\x7f"), "line break ");
  EXPECT_EQ(AsciiStatusMessage(""), "");
}

INSTANTIATE_TEST_SUITE_P(Transports, CredentialsTest,
                         ::testing::Values(Transport{"plaintext", false},
                                           Transport{"tls", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace identity::interceptor
