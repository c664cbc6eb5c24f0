// Client management rules: ids, names, scopes, secrets shown once, paging,
// and that every refused call leaves the store as it was.
#include "server/oauth/client_registry.h"

#include "gtest/gtest.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/testing/oauth_fixture.h"

namespace identity::server {
namespace {

class ClientRegistryTest : public ::testing::Test {
 protected:
  // The number of stored clients.
  size_t Count() { return fixture_.store.ListClients("", 10'000)->size(); }

  bool IsInvalidRequest(const absl::Status& status) {
    return OAuthErrorOf(status) == OAuthError::kInvalidRequest &&
           status.code() == absl::StatusCode::kInvalidArgument;
  }

  testing::OAuthFixture fixture_;
  ClientRegistry registry_{&fixture_.store,
                           &fixture_.hasher,
                           &fixture_.clock,
                           SystemRandom(),
                           {"ES256", "RS256"}};
};

TEST_F(ClientRegistryTest, CreatesWithAGeneratedIdAndASecretShownOnce) {
  auto created = registry_.Create({"", "Billing", {"orders.read"}});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->client.client_id.size(), 22u);  // 128 bits, base64url.
  EXPECT_TRUE(IsValidClientId(created->client.client_id));
  EXPECT_EQ(created->client_secret.size(), 43u);  // 256 bits, base64url.
  EXPECT_EQ(created->client.created_at, testing::kFixtureNow);
  // Only the keyed hash is stored, and the secret authenticates.
  auto stored = fixture_.store.GetClient(created->client.client_id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->secret_hash.find(created->client_secret),
            std::string::npos);
  EXPECT_TRUE(
      fixture_.authenticator
          .Authenticate(created->client.client_id, created->client_secret)
          .ok());
  auto other = registry_.Create({"", "Billing", {}});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->client.client_id, created->client.client_id);
  EXPECT_NE(other->client_secret, created->client_secret);
}

TEST_F(ClientRegistryTest, CreatesWithAGivenIdAndDropsDuplicateScopes) {
  auto created =
      registry_.Create({"billing-svc_1.v2~x", "Billing ✓", {"b", "a", "b"}});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->client.allowed_scopes,
            (std::vector<std::string>{"b", "a"}));
  auto again = registry_.Create({"billing-svc_1.v2~x", "Other", {}});
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(registry_.Get("billing-svc_1.v2~x")->name, "Billing ✓");
}

TEST_F(ClientRegistryTest, RefusesBadInputAndStoresNothing) {
  const std::vector<ClientSpec> bad = {
      {std::string(129, 'a'), "", {}},
      {"has space", "", {}},
      {"slash/", "", {}},
      {"colon:", "", {}},
      {"é", "", {}},
      {"ok", std::string(201, 'n'), {}},
      {"ok", "tab\there", {}},
      {"ok", "nul" + std::string(1, '\0'), {}},
      {"ok", "\xC3", {}},               // Truncated UTF-8.
      {"ok", "\xC0\xAF", {}},           // Overlong.
      {"ok", "\xED\xA0\x80", {}},       // Surrogate.
      {"ok", "\xC2\x85", {}},           // C1 control (NEL).
      {"ok", "admin\xE2\x80\xAE", {}},  // U+202E right-to-left override.
      {"ok", "a\xE2\x80\x8B", {}},      // U+200B zero-width space.
      {"ok", "\xEF\xBB\xBF", {}},       // U+FEFF byte-order mark.
      {"ok", "", {std::string(257, 's')}},
      {"ok", "", {"two words"}},
      {"ok", "", {""}},
      {"ok", "", {"quote\""}},
      {"ok", "", {"back\\slash"}},
      {"ok", "", std::vector<std::string>(101, "s")},
  };
  for (const ClientSpec& spec : bad) {
    EXPECT_TRUE(IsInvalidRequest(registry_.Create(spec).status()))
        << spec.client_id << " / " << spec.name;
  }
  EXPECT_EQ(Count(), 0u);
  EXPECT_TRUE(registry_.Create({std::string(128, 'a'), "", {}}).ok());
}

TEST_F(ClientRegistryTest, GetsUpdatesAndDeletes) {
  auto created = registry_.Create({"svc", "Service", {"a"}});
  ASSERT_TRUE(created.ok());
  fixture_.clock.Advance(absl::Seconds(5));
  auto updated = registry_.Update({"svc", "Renamed", {"b", "c"}});
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->name, "Renamed");
  EXPECT_EQ(updated->allowed_scopes, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(updated->created_at, testing::kFixtureNow);
  EXPECT_EQ(updated->updated_at, testing::kFixtureNow + absl::Seconds(5));
  EXPECT_EQ(*registry_.Get("svc"), *updated);
  // The secret survives an update.
  EXPECT_TRUE(
      fixture_.authenticator.Authenticate("svc", created->client_secret).ok());

  EXPECT_TRUE(
      IsInvalidRequest(registry_.Update({"svc", "", {"a b"}}).status()));
  EXPECT_EQ(registry_.Get("svc")->name, "Renamed");
  EXPECT_EQ(registry_.Update({"nobody", "", {}}).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(registry_.Get("nobody").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(IsInvalidRequest(registry_.Get("").status()));
  EXPECT_TRUE(IsInvalidRequest(registry_.Delete("bad id")));

  EXPECT_TRUE(registry_.Delete("svc").ok());
  EXPECT_EQ(registry_.Delete("svc").code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(
      fixture_.authenticator.Authenticate("svc", created->client_secret).ok());
}

// RP-Initiated Logout 1.0 §3: post_logout_redirect_uris follow the
// redirect URI rules (duplicates dropped, at most 20); an update replaces
// them.
// Back-Channel Logout 1.0 §2.2: an https URL, or http on a loopback host;
// never a fragment, another scheme or a private-use one (the server POSTs
// to it). Kept on update unless given; "" removes it.
// third_party: false unless set at creation; an update changes it only when
// set.
TEST_F(ClientRegistryTest, ThirdPartyIsFirstPartyByDefaultAndKeptUnlessSet) {
  ClientSpec web{"web",
                 "Web",
                 {"openid"},
                 {"https://web.example/cb"},
                 {"authorization_code"}};
  ASSERT_TRUE(registry_.Create(web).ok());
  EXPECT_FALSE(registry_.Get("web")->third_party);
  ClientSpec partner = web;
  partner.client_id = "partner";
  partner.third_party = true;
  ASSERT_TRUE(registry_.Create(partner).ok());
  EXPECT_TRUE(registry_.Get("partner")->third_party);
  partner.third_party = std::nullopt;
  partner.name = "Renamed";
  EXPECT_TRUE(registry_.Update(partner)->third_party);
  partner.third_party = false;
  EXPECT_FALSE(registry_.Update(partner)->third_party);
}

TEST_F(ClientRegistryTest, BackchannelLogoutUriIsAnHttpsUrlTheServerCanPostTo) {
  ClientSpec web{"web",
                 "Web",
                 {"openid"},
                 {"https://web.example/cb"},
                 {"authorization_code"}};
  for (const char* uri :
       {"https://web.example/bcl#fragment", "http://web.example/bcl",
        "com.example.app:/bcl", "ftp://web.example/bcl", "relative/bcl",
        "javascript:alert(1)"}) {
    ClientSpec spec = web;
    spec.backchannel_logout_uri = uri;
    EXPECT_TRUE(IsInvalidRequest(registry_.Create(spec).status())) << uri;
  }
  web.backchannel_logout_uri = "https://web.example/bcl?x=1";
  web.backchannel_logout_session_required = true;
  auto created = registry_.Create(web);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->client.backchannel_logout_uri,
            "https://web.example/bcl?x=1");
  EXPECT_TRUE(registry_.Get("web")->backchannel_logout_session_required);
  ClientSpec rename = web;
  rename.backchannel_logout_uri = std::nullopt;
  rename.backchannel_logout_session_required = std::nullopt;
  rename.name = "Renamed";
  EXPECT_EQ(registry_.Update(rename)->backchannel_logout_uri,
            "https://web.example/bcl?x=1");
  rename.backchannel_logout_uri = "http://127.0.0.1:9000/bcl";
  EXPECT_EQ(registry_.Update(rename)->backchannel_logout_uri,
            "http://127.0.0.1:9000/bcl");
  rename.backchannel_logout_uri = "";
  EXPECT_EQ(registry_.Update(rename)->backchannel_logout_uri, "");
  EXPECT_TRUE(registry_.Get("web")->backchannel_logout_session_required);
}

TEST_F(ClientRegistryTest, PostLogoutRedirectUrisFollowTheRedirectUriRules) {
  ClientSpec web{"web",
                 "Web",
                 {"openid"},
                 {"https://web.example/cb"},
                 {"authorization_code"}};
  for (const std::vector<std::string>& uris :
       std::vector<std::vector<std::string>>{
           {"javascript:alert(1)"},
           {"relative/bye"},
           {"https://web.example/bye#fragment"},
           {"http://web.example/bye"},  // http only on loopback.
           std::vector<std::string>(21, "x"),
       }) {
    ClientSpec spec = web;
    spec.post_logout_redirect_uris = uris;
    if (uris.size() == 21) {
      for (size_t i = 0; i < uris.size(); ++i) {
        spec.post_logout_redirect_uris[i] =
            "https://web.example/bye" + std::to_string(i);
      }
    }
    EXPECT_TRUE(IsInvalidRequest(registry_.Create(spec).status()))
        << uris.front();
  }
  EXPECT_EQ(registry_.Get("web").status().code(), absl::StatusCode::kNotFound);
  web.post_logout_redirect_uris = {"https://web.example/bye",
                                   "https://web.example/bye",
                                   "http://127.0.0.1:8080/bye"};
  auto created = registry_.Create(web);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->client.post_logout_redirect_uris,
            (std::vector<std::string>{"https://web.example/bye",
                                      "http://127.0.0.1:8080/bye"}));
  web.post_logout_redirect_uris = {};
  EXPECT_TRUE(registry_.Update(web)->post_logout_redirect_uris.empty());
}

// RFC 9700 §2.1.1: pkce_optional is for confidential clients; unset, an
// update keeps it.
TEST_F(ClientRegistryTest, PkceOptionalIsForConfidentialClientsOnly) {
  ClientSpec web{"web",
                 "Web",
                 {"openid"},
                 {"https://web.example/cb"},
                 {"authorization_code"}};
  web.pkce_optional = true;
  auto created = registry_.Create(web);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->client.pkce_optional);
  ClientSpec rename{"web",
                    "Renamed",
                    {"openid"},
                    {"https://web.example/cb"},
                    {"authorization_code"}};
  EXPECT_TRUE(registry_.Update(rename)->pkce_optional);  // Unset: kept.
  rename.pkce_optional = false;
  EXPECT_FALSE(registry_.Update(rename)->pkce_optional);
  EXPECT_FALSE(registry_.Get("web")->pkce_optional);

  ClientSpec spa{"spa",
                 "SPA",
                 {"openid"},
                 {"https://spa.example/cb"},
                 {"authorization_code"}};
  spa.public_client = true;
  spa.pkce_optional = true;
  EXPECT_TRUE(IsInvalidRequest(registry_.Create(spa).status()));
  EXPECT_EQ(registry_.Get("spa").status().code(), absl::StatusCode::kNotFound);
  spa.pkce_optional = std::nullopt;
  ASSERT_TRUE(registry_.Create(spa).ok());
  EXPECT_FALSE(registry_.Get("spa")->pkce_optional);
  spa.pkce_optional = true;
  EXPECT_TRUE(IsInvalidRequest(registry_.Update(spa).status()));
  EXPECT_FALSE(registry_.Get("spa")->pkce_optional);
}

TEST_F(ClientRegistryTest, ListsInPages) {
  for (const char* id : {"e", "b", "d", "a", "c"}) {
    ASSERT_TRUE(registry_.Create({id, "", {}}).ok());
  }
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = registry_.List(2, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& client : page->clients) seen.push_back(client.client_id);
    token = page->next_page_token;
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(pages, 3);
  auto all = registry_.List(0, "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->clients.size(), 5u);
  EXPECT_TRUE(all->next_page_token.empty());
  // Exactly a page: no empty page after it.
  auto five = registry_.List(5, "");
  EXPECT_TRUE(five->next_page_token.empty());

  EXPECT_TRUE(IsInvalidRequest(registry_.List(-1, "").status()));
  EXPECT_TRUE(IsInvalidRequest(registry_.List(1001, "").status()));
  EXPECT_TRUE(IsInvalidRequest(registry_.List(2, "!!").status()));
  EXPECT_TRUE(IsInvalidRequest(registry_.List(2, "Y m").status()));
  EXPECT_TRUE(registry_.List(1000, "").ok());
}

// RFC 8693: the token exchange grant and its policy. Off unless registered;
// the grant needs delegation or impersonation; unset on update keeps it.
TEST_F(ClientRegistryTest, TokenExchangePolicyIsRegisteredAndKept) {
  ClientSpec spec{"exchanger", "Exchanger", {"orders.read"}};
  spec.grant_types = {"client_credentials",
                      "urn:ietf:params:oauth:grant-type:token-exchange"};
  storage::TokenExchangePolicy policy;
  policy.delegation = true;
  policy.audiences = {"billing-api", "billing-api", "https://ledger.example"};
  spec.token_exchange = policy;
  auto created = registry_.Create(spec);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->client.token_exchange.delegation);
  EXPECT_FALSE(created->client.token_exchange.impersonation);
  EXPECT_EQ(
      created->client.token_exchange.audiences,
      (std::vector<std::string>{"billing-api", "https://ledger.example"}));
  spec.token_exchange = std::nullopt;
  spec.name = "Renamed";
  EXPECT_EQ(registry_.Update(spec)->token_exchange,
            created->client.token_exchange);
  spec.token_exchange = storage::TokenExchangePolicy{false, true, {}};
  EXPECT_EQ(registry_.Update(spec)->token_exchange,
            (storage::TokenExchangePolicy{false, true, {}}));
  EXPECT_FALSE(registry_.Create({"plain", "Plain", {}})
                   ->client.token_exchange.delegation);
}

TEST_F(ClientRegistryTest, TokenExchangeRefusesBadPoliciesAndStoresNothing) {
  const std::string urn = "urn:ietf:params:oauth:grant-type:token-exchange";
  ClientSpec no_mode{"a", "A", {}};
  no_mode.grant_types = {urn};
  EXPECT_TRUE(IsInvalidRequest(registry_.Create(no_mode).status()));
  ClientSpec public_client{"b", "B", {}};
  public_client.grant_types = {urn};
  public_client.public_client = true;
  public_client.token_exchange = storage::TokenExchangePolicy{true, false, {}};
  EXPECT_TRUE(IsInvalidRequest(registry_.Create(public_client).status()));
  for (const std::string& audience :
       {std::string(), std::string("two words"), std::string(257, 'a'),
        std::string("caf\xc3\xa9")}) {
    ClientSpec bad{"c", "C", {}};
    bad.grant_types = {urn};
    bad.token_exchange = storage::TokenExchangePolicy{true, false, {audience}};
    EXPECT_TRUE(IsInvalidRequest(registry_.Create(bad).status())) << audience;
  }
  ClientSpec too_many{"d", "D", {}};
  too_many.grant_types = {urn};
  too_many.token_exchange = storage::TokenExchangePolicy{true, false, {}};
  for (int i = 0; i < 21; ++i) {
    too_many.token_exchange->audiences.push_back("aud" + std::to_string(i));
  }
  EXPECT_TRUE(IsInvalidRequest(registry_.Create(too_many).status()));
  EXPECT_EQ(Count(), 0u);
  // An update may not leave the grant with neither mode.
  ClientSpec ok{"e", "E", {}};
  ok.grant_types = {urn};
  ok.token_exchange = storage::TokenExchangePolicy{true, false, {}};
  ASSERT_TRUE(registry_.Create(ok).ok());
  ok.token_exchange = storage::TokenExchangePolicy{};
  EXPECT_TRUE(IsInvalidRequest(registry_.Update(ok).status()));
  EXPECT_TRUE(registry_.Get("e")->token_exchange.delegation);
}

}  // namespace
}  // namespace identity::server
