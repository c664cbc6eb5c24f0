#include "client/idctl/idctl.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "identity/v1/token.grpc.pb.h"
#include "jwt/dpop_proof.h"
#include "jwt/json.h"
#include "server/testing/server_process.h"

namespace identity::idctl {
namespace {

using jwt::Json;

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Idctl(const std::vector<std::string>& args,
             const std::string& stdin_text = "") {
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  const int code = RunIdctl(args, in, out, err);
  return {code, out.str(), err.str()};
}

std::string TempFile(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir ? dir : "/tmp") + "/" + name;
  std::ofstream(path) << content;
  return path;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class IdctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result key = Idctl({"keys", "generate", "--alg", "ES256", "--kid", "k1"});
    ASSERT_EQ(key.code, kExitOk) << key.err;
    key_file_ = TempFile("key.json", key.out);
    Result jwks = Idctl({"keys", "jwks", key_file_});
    ASSERT_EQ(jwks.code, kExitOk) << jwks.err;
    jwks_file_ = TempFile("jwks.json", jwks.out);
  }

  std::string Sign(const std::string& claims) {
    Result r = Idctl({"jwt", "sign", "--key", key_file_, "--claims", claims});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return Trim(r.out);
  }

  std::string key_file_;
  std::string jwks_file_;
};

TEST_F(IdctlTest, GeneratePrintsPrivateJwk) {
  Json key = Json::parse(Idctl({"keys", "generate", "--alg", "EdDSA"}).out);
  EXPECT_EQ(key["kty"], "OKP");
  EXPECT_TRUE(key.contains("d"));
  EXPECT_FALSE(key["kid"].get<std::string>().empty());  // The thumbprint.
}

TEST_F(IdctlTest, SignThenVerifyPrintsClaimsAsSigned) {
  const std::string token =
      Sign(R"({"iss":"me","aud":["api"],"exp":4000000000.5,"sub":"alice"})");
  Result r = Idctl({"jwt", "verify", "--jwks", jwks_file_, "--iss", "me",
                    "--aud", "api", token});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  Json claims = Json::parse(r.out);
  EXPECT_EQ(claims["aud"], Json::array({"api"}));
  EXPECT_DOUBLE_EQ(claims["exp"].get<double>(), 4000000000.5);
  EXPECT_EQ(claims["sub"], "alice");
}

TEST_F(IdctlTest, VerifyReadsTokenFromStdin) {
  const std::string token = Sign(R"({"exp":4000000000})");
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "-"}, token + "\n").code,
      kExitOk);
}

TEST_F(IdctlTest, InvalidTokenExitsOneWithTheReason) {
  const std::string token = Sign(R"({"iss":"me","exp":4000000000})");
  Result r =
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--iss", "you", token});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.err.find("issuer_mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(IdctlTest, ExpiredUnlessLeewayCoversIt) {
  const long long exp = static_cast<long long>(std::time(nullptr)) - 100;
  const std::string token = Sign("{\"exp\":" + std::to_string(exp) + "}");
  Result r = Idctl({"jwt", "verify", "--jwks", jwks_file_, token});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.err.find("expired"), std::string::npos) << r.err;
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--leeway", "300", token})
          .code,
      kExitOk);
  // More than a day of leeway is refused as a usage error.
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--leeway", "86401", token})
          .code,
      kExitUsage);
}

TEST_F(IdctlTest, TypAndAlgFlags) {
  const std::string token = Sign(R"({"exp":4000000000})");
  Result typ =
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--typ", "at+jwt", token});
  EXPECT_EQ(typ.code, kExitInvalid);
  EXPECT_NE(typ.err.find("typ_mismatch"), std::string::npos);
  Result alg =
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--alg", "EdDSA", token});
  EXPECT_EQ(alg.code, kExitInvalid);
  EXPECT_NE(alg.err.find("alg_not_allowed"), std::string::npos);
}

TEST_F(IdctlTest, VerifyNamesTheChecksItWasNotAskedFor) {
  // RFC 8725 §3.11: a check left out is an explicit opt-out, said aloud.
  const std::string token =
      Sign(R"({"iss":"me","aud":"api","exp":4000000000})");
  Result none = Idctl({"jwt", "verify", "--jwks", jwks_file_, token});
  EXPECT_EQ(none.code, kExitOk) << none.err;
  EXPECT_NE(none.err.find("not checked (no flag given): --iss --aud --typ"),
            std::string::npos)
      << none.err;
  Result all = Idctl({"jwt", "verify", "--jwks", jwks_file_, "--iss", "me",
                      "--aud", "api", "--typ", "JWT", token});
  EXPECT_EQ(all.code, kExitOk) << all.err;
  EXPECT_EQ(all.err.find("not checked"), std::string::npos) << all.err;
  // An empty value is not a way to skip a check.
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--iss", "", token}).code,
      kExitUsage);
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--aud", "", token}).code,
      kExitUsage);
}

TEST_F(IdctlTest, DecodeSaysItDidNotVerify) {
  Result r = Idctl({"jwt", "decode", Sign(R"({"exp":1,"sub":"x"})")});
  ASSERT_EQ(r.code, kExitOk);
  Json decoded = Json::parse(r.out);
  EXPECT_EQ(decoded["header"]["kid"], "k1");
  EXPECT_EQ(decoded["claims"]["sub"], "x");
  EXPECT_NE(r.err.find("NOT VERIFIED"), std::string::npos);
}

TEST_F(IdctlTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Idctl({}).code, kExitUsage);
  EXPECT_EQ(Idctl({"nope"}).code, kExitUsage);
  EXPECT_EQ(Idctl({"keys", "generate"}).code, kExitUsage);
  EXPECT_EQ(Idctl({"keys", "generate", "--alg", "XX256"}).code, kExitUsage);
  EXPECT_EQ(Idctl({"keys", "generate", "--alg", "ES256", "--bogus", "1"}).code,
            kExitUsage);
  EXPECT_EQ(Idctl({"jwt", "verify", "token"}).code, kExitUsage);
  EXPECT_EQ(Idctl({"jwt", "verify", "--jwks", "/nonexistent", "token"}).code,
            kExitUsage);
  EXPECT_EQ(
      Idctl({"jwt", "verify", "--jwks", jwks_file_, "--leeway", "-1", "t"})
          .code,
      kExitUsage);
  EXPECT_EQ(Idctl({"jwt", "sign", "--key", key_file_, "--claims", "[1]"}).code,
            kExitUsage);
  EXPECT_EQ(Idctl({"jwt", "sign", "--key", key_file_, "--claims",
                   R"({"exp":"soon"})"})
                .code,
            kExitUsage);
  EXPECT_EQ(Idctl({"help"}).code, kExitOk);
}

