// The token source with a DPoP key (RFC 9449): its Token request carries a
// proof for the issuer's authority, and each outgoing call "authorization:
// DPoP <token>" with a fresh proof for the call's own authority and method.
// The issuer here is a test TokenService on loopback that verifies the
// proof with jwt::DpopProofVerifier and binds the token it mints to the
// proof's key; the resource server is the interceptor on loopback, TLS and
// plaintext (testing/dpop_round_trip.h).
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/interceptor/testing/dpop_round_trip.h"
#include "client/interceptor/token_source.h"
#include "client/interceptor/token_validator.h"
#include "gtest/gtest.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/dpop_proof.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"

namespace identity::interceptor {
namespace {

// A TokenService for client_credentials that binds its tokens to the key of
// a valid DPoP proof (htu for the :authority it was called on) and answers
// token_type "DPoP"; without a proof, a bearer token. `bind = false`: an
// issuer that ignores proofs.
class TestIssuer final : public v1::TokenService::Service {
 public:
  explicit TestIssuer(bool bind) : bind_(bind) {}

  grpc::Status Token(grpc::ServerContext* context,
                     const v1::TokenRequest* request,
                     v1::TokenResponse* response) override {
    if (request->client_id() != "billing" ||
        request->client_secret() != "s3cret") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid_client");
    }
    jwt::Claims claims;
    claims.iss = "https://id.example";
    claims.aud = {"orders-api"};
    claims.sub = "billing";
    claims.iat = absl::ToUnixSeconds(absl::Now());
    claims.exp = *claims.iat + 300;
    response->set_token_type("Bearer");
    const auto proofs = context->client_metadata().equal_range("dpop");
    if (bind_ && proofs.first != proofs.second) {
      const grpc::string_ref authority = context->ExperimentalGetAuthority();
      jwt::DpopRequest expected;
      expected.method = "POST";
      expected.uri = jwt::DpopGrpcUri(
          absl::string_view(authority.data(), authority.size()),
          "/identity.v1.TokenService/Token");
      auto proof =
          verifier_.Verify(absl::string_view(proofs.first->second.data(),
                                             proofs.first->second.size()),
                           expected);
      if (!proof.ok()) {
        return grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("invalid_dpop_proof: ", proof.status().message()));
      }
      claims.other["cnf"] = {{"jkt", proof->jkt}};
      response->set_token_type("DPoP");
      absl::MutexLock lock(&mu_);
      ++bound_;
    }
    response->set_access_token(*signer_.Sign(claims));
    response->set_expires_in(300);
    return grpc::Status::OK;
  }

  std::shared_ptr<const TokenValidator> Validator() const {
    jwt::VerifierOptions options;
    options.issuer = "https://id.example";
    options.audiences = {"orders-api"};
    options.required_typ = "at+jwt";
    auto jwks = std::make_shared<const jwt::Jwks>(
        *jwt::Jwks::FromKeys({key_.PublicKey()}));
    return std::make_shared<JwksTokenValidator>(
        *jwt::JwtVerifier::Create(options), [jwks] { return jwks; });
  }

  int bound() const {
    absl::MutexLock lock(&mu_);
    return bound_;
  }

 private:
  const bool bind_;
  jwt::Jwk key_ = *jwt::Jwk::Generate(jwt::Algorithm::kES256, "issuer");
  jwt::JwtSigner signer_ = *jwt::JwtSigner::Create(key_, {.typ = "at+jwt"});
  jwt::DpopProofVerifier verifier_ = *jwt::DpopProofVerifier::Create({});
  mutable absl::Mutex mu_;
  int bound_ ABSL_GUARDED_BY(mu_) = 0;
};

