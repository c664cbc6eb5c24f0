// What a request carries that identifies its client, parsed and resolved by
// the one rule both faces use: form-urlencoding, the Authorization header's
// Basic and Bearer schemes, and RFC 6749 §2.3's one-method rule.
#include "server/oauth/client_credentials.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "server/oauth/authorization_header.h"
#include "server/oauth/form_urlencoded.h"
#include "server/oauth/oauth_error.h"

namespace identity::server {
namespace {

std::string Basic(const std::string& id_and_secret) {
  return "Basic " + absl::Base64Escape(id_and_secret);
}

TEST(FormUrlEncodedTest, ParsesAndRefusesRepeatsAndBadEscapes) {
  auto form = ParseFormUrlEncoded("a=1&b=x+y%2Bz&c=&d&e=%C3%A9");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ((*form)["b"], "x y+z");
  EXPECT_EQ((*form)["c"], "");
  EXPECT_EQ((*form)["d"], "");
  EXPECT_EQ((*form)["e"], "é");
  // RFC 6749 §3.1: a repeated parameter is an error.
  for (const char* bad : {"a=1&a=2", "a=%", "a=%2", "a=%zz", "%=1"}) {
    EXPECT_FALSE(ParseFormUrlEncoded(bad).ok()) << bad;
  }
}

// RFC 8707 §2: resource alone may repeat; its values are joined in order.
TEST(FormUrlEncodedTest, ResourceMayRepeat) {
  auto form = ParseFormUrlEncoded(
      "resource=https%3A%2F%2Fa.example%2F&scope=x&resource=urn%3Ab");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ((*form)["resource"], "https://a.example/ urn:b");
  EXPECT_FALSE(ParseFormUrlEncoded("resource=a&scope=x&scope=y").ok());
}

TEST(FormUrlEncodedTest, AudienceMayRepeat) {
  auto form = ParseFormUrlEncoded("audience=orders&audience=billing");
  ASSERT_TRUE(form.ok()) << form.status();
  EXPECT_EQ((*form)["audience"], "orders billing");
  EXPECT_FALSE(
      ParseFormUrlEncoded("audience=a&subject_token=x&subject_token=y").ok());
}

TEST(FormUrlEncodedTest, DecodesOneComponent) {
  EXPECT_EQ(FormUrlDecode("a%3Ab+c%2b"), "a:b c+");
  EXPECT_EQ(FormUrlDecode(""), "");
  EXPECT_EQ(FormUrlDecode("%"), std::nullopt);
  EXPECT_EQ(FormUrlDecode("%4"), std::nullopt);
  EXPECT_EQ(FormUrlDecode("%g1"), std::nullopt);
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before base64.
TEST(AuthorizationHeaderTest, BasicDecodesFormEncodedIdAndSecret) {
  auto credentials = ParseBasicAuthorization(Basic("my%3Aapp:s%2Bc+t"));
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->client_id, "my:app");
  EXPECT_EQ(credentials->client_secret, "s+c t");
  auto lower = ParseBasicAuthorization("basic   " + absl::Base64Escape("a:b"));
  ASSERT_TRUE(lower.ok());  // RFC 9110 §11.1: the scheme is case-insensitive.
  EXPECT_EQ(lower->client_id, "a");
}

TEST(AuthorizationHeaderTest, MalformedBasicIsInvalidClient) {
  for (const std::string& bad :
       {std::string("Basic"), std::string("Basic "), std::string("Basic !!!"),
        Basic("no-colon"), Basic("a%zz:b"), std::string("Basicx YTpi"),
        std::string("Bearer YTpi")}) {
    EXPECT_EQ(OAuthErrorOf(ParseBasicAuthorization(bad).status()),
              OAuthError::kInvalidClient)
        << bad;
  }
}

// RFC 6750 §2.1.
TEST(AuthorizationHeaderTest, BearerTokenOnlyFromTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(BearerToken("bearer  abc "), "abc");
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
  EXPECT_EQ(BearerToken("Basic abc"), std::nullopt);
  EXPECT_EQ(BearerToken(""), std::nullopt);
}

TEST(ResolveClientCredentialsTest, ParametersWithoutAuthorization) {
  auto post = ResolveClientCredentials({"", "web", "secret"});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->client_id, "web");
  EXPECT_EQ(post->client_secret, "secret");
  // A public client sends its id alone.
  auto id_only = ResolveClientCredentials({"", "spa", std::nullopt});
  ASSERT_TRUE(id_only.ok());
  EXPECT_EQ(id_only->client_id, "spa");
  EXPECT_EQ(id_only->client_secret, "");
}

TEST(ResolveClientCredentialsTest, BasicMayRepeatItsClientId) {
  const std::string basic = Basic("web:secret");
  for (const std::optional<std::string>& id :
       {std::optional<std::string>(), std::optional<std::string>("web")}) {
    auto resolved = ResolveClientCredentials({basic, id, std::nullopt});
    ASSERT_TRUE(resolved.ok());
    EXPECT_EQ(resolved->client_id, "web");
    EXPECT_EQ(resolved->client_secret, "secret");
  }
}

// RFC 6749 §2.3: one authentication method per request.
TEST(ResolveClientCredentialsTest, TwoMethodsAreInvalidRequest) {
  const std::string basic = Basic("web:secret");
  EXPECT_EQ(
      OAuthErrorOf(
          ResolveClientCredentials({basic, std::nullopt, "secret"}).status()),
      OAuthError::kInvalidRequest);
  EXPECT_EQ(
      OAuthErrorOf(
          ResolveClientCredentials({basic, "other", std::nullopt}).status()),
      OAuthError::kInvalidRequest);
}

// RFC 6749 §5.2: an unsupported authentication method is invalid_client,
// on both faces (a Bearer token does not authenticate a client).
TEST(ResolveClientCredentialsTest, AnotherSchemeIsInvalidClient) {
  for (const char* authorization :
       {"Bearer abc", "Digest x", "Basic", "Basic %%%"}) {
    EXPECT_EQ(OAuthErrorOf(
                  ResolveClientCredentials({authorization, "web", std::nullopt})
                      .status()),
              OAuthError::kInvalidClient)
        << authorization;
  }
}

}  // namespace
}  // namespace identity::server