TEST_F(IdctlTest, DpopProofVerifiesForItsRequest) {
  const std::string htu = "https://orders.example:8443/orders.v1.Orders/Get";
  Result r = Idctl(
      {"dpop", "proof", "--key", key_file_, "--htu", htu, "--ath-token", "-"},
      "the.access.token\n");
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto verifier = jwt::DpopProofVerifier::Create({});
  ASSERT_TRUE(verifier.ok());
  jwt::DpopRequest request;
  request.method = "POST";
  request.uri = htu;
  request.access_token = "the.access.token";
  auto proof = verifier->Verify(Trim(r.out), request);
  ASSERT_TRUE(proof.ok()) << proof.status();
  std::ifstream key_file(key_file_);
  EXPECT_EQ(
      proof->jkt,
      jwt::Jwk::Parse(std::string(std::istreambuf_iterator<char>(key_file), {}))
          ->Thumbprint());
  // Each proof has its own jti.
  Result again = Idctl({"dpop", "proof", "--key", key_file_, "--htu", htu});
  ASSERT_EQ(again.code, kExitOk) << again.err;
  EXPECT_NE(
      verifier->Verify(Trim(again.out), {"POST", htu, std::nullopt, {}})->jti,
      proof->jti);
  // Another token, method or URI: refused by the verifier.
  request.access_token = "another.token";
  EXPECT_FALSE(verifier->Verify(Trim(r.out), request).ok());
  Result get = Idctl(
      {"dpop", "proof", "--key", key_file_, "--htu", htu, "--htm", "GET"});
  ASSERT_EQ(get.code, kExitOk) << get.err;
  EXPECT_FALSE(
      verifier->Verify(Trim(get.out), {"POST", htu, std::nullopt, {}}).ok());
  // A public key cannot sign; a relative htu is not a URI.
  Result pub = Idctl({"keys", "public", key_file_});
  ASSERT_EQ(pub.code, kExitOk);
  EXPECT_EQ(Idctl({"dpop", "proof", "--key", TempFile("pub.json", pub.out),
                   "--htu", htu})
                .code,
            kExitUsage);
  EXPECT_EQ(
      Idctl({"dpop", "proof", "--key", key_file_, "--htu", "/a.B/C"}).code,
      kExitUsage);
  EXPECT_EQ(Idctl({"dpop", "proof", "--htu", htu}).code, kExitUsage);
  // token --dpop-key with an unreadable key fails before any call is made.
  Result token =
      Idctl({"token", "--server", "127.0.0.1:1", "--client-id", "c",
             "--client-secret", "s", "--dpop-key", "/nonexistent/key.json"});
  EXPECT_EQ(token.code, kExitUsage);
  EXPECT_NE(token.err.find("--dpop-key"), std::string::npos) << token.err;
}

TEST_F(IdctlTest, PemRoundTrip) {
  Result pem = Idctl({"keys", "to-pem", "--private", key_file_});
  ASSERT_EQ(pem.code, kExitOk) << pem.err;
  const std::string pem_file = TempFile("key.pem", pem.out);
  Result back = Idctl({"keys", "from-pem", "--kid", "k1", pem_file});
  ASSERT_EQ(back.code, kExitOk) << back.err;
  std::ifstream original(key_file_);
  Json a = Json::parse(original);
  Json b = Json::parse(back.out);
  a.erase("alg");  // PEM does not carry the algorithm.
  EXPECT_EQ(a, b);
}

// The administration commands against a real identity-server (a child process
// on a scratch PostgreSQL database; IDENTITY_TEST_DATABASE_URL), one for the
// whole suite.
class IdctlServerTest : public ::testing::Test {
 protected:
  static constexpr char kLoginClient[] = "login-app";
  static constexpr char kRedirectUri[] = "https://app.example/cb";

  static void SetUpTestSuite() {
    address_ = new std::string("127.0.0.1:" +
                               std::to_string(server::testing::FreePort()));
    token_ = new std::string();
    start_error_ = new std::string("the server did not start");
    auto server = server::testing::ServerProcess::OnScratchDatabase(
        {"--grpc-listen=" + *address_, "--issuer=https://id.example"});
    if (!server.ok()) {
      *start_error_ = server.status().ToString();
      return;  // SetUp fails every test.
    }
    server_ = server->release();
    channel_ = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel(*address_, grpc::InsecureChannelCredentials()));
    if (!(*channel_)->WaitForConnected(std::chrono::system_clock::now() +
                                       std::chrono::seconds(20))) {
      return;  // SetUp fails every test.
    }
    Result token =
        Idctl({"token", "--server", *address_, "--client-id",
               server::testing::kAdminId, "--client-secret",
               server::testing::kAdminSecret, "--scope", "identity.admin"});
    if (token.code != kExitOk) return;
    *token_ = Json::parse(token.out)["access_token"].get<std::string>();
    // The public client Login uses to check passwords.
    Idctl({"clients", "create", "--server", *address_, "--token", *token_,
           "--id", kLoginClient, "--public", "--grant-type",
           "authorization_code", "--redirect-uri", kRedirectUri});
  }

  static void TearDownTestSuite() {
    delete channel_;
    delete server_;
    delete address_;
    delete token_;
    delete start_error_;
  }

  void SetUp() override {
    ASSERT_FALSE(token_->empty()) << *start_error_;
    unsetenv("IDENTITY_USER_PASSWORD");
  }
  void TearDown() override { unsetenv("IDENTITY_USER_PASSWORD"); }

  // idctl ARGS --server ADDRESS --token ADMIN_TOKEN.
  static Result Admin(std::vector<std::string> args,
                      const std::string& stdin_text = "") {
    args.insert(args.end(), {"--server", *address_, "--token", *token_});
    return Idctl(args, stdin_text);
  }

  // The JSON output of a successful admin command.
  static Json AdminJson(const std::vector<std::string>& args,
                        const std::string& stdin_text = "") {
    Result r = Admin(args, stdin_text);
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return r.code == kExitOk ? Json::parse(r.out) : Json::object();
  }

  // A user created with `password` from the environment; returns its id.
  static std::string CreateUser(const std::string& username,
                                const std::string& password) {
    setenv("IDENTITY_USER_PASSWORD", password.c_str(), 1);
    Json user = AdminJson({"users", "create", "--username", username});
    unsetenv("IDENTITY_USER_PASSWORD");
    return user.value("user_id", "");
  }

  // Logs the user in (TokenService.Authorize for the public client).
  static grpc::StatusCode Login(const std::string& username,
                                const std::string& password) {
    v1::AuthorizeRequest request;
    request.set_response_type("code");
    request.set_client_id(kLoginClient);
    request.set_redirect_uri(kRedirectUri);
    request.set_scope("openid");
    request.set_state("xyz");
    // RFC 7636 Appendix B.
    request.set_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    request.set_code_challenge_method("S256");
    request.set_username(username);
    request.set_password(password);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    v1::AuthorizeResponse response;
    const grpc::Status status = v1::TokenService::NewStub(*channel_)->Authorize(
        &context, request, &response);
    return status.error_code();
  }

  static std::string* address_;
  static server::testing::ServerProcess* server_;
  static std::shared_ptr<grpc::Channel>* channel_;
  static std::string* token_;
  static std::string* start_error_;
};

