// The interceptor in front of a service, with the JWKS fetched from a real
// identity-server over gRPC (on a scratch PostgreSQL database; the test needs
// IDENTITY_TEST_DATABASE_URL): tokens from that server pass, a key rotation on
// the server under continuous traffic rejects none, and with the server
// stopped the tokens already issued keep passing on the last good key set;
// Interceptor::Create with KeyService keys and introspection.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "client/interceptor/call_authorizer.h"
#include "client/interceptor/http_get.h"
#include "client/interceptor/interceptor.h"
#include "client/interceptor/jwks_cache.h"
#include "client/interceptor/online_check.h"
#include "client/interceptor/server_credentials.h"
#include "client/interceptor/testing/dpop_round_trip.h"
#include "client/interceptor/testing/self_signed_cert.h"
#include "client/interceptor/token_source.h"
#include "gtest/gtest.h"
#include "identity/v1/admin.grpc.pb.h"
#include "identity/v1/keys.grpc.pb.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/base64url.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"
#include "server/testing/server_process.h"
#include "tests/support/loopback_server.h"

namespace identity::interceptor {
namespace {

using server::testing::kAdminId;
using server::testing::kAdminSecret;

constexpr char kIssuer[] = "https://id.example";

// Polls `done` every 5 ms until it holds or `timeout` passes; whether it held.
// A bound generous for a loaded machine under ASan: reaching it is a failure,
// never a wait forever.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// The protected service: ListKeys stands in for any method; it counts runs.
class ProtectedService final : public v1::KeyService::Service {
 public:
  grpc::Status ListKeys(grpc::ServerContext*, const v1::ListKeysRequest*,
                        v1::ListKeysResponse*) override {
    ++runs;
    return grpc::Status::OK;
  }
  std::atomic<int> runs{0};
};

// Makes `call` in a loop on a thread of its own, counting the calls that
// passed and those rejected, until Stop or destruction (so that a failed
// assertion leaves no thread running).
class Traffic {
 public:
  explicit Traffic(std::function<bool()> call)
      : thread_([this, call = std::move(call)] {
          while (!stop_) {
            if (call()) {
              ++passed_;
            } else {
              ++rejected_;
            }
          }
        }) {}
  ~Traffic() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int passed() const { return passed_; }
  int rejected() const { return rejected_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> passed_{0}, rejected_{0};
  std::thread thread_;  // Last: starts once the counters exist.
};

class InterceptorIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    issuer_address_ =
        "127.0.0.1:" + std::to_string(server::testing::FreePort());
    // On a scratch PostgreSQL database (IDENTITY_TEST_DATABASE_URL).
    issuer_http_address_ =
        "127.0.0.1:" + std::to_string(server::testing::FreePort());
    auto issuer = server::testing::ServerProcess::OnScratchDatabase(
        {"--grpc-listen=" + issuer_address_,
         "--http-listen=" + issuer_http_address_,
         std::string("--issuer=") + kIssuer, "--audience=orders-api"});
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    issuer_ = *std::move(issuer);
    issuer_channel_ = grpc::CreateChannel(issuer_address_,
                                          grpc::InsecureChannelCredentials());
    ASSERT_TRUE(issuer_channel_->WaitForConnected(
        std::chrono::system_clock::now() + std::chrono::seconds(20)));

    auto cache = JwksCache::Create(
        KeyServiceJwksFetcher(issuer_channel_), jwt::Clock::Real(),
        {absl::Seconds(1), absl::Seconds(1), absl::Hours(1)});
    ASSERT_TRUE(cache.ok()) << cache.status();
    jwks_ = *std::move(cache);
    ASSERT_NE(jwks_->Current(), nullptr) << jwks_->last_error();
    jwks_->Start();
    jwt::VerifierOptions options;
    options.issuer = kIssuer;
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    auto validator = std::make_shared<CachingTokenValidator>(
        std::make_shared<JwksTokenValidator>(
            *jwt::JwtVerifier::Create(options),
            [this] { return jwks_->Current(); },
            [this] { jwks_->RequestRefetch(); }),
        jwt::Clock::Real());
    MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
    ASSERT_TRUE(policy
                    .SetRule("/identity.v1.KeyService/ListKeys",
                             {true, {"identity.admin"}})
                    .ok());
    authorizer_ =
        std::make_shared<CallAuthorizer>(std::move(policy), validator);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0",
                             AuthorizingServerCredentials(authorizer_), &port);
    builder.RegisterService(&service_);
    protected_ = builder.BuildAndStart();
    ASSERT_NE(protected_, nullptr);
    protected_address_ = "127.0.0.1:" + std::to_string(port);
    protected_stub_ = v1::KeyService::NewStub(grpc::CreateChannel(
        protected_address_, grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (protected_ != nullptr) protected_->Shutdown();
  }

  // A client_credentials token from the issuer.
  std::string IssuerToken() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id(kAdminId);
    request.set_client_secret(kAdminSecret);
    v1::TokenResponse response;
    EXPECT_TRUE(v1::TokenService::NewStub(issuer_channel_)
                    ->Token(&context, request, &response)
                    .ok());
    return response.access_token();
  }

