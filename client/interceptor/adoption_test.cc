// Interceptor::Create, the one call a service makes: its option checks, its
// safe defaults, several trusted issuers chosen by "iss", a negative test for
// every rule, and the credentials it returns on a real gRPC server.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "annotated.grpc.pb.h"
#include "client/interceptor/interceptor.h"
#include "gtest/gtest.h"
#include "jwt/base64url.h"
#include "jwt/json.h"
#include "jwt/jwk.h"
#include "jwt/jws.h"
#include "jwt/jwt_signer.h"
#include "jwt/status.h"
#include "tests/support/loopback_server.h"

namespace identity::interceptor {
namespace {

constexpr absl::string_view kIssuerA = "https://a.example";
constexpr absl::string_view kIssuerB = "https://b.example";
constexpr absl::string_view kRead = "/identity.test.Annotated/Read";
constexpr absl::string_view kDelete = "/identity.test.Annotated/Delete";
constexpr absl::string_view kPing = "/identity.test.Annotated/Ping";
constexpr absl::string_view kOther = "/identity.test.Annotated/Other";

std::string WriteJwks(const std::string& name, const jwt::Jwk& key) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, ".jwks.json");
  std::ofstream(path) << jwt::DumpJson(
      jwt::Jwks::FromKeys({key.PublicKey()})->ToPublicJson());
  return path;
}

std::string Sign(const jwt::Jwk& key, const jwt::Claims& claims,
                 const std::string& typ = "at+jwt") {
  return *jwt::JwtSigner::Create(key, {.typ = typ})->Sign(claims);
}

// Two trusted issuers, each with its own key file and audience, rules from
// identity.test.Annotated, a fake clock.
class AdoptionTest : public ::testing::Test {
 protected:
  AdoptionTest() : clock_(absl::FromUnixSeconds(1'800'000'000)) {
    (void)test::Empty::descriptor();  // Links the annotated service's code.
  }

  InterceptorOptions Options() {
    InterceptorOptions options;
    options.issuers = {
        {.issuer = std::string(kIssuerA),
         .audiences = {"orders-api"},
         .keys = JwksFileKeys{WriteJwks("a", key_a_)}},
        {.issuer = std::string(kIssuerB),
         .audiences = {"orders-b"},
         .keys = JwksFileKeys{WriteJwks("b", key_b_)}},
    };
    options.services = {"identity.test.Annotated"};
    options.observer = observer_;
    options.clock = &clock_;
    return options;
  }

  void SetUp() override {
    absl::StatusOr<Interceptor> created = Interceptor::Create(Options());
    ASSERT_TRUE(created.ok()) << created.status();
    auth_ = std::make_unique<Interceptor>(*std::move(created));
  }

  jwt::Claims ClaimsOf(absl::string_view iss, absl::string_view aud) {
    jwt::Claims claims;
    claims.iss = std::string(iss);
    claims.aud = {std::string(aud)};
    claims.sub = "svc";
    claims.iat = absl::ToUnixSeconds(clock_.Now());
    claims.exp = absl::ToUnixSeconds(clock_.Now() + absl::Minutes(5));
    claims.other["scope"] = "orders.read orders.write";
    return claims;
  }
  std::string TokenA() {
    return Sign(key_a_, ClaimsOf(kIssuerA, "orders-api"));
  }
  std::string TokenB() { return Sign(key_b_, ClaimsOf(kIssuerB, "orders-b")); }

  absl::Status Authorize(absl::string_view path, const std::string& token) {
    const std::string header = "Bearer " + token;
    return auth_->authorizer().Authorize(path, {header});
  }
  // The jwt/ reason a refused token was refused for.
  jwt::Reason RefusedFor(const std::string& token) {
    absl::Status status = Authorize(kRead, token);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << status;
    return jwt::ReasonOf(status);
  }

  jwt::FakeClock clock_;
  jwt::Jwk key_a_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "a1");
  jwt::Jwk key_b_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "b1");
  std::shared_ptr<CountingAuthObserver> observer_ =
      std::make_shared<CountingAuthObserver>();
  std::unique_ptr<Interceptor> auth_;
};