std::string* IdctlServerTest::address_ = nullptr;
server::testing::ServerProcess* IdctlServerTest::server_ = nullptr;
std::shared_ptr<grpc::Channel>* IdctlServerTest::channel_ = nullptr;
std::string* IdctlServerTest::token_ = nullptr;
std::string* IdctlServerTest::start_error_ = nullptr;

// grpc.health.v1 (doc/health-checking.md): the whole server ("") is SERVING
// once PostgreSQL answers; a service the server does not know is NOT_FOUND.
// The container image's HEALTHCHECK relies on the exit status.
TEST_F(IdctlServerTest, HealthExitsZeroOnlyWhenServing) {
  Result serving = Idctl({"health", "--server", *address_});
  EXPECT_EQ(serving.code, kExitOk) << serving.err;
  EXPECT_EQ(Json::parse(serving.out), Json({{"status", "SERVING"}}));

  Result unknown =
      Idctl({"health", "--server", *address_, "--service", "no.Such"});
  EXPECT_EQ(unknown.code, kExitInvalid);
  EXPECT_NE(unknown.err.find("NOT_FOUND"), std::string::npos) << unknown.err;
}

TEST_F(IdctlServerTest, UsersCreateTakesThePasswordFromTheEnvironment) {
  setenv("IDENTITY_USER_PASSWORD", "env-password-1234", 1);
  Result r =
      Admin({"users", "create", "--username", "Alice", "--name", "Alice A.",
             "--email", "alice@example.com", "--email-verified"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("env-password-1234"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("env-password-1234"), std::string::npos) << r.err;
  Json user = Json::parse(r.out);
  EXPECT_FALSE(user.value("user_id", "").empty());
  EXPECT_EQ(user["username"], "alice");  // Stored lower-case.
  EXPECT_EQ(user["name"], "Alice A.");
  EXPECT_EQ(user["email"], "alice@example.com");
  EXPECT_EQ(user["email_verified"], true);
  EXPECT_FALSE(user.contains("password"));
  EXPECT_EQ(Login("alice", "env-password-1234"), grpc::StatusCode::OK);
  // A taken username (case-insensitively) is the server's ALREADY_EXISTS.
  Result again = Admin({"users", "create", "--username", "ALICE"});
  EXPECT_EQ(again.code, kExitInvalid);
  EXPECT_NE(again.err.find("ALREADY_EXISTS"), std::string::npos) << again.err;
}

TEST_F(IdctlServerTest, UsersCreateReadsOneLineOfStdinWithoutItsNewline) {
  // --password-stdin wins over the environment.
  setenv("IDENTITY_USER_PASSWORD", "not-this-one", 1);
  Result r = Admin({"users", "create", "--username", "bob", "--password-stdin"},
                   "stdin password 5678\nsecond line\n");
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("stdin password"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("stdin password"), std::string::npos) << r.err;
  Json user = Json::parse(r.out);
  EXPECT_EQ(user["username"], "bob");
  EXPECT_FALSE(user.contains("email_verified"));  // false: left out.
  EXPECT_EQ(Login("bob", "stdin password 5678"), grpc::StatusCode::OK);
  EXPECT_EQ(Login("bob", "not-this-one"), grpc::StatusCode::UNAUTHENTICATED);

  // The last line need not end with a newline.
  ASSERT_EQ(Admin({"users", "create", "--username", "bob2", "--password-stdin"},
                  "no-newline-pw")
                .code,
            kExitOk);
  EXPECT_EQ(Login("bob2", "no-newline-pw"), grpc::StatusCode::OK);
}

TEST_F(IdctlServerTest, UsersCreateRefusedWithoutAPassword) {
  // Neither the environment nor --password-stdin.
  Result none = Admin({"users", "create", "--username", "carol"});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("IDENTITY_USER_PASSWORD"), std::string::npos)
      << none.err;
  setenv("IDENTITY_USER_PASSWORD", "", 1);  // Empty counts as none.
  EXPECT_EQ(Admin({"users", "create", "--username", "carol"}).code, kExitUsage);
  unsetenv("IDENTITY_USER_PASSWORD");
  // --password-stdin with nothing, or an empty line, on stdin.
  EXPECT_EQ(
      Admin({"users", "create", "--username", "carol", "--password-stdin"}, "")
          .code,
      kExitUsage);
  EXPECT_EQ(
      Admin({"users", "create", "--username", "carol", "--password-stdin"},
            "\n")
          .code,
      kExitUsage);
  // Never on the command line, and the value is not echoed.
  Result flag = Admin({"users", "create", "--username", "carol", "--password",
                       "cmdline-secret"});
  EXPECT_EQ(flag.code, kExitUsage);
  EXPECT_EQ(flag.err.find("cmdline-secret"), std::string::npos) << flag.err;
  EXPECT_EQ(Admin({"users", "create", "--username", "carol",
                   "--password=cmdline-secret"})
                .code,
            kExitUsage);
  // Nothing was created.
  Json listed = AdminJson({"users", "list"});
  for (const Json& user : listed.value("users", Json::array())) {
    EXPECT_NE(user["username"], "carol");
  }
}

TEST_F(IdctlServerTest, UsersGetListUpdate) {
  const std::string id = CreateUser("dave", "dave-password");
  ASSERT_FALSE(id.empty());
  Json got = AdminJson({"users", "get", id});
  EXPECT_EQ(got["user_id"], id);
  EXPECT_EQ(got["username"], "dave");

  Json listed = AdminJson({"users", "list"});
  bool found = false;
  for (const Json& user : listed["users"]) found |= user["user_id"] == id;
  EXPECT_TRUE(found) << listed.dump();

  // Only what is given changes.
  Json updated = AdminJson(
      {"users", "update", id, "--name", "Dave D.", "--email", "d@example.com"});
  EXPECT_EQ(updated["name"], "Dave D.");
  EXPECT_EQ(updated["email"], "d@example.com");
  EXPECT_FALSE(updated.contains("email_verified"));
  updated = AdminJson({"users", "update", id, "--email-verified"});
  EXPECT_EQ(updated["name"], "Dave D.");
  EXPECT_EQ(updated["email"], "d@example.com");
  EXPECT_EQ(updated["email_verified"], true);
  updated = AdminJson({"users", "update", id, "--name", "David"});
  EXPECT_EQ(updated["name"], "David");
  EXPECT_EQ(updated["email"], "d@example.com");
  EXPECT_EQ(updated["email_verified"], true);
  updated = AdminJson({"users", "update", id, "--no-email-verified"});
  EXPECT_EQ(updated["name"], "David");
  EXPECT_FALSE(updated.contains("email_verified"));
  updated = AdminJson({"users", "update", id, "--name", ""});
  EXPECT_FALSE(updated.contains("name"));
  EXPECT_EQ(updated["email"], "d@example.com");
  EXPECT_EQ(AdminJson({"users", "get", id}), updated);

  // A gRPC error exits 1 with the code.
  Result missing = Admin({"users", "get", "no-such-user"});
  EXPECT_EQ(missing.code, kExitInvalid);
  EXPECT_NE(missing.err.find("NOT_FOUND"), std::string::npos) << missing.err;
  EXPECT_EQ(Admin({"users", "update", "no-such-user", "--name", "x"}).code,
            kExitInvalid);
}

// admin.proto UserClaims through the flags: create sets them; update sends
// only what is given ("" clears), an address part keeps the other parts.
TEST_F(IdctlServerTest, UsersStandardClaimFlags) {
  setenv("IDENTITY_USER_PASSWORD", "fay-password", 1);
  Json fay = AdminJson({"users",
                        "create",
                        "--username",
                        "fay",
                        "--given-name",
                        "Fay",
                        "--family-name",
                        "Wray",
                        "--middle-name",
                        "M",
                        "--nickname",
                        "fw",
                        "--profile",
                        "https://example.com/fay",
                        "--picture",
                        "https://example.com/fay.png",
                        "--website",
                        "https://fay.example",
                        "--gender",
                        "female",
                        "--birthdate",
                        "1907-09-15",
                        "--zoneinfo",
                        "America/Los_Angeles",
                        "--locale",
                        "en-US",
                        "--phone-number",
                        "+13105550100",
                        "--phone-number-verified",
                        "--address-formatted",
                        "1 Vine St\nHollywood",
                        "--address-street",
                        "1 Vine St",
                        "--address-locality",
                        "Los Angeles",
                        "--address-region",
                        "CA",
                        "--address-postal-code",
                        "90028",
                        "--address-country",
                        "US"});
  unsetenv("IDENTITY_USER_PASSWORD");
  const std::string id = fay.value("user_id", "");
  ASSERT_FALSE(id.empty()) << fay.dump();
  const Json expected = Json::parse(R"({
      "given_name": "Fay", "family_name": "Wray", "middle_name": "M",
      "nickname": "fw", "profile": "https://example.com/fay",
      "picture": "https://example.com/fay.png",
      "website": "https://fay.example", "gender": "female",
      "birthdate": "1907-09-15", "zoneinfo": "America/Los_Angeles",
      "locale": "en-US", "phone_number": "+13105550100",
      "phone_number_verified": true,
      "address": {"formatted": "1 Vine St\nHollywood",
                  "street_address": "1 Vine St", "locality": "Los Angeles",
                  "region": "CA", "postal_code": "90028", "country": "US"}})");
  EXPECT_EQ(fay["claims"], expected) << fay.dump();

  Json updated =
      AdminJson({"users", "update", id, "--nickname", "", "--address-locality",
                 "Burbank", "--no-phone-number-verified"});
  Json changed = expected;
  changed.erase("nickname");
  changed["address"]["locality"] = "Burbank";
  changed["phone_number_verified"] = false;
  EXPECT_EQ(updated["claims"], changed) << updated.dump();
  updated = AdminJson({"users", "update", id, "--name", "Fay Wray"});
  EXPECT_EQ(updated["claims"], changed) << updated.dump();
  EXPECT_EQ(AdminJson({"users", "get", id}), updated);

  // The server's rule, named: exit 1.
  Result bad = Admin({"users", "update", id, "--birthdate", "15/09/1907"});
  EXPECT_EQ(bad.code, kExitInvalid);
  EXPECT_NE(bad.err.find("birthdate"), std::string::npos) << bad.err;
  EXPECT_EQ(Admin({"users", "update", id, "--phone-number-verified",
                   "--no-phone-number-verified"})
                .code,
            kExitUsage);
}

