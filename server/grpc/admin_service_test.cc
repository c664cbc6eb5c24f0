// AdminService and KeyService's admin methods over real loopback gRPC, behind
// the server's own authorizer: no token, a foreign or expired token, or one
// without identity.admin is refused before the handler, and changes nothing.
#include "server/grpc/admin_service.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "client/interceptor/server_credentials.h"
#include "gtest/gtest.h"
#include "jwt/claims.h"
#include "jwt/jwk.h"
#include "jwt/jwt_signer.h"
#include "server/grpc/key_service.h"
#include "server/grpc/server_auth.h"
#include "server/grpc/status_mapping.h"
#include "server/grpc/testing/error_reason.h"
#include "server/oauth/bootstrap_admin.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/testing/user_flows_fixture.h"

namespace identity::server {
namespace {

using testing::ReasonOf;

class AdminServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(EnsureBootstrapAdmin(fixture_.store, fixture_.hasher, "admin",
                                     "admin-secret", fixture_.clock.Now())
                    .ok());
    ASSERT_TRUE(fixture_.AddClient("worker", "worker-secret").ok());
    auto authorizer =
        MakeServerAuthorizer(fixture_.keys.get(), testing::kFixtureIssuer,
                             &fixture_.clock, nullptr, &fixture_.store);
    ASSERT_TRUE(authorizer.ok()) << authorizer.status();
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(
        "127.0.0.1:0", interceptor::AuthorizingServerCredentials(*authorizer),
        &port);
    builder.RegisterService(&admin_service_);
    builder.RegisterService(&key_service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    admin_ = v1::AdminService::NewStub(channel);
    keys_ = v1::KeyService::NewStub(channel);
    auto token = fixture_.tokens.Exchange(
        {"client_credentials", "admin", "admin-secret", ""});
    ASSERT_TRUE(token.ok()) << token.status();
    admin_token_ = token->access_token;
  }

  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty())
      context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  grpc::Status Create(const std::string& token,
                      const v1::CreateClientRequest& request,
                      v1::CreateClientResponse* response) {
    return admin_->CreateClient(Context(token).get(), request, response);
  }

