// TokenService and IntrospectionService over real loopback gRPC, on the
// in-memory store.
#include "server/grpc/token_service.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "jwt/jwks.h"
#include "jwt/jwt_verifier.h"
#include "server/grpc/client_credentials_metadata.h"
#include "server/grpc/key_service.h"
#include "server/grpc/status_mapping.h"
#include "server/grpc/testing/error_reason.h"
#include "server/oauth/claim_release.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using testing::ReasonOf;

constexpr char kRedirect[] = "https://app.example/cb";
constexpr char kVerifier[] = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fixture_.AddClient("worker", "worker-secret").ok());
    ASSERT_TRUE(fixture_.AddClient("a:b c", "s%cret").ok());
    storage::ClientRecord web;
    web.client_id = "web";
    web.allowed_scopes = {"orders.read"};
    web.grant_types = {"authorization_code", "refresh_token"};
    web.redirect_uris = {kRedirect};
    web.secret_hash = fixture_.hasher.Hash("web-secret");
    web.created_at = web.updated_at = clock_.Now();
    ASSERT_TRUE(fixture_.store.CreateClient(web).ok());
    auto alice = flows_.users.Create(
        {"alice", "correct horse", "Alice", "alice@example.com", true});
    ASSERT_TRUE(alice.ok()) << alice.status();
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&token_service_);
    builder.RegisterService(&introspection_service_);
    builder.RegisterService(&key_service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    token_stub_ = v1::TokenService::NewStub(channel);
    introspection_stub_ = v1::IntrospectionService::NewStub(channel);
    key_stub_ = v1::KeyService::NewStub(channel);
  }

  void TearDown() override { server_->Shutdown(); }

  grpc::Status Token(const v1::TokenRequest& request, v1::TokenResponse* out,
                     const std::string& authorization = "") {
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    return token_stub_->Token(&context, request, out);
  }

  v1::AuthorizeRequest Authorization() {
    v1::AuthorizeRequest request;
    request.set_response_type("code");
    request.set_client_id("web");
    request.set_redirect_uri(kRedirect);
    request.set_scope("openid profile email orders.read");
    request.set_state("st");
    request.set_code_challenge(S256Challenge(kVerifier));
    request.set_code_challenge_method("S256");
    request.set_username("alice");
    request.set_password("correct horse");
    return request;
  }

  grpc::Status Authorize(const v1::AuthorizeRequest& request,
                         v1::AuthorizeResponse* response,
                         const std::string& authorization = "") {
    grpc::ClientContext context;
    if (!authorization.empty()) {
      context.AddMetadata("authorization", authorization);
    }
    return token_stub_->Authorize(&context, request, response);
  }

  // A user's tokens through Authorize and the authorization_code grant.
  v1::TokenResponse UserTokens() { return UserTokens(Authorization()); }
  v1::TokenResponse UserTokens(const v1::AuthorizeRequest& authorization) {
    v1::AuthorizeResponse code;
    EXPECT_TRUE(Authorize(authorization, &code).ok());
    v1::TokenRequest request;
    request.set_grant_type("authorization_code");
    request.set_client_id("web");
    request.set_client_secret("web-secret");
    request.set_code(code.code());
    request.set_redirect_uri(kRedirect);
    request.set_code_verifier(kVerifier);
    v1::TokenResponse tokens;
    const grpc::Status status = Token(request, &tokens);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return tokens;
  }

  grpc::Status UserInfo(const std::string& token, v1::UserInfoResponse* out,
                        bool in_metadata) {
    grpc::ClientContext context;
    v1::UserInfoRequest request;
    if (in_metadata) {
      context.AddMetadata("authorization", "Bearer " + token);
    } else {
      request.set_access_token(token);
    }
    return token_stub_->UserInfo(&context, request, out);
  }

  v1::TokenRequest Request(const std::string& scope = "") {
    v1::TokenRequest request;
    request.set_grant_type("client_credentials");
    request.set_client_id("worker");
    request.set_client_secret("worker-secret");
    request.set_scope(scope);
    return request;
  }

  testing::UserFlowsFixture flows_;
  testing::OAuthFixture& fixture_ = flows_.f;
  jwt::FakeClock& clock_ = fixture_.clock;
  // Threads start only for calls that may block (call_runner.h).
  BlockingPool pool_{BlockingPool::Options{8, 0, absl::InfiniteDuration()}};
  TokenServiceImpl token_service_{TokenServiceParts{
      &flows_.tokens, &flows_.authorization, &flows_.pushed, &flows_.revoker,
      &flows_.userinfo, nullptr, &fixture_.authenticator, nullptr, &pool_}};
  IntrospectionServiceImpl introspection_service_{&fixture_.introspector,
                                                  &pool_};
  KeyServiceImpl key_service_{fixture_.keys.get(), &pool_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::TokenService::Stub> token_stub_;
  std::unique_ptr<v1::IntrospectionService::Stub> introspection_stub_;
  std::unique_ptr<v1::KeyService::Stub> key_stub_;
};