TEST_F(IdctlServerTest, UsersDisableAndEnable) {
  const std::string id = CreateUser("erin", "erin-password");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(Login("erin", "erin-password"), grpc::StatusCode::OK);
  Json disabled = AdminJson({"users", "disable", id});
  EXPECT_EQ(disabled["disabled"], true);
  EXPECT_EQ(AdminJson({"users", "get", id})["disabled"], true);
  EXPECT_EQ(Login("erin", "erin-password"), grpc::StatusCode::UNAUTHENTICATED);
  Json enabled = AdminJson({"users", "enable", id});
  EXPECT_FALSE(enabled.contains("disabled"));
  EXPECT_EQ(Login("erin", "erin-password"), grpc::StatusCode::OK);
  EXPECT_EQ(Admin({"users", "disable", "no-such-user"}).code, kExitInvalid);
}

TEST_F(IdctlServerTest, UsersSetPassword) {
  const std::string id = CreateUser("frank", "old-password");
  ASSERT_FALSE(id.empty());
  Result r = Admin({"users", "set-password", id, "--password-stdin"},
                   "new password from stdin\n");
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("new password"), std::string::npos) << r.out;
  EXPECT_EQ(Json::parse(r.out)["user_id"], id);
  EXPECT_EQ(Login("frank", "new password from stdin"), grpc::StatusCode::OK);
  EXPECT_EQ(Login("frank", "old-password"), grpc::StatusCode::UNAUTHENTICATED);

  setenv("IDENTITY_USER_PASSWORD", "newer-env-password", 1);
  r = Admin({"users", "set-password", id});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.find("newer-env-password"), std::string::npos) << r.out;
  EXPECT_EQ(Login("frank", "newer-env-password"), grpc::StatusCode::OK);
  unsetenv("IDENTITY_USER_PASSWORD");

  EXPECT_EQ(Admin({"users", "set-password", id}).code, kExitUsage);
  EXPECT_EQ(Admin({"users", "set-password", id, "--password-stdin"}, "").code,
            kExitUsage);
}

