// docs/http.md must describe what the server advertises: every member of the
// discovery document, every endpoint it names (a route of the routes table),
// and every value of its finite lists; and docs/api.md every client setting
// (each field of identity.v1.Client). A member, route or setting added
// without its documentation fails here.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "identity/v1/admin.pb.h"
#include "jwt/json.h"
#include "server/http/oidc_endpoints.h"
#include "server/oauth/testing/oauth_fixture.h"

namespace identity::server {
namespace {

constexpr char kIssuer[] = "https://id.example";

std::string ReadFile(const std::string& path) {
  // Bazel runs tests from the workspace root of the runfiles.
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class DiscoveryDocsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_md_ = ReadFile("docs/http.md");
    api_md_ = ReadFile("docs/api.md");
    ASSERT_FALSE(http_md_.empty()) << "docs/http.md is not in the runfiles";
    ASSERT_FALSE(api_md_.empty()) << "docs/api.md is not in the runfiles";
    OidcEndpointsDeps deps;
    deps.issuer = kIssuer;
    deps.keys = fixture_.keys.get();
    deps.allow_plain_pkce = true;  // Every value the server may list.
    discovery_ = jwt::Json::parse(DiscoveryDocument(deps));
  }

  // `name`, as a word in backquotes: alone, or in a JSON list ["name"].
  static bool Mentions(const std::string& doc, const std::string& name) {
    return absl::StrContains(doc, absl::StrCat("`", name, "`")) ||
           absl::StrContains(doc, absl::StrCat("\"", name, "\"")) ||
           absl::StrContains(doc, absl::StrCat("`", name, ":")) ||
           absl::StrContains(doc, absl::StrCat("`", name, " "));
  }

  testing::OAuthFixture fixture_;
  std::string http_md_;
  std::string api_md_;
  jwt::Json discovery_;
};

TEST_F(DiscoveryDocsTest, EveryMemberIsDocumented) {
  ASSERT_TRUE(discovery_.is_object());
  for (const auto& [name, value] : discovery_.items()) {
    EXPECT_TRUE(Mentions(http_md_, name))
        << "discovery member `" << name << "` is not in docs/http.md";
  }
}

// Each *_endpoint and jwks_uri is a route of the table: "| `GET /path`",
// "| `POST /path`" or "| `GET`/`POST /path`".
TEST_F(DiscoveryDocsTest, EveryEndpointIsARoute) {
  int endpoints = 0;
  for (const auto& [name, value] : discovery_.items()) {
    if (!absl::EndsWith(name, "_endpoint") && name != "jwks_uri") continue;
    ++endpoints;
    ASSERT_TRUE(value.is_string()) << name;
    absl::string_view path = value.get_ref<const std::string&>();
    ASSERT_TRUE(absl::ConsumePrefix(&path, kIssuer)) << name << ": " << path;
    const std::string route = absl::StrCat(" ", path, "`");
    bool found = false;
    for (const char* method : {"| `GET", "| `POST", "| `GET`/`POST"}) {
      found = found || absl::StrContains(http_md_, absl::StrCat(method, route));
    }
    EXPECT_TRUE(found) << name << " (" << path
                       << ") is not a route of docs/http.md's table";
  }
  EXPECT_GE(endpoints, 6);
}

// The values of the lists that are finite sets of protocol words (not the
// claims, documented in docs/api.md's release table).
TEST_F(DiscoveryDocsTest, EveryListedValueIsDocumented) {
  for (const auto& [name, value] : discovery_.items()) {
    if (!value.is_array() || name == "claims_supported") continue;
    for (const jwt::Json& item : value) {
      ASSERT_TRUE(item.is_string()) << name;
      const std::string& word = item.get_ref<const std::string&>();
      EXPECT_TRUE(Mentions(http_md_, word))
          << "`" << word << "` of " << name << " is not in docs/http.md";
    }
  }
  for (const jwt::Json& claim : discovery_["claims_supported"]) {
    const std::string& name = claim.get_ref<const std::string&>();
    EXPECT_TRUE(Mentions(api_md_, name))
        << "claim `" << name << "` is not in docs/api.md";
  }
}

// The client settings: every field of identity.v1.Client.
TEST_F(DiscoveryDocsTest, EveryClientSettingIsDocumented) {
  const google::protobuf::Descriptor* client =
      identity::v1::Client::descriptor();
  ASSERT_GT(client->field_count(), 5);
  for (int i = 0; i < client->field_count(); ++i) {
    const std::string& name = client->field(i)->name();
    EXPECT_TRUE(Mentions(api_md_, name))
        << "client setting `" << name << "` is not in docs/api.md";
  }
}

}  // namespace
}  // namespace identity::server
