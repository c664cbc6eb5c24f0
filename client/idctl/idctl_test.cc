#include "client/idctl/idctl.h"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "jwt/json.h"

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

}  // namespace
}  // namespace identity::idctl