// RFC 8707: resources create, get, list, update, delete; token --resource
// gets a token whose aud is the resource; the server's refusals exit
// kExitInvalid naming the reason.
TEST_F(IdctlServerTest, ResourcesAndATokenForOne) {
  const std::string api = "https://reports.example/api";
  Json created =
      AdminJson({"resources", "create", api, "--name", "Reports", "--scope",
                 "reports.read", "--scope", "reports.write"});
  EXPECT_EQ(created["scopes"], Json::array({"reports.read", "reports.write"}));
  EXPECT_EQ(AdminJson({"resources", "get", api})["name"], "Reports");
  const Json updated =
      AdminJson({"resources", "update", api, "--scope", "reports.read"});
  EXPECT_EQ(updated["scopes"], Json::array({"reports.read"}));
  EXPECT_EQ(updated["name"], "Reports");  // Not given: kept.
  const Json all = AdminJson({"resources", "list"});
  bool listed = false;
  for (const Json& r : all["resources"]) listed |= r["resource"] == api;
  EXPECT_TRUE(listed) << all.dump();
  Result bad = Admin({"resources", "create", "reports", "--scope", "x"});
  EXPECT_EQ(bad.code, kExitInvalid);
  EXPECT_NE(bad.err.find("invalid_request"), std::string::npos) << bad.err;

  Json client = AdminJson({"clients", "create", "--id", "reporter",
                           "--allow-scope", "reports.read"});
  const std::string secret = client.value("client_secret", "");
  Result token =
      Idctl({"token", "--server", *address_, "--client-id", "reporter",
             "--client-secret", secret, "--resource", api});
  ASSERT_EQ(token.code, kExitOk) << token.err;
  Result decoded =
      Idctl({"jwt", "decode",
             Json::parse(token.out)["access_token"].get<std::string>()});
  ASSERT_EQ(decoded.code, kExitOk) << decoded.err;
  const Json aud = Json::parse(decoded.out)["claims"]["aud"];
  EXPECT_TRUE(aud == Json(api) || aud == Json::array({api})) << aud;
  Result refused = Idctl({"token", "--server", *address_, "--client-id",
                          "reporter", "--client-secret", secret, "--resource",
                          "https://unknown.example/"});
  EXPECT_EQ(refused.code, kExitInvalid);
  EXPECT_NE(refused.err.find("invalid_target"), std::string::npos)
      << refused.err;

  EXPECT_EQ(Admin({"resources", "delete", api}).code, kExitOk);
  EXPECT_EQ(Admin({"resources", "get", api}).code, kExitInvalid);
}

TEST_F(IdctlServerTest, ClientsCreateWithRedirectUrisGrantTypesAndPublic) {
  Json created = AdminJson(
      {"clients", "create", "--id", "spa", "--public", "--grant-type",
       "authorization_code", "--grant-type", "refresh_token", "--redirect-uri",
       "https://spa.example/cb", "--redirect-uri", "http://127.0.0.1:8080/cb"});
  EXPECT_FALSE(created.contains("client_secret"));  // Public: no secret.
  const Json& client = created["client"];
  EXPECT_EQ(client["public_client"], true);
  EXPECT_EQ(client["grant_types"],
            Json::array({"authorization_code", "refresh_token"}));
  EXPECT_EQ(client["redirect_uris"], Json::array({"https://spa.example/cb",
                                                  "http://127.0.0.1:8080/cb"}));
  EXPECT_EQ(AdminJson({"clients", "get", "spa"})["redirect_uris"],
            client["redirect_uris"]);

  // A confidential client gets a secret and, by default, client_credentials.
  Json confidential = AdminJson({"clients", "create", "--id", "worker2"});
  EXPECT_FALSE(confidential.value("client_secret", "").empty());
  EXPECT_NE(confidential["client"].value("public_client", false), true);
  EXPECT_EQ(confidential["client"]["grant_types"],
            Json::array({"client_credentials"}));

  // The server's rules: authorization_code needs a redirect URI.
  Result refused = Admin({"clients", "create", "--id", "web", "--grant-type",
                          "authorization_code"});
  EXPECT_EQ(refused.code, kExitInvalid);
  EXPECT_NE(refused.err.find("INVALID_ARGUMENT"), std::string::npos)
      << refused.err;
}

// private_key_jwt (RFC 7523 §2.2): a key made with `keys generate`, its
// public set from `keys jwks` registered with --auth-method private_key_jwt,
// then `token --private-key` gets tokens, a fresh assertion each time.
TEST_F(IdctlServerTest, ClientsPrivateKeyJwtAndTokenWithThePrivateKey) {
  Result key = Idctl({"keys", "generate", "--alg", "ES256", "--kid", "pk1"});
  ASSERT_EQ(key.code, kExitOk) << key.err;
  const std::string key_file = TempFile("pk1.json", key.out);
  const std::string jwks_file =
      TempFile("pk1-jwks.json", Idctl({"keys", "jwks", key_file}).out);
  Json created = AdminJson({"clients", "create", "--id", "svc-pk",
                            "--allow-scope", "orders.read", "--auth-method",
                            "private_key_jwt", "--jwks-file", jwks_file});
  EXPECT_FALSE(created.contains("client_secret"));
  EXPECT_EQ(created["client"]["token_endpoint_auth_method"], "private_key_jwt");
  for (int i = 0; i < 2; ++i) {
    Result token =
        Idctl({"token", "--server", *address_, "--client-id", "svc-pk",
               "--private-key", key_file, "--issuer", "https://id.example"});
    EXPECT_EQ(token.code, kExitOk) << token.err;
  }
  // --kid names a kid the client did not register: refused.
  Result other_kid = Idctl({"token", "--server", *address_, "--client-id",
                            "svc-pk", "--private-key", key_file, "--kid", "x",
                            "--issuer", "https://id.example"});
  EXPECT_EQ(other_kid.code, kExitInvalid);
  EXPECT_NE(other_kid.err.find("kid_unknown"), std::string::npos)
      << other_kid.err;
  EXPECT_EQ(Idctl({"token", "--server", *address_, "--client-id", "svc-pk",
                   "--private-key", key_file})
                .code,
            kExitUsage);  // No --issuer.
  // A new key beside the old one (rotation), then the old one alone again.
  Result next = Idctl({"keys", "generate", "--alg", "EdDSA", "--kid", "pk2"});
  const std::string next_file = TempFile("pk2.json", next.out);
  const std::string both_file = TempFile(
      "pk12-jwks.json", Idctl({"keys", "jwks", key_file, next_file}).out);
  Json updated =
      AdminJson({"clients", "update", "svc-pk", "--jwks-file", both_file});
  EXPECT_NE(updated.value("jwks", "").find("pk2"), std::string::npos);
  EXPECT_EQ(
      Idctl({"token", "--server", *address_, "--client-id", "svc-pk",
             "--private-key", next_file, "--issuer", "https://id.example"})
          .code,
      kExitOk);
  // A set holding the private key is refused by the server.
  const std::string leaky_file =
      TempFile("leaky-jwks.json", "{\"keys\":[" + key.out + "]}");
  Result leaky = Admin({"clients", "create", "--id", "leaky", "--auth-method",
                        "private_key_jwt", "--jwks-file", leaky_file});
  EXPECT_EQ(leaky.code, kExitInvalid);
  EXPECT_NE(leaky.err.find("keys must be public"), std::string::npos)
      << leaky.err;
}

