// Redirect URI registration rules, matching, and redirect building; PKCE.
#include "server/oauth/redirect_uri.h"

#include "gtest/gtest.h"
#include "server/oauth/oauth_error.h"
#include "server/oauth/pkce.h"

namespace identity::server {
namespace {

TEST(RedirectUriTest, RegistrationRules) {
  for (const char* good :
       {"https://app.example/callback", "https://app.example:8443/cb?x=1",
        "http://127.0.0.1/cb", "http://127.0.0.1:8123/cb", "http://[::1]:80/cb",
        "http://localhost/cb", "com.example.app:/oauth2redirect",
        "com.example.app://callback"}) {
    EXPECT_TRUE(ValidateRedirectUri(good).ok()) << good;
  }
  for (const char* bad : {"",
                          "/relative",
                          "app.example/cb",
                          "https://app.example/cb#frag",
                          "http://app.example/cb",
                          "http://127.0.0.2/cb",
                          "https://",
                          "https:/x",
                          "https://user@app.example/cb",
                          "http://[::1]evil/cb",
                          "http://[::1/cb",
                          "http://127.0.0.1:0/cb",
                          "http://127.0.0.1:99999/cb",
                          "https://app.example:port/cb",
                          "javascript:alert(1)",
                          "data:text/html,x",
                          "file:///etc/passwd",
                          "myapp:/cb",
                          "https://app.example/c b",
                          "https://app.example/\x01"}) {
    absl::Status status = ValidateRedirectUri(bad);
    EXPECT_EQ(OAuthErrorOf(status), OAuthError::kInvalidRequest) << bad;
  }
  EXPECT_FALSE(
      ValidateRedirectUri("https://a.example/" + std::string(2000, 'x')).ok());
}

TEST(RedirectUriTest, MatchingIsExactExceptTheLoopbackPort) {
  EXPECT_TRUE(
      RedirectUriMatches("https://app.example/cb", "https://app.example/cb"));
  for (const char* other :
       {"https://app.example/cb/", "https://APP.example/cb",
        "https://app.example/cb?x", "https://app.example:443/cb",
        "http://app.example/cb"}) {
    EXPECT_FALSE(RedirectUriMatches("https://app.example/cb", other)) << other;
  }
  // RFC 8252 §7.3: any port on loopback.
  EXPECT_TRUE(
      RedirectUriMatches("http://127.0.0.1/cb", "http://127.0.0.1:53211/cb"));
  EXPECT_TRUE(RedirectUriMatches("http://[::1]:8000/cb", "http://[::1]:9/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1/cb",
                                  "http://127.0.0.1:53211/other"));
  EXPECT_FALSE(
      RedirectUriMatches("http://127.0.0.1/cb", "http://[::1]:53211/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1/cb",
                                  "http://127.0.0.1.evil.example/cb"));
  // User information would send the browser elsewhere; a port must be one;
  // control characters would split the Location header.
  for (const char* hostile :
       {"http://127.0.0.1:@evil.example/cb",
        "http://127.0.0.1:x@evil.example/cb",
        "http://localhost:x@evil.example/cb",
        "http://127.0.0.1@evil.example/cb", "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:/cb", "http://127.0.0.1:80x/cb",
        "http://127.0.0.1:\r\nSet-Cookie:x/cb", "http://127.0.0.1:1/cb#frag",
        "http://127.0.0.1:1/c b"}) {
    EXPECT_FALSE(RedirectUriMatches("http://127.0.0.1/cb", hostile)) << hostile;
  }
  EXPECT_FALSE(
      RedirectUriMatches("http://[::1]/cb", "http://[::1]@evil.example/cb"));
  EXPECT_FALSE(RedirectUriMatches("http://[::1]/cb", "http://[::1]:1@evil/cb"));
}

TEST(RedirectUriTest, AppendsFormEncodedParameters) {
  EXPECT_EQ(
      AppendQuery("https://a.example/cb", {{"code", "a b&c"}, {"s", "é"}}),
      "https://a.example/cb?code=a+b%26c&s=%C3%A9");
  EXPECT_EQ(AppendQuery("https://a.example/cb?x=1", {{"code", "c"}}),
            "https://a.example/cb?x=1&code=c");
  EXPECT_EQ(FormEncode("AZaz09*-._ ~/="), "AZaz09*-._+%7E%2F%3D");
}

TEST(PkceTest, Rfc7636AppendixB) {
  EXPECT_EQ(S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  EXPECT_TRUE(VerifyCodeVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                 "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                 "S256")
                  .ok());
}

TEST(PkceTest, EveryRuleHasItsError) {
  const std::string challenge = S256Challenge(std::string(43, 'a'));
  EXPECT_TRUE(ValidateCodeChallenge(challenge, "S256", false).ok());
  EXPECT_EQ(OAuthErrorOf(ValidateCodeChallenge("", "S256", false)),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(ValidateCodeChallenge(challenge, "", false)),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(ValidateCodeChallenge(challenge, "s256", false)),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(
      OAuthErrorOf(ValidateCodeChallenge(std::string(43, 'a'), "plain", false)),
      OAuthError::kInvalidRequest);
  EXPECT_TRUE(ValidateCodeChallenge(std::string(43, 'a'), "plain", true).ok());
  EXPECT_EQ(
      OAuthErrorOf(ValidateCodeChallenge(std::string(42, 'a'), "plain", true)),
      OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(ValidateCodeChallenge(challenge + "A", "S256", false)),
            OAuthError::kInvalidRequest);
  EXPECT_EQ(
      OAuthErrorOf(VerifyCodeVerifier(std::string(43, 'b'), challenge, "S256")),
      OAuthError::kInvalidGrant);
  EXPECT_EQ(
      OAuthErrorOf(VerifyCodeVerifier(std::string(43, '+'), challenge, "S256")),
      OAuthError::kInvalidRequest);
  EXPECT_EQ(OAuthErrorOf(
                VerifyCodeVerifier(std::string(43, 'a'), challenge, "unknown")),
            OAuthError::kInvalidGrant);
  EXPECT_TRUE(
      VerifyCodeVerifier(std::string(43, 'a'), std::string(43, 'a'), "plain")
          .ok());
}

}  // namespace
}  // namespace identity::server