  size_t ClientCount() {
    return fixture_.store.ListClients("", 10'000)->size();
  }

  testing::UserFlowsFixture flows_;
  testing::OAuthFixture& fixture_ = flows_.f;
  ClientRegistry registry_{&fixture_.store,
                           &fixture_.hasher,
                           &fixture_.clock,
                           SystemRandom(),
                           {"ES256"}};
  ResourceRegistry resources_{&fixture_.store, &fixture_.clock};
  AdminServiceImpl admin_service_{&registry_, &flows_.users, &flows_.sessions,
                                  &flows_.consents, &resources_};
  KeyServiceImpl key_service_{fixture_.keys.get()};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::KeyService::Stub> keys_;
  std::string admin_token_;
};

// RFC 8707 resources: created, read, listed, updated and deleted with an
// admin token; bad input is INVALID_ARGUMENT / invalid_request; no token is
// UNAUTHENTICATED.
TEST_F(AdminServiceTest, ManagesResourcesWithAnAdminToken) {
  v1::CreateResourceRequest create;
  create.set_resource("https://orders.example/api");
  create.set_name("Orders");
  create.add_scopes("orders.read");
  v1::Resource created;
  grpc::Status s =
      admin_->CreateResource(Context(admin_token_).get(), create, &created);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(created.scopes(0), "orders.read");
  EXPECT_EQ(
      admin_->CreateResource(Context(admin_token_).get(), create, &created)
          .error_code(),
      grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(
      admin_->CreateResource(Context("").get(), create, &created).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  v1::CreateResourceRequest bad = create;
  bad.set_resource("https://orders.example/api#fragment");
  s = admin_->CreateResource(Context(admin_token_).get(), bad, &created);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(s), "invalid_request");

  v1::UpdateResourceRequest update;
  update.set_resource(create.resource());
  update.set_name("Orders v2");
  update.add_scopes("orders.write");
  v1::Resource updated;
  ASSERT_TRUE(
      admin_->UpdateResource(Context(admin_token_).get(), update, &updated)
          .ok());
  v1::GetResourceRequest get;
  get.set_resource(create.resource());
  v1::Resource got;
  ASSERT_TRUE(admin_->GetResource(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(got.name(), "Orders v2");
  EXPECT_EQ(got.scopes(0), "orders.write");
  v1::ListResourcesResponse listed;
  ASSERT_TRUE(
      admin_->ListResources(Context(admin_token_).get(), {}, &listed).ok());
  ASSERT_EQ(listed.resources_size(), 1);
  v1::DeleteResourceRequest remove;
  remove.set_resource(create.resource());
  v1::DeleteResourceResponse removed;
  ASSERT_TRUE(
      admin_->DeleteResource(Context(admin_token_).get(), remove, &removed)
          .ok());
  EXPECT_EQ(
      admin_->GetResource(Context(admin_token_).get(), get, &got).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(AdminServiceTest, ManagesClientsWithAnAdminToken) {
  v1::CreateClientRequest create;
  create.set_client_id("billing");
  create.set_name("Billing");
  create.add_allowed_scopes("orders.read");
  v1::CreateClientResponse created;
  ASSERT_TRUE(Create(admin_token_, create, &created).ok());
  EXPECT_EQ(created.client().client_id(), "billing");
  EXPECT_EQ(created.client().allowed_scopes(0), "orders.read");
  EXPECT_EQ(created.client().created_at().seconds(),
            absl::ToUnixSeconds(testing::kFixtureNow));
  EXPECT_EQ(created.client_secret().size(), 43u);
  // The new client can get a token with its secret.
  EXPECT_TRUE(fixture_.tokens
                  .Exchange({"client_credentials", "billing",
                             created.client_secret(), "orders.read"})
                  .ok());

  v1::Client got;
  v1::GetClientRequest get;
  get.set_client_id("billing");
  ASSERT_TRUE(admin_->GetClient(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(got.name(), "Billing");

  v1::UpdateClientRequest update;
  update.set_client_id("billing");
  update.set_name("Billing v2");
  update.add_allowed_scopes("orders.write");
  v1::Client updated;
  ASSERT_TRUE(
      admin_->UpdateClient(Context(admin_token_).get(), update, &updated).ok());
  EXPECT_EQ(updated.allowed_scopes(0), "orders.write");

  v1::ListClientsRequest list;
  list.set_page_size(2);
  v1::ListClientsResponse page;
  ASSERT_TRUE(
      admin_->ListClients(Context(admin_token_).get(), list, &page).ok());
  ASSERT_EQ(page.clients_size(), 2);
  EXPECT_EQ(page.clients(0).client_id(), "admin");
  EXPECT_EQ(page.clients(1).client_id(), "billing");
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(
      admin_->ListClients(Context(admin_token_).get(), list, &page).ok());
  ASSERT_EQ(page.clients_size(), 1);
  EXPECT_EQ(page.clients(0).client_id(), "worker");
  EXPECT_TRUE(page.next_page_token().empty());

  v1::DeleteClientRequest del;
  del.set_client_id("billing");
  v1::DeleteClientResponse deleted;
  ASSERT_TRUE(
      admin_->DeleteClient(Context(admin_token_).get(), del, &deleted).ok());
  EXPECT_EQ(admin_->DeleteClient(Context(admin_token_).get(), del, &deleted)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      admin_->GetClient(Context(admin_token_).get(), get, &got).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// Browser login sessions: listed per user, ended one by one or all at once
// (LoginSessions, the one place a session ends).
TEST_F(AdminServiceTest, ListsAndEndsLoginSessions) {
  auto first = flows_.sessions.Start("user-1", fixture_.clock.Now());
  fixture_.clock.Advance(absl::Seconds(1));
  auto second = flows_.sessions.Start("user-1", fixture_.clock.Now());
  auto other = flows_.sessions.Start("user-2", fixture_.clock.Now());
  ASSERT_TRUE(first.ok() && second.ok() && other.ok());
  v1::ListSessionsRequest list;
  list.set_user_id("user-1");
  v1::ListSessionsResponse listed;
  ASSERT_TRUE(
      admin_->ListSessions(Context(admin_token_).get(), list, &listed).ok());
  ASSERT_EQ(listed.sessions_size(), 2);
  EXPECT_EQ(listed.sessions(0).sid(), first->record.sid);
  EXPECT_EQ(listed.sessions(0).user_id(), "user-1");
  EXPECT_EQ(listed.sessions(0).expires_at().seconds(),
            absl::ToUnixSeconds(first->record.expires_at));

  v1::EndSessionRequest end;
  end.set_sid(first->record.sid);
  v1::EndSessionResponse ended;
  ASSERT_TRUE(
      admin_->EndSession(Context(admin_token_).get(), end, &ended).ok());
  EXPECT_EQ(ended.session().sid(), first->record.sid);
  EXPECT_EQ(
      admin_->EndSession(Context(admin_token_).get(), end, &ended).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  end.set_sid("no-such-session");
  EXPECT_EQ(
      admin_->EndSession(Context(admin_token_).get(), end, &ended).error_code(),
      grpc::StatusCode::NOT_FOUND);
  end.set_sid("");
  EXPECT_EQ(
      admin_->EndSession(Context(admin_token_).get(), end, &ended).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(
      flows_.sessions.Resolve(first->secret, "user-1").ok());  // Ended.

  v1::EndUserSessionsRequest end_all;
  end_all.set_user_id("user-1");
  v1::EndUserSessionsResponse all;
  ASSERT_TRUE(
      admin_->EndUserSessions(Context(admin_token_).get(), end_all, &all).ok());
  EXPECT_EQ(all.ended(), 1);
  EXPECT_TRUE(flows_.sessions.Resolve(other->secret, "user-2").ok());
  // Without an admin token: refused before the handler.
  EXPECT_EQ(admin_->ListSessions(Context("").get(), list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AdminServiceTest, RefusesBadInputWithItsReason) {
  v1::CreateClientRequest create;
  create.set_client_id("bad id");
  v1::CreateClientResponse created;
  grpc::Status status = Create(admin_token_, create, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_request");
  EXPECT_NE(status.error_message().find("client_id"), std::string::npos);
  create.set_client_id("worker");
  EXPECT_EQ(Create(admin_token_, create, &created).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(ClientCount(), 2u);
}

TEST_F(AdminServiceTest, RefusesCallersWithoutAnAdminToken) {
  // A valid token of this issuer without identity.admin.
  auto worker = fixture_.tokens.Exchange(
      {"client_credentials", "worker", "worker-secret", "orders.read"});
  ASSERT_TRUE(worker.ok());
  // A token with the admin scope signed by a key this server does not have.
  jwt::Jwk foreign_key = *jwt::Jwk::Generate(jwt::Algorithm::kES256);
  jwt::Claims claims;
  claims.iss = testing::kFixtureIssuer;
  claims.sub = "admin";
  claims.iat = absl::ToUnixSeconds(fixture_.clock.Now());
  claims.exp = *claims.iat + 60;
  claims.other["scope"] = kAdminScope;
  const std::string forged =
      *jwt::JwtSigner::Create(foreign_key, {.typ = "at+jwt"})->Sign(claims);

  v1::CreateClientRequest create;
  create.set_client_id("intruder");
  v1::CreateClientResponse created;
  struct Case {
    std::string token;
    grpc::StatusCode code;
  };
  for (const Case& c : std::vector<Case>{
           {"", grpc::StatusCode::UNAUTHENTICATED},
           {"garbage", grpc::StatusCode::UNAUTHENTICATED},
           {forged, grpc::StatusCode::UNAUTHENTICATED},
           {worker->access_token, grpc::StatusCode::PERMISSION_DENIED}}) {
    EXPECT_EQ(Create(c.token, create, &created).error_code(), c.code)
        << c.token;
  }
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic YWRtaW46YWRtaW4tc2VjcmV0");
  EXPECT_EQ(admin_->CreateClient(&basic, create, &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  const size_t keys_before = fixture_.store.ListSigningKeys()->size();
  v1::RotateKeysResponse rotated;
  EXPECT_EQ(keys_->RotateKeys(Context(worker->access_token).get(), {}, &rotated)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::ListKeysResponse listed;
  EXPECT_EQ(keys_->ListKeys(Context("").get(), {}, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(fixture_.store.ListSigningKeys()->size(), keys_before);
  // GetJwks stays public.
  v1::GetJwksResponse jwks;
  EXPECT_TRUE(keys_->GetJwks(Context("").get(), {}, &jwks).ok());

  // The admin token stops working when it expires.
  fixture_.clock.Advance(absl::Minutes(11));
  EXPECT_EQ(Create(admin_token_, create, &created).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ClientCount(), 2u);
}

TEST_F(AdminServiceTest, ListsAndRotatesKeys) {
  v1::ListKeysResponse before;
  ASSERT_TRUE(keys_->ListKeys(Context(admin_token_).get(), {}, &before).ok());
  ASSERT_EQ(before.keys_size(), 2);
  std::string current, next;
  for (const auto& key : before.keys()) {
    EXPECT_EQ(key.alg(), "ES256");
    if (key.state() == v1::KEY_STATE_CURRENT) current = key.kid();
    if (key.state() == v1::KEY_STATE_NEXT) next = key.kid();
  }
  ASSERT_FALSE(current.empty());
  ASSERT_FALSE(next.empty());

  fixture_.clock.Advance(absl::Minutes(1));
  v1::RotateKeysResponse rotated;
  ASSERT_TRUE(
      keys_->RotateKeys(Context(admin_token_).get(), {}, &rotated).ok());
  EXPECT_EQ(rotated.current().kid(), next);
  EXPECT_EQ(rotated.current().activated_at().seconds(),
            absl::ToUnixSeconds(fixture_.clock.Now()));
  EXPECT_NE(rotated.next().kid(), next);
  EXPECT_NE(rotated.next().kid(), current);

  v1::ListKeysResponse after;
  ASSERT_TRUE(keys_->ListKeys(Context(admin_token_).get(), {}, &after).ok());
  ASSERT_EQ(after.keys_size(), 3);
  for (const auto& key : after.keys()) {
    if (key.kid() != current) continue;
    EXPECT_EQ(key.state(), v1::KEY_STATE_RETIRED);
    EXPECT_TRUE(key.has_retired_at());
    EXPECT_GT(key.remove_at().seconds(), key.retired_at().seconds());
  }
  // The admin token, signed by the now-retired key, still works.
  v1::ListKeysResponse again;
  EXPECT_TRUE(keys_->ListKeys(Context(admin_token_).get(), {}, &again).ok());
}

// Whatever asymmetric algorithm the server signs with, its own verifiers
// (introspection and admin calls) accept its tokens.
TEST(ServerVerifiersTest, AcceptEverySigningAlgorithm) {
  for (jwt::Algorithm alg : ServerSigningAlgorithms()) {
    SCOPED_TRACE(jwt::AlgorithmName(alg));
    testing::OAuthFixture fixture(KeyManagerOptions{{alg}});
    ASSERT_TRUE(EnsureBootstrapAdmin(fixture.store, fixture.hasher, "admin",
                                     "admin-secret", fixture.clock.Now())
                    .ok());
    auto token = fixture.tokens.Exchange(
        {"client_credentials", "admin", "admin-secret", ""});
    ASSERT_TRUE(token.ok()) << token.status();
    auto introspection = fixture.introspector.Introspect(
        "admin", "admin-secret", token->access_token);
    ASSERT_TRUE(introspection.ok());
    EXPECT_TRUE(introspection->active);
    auto authorizer = MakeServerAuthorizer(
        fixture.keys.get(), testing::kFixtureIssuer, &fixture.clock);
    ASSERT_TRUE(authorizer.ok());
    const std::string header = "Bearer " + token->access_token;
    EXPECT_TRUE((*authorizer)
                    ->Authorize("/identity.v1.KeyService/RotateKeys", {header})
                    .ok());
  }
  EXPECT_EQ(ServerSigningAlgorithms().size(), 10u);  // No HMAC, no "none".
}

// Several algorithms configured at once: a token signed by any of their
// CURRENT keys passes introspection, the admin methods' guard (the
// interceptor) and OwnAccessTokens, whichever signs access tokens now.
TEST(ServerVerifiersTest, AcceptTokensOfEveryConfiguredAlgorithm) {
  testing::OAuthFixture fixture(
      KeyManagerOptions{{jwt::Algorithm::kES256, jwt::Algorithm::kRS256,
                         jwt::Algorithm::kEdDSA}});
  ASSERT_TRUE(EnsureBootstrapAdmin(fixture.store, fixture.hasher, "admin",
                                   "admin-secret", fixture.clock.Now())
                  .ok());
  auto authorizer = MakeServerAuthorizer(
      fixture.keys.get(), testing::kFixtureIssuer, &fixture.clock);
  ASSERT_TRUE(authorizer.ok());
  const auto snapshot = fixture.keys->snapshot();
  ASSERT_EQ(snapshot->signing.size(), 3u);
  EXPECT_EQ(snapshot->signer->algorithm(), jwt::Algorithm::kES256);
  for (const AlgorithmSigners& signers : snapshot->signing) {
    SCOPED_TRACE(jwt::AlgorithmName(signers.algorithm));
    jwt::Claims claims;
    claims.iss = testing::kFixtureIssuer;
    claims.sub = "admin";
    claims.aud = {testing::kFixtureAudience};
    claims.iat = absl::ToUnixSeconds(fixture.clock.Now());
    claims.exp = absl::ToUnixSeconds(fixture.clock.Now()) + 600;
    claims.jti = absl::StrCat("jti-", jwt::AlgorithmName(signers.algorithm));
    claims.other["client_id"] = "admin";
    claims.other["scope"] = "identity.admin";
    auto token = signers.access_token_signer->Sign(claims);
    ASSERT_TRUE(token.ok()) << token.status();
    auto introspection =
        fixture.introspector.Introspect("admin", "admin-secret", *token);
    ASSERT_TRUE(introspection.ok()) << introspection.status();
    EXPECT_TRUE(introspection->active);
    EXPECT_TRUE((*authorizer)
                    ->Authorize("/identity.v1.KeyService/RotateKeys",
                                {"Bearer " + *token})
                    .ok());
  }
}

// OIDC Dynamic Client Registration §2: id_token_signed_response_alg names
// one of the server's signing algorithms; never "none" (OIDC Core §2: ID
// tokens are signed here), never HMAC, never one not configured.
TEST_F(AdminServiceTest, IdTokenAlgorithmMustBeAConfiguredSigningAlgorithm) {
  for (const char* alg : {"none", "HS256", "RS256", "es256", "ES256 "}) {
    SCOPED_TRACE(alg);
    v1::CreateClientRequest create;
    create.set_client_id("rp");
    create.set_id_token_signed_response_alg(alg);
    v1::CreateClientResponse created;
    grpc::Status status = Create(admin_token_, create, &created);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(ReasonOf(status), "invalid_request");
    EXPECT_NE(status.error_message().find("id_token_signed_response_alg"),
              std::string::npos);
  }
  v1::CreateClientRequest create;
  create.set_client_id("rp");
  create.set_id_token_signed_response_alg("ES256");
  v1::CreateClientResponse created;
  ASSERT_TRUE(Create(admin_token_, create, &created).ok());
  EXPECT_EQ(created.client().id_token_signed_response_alg(), "ES256");
  // Update: unset leaves it, "none" is refused, empty goes back to default.
  v1::UpdateClientRequest update;
  update.set_client_id("rp");
  update.set_name("RP");
  v1::Client updated;
  ASSERT_TRUE(
      admin_->UpdateClient(Context(admin_token_).get(), update, &updated).ok());
  EXPECT_EQ(updated.id_token_signed_response_alg(), "ES256");
  update.set_id_token_signed_response_alg("none");
  EXPECT_EQ(admin_->UpdateClient(Context(admin_token_).get(), update, &updated)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  update.set_id_token_signed_response_alg("");
  ASSERT_TRUE(
      admin_->UpdateClient(Context(admin_token_).get(), update, &updated).ok());
  EXPECT_EQ(updated.id_token_signed_response_alg(), "");
  EXPECT_EQ(fixture_.store.GetClient("rp")->id_token_signed_response_alg, "");
}

TEST_F(AdminServiceTest, ARevokedAdminTokenIsRefused) {
  v1::GetClientRequest request;
  request.set_client_id("worker");
  v1::Client client;
  ASSERT_TRUE(
      admin_->GetClient(Context(admin_token_).get(), request, &client).ok());
  auto introspected =
      fixture_.introspector.Introspect("worker", "worker-secret", admin_token_);
  ASSERT_TRUE(introspected.ok() && introspected->active);
  ASSERT_TRUE(
      fixture_.store
          .Revoke(introspected->jti, absl::FromUnixSeconds(introspected->exp))
          .ok());
  const grpc::Status refused =
      admin_->GetClient(Context(admin_token_).get(), request, &client);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << refused.error_message();
}

// The user calls, end to end through the real service and its authorizer.
TEST_F(AdminServiceTest, ManagesUsersWithAnAdminToken) {
  v1::CreateUserRequest create;
  create.set_username("Bob@Example.com");
  create.set_password("correct horse battery");
  create.set_name("Bob");
  create.set_email("bob@example.com");
  v1::User bob;
  ASSERT_TRUE(
      admin_->CreateUser(Context(admin_token_).get(), create, &bob).ok());
  EXPECT_EQ(bob.username(), "bob@example.com");  // Compared lower-case.
  EXPECT_FALSE(bob.user_id().empty());
  EXPECT_FALSE(bob.disabled());

  v1::GetUserRequest get;
  get.set_user_id(bob.user_id());
  v1::User got;
  ASSERT_TRUE(admin_->GetUser(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(got.name(), "Bob");

  v1::UpdateUserRequest update;
  update.set_user_id(bob.user_id());
  update.set_name("Robert");
  update.set_email("robert@example.com");
  update.set_email_verified(true);
  v1::User updated;
  ASSERT_TRUE(
      admin_->UpdateUser(Context(admin_token_).get(), update, &updated).ok());
  EXPECT_EQ(updated.name(), "Robert");
  EXPECT_TRUE(updated.email_verified());

  v1::SetUserPasswordRequest password;
  password.set_user_id(bob.user_id());
  password.set_password("another long passphrase");
  v1::User after_password;
  ASSERT_TRUE(admin_
                  ->SetUserPassword(Context(admin_token_).get(), password,
                                    &after_password)
                  .ok());
  EXPECT_TRUE(flows_.users
                  .Authenticate("bob@example.com", "another long passphrase",
                                "10.0.0.1")
                  .ok());

  v1::DisableUserRequest disable;
  disable.set_user_id(bob.user_id());
  disable.set_disabled(true);
  v1::User disabled;
  ASSERT_TRUE(
      admin_->DisableUser(Context(admin_token_).get(), disable, &disabled)
          .ok());
  EXPECT_TRUE(disabled.disabled());

  v1::ListUsersResponse list;
  ASSERT_TRUE(admin_->ListUsers(Context(admin_token_).get(), {}, &list).ok());
  ASSERT_EQ(list.users_size(), 1);
  EXPECT_EQ(list.users(0).user_id(), bob.user_id());
}

TEST_F(AdminServiceTest, UserCallsRefuseBadInputAndStrangers) {
  v1::CreateUserRequest create;
  create.set_username("has space");
  create.set_password("correct horse battery");
  v1::User user;
  const grpc::Status bad =
      admin_->CreateUser(Context(admin_token_).get(), create, &user);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(bad), "invalid_request");
  v1::GetUserRequest get;
  get.set_user_id("nobody");
  EXPECT_EQ(
      admin_->GetUser(Context(admin_token_).get(), get, &user).error_code(),
      grpc::StatusCode::NOT_FOUND);
  // No admin token: refused before the handler, nothing created.
  create.set_username("mallory");
  EXPECT_EQ(admin_->CreateUser(Context("").get(), create, &user).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(flows_.users.List(0, "")->users.empty());
}

v1::UserClaims EveryClaim() {
  v1::UserClaims c;
  c.set_given_name("Bob");
  c.set_family_name("Builder");
  c.set_middle_name("the");
  c.set_nickname("bobby");
  c.set_profile("https://example.com/bob");
  c.set_picture("https://example.com/bob.png");
  c.set_website("https://bob.example");
  c.set_gender("male");
  c.set_birthdate("1990-05-17");
  c.set_zoneinfo("Europe/London");
  c.set_locale("en-GB");
  c.set_phone_number("+442071838750");
  c.set_phone_number_verified(true);
  c.mutable_address()->set_formatted("1 High St\nLondon");
  c.mutable_address()->set_street_address("1 High St");
  c.mutable_address()->set_locality("London");
  c.mutable_address()->set_region("Greater London");
  c.mutable_address()->set_postal_code("SW1A 1AA");
  c.mutable_address()->set_country("GB");
  return c;
}

std::string Text(const google::protobuf::Message& message) {
  return message.DebugString();
}

// admin.proto UserClaims: every claim round-trips; on update a set field
// replaces, "" clears, an unset one stays, address is replaced whole.
TEST_F(AdminServiceTest, UserClaimsAreStoredAndUpdatedFieldByField) {
  v1::CreateUserRequest create;
  create.set_username("bob");
  create.set_password("correct horse battery");
  *create.mutable_claims() = EveryClaim();
  v1::User bob;
  ASSERT_TRUE(
      admin_->CreateUser(Context(admin_token_).get(), create, &bob).ok());
  EXPECT_EQ(Text(bob.claims()), Text(EveryClaim()));
  EXPECT_EQ(bob.claims_updated_at().seconds(), bob.created_at().seconds());
  v1::GetUserRequest get;
  get.set_user_id(bob.user_id());
  v1::User got;
  ASSERT_TRUE(admin_->GetUser(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(Text(got.claims()), Text(EveryClaim()));

  v1::UpdateUserRequest update;
  update.set_user_id(bob.user_id());
  update.mutable_claims()->set_nickname("");     // Cleared.
  update.mutable_claims()->set_locale("en-US");  // Replaced.
  update.mutable_claims()->mutable_address()->set_country("US");
  v1::User updated;
  ASSERT_TRUE(
      admin_->UpdateUser(Context(admin_token_).get(), update, &updated).ok());
  v1::UserClaims expected = EveryClaim();
  expected.clear_nickname();
  expected.set_locale("en-US");
  expected.clear_address();
  expected.mutable_address()->set_country("US");
  EXPECT_EQ(Text(updated.claims()), Text(expected));
  ASSERT_TRUE(admin_->GetUser(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(Text(got.claims()), Text(expected));

  // A request without claims leaves them all.
  update.clear_claims();
  ASSERT_TRUE(
      admin_->UpdateUser(Context(admin_token_).get(), update, &updated).ok());
  EXPECT_EQ(Text(updated.claims()), Text(expected));
}

TEST_F(AdminServiceTest, ABadClaimIsInvalidArgumentNamingIt) {
  v1::CreateUserRequest create;
  create.set_username("bob");
  create.set_password("correct horse battery");
  create.mutable_claims()->set_website("javascript:alert(1)");
  v1::User user;
  const grpc::Status bad =
      admin_->CreateUser(Context(admin_token_).get(), create, &user);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(bad), "invalid_request");
  EXPECT_EQ(bad.error_message().rfind("website ", 0), 0u)
      << bad.error_message();
  EXPECT_TRUE(flows_.users.List(0, "")->users.empty());
}

// Client.third_party: set at creation, changed only when an update sets it.
TEST_F(AdminServiceTest, ThirdPartyIsSetAndUpdatedWithPresence) {
  v1::CreateClientRequest create;
  create.set_client_id("partner");
  create.set_third_party(true);
  v1::CreateClientResponse created;
  ASSERT_TRUE(Create(admin_token_, create, &created).ok());
  EXPECT_TRUE(created.client().third_party());
  v1::UpdateClientRequest update;
  update.set_client_id("partner");
  v1::Client client;
  ASSERT_TRUE(
      admin_->UpdateClient(Context(admin_token_).get(), update, &client).ok());
  EXPECT_TRUE(client.third_party());  // Unset: unchanged.
  update.set_third_party(false);
  ASSERT_TRUE(
      admin_->UpdateClient(Context(admin_token_).get(), update, &client).ok());
  EXPECT_FALSE(client.third_party());
  EXPECT_FALSE(fixture_.store.GetClient("partner")->third_party);
}

// ListConsents and RevokeConsent: withdrawal forgets the consent and the
// client's refresh token for the user stops working (invalid_grant).
TEST_F(AdminServiceTest, ListsAndRevokesConsents) {
  v1::CreateClientRequest create;
  create.set_client_id("partner");
  create.add_allowed_scopes("orders.read");
  create.add_redirect_uris("https://partner.example/cb");
  create.add_grant_types("authorization_code");
  create.add_grant_types("refresh_token");
  create.set_third_party(true);
  v1::CreateClientResponse created;
  ASSERT_TRUE(Create(admin_token_, create, &created).ok());
  auto alice = flows_.users.Create({"alice", "correct horse"});
  ASSERT_TRUE(alice.ok());
  AuthorizationRequest request;
  request.response_type = "code";
  request.client_id = "partner";
  request.redirect_uri = "https://partner.example/cb";
  request.scope = "openid orders.read";
  request.code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  request.code_challenge_method = "S256";
  auto code = flows_.authorization.Authorize(request, "alice", "correct horse",
                                             "10.0.0.1", /*consented=*/true);
  ASSERT_TRUE(code.ok()) << code.status();
  TokenRequestFields exchange;
  exchange.grant_type = "authorization_code";
  exchange.client_id = "partner";
  exchange.client_secret = created.client_secret();
  exchange.code = code->code;
  exchange.redirect_uri = request.redirect_uri;
  exchange.code_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  auto tokens = flows_.tokens.Exchange(exchange);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  ASSERT_FALSE(tokens->refresh_token.empty());

  v1::ListConsentsRequest list;
  list.set_user_id(alice->user_id);
  v1::ListConsentsResponse listed;
  ASSERT_TRUE(
      admin_->ListConsents(Context(admin_token_).get(), list, &listed).ok());
  ASSERT_EQ(listed.consents_size(), 1);
  EXPECT_EQ(listed.consents(0).client_id(), "partner");
  EXPECT_EQ(listed.consents(0).user_id(), alice->user_id);
  EXPECT_EQ(listed.consents(0).scopes_size(), 2);
  EXPECT_EQ(listed.consents(0).scopes(0), "openid");
  EXPECT_EQ(listed.consents(0).granted_at().seconds(),
            absl::ToUnixSeconds(fixture_.clock.Now()));
  // Without an admin token: refused before the handler.
  EXPECT_EQ(admin_->ListConsents(Context("").get(), list, &listed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::RevokeConsentRequest revoke;
  revoke.set_user_id(alice->user_id);
  revoke.set_client_id("partner");
  v1::RevokeConsentResponse revoked;
  EXPECT_EQ(
      admin_->RevokeConsent(Context("").get(), revoke, &revoked).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(
      admin_->RevokeConsent(Context(admin_token_).get(), revoke, &revoked)
          .ok());
  EXPECT_EQ(admin_->RevokeConsent(Context(admin_token_).get(), revoke, &revoked)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
  listed.Clear();
  ASSERT_TRUE(
      admin_->ListConsents(Context(admin_token_).get(), list, &listed).ok());
  EXPECT_EQ(listed.consents_size(), 0);
  TokenRequestFields refresh;
  refresh.grant_type = "refresh_token";
  refresh.client_id = "partner";
  refresh.client_secret = created.client_secret();
  refresh.refresh_token = tokens->refresh_token;
  EXPECT_EQ(OAuthErrorOf(flows_.tokens.Exchange(refresh).status()),
            OAuthError::kInvalidGrant);
  list.set_user_id("");
  grpc::Status status =
      admin_->ListConsents(Context(admin_token_).get(), list, &listed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(status), "invalid_request");
}

}  // namespace
}  // namespace identity::server