// OIDC Dynamic Client Registration §2: --id-token-alg names one of the
// server's signing algorithms (ES256 and RS256 by default), never none.
TEST_F(IdctlServerTest, ClientsIdTokenAlg) {
  Json created =
      AdminJson({"clients", "create", "--id", "rp-es", "--grant-type",
                 "authorization_code", "--redirect-uri",
                 "https://rp.example/cb", "--id-token-alg", "ES256"});
  EXPECT_EQ(created["client"]["id_token_signed_response_alg"], "ES256");
  EXPECT_EQ(AdminJson({"clients", "update", "rp-es", "--name", "RP"})
                .value("id_token_signed_response_alg", ""),
            "ES256");
  EXPECT_EQ(AdminJson({"clients", "update", "rp-es", "--default-id-token-alg"})
                .value("id_token_signed_response_alg", ""),
            "");
  EXPECT_EQ(Admin({"clients", "update", "rp-es", "--id-token-alg", "RS256",
                   "--default-id-token-alg"})
                .code,
            kExitUsage);
  for (const char* alg : {"none", "HS256", "PS256"}) {
    Result refused =
        Admin({"clients", "update", "rp-es", "--id-token-alg", alg});
    EXPECT_EQ(refused.code, kExitInvalid) << alg;
    EXPECT_NE(refused.err.find("id_token_signed_response_alg"),
              std::string::npos)
        << refused.err;
  }
}

// Each signing algorithm rotates on its own; an algorithm the server does not
// sign with is INVALID_ARGUMENT.
TEST_F(IdctlServerTest, KeysRotateOneAlgorithm) {
  Json rotated = AdminJson({"keys", "rotate", "--alg", "RS256"});
  EXPECT_EQ(rotated["current"]["alg"], "RS256");
  EXPECT_EQ(rotated["next"]["alg"], "RS256");
  ASSERT_EQ(rotated["signing_keys"].size(), 4u) << rotated.dump();
  Result refused = Admin({"keys", "rotate", "--alg", "PS256"});
  EXPECT_EQ(refused.code, kExitInvalid);
  EXPECT_NE(refused.err.find("INVALID_ARGUMENT"), std::string::npos)
      << refused.err;
}

// RFC 9700 §2.1.1: --pkce-optional, for confidential clients only.
TEST_F(IdctlServerTest, ClientsPkceOptional) {
  Json created = AdminJson({"clients", "create", "--id", "rp", "--grant-type",
                            "authorization_code", "--redirect-uri",
                            "https://rp.example/cb", "--pkce-optional"});
  EXPECT_EQ(created["client"]["pkce_optional"], true);
  // Unchanged by an update that does not name it; then switched back.
  EXPECT_EQ(AdminJson({"clients", "update", "rp", "--name", "RP"})
                .value("pkce_optional", false),
            true);
  EXPECT_FALSE(AdminJson({"clients", "update", "rp", "--pkce-required"})
                   .value("pkce_optional", false));
  EXPECT_EQ(
      Admin({"clients", "update", "rp", "--pkce-required", "--pkce-optional"})
          .code,
      kExitUsage);
  Result refused =
      Admin({"clients", "create", "--id", "spa2", "--public", "--grant-type",
             "authorization_code", "--redirect-uri", "https://spa.example/cb",
             "--pkce-optional"});
  EXPECT_EQ(refused.code, kExitInvalid);
  EXPECT_NE(refused.err.find("public client must use PKCE"), std::string::npos)
      << refused.err;
}

// RFC 9449 §10.2: --dpop-bound-access-tokens registers the requirement; an
// update keeps it unless told.
TEST_F(IdctlServerTest, ClientsDpopBoundAccessTokens) {
  Json created = AdminJson(
      {"clients", "create", "--id", "dpop", "--dpop-bound-access-tokens"});
  EXPECT_EQ(created["client"]["dpop_bound_access_tokens"], true);
  EXPECT_EQ(AdminJson({"clients", "update", "dpop", "--name", "D"})
                .value("dpop_bound_access_tokens", false),
            true);
  EXPECT_FALSE(AdminJson({"clients", "update", "dpop", "--dpop-optional"})
                   .value("dpop_bound_access_tokens", false));
  EXPECT_EQ(
      AdminJson({"clients", "update", "dpop", "--dpop-bound-access-tokens"})
          .value("dpop_bound_access_tokens", false),
      true);
  EXPECT_EQ(Admin({"clients", "update", "dpop", "--dpop-bound-access-tokens",
                   "--dpop-optional"})
                .code,
            kExitUsage);
  Json plain = AdminJson({"clients", "create", "--id", "noDpop"});
  EXPECT_FALSE(plain["client"].value("dpop_bound_access_tokens", false));
}

// RFC 9126 §6: --require-par registers require_pushed_authorization_requests;
// an update keeps it unless told.
TEST_F(IdctlServerTest, ClientsRequirePar) {
  Json created = AdminJson({"clients", "create", "--id", "par", "--grant-type",
                            "authorization_code", "--redirect-uri",
                            "https://rp.example/cb", "--require-par"});
  EXPECT_EQ(created["client"]["require_pushed_authorization_requests"], true);
  EXPECT_EQ(AdminJson({"clients", "update", "par", "--name", "PAR"})
                .value("require_pushed_authorization_requests", false),
            true);
  EXPECT_FALSE(AdminJson({"clients", "update", "par", "--par-optional"})
                   .value("require_pushed_authorization_requests", false));
  EXPECT_EQ(AdminJson({"clients", "update", "par", "--require-par"})
                .value("require_pushed_authorization_requests", false),
            true);
  EXPECT_EQ(
      Admin({"clients", "update", "par", "--require-par", "--par-optional"})
          .code,
      kExitUsage);
  Json plain = AdminJson({"clients", "create", "--id", "noPar", "--grant-type",
                          "authorization_code", "--redirect-uri",
                          "https://rp.example/cb"});
  EXPECT_EQ(
      plain["client"].value("require_pushed_authorization_requests", false),
      false);
}