TEST_F(AdoptionTest, EachIssuerIsJudgedByItsOwnKeysAndAudience) {
  EXPECT_TRUE(Authorize(kRead, TokenA()).ok());
  EXPECT_TRUE(Authorize(kRead, TokenB()).ok());
  EXPECT_EQ(observer_->Count(Outcome::kAllowed), 2);
  EXPECT_EQ(auth_->keys(kIssuerA)->fetches(), 1);
  EXPECT_EQ(auth_->keys(kIssuerB)->fetches(), 1);
  EXPECT_EQ(auth_->keys("https://c.example"), nullptr);
}

TEST_F(AdoptionTest, UnknownIssuerIsRefusedWithoutTouchingAnyKeys) {
  // Chosen by "iss" before any signature work: an unknown issuer with an
  // unknown kid and a broken signature gets issuer_mismatch, and neither
  // issuer's cache is asked to refetch.
  jwt::Jwk stranger = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "zz");
  std::string token =
      Sign(stranger, ClaimsOf("https://evil.example", "orders-api"));
  char& c = token[token.size() - 10];  // A full base64url digit.
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(RefusedFor(token), jwt::Reason::kIssuerMismatch);
  EXPECT_EQ(
      RefusedFor(Sign(key_a_, ClaimsOf("https://a.example/", "orders-api"))),
      jwt::Reason::kIssuerMismatch)
      << "iss is compared exactly (RFC 7519 §4.1.1)";
  for (absl::string_view issuer : {kIssuerA, kIssuerB}) {
    EXPECT_EQ(auth_->keys(issuer)->refetch_requests(), 0) << issuer;
    EXPECT_EQ(auth_->keys(issuer)->fetches(), 1) << issuer;
  }
  // The control: a known issuer's unknown kid does ask its own cache.
  EXPECT_EQ(RefusedFor(Sign(stranger, ClaimsOf(kIssuerA, "orders-api"))),
            jwt::Reason::kKidUnknown);
  EXPECT_EQ(auth_->keys(kIssuerA)->refetch_requests(), 1);
  EXPECT_EQ(auth_->keys(kIssuerB)->refetch_requests(), 0);
}

TEST_F(AdoptionTest, IssuerAWithTheKeyOfBIsRefused) {
  // B's key (kid b1) is not in A's set.
  EXPECT_EQ(RefusedFor(Sign(key_b_, ClaimsOf(kIssuerA, "orders-api"))),
            jwt::Reason::kKidUnknown);
  // Another key claiming A's kid.
  jwt::Jwk impostor = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "a1");
  EXPECT_EQ(RefusedFor(Sign(impostor, ClaimsOf(kIssuerA, "orders-api"))),
            jwt::Reason::kSignatureInvalid);
  // And the other way round.
  EXPECT_EQ(RefusedFor(Sign(key_a_, ClaimsOf(kIssuerB, "orders-b"))),
            jwt::Reason::kKidUnknown);
}

TEST_F(AdoptionTest, AnAudienceOfOneIssuerDoesNotPassAnother) {
  // RFC 9068 §4: "aud" must name this service as the token's issuer knows it.
  EXPECT_EQ(RefusedFor(Sign(key_b_, ClaimsOf(kIssuerB, "orders-api"))),
            jwt::Reason::kAudienceMismatch);
  EXPECT_EQ(RefusedFor(Sign(key_a_, ClaimsOf(kIssuerA, "orders-b"))),
            jwt::Reason::kAudienceMismatch);
  jwt::Claims no_aud = ClaimsOf(kIssuerA, "orders-api");
  no_aud.aud.clear();
  EXPECT_EQ(RefusedFor(Sign(key_a_, no_aud)), jwt::Reason::kAudienceMissing);
}

TEST_F(AdoptionTest, TypMustBeAtJwtByDefault) {
  // RFC 9068 §4, RFC 8725 §3.11: an ID token is not an access token.
  EXPECT_EQ(RefusedFor(Sign(key_a_, ClaimsOf(kIssuerA, "orders-api"), "JWT")),
            jwt::Reason::kTypMismatch);
  EXPECT_EQ(RefusedFor(Sign(key_a_, ClaimsOf(kIssuerA, "orders-api"), "")),
            jwt::Reason::kTypMissing);
  EXPECT_TRUE(Authorize(kRead, Sign(key_a_, ClaimsOf(kIssuerA, "orders-api"),
                                    "application/at+jwt"))
                  .ok());
}