TEST_F(TokenServiceTest, GetJwksVerifiesIssuedTokensWithoutPrivateMembers) {
  grpc::ClientContext context;
  v1::GetJwksResponse jwks_response;
  ASSERT_TRUE(
      key_stub_->GetJwks(&context, v1::GetJwksRequest(), &jwks_response).ok());
  EXPECT_EQ(jwks_response.keys_size(), 2);  // CURRENT and NEXT.
  EXPECT_EQ(jwks_response.jwks_json().find("\"d\""), std::string::npos);
  for (const auto& key : jwks_response.keys()) {
    EXPECT_EQ(key.kty(), "EC");
    EXPECT_EQ(key.alg(), "ES256");
    EXPECT_EQ(key.use(), "sig");
    EXPECT_FALSE(key.x().empty());
  }
  auto jwks = jwt::Jwks::Parse(jwks_response.jwks_json());
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  v1::TokenResponse token;
  ASSERT_TRUE(Token(Request(), &token).ok());
  jwt::VerifierOptions options;
  options.issuer = "https://id.example";
  options.audiences = {"orders-api"};
  options.required_typ = "at+jwt";
  options.clock = &clock_;
  EXPECT_TRUE(jwt::JwtVerifier::Create(options)
                  ->Verify(token.access_token(), *jwks)
                  .ok());
}