// RFC 8693: `clients create/update` set the token exchange policy, and
// `token exchange` trades a subject token (read from standard input) for a
// delegated one; an audience outside the policy fails (invalid_target).
TEST_F(IdctlServerTest, ClientsTokenExchangePolicyAndTokenExchange) {
  const std::string urn = "urn:ietf:params:oauth:grant-type:token-exchange";
  Json created =
      AdminJson({"clients", "create", "--id", "gateway", "--grant-type", urn,
                 "--allow-scope", "orders.read", "--token-exchange-delegation",
                 "--token-exchange-audience", "billing-api"});
  EXPECT_EQ(created["client"]["token_exchange"],
            Json({{"delegation", true}, {"audiences", {"billing-api"}}}));
  const std::string secret = created.value("client_secret", "");
  Json updated = AdminJson({"clients", "update", "gateway",
                            "--token-exchange-impersonation",
                            "--no-token-exchange-audiences"});
  EXPECT_EQ(updated["token_exchange"],
            Json({{"delegation", true}, {"impersonation", true}}));
  EXPECT_EQ(
      Admin({"clients", "update", "gateway", "--token-exchange-delegation",
             "--no-token-exchange-delegation"})
          .code,
      kExitUsage);
  updated = AdminJson({"clients", "update", "gateway",
                       "--no-token-exchange-impersonation",
                       "--token-exchange-audience", "billing-api"});
  EXPECT_EQ(updated["token_exchange"],
            Json({{"delegation", true}, {"audiences", {"billing-api"}}}));
  // The subject: another client's client_credentials token.
  Json worker = AdminJson(
      {"clients", "create", "--id", "worker", "--allow-scope", "orders.read"});
  Result subject =
      Idctl({"token", "--server", *address_, "--client-id", "worker",
             "--client-secret", worker.value("client_secret", "")});
  ASSERT_EQ(subject.code, kExitOk) << subject.err;
  const std::string subject_token =
      Json::parse(subject.out)["access_token"].get<std::string>();
  const std::vector<std::string> exchange = {
      "token",           "exchange", "--server",        *address_,
      "--client-id",     "gateway",  "--client-secret", secret,
      "--subject-token", "-"};
  std::vector<std::string> args = exchange;
  args.insert(args.end(), {"--audience", "billing-api"});
  Result exchanged = Idctl(args, subject_token);
  ASSERT_EQ(exchanged.code, kExitOk) << exchanged.err;
  Json response = Json::parse(exchanged.out);
  EXPECT_EQ(response["issued_token_type"],
            "urn:ietf:params:oauth:token-type:access_token");
  EXPECT_EQ(response["scope"], "orders.read");
  Result decoded = Idctl({"jwt", "decode", response["access_token"]});
  ASSERT_EQ(decoded.code, kExitOk) << decoded.err;
  Json claims = Json::parse(decoded.out)["claims"];
  EXPECT_EQ(claims["sub"], "worker");
  EXPECT_EQ(claims["aud"], "billing-api");
  EXPECT_EQ(claims["act"], Json({{"sub", "gateway"}}));
  args = exchange;
  args.insert(args.end(), {"--audience", "payroll-api"});
  Result refused = Idctl(args, subject_token);
  EXPECT_EQ(refused.code, kExitInvalid);
  EXPECT_NE(refused.err.find("invalid_target"), std::string::npos)
      << refused.err;
}