TEST_F(AdoptionTest, AlgNoneAndHmacWithThePublicKeyAreRefused) {
  const std::string payload = ClaimsOf(kIssuerA, "orders-api").Serialize();
  // RFC 8725 §3.1: an unsecured JWS is never accepted.
  const std::string none =
      absl::StrCat(jwt::Base64UrlEncode(R"({"alg":"none","typ":"at+jwt"})"),
                   ".", jwt::Base64UrlEncode(payload), ".");
  EXPECT_EQ(RefusedFor(none), jwt::Reason::kAlgNone);
  // RFC 8725 §2.1: HS256 keyed with A's public key (algorithm confusion).
  const std::string public_jwk = jwt::DumpJson(key_a_.ToPublicJson());
  jwt::Jwk hmac = *jwt::Jwk::Parse(
      absl::StrCat(R"({"kty":"oct","alg":"HS256","kid":"a1","k":")",
                   jwt::Base64UrlEncode(public_jwk), R"("})"));
  const std::string confused = *jwt::SignJws(
      jwt::Json{{"typ", "at+jwt"}}, payload, hmac, jwt::Algorithm::kHS256);
  EXPECT_EQ(RefusedFor(confused), jwt::Reason::kAlgNotAllowed);
}

TEST_F(AdoptionTest, TimeClaimsHonourTheLeeway) {
  // Leeway 5 s (the default). RFC 7519 §4.1.4: now must be before exp.
  jwt::Claims expired = ClaimsOf(kIssuerA, "orders-api");
  expired.exp = absl::ToUnixSeconds(clock_.Now()) - 5;
  EXPECT_EQ(RefusedFor(Sign(key_a_, expired)), jwt::Reason::kExpired);
  expired.exp = *expired.exp + 1;
  EXPECT_TRUE(Authorize(kRead, Sign(key_a_, expired)).ok());
  jwt::Claims early = ClaimsOf(kIssuerB, "orders-b");
  early.nbf = absl::ToUnixSeconds(clock_.Now()) + 6;
  EXPECT_EQ(RefusedFor(Sign(key_b_, early)), jwt::Reason::kNotYetValid);
  jwt::Claims future = ClaimsOf(kIssuerB, "orders-b");
  future.iat = absl::ToUnixSeconds(clock_.Now()) + 6;
  EXPECT_EQ(RefusedFor(Sign(key_b_, future)), jwt::Reason::kIssuedInFuture);
  jwt::Claims forever = ClaimsOf(kIssuerA, "orders-api");
  forever.exp.reset();
  EXPECT_EQ(RefusedFor(Sign(key_a_, forever)), jwt::Reason::kExpMissing);
}

TEST_F(AdoptionTest, MalformedTokensAndMissingIssuerAreRefused) {
  jwt::Claims anonymous = ClaimsOf(kIssuerA, "orders-api");
  anonymous.iss.reset();
  EXPECT_EQ(RefusedFor(Sign(key_a_, anonymous)), jwt::Reason::kIssuerMissing);
  EXPECT_EQ(RefusedFor("a.b.c"), jwt::Reason::kBase64Invalid);
  EXPECT_EQ(RefusedFor("garbage"), jwt::Reason::kTokenMalformed);
  std::string tampered = TokenA();
  tampered[tampered.size() - 3] ^= 1;
  EXPECT_NE(RefusedFor(tampered), jwt::Reason::kOk);
}