TEST_F(TokenServiceTest, IssuesATokenThatIntrospectsActive) {
  v1::TokenResponse response;
  grpc::Status status = Token(Request("orders.read"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.token_type(), "Bearer");
  EXPECT_EQ(response.expires_in(), 600);
  EXPECT_EQ(response.scope(), "orders.read");

  grpc::ClientContext context;
  v1::IntrospectRequest request;
  request.set_token(response.access_token());
  request.set_client_id("worker");
  request.set_client_secret("worker-secret");
  v1::IntrospectResponse introspection;
  ASSERT_TRUE(
      introspection_stub_->Introspect(&context, request, &introspection).ok());
  EXPECT_TRUE(introspection.active());
  EXPECT_EQ(introspection.client_id(), "worker");
  EXPECT_EQ(introspection.scope(), "orders.read");
  EXPECT_EQ(introspection.aud(0), "orders-api");
  EXPECT_EQ(introspection.token_type(), "Bearer");
}

// The face asks the core (TokenEndpoint::MayBlock, Introspector::MayBlock):
// what is answered from memory runs on the gRPC thread that read the call,
// the rest on the pool.
TEST_F(TokenServiceTest, OnlyCallsThatMayBlockRunOnThePool) {
  for (int i = 0; i < 5; ++i) {
    v1::TokenResponse token;
    ASSERT_TRUE(Token(Request(), &token).ok());
    grpc::ClientContext context;
    v1::IntrospectRequest request;
    request.set_client_id("worker");
    request.set_client_secret("worker-secret");
    request.set_token(token.access_token());
    v1::IntrospectResponse answer;
    ASSERT_TRUE(
        introspection_stub_->Introspect(&context, request, &answer).ok());
    EXPECT_TRUE(answer.active());
    grpc::ClientContext jwks_context;
    v1::GetJwksResponse jwks;
    ASSERT_TRUE(key_stub_->GetJwks(&jwks_context, {}, &jwks).ok());
  }
  EXPECT_EQ(pool_.threads(), 0) << "client_credentials, Introspect, GetJwks";
  // A login (a password hash) and the code grant (the store) may block.
  const v1::TokenResponse user = UserTokens();
  EXPECT_FALSE(user.refresh_token().empty());
  EXPECT_GE(pool_.threads(), 1);
}

// RFC 8707 over gRPC: TokenRequest.resource sets "aud", introspection
// reports it, and the refusals are INVALID_ARGUMENT / invalid_target.
TEST_F(TokenServiceTest, ResourceIsTheTokensAudience) {
  storage::ResourceRecord orders;
  orders.resource = "https://orders.example/api";
  orders.scopes = {"orders.read"};
  ASSERT_TRUE(fixture_.store.CreateResource(orders).ok());
  v1::TokenRequest request = Request();
  request.add_resource(orders.resource);
  v1::TokenResponse response;
  grpc::Status status = Token(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.scope(), "orders.read");
  grpc::ClientContext context;
  v1::IntrospectRequest introspect;
  introspect.set_token(response.access_token());
  introspect.set_client_id("worker");
  introspect.set_client_secret("worker-secret");
  v1::IntrospectResponse introspection;
  ASSERT_TRUE(
      introspection_stub_->Introspect(&context, introspect, &introspection)
          .ok());
  ASSERT_EQ(introspection.aud_size(), 1);
  EXPECT_EQ(introspection.aud(0), orders.resource);

  request.add_resource("https://billing.example/");
  status = Token(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_target");
  v1::AuthorizeRequest authorize = Authorization();
  authorize.add_resource("https://unknown.example/");
  v1::AuthorizeResponse code;
  status = Authorize(authorize, &code);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_target");
}

TEST_F(TokenServiceTest, AcceptsBasicAuthorizationMetadata) {
  // RFC 6749 §2.3.1: id and secret are form-urlencoded, then base64.
  v1::TokenRequest request = Request();
  request.clear_client_id();
  request.clear_client_secret();
  v1::TokenResponse response;
  const std::string basic = "Basic " + absl::Base64Escape("a%3Ab+c:s%25cret");
  grpc::Status status = Token(request, &response, basic);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(response.access_token().empty());
}

TEST_F(TokenServiceTest, TwoAuthenticationMethodsAreInvalidRequest) {
  v1::TokenResponse response;
  grpc::Status status =
      Token(Request(), &response,
            "Basic " + absl::Base64Escape("worker:worker-secret"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_request");
}

TEST_F(TokenServiceTest, WrongSecretIsUnauthenticatedInvalidClient) {
  v1::TokenRequest request = Request();
  request.set_client_secret("nope");
  v1::TokenResponse response;
  grpc::Status status = Token(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "invalid_client");
  EXPECT_EQ(status.error_message().find("nope"), std::string::npos);
  EXPECT_TRUE(response.access_token().empty());
}

TEST_F(TokenServiceTest, ErrorsCarryTheirOAuthCodes) {
  v1::TokenResponse response;
  grpc::Status scope = Token(Request("admin"), &response);
  EXPECT_EQ(scope.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(scope), "invalid_scope");
  v1::TokenRequest request = Request();
  request.set_grant_type("password");
  grpc::Status grant = Token(request, &response);
  EXPECT_EQ(grant.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(grant), "unsupported_grant_type");
  grpc::Status basic = Token(Request(), &response, "Basic !!!");
  EXPECT_EQ(ReasonOf(basic), "invalid_request");  // Two methods, checked first.
}

TEST_F(TokenServiceTest, IntrospectionOfGarbageIsInactiveNotAnError) {
  grpc::ClientContext context;
  v1::IntrospectRequest request;
  request.set_token("not-a-token");
  request.set_client_id("worker");
  request.set_client_secret("worker-secret");
  v1::IntrospectResponse response;
  ASSERT_TRUE(
      introspection_stub_->Introspect(&context, request, &response).ok());
  EXPECT_FALSE(response.active());
  EXPECT_TRUE(response.client_id().empty());
}

TEST_F(TokenServiceTest, AuthorizeIssuesACodeForTheRedirect) {
  v1::AuthorizeResponse response;
  const grpc::Status status = Authorize(Authorization(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.state(), "st");
  EXPECT_EQ(response.code().size(), 43u);
  EXPECT_EQ(response.redirect_url().rfind(std::string(kRedirect) + "?code=", 0),
            0u)
      << response.redirect_url();
}

TEST_F(TokenServiceTest, AuthorizeErrorsKeepTheirReasonAndRedirect) {
  v1::AuthorizeRequest wrong = Authorization();
  wrong.set_password("nope");
  v1::AuthorizeResponse response;
  grpc::Status status = Authorize(wrong, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "access_denied");
  // OIDC Core §3.1.2.6 over gRPC: no sessions, so prompt=none is
  // login_required, for the client (redirected).
  v1::AuthorizeRequest none = Authorization();
  none.set_prompt("none");
  status = Authorize(none, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "login_required");
  EXPECT_NE(
      testing::MetadataOf(status)["redirect_uri"].find("error=login_required"),
      std::string::npos);
  // OIDC Core §6.1-6.2: Request Objects, set even empty, are refused.
  v1::AuthorizeRequest by_value = Authorization();
  by_value.set_request("");
  status = Authorize(by_value, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "request_not_supported");
  EXPECT_NE(testing::MetadataOf(status)["redirect_uri"].find(
                "error=request_not_supported"),
            std::string::npos);
  v1::AuthorizeRequest by_reference = Authorization();
  by_reference.set_request_uri("https://rp.example/request.jwt");
  status = Authorize(by_reference, &response);
  EXPECT_EQ(ReasonOf(status), "request_uri_not_supported");
  v1::AuthorizeRequest bad_age = Authorization();
  bad_age.set_max_age("soon");
  status = Authorize(bad_age, &response);
  EXPECT_EQ(ReasonOf(status), "invalid_request");
  v1::AuthorizeRequest no_credentials = Authorization();
  no_credentials.clear_username();
  no_credentials.clear_password();
  status = Authorize(no_credentials, &response);
  EXPECT_EQ(ReasonOf(status), "login_required");
  EXPECT_TRUE(testing::MetadataOf(status)["redirect_uri"].empty());
}

// OIDC Core §3.1.2.4 over gRPC: a third-party client's user consents
// through the login front end, which sends `consent` once they allowed the
// scopes named in the consent_required error, authenticated as a
// confidential first-party client (here worker): `consent` from a call
// without credentials is ignored, and the third-party client's own
// credentials (collecting the password in its own UI) cannot carry it.
TEST_F(TokenServiceTest, AuthorizeCarriesConsentForAThirdPartyClient) {
  storage::ClientRecord partner = *fixture_.store.GetClient("web");
  partner.third_party = true;
  ASSERT_TRUE(fixture_.store.UpdateClient(partner).ok());
  v1::AuthorizeRequest request = Authorization();
  v1::AuthorizeResponse response;
  grpc::Status status = Authorize(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "consent_required");
  auto metadata = testing::MetadataOf(status);
  EXPECT_EQ(metadata["scope"], "openid profile email orders.read");
  EXPECT_TRUE(metadata["redirect_uri"].empty());  // The front end asks.
  EXPECT_EQ(metadata["deny_redirect_uri"].rfind(
                std::string(kRedirect) + "?error=access_denied", 0),
            0u);
  request.set_consent(true);
  EXPECT_EQ(ReasonOf(Authorize(request, &response)), "consent_required");
  status = Authorize(request, &response,
                     "Basic " + absl::Base64Escape("web:web-secret"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ReasonOf(status), "unauthorized_client");
  status = Authorize(request, &response,
                     "Basic " + absl::Base64Escape("worker:wrong"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "invalid_client");
  EXPECT_TRUE(
      flows_.consents.List(flows_.users.List(0, "")->users.begin()->user_id)
          ->empty());
  status = Authorize(request, &response,
                     "Basic " + absl::Base64Escape("worker:worker-secret"));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.code().size(), 43u);
  // Remembered: the next request needs no `consent`; prompt=consent does.
  request.set_consent(false);
  EXPECT_TRUE(Authorize(request, &response).ok());
  request.set_prompt("consent");
  EXPECT_EQ(ReasonOf(Authorize(request, &response)), "consent_required");
}

// RFC 9126 over gRPC: PushAuthorization authenticates as Token (fields or
// Basic metadata), and Authorize with the request_uri uses the pushed
// parameters, once.
TEST_F(TokenServiceTest, PushedAuthorizationIsAuthorizedByReference) {
  v1::PushAuthorizationRequest push;
  push.set_response_type("code");
  push.set_redirect_uri(kRedirect);
  push.set_scope("openid orders.read");
  push.set_state("pushed");
  push.set_code_challenge(S256Challenge(kVerifier));
  push.set_code_challenge_method("S256");
  v1::PushAuthorizationResponse pushed;
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Basic d2ViOndlYi1zZWNyZXQ=");
    const grpc::Status status =
        token_stub_->PushAuthorization(&context, push, &pushed);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(pushed.request_uri().rfind("urn:ietf:params:oauth:request_uri:", 0),
            0u);
  EXPECT_EQ(pushed.expires_in(), 60);
  v1::AuthorizeRequest by_reference;
  by_reference.set_client_id("web");
  by_reference.set_request_uri(pushed.request_uri());
  by_reference.set_state("ignored");
  by_reference.set_username("alice");
  by_reference.set_password("correct horse");
  const v1::TokenResponse tokens = UserTokens(by_reference);
  EXPECT_FALSE(tokens.id_token().empty());
  v1::AuthorizeResponse response;
  const grpc::Status reused = Authorize(by_reference, &response);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(reused), "invalid_request");
  EXPECT_TRUE(testing::MetadataOf(reused)["redirect_uri"].empty());
}

TEST_F(TokenServiceTest, PushAuthorizationErrorsAreTheTokenEndpoints) {
  v1::PushAuthorizationRequest push;
  push.set_client_id("web");
  push.set_client_secret("wrong");
  push.set_response_type("code");
  push.set_redirect_uri(kRedirect);
  v1::PushAuthorizationResponse pushed;
  grpc::ClientContext wrong;
  grpc::Status status = token_stub_->PushAuthorization(&wrong, push, &pushed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "invalid_client");
  push.set_client_secret("web-secret");  // But no PKCE.
  grpc::ClientContext no_pkce;
  status = token_stub_->PushAuthorization(&no_pkce, push, &pushed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_request");
  EXPECT_TRUE(testing::MetadataOf(status)["redirect_uri"].empty());
  push.set_client_id("worker");
  push.set_client_secret("worker-secret");
  grpc::ClientContext worker;
  status = token_stub_->PushAuthorization(&worker, push, &pushed);
  EXPECT_EQ(ReasonOf(status), "unauthorized_client");
}

TEST_F(TokenServiceTest, UserInfoFromTheFieldOrBearerMetadata) {
  const v1::TokenResponse tokens = UserTokens();
  for (bool in_metadata : {false, true}) {
    v1::UserInfoResponse info;
    const grpc::Status status =
        UserInfo(tokens.access_token(), &info, in_metadata);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_FALSE(info.sub().empty());
    EXPECT_EQ(info.name(), "Alice");
    EXPECT_EQ(info.email(), "alice@example.com");
  }
  v1::UserInfoResponse info;
  const grpc::Status refused = UserInfo("not.a.token", &info, true);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(refused), "invalid_token");
}

// The gRPC face copies the one release table (claim_release.h): every
// releasable claim has its UserInfoResponse field, set when released.
TEST_F(TokenServiceTest, UserInfoCarriesEveryClaimTheScopesRelease) {
  const storage::UserRecord alice = *flows_.users.List(0, "")->users.begin();
  ASSERT_TRUE(flows_.users
                  .UpdateProfile(alice.user_id, alice.name, alice.email, true,
                                 [](storage::StandardClaims& c) {
                                   c.given_name = "Alice";
                                   c.family_name = "Liddell";
                                   c.middle_name = "P.";
                                   c.nickname = "al";
                                   c.profile = "https://example.com/alice";
                                   c.picture = "https://example.com/a.png";
                                   c.website = "https://alice.example";
                                   c.gender = "female";
                                   c.birthdate = "1852-05-04";
                                   c.zoneinfo = "Europe/London";
                                   c.locale = "en-GB";
                                   c.phone_number = "+441865270000";
                                   c.phone_number_verified = true;
                                   c.address.locality = "Oxford";
                                   c.address.country = "GB";
                                 })
                  .ok());
  v1::AuthorizeRequest all = Authorization();
  all.set_scope("openid profile email address phone");
  v1::UserInfoResponse info;
  ASSERT_TRUE(UserInfo(UserTokens(all).access_token(), &info, true).ok());
  const google::protobuf::Descriptor& fields = *info.GetDescriptor();
  for (const ReleasableClaim& claim : ReleasableClaims()) {
    const google::protobuf::FieldDescriptor* field =
        fields.FindFieldByName(claim.name);
    ASSERT_NE(field, nullptr) << claim.name;
    if (field->has_presence()) {
      EXPECT_TRUE(info.GetReflection()->HasField(info, field)) << claim.name;
    }
  }
  EXPECT_EQ(info.given_name(), "Alice");
  EXPECT_EQ(info.birthdate(), "1852-05-04");
  EXPECT_EQ(info.address().locality(), "Oxford");
  EXPECT_EQ(info.address().formatted(), "");
  EXPECT_EQ(info.phone_number(), "+441865270000");
  EXPECT_TRUE(info.phone_number_verified());
  EXPECT_GT(info.updated_at(), 0);

  v1::AuthorizeRequest email = Authorization();
  email.set_scope("openid email");
  v1::UserInfoResponse only;
  ASSERT_TRUE(UserInfo(UserTokens(email).access_token(), &only, true).ok());
  v1::UserInfoResponse expected;
  expected.set_sub(alice.user_id);
  expected.set_email("alice@example.com");
  expected.set_email_verified(true);
  EXPECT_EQ(only.DebugString(), expected.DebugString());
}

TEST_F(TokenServiceTest, RevokedAccessTokenStopsWorking) {
  const v1::TokenResponse tokens = UserTokens();
  grpc::ClientContext context;
  v1::RevokeRequest revoke;
  revoke.set_token(tokens.access_token());
  revoke.set_client_id("web");
  revoke.set_client_secret("web-secret");
  v1::RevokeResponse revoked;
  ASSERT_TRUE(token_stub_->Revoke(&context, revoke, &revoked).ok());
  v1::UserInfoResponse info;
  const grpc::Status refused = UserInfo(tokens.access_token(), &info, false);
  EXPECT_EQ(ReasonOf(refused), "invalid_token");
  // Another client may not revoke it, and learns so (RFC 7009 §2.1).
  grpc::ClientContext other;
  revoke.set_client_id("worker");
  revoke.set_client_secret("worker-secret");
  EXPECT_EQ(ReasonOf(token_stub_->Revoke(&other, revoke, &revoked)),
            "unauthorized_client");
}

// The faces agree (server/oauth/client_credentials.h): authorization
// metadata in a scheme other than Basic is invalid_client.
TEST_F(TokenServiceTest, BearerMetadataDoesNotAuthenticateAClient) {
  v1::TokenResponse response;
  const grpc::Status status = Token(Request(), &response, "Bearer abc");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ReasonOf(status), "invalid_client");
}

TEST(ClientCredentialsMetadataTest, ParsesAndRefusesBasicValues) {
  auto ok =
      ParseBasicAuthorization("basic " + absl::Base64Escape("id:se%3Acret"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->client_id, "id");
  EXPECT_EQ(ok->client_secret, "se:cret");
  for (const std::string& bad :
       {std::string("Basic"), std::string("Bearer abc"),
        std::string("Basic !!"), "Basic " + absl::Base64Escape("no-colon"),
        "Basic " + absl::Base64Escape("id:bad%zz"),
        "Basic " + absl::Base64Escape("id:trailing%")}) {
    EXPECT_EQ(OAuthErrorOf(ParseBasicAuthorization(bad).status()),
              OAuthError::kInvalidClient)
        << bad;
  }
}

TEST(StatusMappingTest, NonOAuthErrorsHaveNoErrorInfo) {
  const grpc::Status status = ToGrpcStatus(absl::UnavailableError("db down"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(status.error_details().empty());
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

// A throttled login (ResourceExhausted) and a busy server (Unavailable) are
// both RESOURCE_EXHAUSTED / temporarily_unavailable with retry_after_seconds:
// clients back off either way.
TEST(StatusMappingTest, TemporarilyUnavailableIsAlwaysResourceExhausted) {
  for (absl::StatusCode code :
       {absl::StatusCode::kResourceExhausted, absl::StatusCode::kUnavailable}) {
    const grpc::Status status = ToGrpcStatus(WithErrorDetail(
        OAuthFailure(OAuthError::kTemporarilyUnavailable, "wait", code),
        "retry_after_seconds", "1"));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(ReasonOf(status), "temporarily_unavailable");
    google::rpc::Status details;
    ASSERT_TRUE(details.ParseFromString(status.error_details()));
    EXPECT_EQ(details.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
}

TEST(PeerAddressTest, KeepsTheAddressWithoutThePort) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.1:5000"), "10.0.0.1");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:5000"), "::1");
  EXPECT_EQ(PeerAddress("ipv6:[2001:db8::7]:443"), "2001:db8::7");
  EXPECT_EQ(PeerAddress("unix:/tmp/socket"), "unix");
  EXPECT_EQ(PeerAddress(""), "");
}

}  // namespace
}  // namespace identity::server