// Issue 17: --third-party clients ask users for consent; `consents list`
// shows it and `consents revoke` withdraws it, ending the client's refresh
// token for the user (invalid_grant: INVALID_ARGUMENT).
TEST_F(IdctlServerTest, ClientsThirdPartyAndConsentsListAndRevoke) {
  Json created = AdminJson({"clients", "create", "--id", "partner", "--public",
                            "--third-party", "--grant-type",
                            "authorization_code", "--grant-type",
                            "refresh_token", "--redirect-uri", kRedirectUri});
  EXPECT_EQ(created["client"].value("third_party", false), true);
  EXPECT_FALSE(AdminJson({"clients", "update", "partner", "--first-party"})
                   .value("third_party", false));
  EXPECT_TRUE(AdminJson({"clients", "update", "partner", "--third-party"})
                  .value("third_party", false));
  EXPECT_EQ(
      Admin({"clients", "update", "partner", "--third-party", "--first-party"})
          .code,
      kExitUsage);
  const std::string user = CreateUser("consenting", "pw-consenting-1");
  ASSERT_FALSE(user.empty());
  auto stub = v1::TokenService::NewStub(*channel_);
  v1::AuthorizeRequest authorize;
  authorize.set_response_type("code");
  authorize.set_client_id("partner");
  authorize.set_redirect_uri(kRedirectUri);
  authorize.set_scope("openid");
  authorize.set_code_challenge("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  authorize.set_code_challenge_method("S256");
  authorize.set_username("consenting");
  authorize.set_password("pw-consenting-1");
  auto call = [](auto method) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    return method(&context);
  };
  v1::AuthorizeResponse code;
  EXPECT_EQ(call([&](grpc::ClientContext* c) {
              return stub->Authorize(c, authorize, &code);
            }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // consent_required.
  // The consent is the login front end's word: a confidential first-party
  // client authenticates the call.
  authorize.set_consent(true);
  EXPECT_EQ(call([&](grpc::ClientContext* c) {
              return stub->Authorize(c, authorize, &code);
            }).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);  // Ignored.
  Json front = AdminJson({"clients", "create", "--id", "login-front"});
  const std::string basic =
      "Basic " +
      absl::Base64Escape("login-front:" + front.value("client_secret", ""));
  const grpc::Status consented = call([&](grpc::ClientContext* c) {
    c->AddMetadata("authorization", basic);
    return stub->Authorize(c, authorize, &code);
  });
  ASSERT_TRUE(consented.ok()) << consented.error_message();
  v1::TokenRequest exchange;
  exchange.set_grant_type("authorization_code");
  exchange.set_client_id("partner");
  exchange.set_code(code.code());
  exchange.set_redirect_uri(kRedirectUri);
  exchange.set_code_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  v1::TokenResponse tokens;
  ASSERT_TRUE(call([&](grpc::ClientContext* c) {
                return stub->Token(c, exchange, &tokens);
              }).ok());
  ASSERT_FALSE(tokens.refresh_token().empty());

  Json listed = AdminJson({"consents", "list", "--user", user});
  ASSERT_EQ(listed["consents"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["consents"][0]["client_id"], "partner");
  EXPECT_EQ(listed["consents"][0]["scopes"], Json::array({"openid"}));
  EXPECT_EQ(
      Admin({"consents", "revoke", "--user", user, "--client", "partner"}).code,
      kExitOk);
  EXPECT_TRUE(AdminJson({"consents", "list", "--user", user})
                  .value("consents", Json::array())
                  .empty());
  Result again =
      Admin({"consents", "revoke", "--user", user, "--client", "partner"});
  EXPECT_EQ(again.code, kExitInvalid);
  EXPECT_NE(again.err.find("NOT_FOUND"), std::string::npos) << again.err;
  v1::TokenRequest refresh;
  refresh.set_grant_type("refresh_token");
  refresh.set_client_id("partner");
  refresh.set_refresh_token(tokens.refresh_token());
  EXPECT_EQ(call([&](grpc::ClientContext* c) {
              return stub->Token(c, refresh, &tokens);
            }).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // invalid_grant.
}

TEST_F(IdctlServerTest, ClientsUpdateCarriesOverWhatIsNotGiven) {
  ASSERT_EQ(Admin({"clients", "create", "--id", "webapp", "--name", "Web",
                   "--allow-scope", "orders.read", "--grant-type",
                   "authorization_code", "--grant-type", "refresh_token",
                   "--redirect-uri", "https://web.example/cb"})
                .code,
            kExitOk);
  // Only the name: scopes, redirect URIs and grant types stay (an empty
  // grant_types would have made it a client_credentials client).
  Json updated = AdminJson({"clients", "update", "webapp", "--name", "Web 2"});
  EXPECT_EQ(updated["name"], "Web 2");
  EXPECT_EQ(updated["allowed_scopes"], Json::array({"orders.read"}));
  EXPECT_EQ(updated["redirect_uris"], Json::array({"https://web.example/cb"}));
  EXPECT_EQ(updated["grant_types"],
            Json::array({"authorization_code", "refresh_token"}));

  // --redirect-uri replaces the list.
  updated = AdminJson({"clients", "update", "webapp", "--redirect-uri",
                       "https://web.example/a", "--redirect-uri",
                       "https://web.example/b"});
  EXPECT_EQ(updated["redirect_uris"],
            Json::array({"https://web.example/a", "https://web.example/b"}));
  EXPECT_EQ(updated["grant_types"],
            Json::array({"authorization_code", "refresh_token"}));
  EXPECT_EQ(updated["name"], "Web 2");

  // --grant-type replaces the list; the redirect URIs stay.
  updated = AdminJson(
      {"clients", "update", "webapp", "--grant-type", "client_credentials"});
  EXPECT_EQ(updated["grant_types"], Json::array({"client_credentials"}));
  EXPECT_EQ(updated["redirect_uris"],
            Json::array({"https://web.example/a", "https://web.example/b"}));

  // --no-redirect-uris clears them.
  updated = AdminJson({"clients", "update", "webapp", "--no-redirect-uris"});
  EXPECT_FALSE(updated.contains("redirect_uris"));
  EXPECT_EQ(updated["grant_types"], Json::array({"client_credentials"}));
  EXPECT_EQ(updated["allowed_scopes"], Json::array({"orders.read"}));
  EXPECT_EQ(AdminJson({"clients", "get", "webapp"}), updated);

  // A public client stays public and keeps its grants.
  ASSERT_EQ(
      Admin({"clients", "create", "--id", "native", "--public", "--grant-type",
             "authorization_code", "--redirect-uri", "com.example.app:/cb"})
          .code,
      kExitOk);
  updated = AdminJson({"clients", "update", "native", "--name", "Native"});
  EXPECT_EQ(updated["public_client"], true);
  EXPECT_EQ(updated["grant_types"], Json::array({"authorization_code"}));
  EXPECT_EQ(updated["redirect_uris"], Json::array({"com.example.app:/cb"}));
}

TEST(IdctlAdminUsageTest, NewCommandsAndOptionsExitTwoOnUsageErrors) {
  const std::vector<std::string> auth = {"--server", "127.0.0.1:1", "--token",
                                         "t"};
  auto usage = [&](std::vector<std::string> args,
                   const std::string& stdin_text = "") {
    args.insert(args.end(), auth.begin(), auth.end());
    Result r = Idctl(args, stdin_text);
    EXPECT_NE(r.err.find("idctl help"), std::string::npos) << r.err;
    return r.code;
  };
  setenv("IDENTITY_USER_PASSWORD", "pw", 1);
  EXPECT_EQ(usage({"users"}), kExitUsage);
  EXPECT_EQ(usage({"users", "delete", "u1"}), kExitUsage);
  EXPECT_EQ(usage({"users", "create"}), kExitUsage);  // No --username.
  EXPECT_EQ(usage({"users", "create", "--username", "a", "extra"}), kExitUsage);
  EXPECT_EQ(
      usage({"users", "create", "--username", "a", "--no-email-verified"}),
      kExitUsage);
  EXPECT_EQ(usage({"users", "get"}), kExitUsage);
  EXPECT_EQ(usage({"users", "get", "u1", "u2"}), kExitUsage);
  EXPECT_EQ(usage({"users", "get", "u1", "--name", "x"}), kExitUsage);
  EXPECT_EQ(usage({"users", "list", "u1"}), kExitUsage);
  EXPECT_EQ(usage({"users", "list", "--email", "x"}), kExitUsage);
  EXPECT_EQ(usage({"users", "update", "u1", "--username", "x"}), kExitUsage);
  EXPECT_EQ(usage({"users", "update", "u1", "--email-verified",
                   "--no-email-verified"}),
            kExitUsage);
  EXPECT_EQ(usage({"users", "update", "u1", "--password-stdin"}, "pw\n"),
            kExitUsage);
  EXPECT_EQ(usage({"users", "disable"}), kExitUsage);
  EXPECT_EQ(usage({"users", "enable", "u1", "--email-verified"}), kExitUsage);
  EXPECT_EQ(usage({"users", "set-password"}), kExitUsage);
  EXPECT_EQ(usage({"users", "set-password", "u1", "--name", "x"}), kExitUsage);
  EXPECT_EQ(usage({"users", "set-password", "u1", "--password", "x"}),
            kExitUsage);
  EXPECT_EQ(usage({"users", "create", "--username", "a", "--bogus"}),
            kExitUsage);
  unsetenv("IDENTITY_USER_PASSWORD");
  EXPECT_EQ(usage({"users", "set-password", "u1"}), kExitUsage);

  EXPECT_EQ(usage({"clients", "update", "c", "--public"}), kExitUsage);
  EXPECT_EQ(usage({"clients", "get", "c", "--redirect-uri", "https://a/"}),
            kExitUsage);
  EXPECT_EQ(usage({"clients", "list", "--grant-type", "refresh_token"}),
            kExitUsage);
  EXPECT_EQ(usage({"clients", "delete", "c", "--public"}), kExitUsage);
  EXPECT_EQ(usage({"clients", "create", "--no-redirect-uris"}), kExitUsage);
  EXPECT_EQ(usage({"clients", "update", "c", "--no-redirect-uris",
                   "--redirect-uri", "https://a/"}),
            kExitUsage);
  EXPECT_EQ(usage({"consents", "list"}), kExitUsage);  // No --user.
  EXPECT_EQ(usage({"consents", "list", "--user", "u", "x"}), kExitUsage);
  EXPECT_EQ(usage({"consents", "revoke", "--user", "u"}), kExitUsage);
  EXPECT_EQ(usage({"consents", "revoke", "--client", "c"}), kExitUsage);
  EXPECT_EQ(usage({"clients", "create", "--first-party"}), kExitUsage);
  // Without --server or a token.
  EXPECT_EQ(Idctl({"users", "list", "--token", "t"}).code, kExitUsage);
  EXPECT_EQ(Idctl({"users", "list", "--server", "127.0.0.1:1"}).code,
            kExitUsage);
}

}  // namespace
}  // namespace identity::idctl