TEST_F(AdoptionTest, AMethodNoRuleNamesNeedsAToken) {
  // The safe default: a method without the option, and a method of a service
  // nobody listed, need a valid token; only an explicit `open` is open.
  for (absl::string_view path :
       {kOther, kRead, absl::string_view("/unlisted.Service/Do")}) {
    absl::Status status = auth_->authorizer().Authorize(path, {});
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << path;
    EXPECT_TRUE(Authorize(path, TokenA()).ok()) << path;
  }
  EXPECT_TRUE(auth_->authorizer().Authorize(kPing, {}).ok());
  jwt::Claims reader = ClaimsOf(kIssuerA, "orders-api");
  reader.other["scope"] = "orders.write";
  EXPECT_EQ(Authorize(kRead, Sign(key_a_, reader)).code(),
            absl::StatusCode::kPermissionDenied);
  // Revocation-sensitive, and no introspection configured: refused, not open.
  EXPECT_EQ(Authorize(kDelete, TokenA()).code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(AdoptionTest, RulesFromOptionsOpenMethodsExplicitly) {
  InterceptorOptions options = Options();
  options.rules = {{"/grpc.health.v1.Health/*", MethodRule{false, {}}}};
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_TRUE(
      auth->authorizer().Authorize("/grpc.health.v1.Health/Check", {}).ok());
  EXPECT_FALSE(auth->authorizer().Authorize(kOther, {}).ok());
}

TEST_F(AdoptionTest, EachIssuerHasItsOwnTyp) {
  InterceptorOptions options = Options();
  options.issuers[1].required_typ = "JWT";
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  const std::string b_jwt =
      "Bearer " + Sign(key_b_, ClaimsOf(kIssuerB, "orders-b"), "JWT");
  const std::string a_jwt =
      "Bearer " + Sign(key_a_, ClaimsOf(kIssuerA, "orders-api"), "JWT");
  EXPECT_TRUE(auth->authorizer().Authorize(kRead, {b_jwt}).ok());
  EXPECT_EQ(jwt::ReasonOf(auth->authorizer().Authorize(kRead, {a_jwt})),
            jwt::Reason::kTypMismatch);
}

TEST_F(AdoptionTest, ASingleIssuerMayOptOutOfTheIssuerCheckInSoManyWords) {
  InterceptorOptions options = Options();
  options.issuers.resize(1);
  options.issuers[0].issuer.clear();
  options.issuers[0].skip_issuer_check = true;  // Tested here, never advised.
  absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
  ASSERT_TRUE(auth.ok()) << auth.status();
  const std::string header =
      "Bearer " + Sign(key_a_, ClaimsOf("https://any.example", "orders-api"));
  EXPECT_TRUE(auth->authorizer().Authorize(kRead, {header}).ok());
}

struct BadOptions {
  const char* name;
  std::function<void(InterceptorOptions&)> change;
  absl::StatusCode code;
  const char* message;  // A part of the error's message.
};

TEST_F(AdoptionTest, RefusesUnsafeOrIncompleteOptions) {
  using absl::StatusCode;
  const BadOptions cases[] = {
      {"no issuer", [](auto& o) { o.issuers.clear(); },
       StatusCode::kInvalidArgument, "issuers is empty"},
      {"empty issuer", [](auto& o) { o.issuers[0].issuer.clear(); },
       StatusCode::kInvalidArgument, "issuer is empty"},
      {"no audience", [](auto& o) { o.issuers[1].audiences.clear(); },
       StatusCode::kInvalidArgument, "audiences is empty"},
      {"empty audience", [](auto& o) { o.issuers[0].audiences = {""}; },
       StatusCode::kInvalidArgument, "empty audience"},
      {"no typ", [](auto& o) { o.issuers[1].required_typ.clear(); },
       StatusCode::kInvalidArgument, "required_typ is empty"},
      {"which issuer", [](auto& o) { o.issuers[1].required_typ.clear(); },
       StatusCode::kInvalidArgument, "issuers[1] (\"https://b.example\")"},
      {"skip with audience",
       [](auto& o) { o.issuers[0].skip_audience_check = true; },
       StatusCode::kInvalidArgument, "choose one"},
      {"repeated issuer",
       [](auto& o) { o.issuers[1].issuer = o.issuers[0].issuer; },
       StatusCode::kInvalidArgument, "listed twice"},
      {"skip iss with two issuers",
       [](auto& o) {
         o.issuers[0].issuer.clear();
         o.issuers[0].skip_issuer_check = true;
       },
       StatusCode::kInvalidArgument, "single trusted issuer"},
      {"leeway", [](auto& o) { o.leeway = absl::Milliseconds(1500); },
       StatusCode::kInvalidArgument, "leeway"},
      {"no file", [](auto& o) { o.issuers[0].keys = JwksFileKeys{}; },
       StatusCode::kInvalidArgument, "path is empty"},
      {"no address", [](auto& o) { o.issuers[0].keys = KeyServiceKeys{}; },
       StatusCode::kInvalidArgument, "address is empty"},
      {"jwks_uri over plain http",
       [](auto& o) {
         o.issuers[0].keys = JwksUriKeys{"http://a.example/jwks"};
       },
       StatusCode::kInvalidArgument, "allow_insecure_http"},
      {"discovery over plain http",
       [](auto& o) {
         o.issuers[0].keys = OidcDiscoveryKeys{"http://a.example"};
       },
       StatusCode::kInvalidArgument, "allow_insecure_http"},
      {"refresh",
       [](auto& o) {
         o.issuers[0].key_refresh.refresh_interval = absl::ZeroDuration();
       },
       StatusCode::kInvalidArgument, "intervals"},
      {"unknown service", [](auto& o) { o.services.push_back("no.Such"); },
       StatusCode::kNotFound, "no.Such"},
      {"bad rule",
       [](auto& o) {
         o.rules = {{"Health", MethodRule{}}};
       },
       StatusCode::kInvalidArgument, "pattern"},
      {"rule twice",
       [](auto& o) {
         o.rules = {{std::string(kRead), MethodRule{}}};
       },
       StatusCode::kInvalidArgument, "Annotated.Read"},
      {"introspection without client",
       [](auto& o) { o.introspection = IntrospectionEndpoint{"127.0.0.1:1"}; },
       StatusCode::kInvalidArgument, "client_id"},
      {"no clock", [](auto& o) { o.clock = nullptr; },
       StatusCode::kInvalidArgument, "clock"},
  };
  for (const BadOptions& bad : cases) {
    InterceptorOptions options = Options();
    bad.change(options);
    absl::StatusOr<Interceptor> auth = Interceptor::Create(std::move(options));
    EXPECT_EQ(auth.status().code(), bad.code)
        << bad.name << ": " << auth.status();
    EXPECT_NE(auth.status().message().find(bad.message),
              absl::string_view::npos)
        << bad.name << ": " << auth.status();
  }
  // The explicit opt-out is accepted.
  InterceptorOptions options = Options();
  options.issuers[0].audiences.clear();
  options.issuers[0].skip_audience_check = true;
  EXPECT_TRUE(Interceptor::Create(std::move(options)).ok());
}

// identity.test.Annotated, counting its handler runs.
class CountingAnnotated final : public test::Annotated::Service {
 public:
  explicit CountingAnnotated(const Interceptor* auth) : auth_(auth) {}
  grpc::Status Read(grpc::ServerContext* context, const test::Empty*,
                    test::Empty*) override {
    ++runs;
    auto caller = auth_->Caller(*context);
    if (!caller.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "");
    last_issuer = (*caller)->claims.iss.value_or("");
    return grpc::Status::OK;
  }
  std::atomic<int> runs{0};
  std::string last_issuer;

 private:
  const Interceptor* const auth_;
};

TEST_F(AdoptionTest, TheCredentialsRefuseBeforeTheHandler) {
  CountingAnnotated service(auth_.get());
  test_support::LoopbackServer served =
      test_support::ServeOnLoopback(auth_->credentials(), &service);
  ASSERT_NE(served.server, nullptr);
  auto stub = test::Annotated::NewStub(served.channel);
  const auto call = [&stub](const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    test::Empty reply;
    return stub->Read(&context, test::Empty(), &reply);
  };
  EXPECT_EQ(call("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status wrong = call(Sign(key_b_, ClaimsOf(kIssuerB, "orders-api")));
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_NE(wrong.error_message().find("audience_mismatch"), std::string::npos)
      << wrong.error_message();
  EXPECT_EQ(service.runs, 0) << "a refused call reached its handler";
  EXPECT_TRUE(call(TokenB()).ok());
  EXPECT_EQ(service.last_issuer, kIssuerB);
  EXPECT_TRUE(call(TokenA()).ok());
  EXPECT_EQ(service.last_issuer, kIssuerA);
  EXPECT_EQ(service.runs, 2);
  served.server->Shutdown();
}

}  // namespace
}  // namespace identity::interceptor