class TokenSourceDpopTest : public ::testing::Test {
 protected:
  void Start(bool bind) {
    issuer_ = std::make_unique<TestIssuer>(bind);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(issuer_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    authority_ = absl::StrCat("127.0.0.1:", port);
    channel_ =
        grpc::CreateChannel(authority_, grpc::InsecureChannelCredentials());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::shared_ptr<TokenSource> Source(bool with_key,
                                      std::string issuer_authority) {
    TokenSourceOptions options;
    options.client_id = "billing";
    options.client_secret = "s3cret";
    if (with_key) {
      options.dpop_key = std::make_shared<const jwt::Jwk>(key_);
      options.issuer_authority = std::move(issuer_authority);
    }
    return TokenSource::Create(channel_, std::move(options));
  }

  jwt::Jwk key_ = *GenerateDpopKey();
  std::unique_ptr<TestIssuer> issuer_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::string authority_;
};

TEST(GenerateDpopKeyTest, IsAnEcP256SigningKey) {
  auto key = GenerateDpopKey();
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_TRUE(key->is_private());
  EXPECT_EQ(key->crv(), "P-256");
  EXPECT_EQ(key->SigningAlgorithm(), jwt::Algorithm::kES256);
  EXPECT_NE(key->Thumbprint(), GenerateDpopKey()->Thumbprint());
}

TEST_F(TokenSourceDpopTest, BoundTokenCallsPassWithAFreshProofEach) {
  Start(/*bind=*/true);
  auto tokens = Source(true, authority_);
  auto jkt = testing::DpopRoundTrip(issuer_->Validator(), tokens, 3);
  ASSERT_TRUE(jkt.ok()) << jkt.status();
  EXPECT_EQ(*jkt, key_.Thumbprint());
  EXPECT_TRUE(tokens->dpop_bound());
  EXPECT_EQ(issuer_->bound(), 1);
  EXPECT_EQ(tokens->requests(), 1) << "one token for every call";
}

TEST_F(TokenSourceDpopTest, EachCallGetsItsOwnProof) {
  Start(/*bind=*/true);
  auto tokens = Source(true, authority_);
  auto first = tokens->AuthorizationFor("orders.example", "/a.B/C");
  auto second = tokens->AuthorizationFor("orders.example", "/a.B/C");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->authorization.rfind("DPoP ", 0), 0u);
  EXPECT_EQ(first->authorization, second->authorization);
  EXPECT_NE(first->dpop, second->dpop);
  // The proof is for that call: htu, htm and ath verify, with this key.
  auto verifier = jwt::DpopProofVerifier::Create({});
  jwt::DpopRequest request;
  request.method = "POST";
  request.uri = "https://orders.example/a.B/C";
  request.access_token = first->authorization.substr(5);
  auto proof = verifier->Verify(first->dpop, request);
  ASSERT_TRUE(proof.ok()) << proof.status();
  EXPECT_EQ(proof->jkt, key_.Thumbprint());
  request.uri = "https://orders.example/a.B/D";
  EXPECT_FALSE(verifier->Verify(first->dpop, request).ok());
}

TEST_F(TokenSourceDpopTest, TheTokenRequestsProofNamesTheIssuersAuthority) {
  Start(/*bind=*/true);
  auto tokens = Source(true, "id.elsewhere:443");
  auto token = tokens->Token();
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(token.status().message().find("dpop_htu_mismatch"),
            std::string::npos)
      << token.status();
  EXPECT_EQ(issuer_->bound(), 0);
}

TEST_F(TokenSourceDpopTest, AKeyNeedsTheIssuersAuthority) {
  Start(/*bind=*/true);
  auto token = Source(true, "")->Token();
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(token.status().message().find("issuer_authority"),
            std::string::npos);
}

TEST_F(TokenSourceDpopTest, AnUnboundTokenIsSentAsBearer) {
  // The issuer did not bind (token_type "Bearer"): a bearer token, no proof;
  // a resource server requiring DPoP refuses it.
  Start(/*bind=*/false);
  auto tokens = Source(true, authority_);
  auto call = tokens->AuthorizationFor("orders.example", "/a.B/C");
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->authorization.rfind("Bearer ", 0), 0u);
  EXPECT_TRUE(call->dpop.empty());
  EXPECT_FALSE(tokens->dpop_bound());
  auto jkt = testing::DpopRoundTrip(issuer_->Validator(), tokens, 1);
  EXPECT_EQ(jkt.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(jkt.status().message().find("DPoP-bound tokens only"),
            std::string::npos)
      << jkt.status();
}

TEST_F(TokenSourceDpopTest, WithoutAKeyTokensStayBearer) {
  Start(/*bind=*/true);
  auto tokens = Source(false, "");
  auto call = tokens->AuthorizationFor("orders.example", "/a.B/C");
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->authorization.rfind("Bearer ", 0), 0u);
  EXPECT_TRUE(call->dpop.empty());
  EXPECT_EQ(issuer_->bound(), 0);
}

}  // namespace
}  // namespace identity::interceptor