  grpc::Status CallProtected(const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::ListKeysResponse response;
    return protected_stub_->ListKeys(&context, {}, &response);
  }

  std::string issuer_address_;
  std::unique_ptr<server::testing::ServerProcess> issuer_;
  std::shared_ptr<grpc::Channel> issuer_channel_;
  std::unique_ptr<JwksCache> jwks_;
  std::shared_ptr<const CallAuthorizer> authorizer_;
  std::string issuer_http_address_;
  ProtectedService service_;
  std::unique_ptr<grpc::Server> protected_;
  std::string protected_address_;
  std::unique_ptr<v1::KeyService::Stub> protected_stub_;
};

// A rotation makes the published NEXT key CURRENT and publishes a new NEXT.
// A verifier that holds the NEXT key before it signs rejects no token: the
// test waits (bounded) for the cache to hold each new NEXT key before the
// following rotation, instead of hoping a refresh lands inside a time window.
TEST_F(InterceptorIntegrationTest, RotationUnderTrafficRejectsNothing) {
  EXPECT_EQ(CallProtected("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_.runs, 0);

  // A fresh token each call: signed by whichever key is current now.
  Traffic traffic([this] { return CallProtected(IssuerToken()).ok(); });
  ASSERT_TRUE(WaitFor([&] { return traffic.passed() >= 20; }))
      << "traffic did not start: " << traffic.passed() << " passed, "
      << traffic.rejected() << " rejected";
  for (int rotation = 0; rotation < 2; ++rotation) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    context.AddMetadata("authorization", "Bearer " + IssuerToken());
    v1::RotateKeysResponse rotated;
    ASSERT_TRUE(v1::KeyService::NewStub(issuer_channel_)
                    ->RotateKeys(&context, {}, &rotated)
                    .ok());
    const std::string next_kid = rotated.next().kid();
    ASSERT_FALSE(next_kid.empty());
    // The cache's interval refresh (1 s) publishes the new NEXT key before
    // the next rotation makes it current.
    ASSERT_TRUE(WaitFor([&] {
      const auto jwks = jwks_->Current();
      return jwks != nullptr && jwks->FindByKid(next_kid) != nullptr;
    })) << "the cache never fetched the new NEXT key "
        << next_kid << "; last fetch: " << jwks_->last_error();
    // Traffic under the key that is current now.
    const int target = traffic.passed() + 50;
    ASSERT_TRUE(WaitFor(
        [&] { return traffic.passed() >= target || traffic.rejected() > 0; }));
  }
  traffic.Stop();
  EXPECT_EQ(traffic.rejected(), 0);
  EXPECT_GT(traffic.passed(), 100);
  EXPECT_EQ(service_.runs, traffic.passed());
}

TEST_F(InterceptorIntegrationTest, KeyServerDownValidTokensKeepPassing) {
  const std::string token = IssuerToken();
  const std::string unseen = IssuerToken();  // Not presented until later.
  ASSERT_TRUE(CallProtected(token).ok());
  EXPECT_EQ(issuer_->Stop(), 0);
  // Fetches now fail; the last good set serves (max_staleness 1 h).
  const int64_t failed_before = jwks_->failed_fetches();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (jwks_->failed_fetches() == failed_before &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(jwks_->failed_fetches(), failed_before) << "the fetch never failed";
  EXPECT_TRUE(CallProtected(token).ok());
  // A token the verified-token cache has not seen is verified in full
  // against the last good set.
  EXPECT_TRUE(CallProtected(unseen).ok());
  EXPECT_EQ(CallProtected("not.a.token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(InterceptorIntegrationTest, RevocationSensitiveMethodsAskTheIssuer) {
  // The verifier trusts the issuer's keys and one the issuer does not know:
  // a token signed with it passes the local checks, and only the issuer's
  // Introspect can say it is not active.
  const jwt::Jwk foreign = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "f");
  jwt::VerifierOptions options;
  options.issuer = kIssuer;
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  auto validator = std::make_shared<JwksTokenValidator>(
      *jwt::JwtVerifier::Create(options), [this, &foreign] {
        std::vector<jwt::Jwk> keys = jwks_->Current()->keys();
        keys.push_back(foreign.PublicKey());
        return std::make_shared<const jwt::Jwks>(*jwt::Jwks::FromKeys(keys));
      });
  jwt::FakeClock clock(absl::Now());
  auto checker = std::make_shared<IntrospectionChecker>(
      issuer_channel_,
      IntrospectionCheckerOptions{kAdminId, kAdminSecret, absl::Seconds(10)},
      &clock);
  MethodPolicy policy = MethodPolicy::RequireTokenByDefault();
  ASSERT_TRUE(policy
                  .SetRule("/identity.v1.KeyService/ListKeys",
                           {true, {"identity.admin"}, /*online_check=*/true})
                  .ok());
  auto observer = std::make_shared<CountingAuthObserver>();
  auto authorizer = std::make_shared<CallAuthorizer>(
      std::move(policy), validator, observer, checker);
  ProtectedService service;
  test_support::LoopbackServer served = test_support::ServeOnLoopback(
      AuthorizingServerCredentials(authorizer), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = v1::KeyService::NewStub(served.channel);
  const auto call = [&stub](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    v1::ListKeysResponse response;
    return stub->ListKeys(&context, {}, &response);
  };

  const std::string token = IssuerToken();
  EXPECT_TRUE(call(token).ok());
  EXPECT_TRUE(call(token).ok());
  EXPECT_EQ(checker->calls(), 1) << "the answer is cached";

  jwt::Claims claims;
  claims.iss = kIssuer;
  claims.sub = "intruder";
  claims.aud = {"orders-api"};
  claims.exp = absl::ToUnixSeconds(absl::Now()) + 300;
  claims.other["scope"] = "identity.admin";
  const std::string forged =
      *jwt::JwtSigner::Create(foreign, {.typ = "at+jwt"})->Sign(claims);
  grpc::Status refused = call(forged);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(refused.error_message().find("no longer active"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(observer->Count(Outcome::kUnauthenticated, "revoked"), 1);

  // The issuer gone and the cached answer stale: refused as Unavailable.
  EXPECT_EQ(issuer_->Stop(), 0);
  clock.Advance(absl::Seconds(10));
  EXPECT_EQ(call(token).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(service.runs, 2) << "only the two allowed calls ran";
  served.server->Shutdown();
}

// A protected call (ListKeys) with `token` as its bearer token.
grpc::Status ListKeysWith(v1::KeyService::Stub& stub,
                          const std::string& token) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  context.AddMetadata("authorization", "Bearer " + token);
  v1::ListKeysResponse response;
  return stub.ListKeys(&context, {}, &response);
}

// The one call, Interceptor::Create, with the issuer's KeyService as the key
// source and its IntrospectionService for a revocation-sensitive method: a
// token passes until the issuer revokes it (RFC 7009), then is refused as no
// longer active before the handler.
TEST_F(InterceptorIntegrationTest, OneCallWithKeyServiceAndIntrospection) {
  InterceptorOptions options;
  options.issuers = {{.issuer = kIssuer,
                      .audiences = {"orders-api"},
                      .keys = KeyServiceKeys{.address = issuer_address_}}};
  options.rules = {
      {"/identity.v1.KeyService/ListKeys",
       MethodRule{true, {"identity.admin"}, /*online_check=*/true}}};
  options.introspection = IntrospectionEndpoint{
      .address = issuer_address_,
      .client_id = kAdminId,
      .client_secret = kAdminSecret,
      .cache_ttl = absl::ZeroDuration()};  // Every call asks the issuer.
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_EQ(auth->keys(kIssuer)->failed_fetches(), 0)
      << auth->keys(kIssuer)->last_error();
  ProtectedService service;
  test_support::LoopbackServer served =
      test_support::ServeOnLoopback(auth->credentials(), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = v1::KeyService::NewStub(served.channel);
  const auto call = [&stub](const std::string& token) {
    return ListKeysWith(*stub, token);
  };

  const std::string token = IssuerToken();
  EXPECT_TRUE(call(token).ok());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  v1::RevokeRequest revoke;
  revoke.set_token(token);
  revoke.set_client_id(kAdminId);
  revoke.set_client_secret(kAdminSecret);
  v1::RevokeResponse revoked;
  ASSERT_TRUE(v1::TokenService::NewStub(issuer_channel_)
                  ->Revoke(&context, revoke, &revoked)
                  .ok());
  grpc::Status refused = call(token);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(refused.error_message().find("no longer active"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(service.runs, 1) << "only the call before the revocation ran";
  served.server->Shutdown();
}

// Keys over HTTP from identity-server's own OpenID Connect face (/jwks on
// --http-listen, plain http on loopback): its tokens pass, a tampered one is
// refused before the handler.
TEST_F(InterceptorIntegrationTest, OneCallWithTheIssuersHttpJwks) {
  const std::string jwks_uri = "http://" + issuer_http_address_ + "/jwks";
  // The HTTP listener may come up after gRPC: a bounded wait for it.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!HttpGet(jwks_uri, {}).ok() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  InterceptorOptions options;
  options.issuers = {{.issuer = kIssuer,
                      .audiences = {"orders-api"},
                      .keys = JwksUriKeys{jwks_uri}}};
  options.rules = {{"/identity.v1.KeyService/ListKeys",
                    MethodRule{true, {"identity.admin"}}}};
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  ASSERT_EQ(auth->keys(kIssuer)->failed_fetches(), 0)
      << auth->keys(kIssuer)->last_error();
  ProtectedService service;
  test_support::LoopbackServer served =
      test_support::ServeOnLoopback(auth->credentials(), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = v1::KeyService::NewStub(served.channel);
  const auto call = [&stub](const std::string& token) {
    return ListKeysWith(*stub, token);
  };
  const std::string token = IssuerToken();
  EXPECT_TRUE(call(token).ok());
  std::string tampered = token;
  const size_t at = tampered.find('.') + 5;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(call(tampered).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service.runs, 1) << "a tampered token reached the handler";
  served.server->Shutdown();
}

TEST_F(InterceptorIntegrationTest, TokenSourceOnAPlaintextChannel) {
  jwt::FakeClock clock(absl::Now());
  auto tokens = TokenSource::Create(
      issuer_channel_, {kAdminId, kAdminSecret, "identity.admin"}, &clock);
  auto channel = CreateChannelWithTokens(
      protected_address_, grpc::InsecureChannelCredentials(), tokens);
  auto stub = v1::KeyService::NewStub(channel);
  // 16 callers at once: one Token request.
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        grpc::ClientContext context;
        v1::ListKeysResponse response;
        if (stub->ListKeys(&context, {}, &response).ok()) ++ok;
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(tokens->requests(), 1);
  // Inside the refresh-ahead window (the token lives 10 min): one new
  // request, and calls keep passing.
  clock.Advance(absl::Minutes(10) - absl::Seconds(30));
  grpc::ClientContext context;
  v1::ListKeysResponse response;
  EXPECT_TRUE(stub->ListKeys(&context, {}, &response).ok());
  EXPECT_EQ(tokens->requests(), 2);
}

// private_key_jwt (RFC 7523 §2.2): a client registered with a public key and
// no secret gets tokens from TokenSources holding its private key; each
// request's assertion has a fresh jti (the server takes each jti once).
TEST_F(InterceptorIntegrationTest, TokenSourceWithAPrivateKey) {
  auto admin_tokens = TokenSource::Create(
      issuer_channel_, {kAdminId, kAdminSecret, "identity.admin"});
  auto admin_token = admin_tokens->Token();
  ASSERT_TRUE(admin_token.ok()) << admin_token.status();
  const jwt::Jwk key = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "svc-key");
  v1::CreateClientRequest create;
  create.set_client_id("svc-pk");
  create.add_allowed_scopes("orders.read");
  create.set_token_endpoint_auth_method("private_key_jwt");
  create.set_jwks(jwt::DumpJson(
      jwt::Json{{"keys", jwt::Json::array({key.ToPublicJson()})}}));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + *admin_token);
  v1::CreateClientResponse created;
  ASSERT_TRUE(v1::AdminService::NewStub(issuer_channel_)
                  ->CreateClient(&context, create, &created)
                  .ok());
  EXPECT_TRUE(created.client_secret().empty());

  TokenSourceOptions options;
  options.client_id = "svc-pk";
  options.scope = "orders.read";
  options.assertion_signer =
      std::make_shared<const jwt::JwtSigner>(*jwt::JwtSigner::Create(key));
  options.assertion_audience = kIssuer;
  for (int i = 0; i < 3; ++i) {
    auto token = TokenSource::Create(issuer_channel_, options)->Token();
    EXPECT_TRUE(token.ok()) << token.status();
  }
  // Another key with the same kid: refused.
  options.assertion_signer =
      std::make_shared<const jwt::JwtSigner>(*jwt::JwtSigner::Create(
          *jwt::Jwk::Generate(jwt::Algorithm::kES256, "svc-key")));
  EXPECT_EQ(
      TokenSource::Create(issuer_channel_, options)->Token().status().code(),
      absl::StatusCode::kUnauthenticated);
}

// DPoP end to end (RFC 9449): a TokenSource holding a DPoP key gets a token
// bound to it from identity-server (gRPC Token with a `dpop` proof), then
// calls a service whose interceptor requires DPoP, with a fresh proof per
// call; the handler sees the key's thumbprint. The same bound token sent as
// a Bearer token is refused before the handler.
TEST_F(InterceptorIntegrationTest, DpopBoundTokensFromTheIssuerEndToEnd) {
  auto key = GenerateDpopKey();
  ASSERT_TRUE(key.ok()) << key.status();
  TokenSourceOptions options{kAdminId, kAdminSecret, "identity.admin"};
  options.dpop_key = std::make_shared<const jwt::Jwk>(*key);
  options.issuer_authority = issuer_address_;
  auto tokens = TokenSource::Create(issuer_channel_, options);
  auto token = tokens->Token();
  ASSERT_TRUE(token.ok()) << token.status();
  const std::vector<std::string> parts = absl::StrSplit(*token, '.');
  ASSERT_EQ(parts.size(), 3u);
  auto payload = jwt::Base64UrlDecode(parts[1]);
  ASSERT_TRUE(payload.ok()) << payload.status();
  auto claims = jwt::ParseJsonObject(*payload);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ((*claims)["cnf"]["jkt"], key->Thumbprint());

  jwt::VerifierOptions verifier;
  verifier.issuer = kIssuer;
  verifier.audiences = {"orders-api"};
  verifier.required_typ = "at+jwt";
  auto validator = std::make_shared<JwksTokenValidator>(
      *jwt::JwtVerifier::Create(verifier), [this] { return jwks_->Current(); },
      [this] { jwks_->RequestRefetch(); });
  auto jkt = testing::DpopRoundTrip(validator, tokens, 3);
  ASSERT_TRUE(jkt.ok()) << jkt.status();
  EXPECT_EQ(*jkt, key->Thumbprint());

  // The service without a DPoP checker: the bound token as Bearer is refused.
  EXPECT_EQ(CallProtected(*token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_.runs, 0);
}

TEST_F(InterceptorIntegrationTest, TokenSourceReportsAWrongSecretOnce) {
  jwt::FakeClock clock(absl::Now());
  auto tokens =
      TokenSource::Create(issuer_channel_, {kAdminId, "wrong", ""}, &clock);
  EXPECT_EQ(tokens->Token().status().code(),
            absl::StatusCode::kUnauthenticated);
  // Within the retry pause, callers get the same error without a request.
  EXPECT_EQ(tokens->Token().status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(tokens->requests(), 1);
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(tokens->Token().ok());
  EXPECT_EQ(tokens->requests(), 2);
  // The call goes out without a token and the server refuses it.
  auto stub = v1::KeyService::NewStub(CreateChannelWithTokens(
      protected_address_, grpc::InsecureChannelCredentials(), tokens));
  grpc::ClientContext context;
  v1::ListKeysResponse response;
  EXPECT_EQ(stub->ListKeys(&context, {}, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(InterceptorIntegrationTest, TokenSourceAsCallCredentialsOnTls) {
  const auto pair = testing::SelfSignedLocalhost();
  grpc::SslServerCredentialsOptions tls;
  tls.pem_key_cert_pairs.push_back(pair);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      "127.0.0.1:0", AuthorizingServerCredentials(authorizer_, tls), &port);
  ProtectedService service;
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto tokens = TokenSource::Create(issuer_channel_,
                                    {kAdminId, kAdminSecret, "identity.admin"});
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pair.cert_chain;
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  auto stub = v1::KeyService::NewStub(grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(port),
      grpc::CompositeChannelCredentials(grpc::SslCredentials(ssl),
                                        TokenCallCredentials(tokens)),
      args));
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    v1::ListKeysResponse response;
    EXPECT_TRUE(stub->ListKeys(&context, {}, &response).ok());
  }
  EXPECT_EQ(service.runs, 3);
  EXPECT_EQ(tokens->requests(), 1);
  server->Shutdown();
}

}  // namespace
}  // namespace identity::interceptor

namespace identity::interceptor {
namespace {

// An Interceptor accepting kIssuer's tokens for `audience` only, ListKeys
// needing orders.read.
absl::StatusOr<Interceptor> InterceptorFor(const std::string& issuer_address,
                                           const std::string& audience) {
  InterceptorOptions options;
  options.issuers = {{.issuer = kIssuer,
                      .audiences = {audience},
                      .keys = KeyServiceKeys{.address = issuer_address}}};
  options.rules = {
      {"/identity.v1.KeyService/ListKeys", MethodRule{true, {"orders.read"}}}};
  return Interceptor::Create(std::move(options));
}

// RFC 8707, RFC 9700 §2.3: a service configures its resource indicator as
// its audience (docs/interceptor.md); a token the issuer minted for resource
// A passes at A and is refused at B, before B's handler runs, and a token
// for the server's default audience passes at neither.
TEST_F(InterceptorIntegrationTest, ATokenForOneResourceIsRefusedByAnother) {
  constexpr char kA[] = "https://a.example/api";
  constexpr char kB[] = "https://b.example/api";
  const std::string admin = IssuerToken();
  auto admin_stub = v1::AdminService::NewStub(issuer_channel_);
  const auto deadline = [] {
    return std::chrono::system_clock::now() + std::chrono::seconds(10);
  };
  for (const char* indicator : {kA, kB}) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    context.AddMetadata("authorization", "Bearer " + admin);
    v1::CreateResourceRequest create;
    create.set_resource(indicator);
    create.add_scopes("orders.read");
    v1::Resource created;
    const grpc::Status s =
        admin_stub->CreateResource(&context, create, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::CreateClientResponse client;
  {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    context.AddMetadata("authorization", "Bearer " + admin);
    v1::CreateClientRequest create;
    create.set_client_id("svc");
    create.add_allowed_scopes("orders.read");
    const grpc::Status s = admin_stub->CreateClient(&context, create, &client);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const auto token_for = [&](const std::string& resource) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id("svc");
    request.set_client_secret(client.client_secret());
    if (!resource.empty()) request.add_resource(resource);
    v1::TokenResponse response;
    const grpc::Status s = v1::TokenService::NewStub(issuer_channel_)
                               ->Token(&context, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.access_token();
  };
  const std::string for_a = token_for(kA);
  const std::string for_default = token_for("");

  auto at_a = InterceptorFor(issuer_address_, kA);
  auto at_b = InterceptorFor(issuer_address_, kB);
  ASSERT_TRUE(at_a.ok()) << at_a.status();
  ASSERT_TRUE(at_b.ok()) << at_b.status();
  ProtectedService service_a, service_b;
  test_support::LoopbackServer a =
      test_support::ServeOnLoopback(at_a->credentials(), &service_a);
  test_support::LoopbackServer b =
      test_support::ServeOnLoopback(at_b->credentials(), &service_b);
  ASSERT_NE(a.server, nullptr);
  ASSERT_NE(b.server, nullptr);
  auto stub_a = v1::KeyService::NewStub(a.channel);
  auto stub_b = v1::KeyService::NewStub(b.channel);

  EXPECT_TRUE(ListKeysWith(*stub_a, for_a).ok());
  const grpc::Status refused = ListKeysWith(*stub_b, for_a);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(refused.error_message().find("aud"), std::string::npos)
      << refused.error_message();
  EXPECT_EQ(ListKeysWith(*stub_a, for_default).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ListKeysWith(*stub_b, for_default).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(service_a.runs, 1);
  EXPECT_EQ(service_b.runs, 0) << "B's handler ran for A's token";
  a.server->Shutdown();
  b.server->Shutdown();
}

}  // namespace
}  // namespace identity::interceptor
