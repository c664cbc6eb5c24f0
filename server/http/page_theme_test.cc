// The operator's theme: what the configuration accepts (refused at start
// otherwise) and the contrast rules the pages keep for any colour.
#include "server/http/page_theme.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

TEST(PageThemeTest, ColoursAreSixHexDigits) {
  for (const char* good : {"#1d4ed8", "#1D4ED8", "#000000", "#ffffff"}) {
    EXPECT_TRUE(CheckColor(good).ok()) << good;
  }
  for (const char* bad : {"", "1d4ed8", "#fff", "#12345g", "red", "#1d4ed8;",
                          "#1d4ed8 ", "#1d4ed8}body{", "rgb(0,0,0)"}) {
    const absl::Status status = CheckColor(bad);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(status.message(), "must be a colour #rrggbb, such as #1d4ed8");
  }
}

TEST(PageThemeTest, TheLogoIsAnHttpsUrlOrADataImage) {
  for (const char* good :
       {"", "https://cdn.example/logo.png",
        "https://cdn.example:8443/a/b.svg?v=2",
        "https://[2001:db8::1]/logo.png", "data:image/png;base64,iVBORw0KGgo=",
        "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="}) {
    EXPECT_TRUE(CheckLogoUrl(good).ok()) << good << ": " << CheckLogoUrl(good);
  }
  for (const char* bad : {
           "http://cdn.example/logo.png",         // Not https.
           "javascript:alert(1)",                 // Not a URL of an image.
           "//cdn.example/logo.png",              // Relative.
           "https://",                            // No host.
           "https://user@cdn.example/logo.png",   // A user part.
           "https://cdn.example/a b.png",         // Would split the CSP.
           "https://cdn.example/a;b.png",         // Ends the CSP directive.
           "https://cdn.example/a,b.png",         // Ends the CSP policy.
           "https://cdn.example/a'b.png",         // A CSP keyword quote.
           "https://cdn.example/a\"b.png",        // Ends the attribute.
           "https://cdn.example/a\r\nb.png",      // Splits the header.
           "data:text/html;base64,PHNjcmlwdD4=",  // Not an image.
           "data:image/png,rawbytes",             // Not base64.
           "data:image/png;base64,abc def",       // Not base64.
       }) {
    EXPECT_EQ(CheckLogoUrl(bad).code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(
      CheckLogoUrl("https://cdn.example/" + std::string(2100, 'a')).ok());
  EXPECT_FALSE(
      CheckLogoUrl("data:image/png;base64," + std::string(33000, 'A')).ok());
}

TEST(PageThemeTest, TheProductNameIsShortTextWithoutControls) {
  EXPECT_TRUE(CheckProductName("Acme Anmeldung — Zürich").ok());
  EXPECT_FALSE(CheckProductName("").ok());
  EXPECT_FALSE(CheckProductName(std::string(65, 'a')).ok());
  EXPECT_FALSE(CheckProductName("Acme\nIdentity").ok());
  EXPECT_FALSE(CheckProductName(std::string("Acme\0", 5)).ok());
}

TEST(PageThemeTest, ALayoutTemplateHoldsContentAndTheStyleElementOnce) {
  EXPECT_TRUE(CheckLayoutTemplate(
                  "<html lang=\"{{lang}}\"><title>{{title}} {{product_name}}"
                  "</title><style>{{style}}</style>{{brand}}<img src=\""
                  "{{logo_url}}\" alt=\"\"><main>{{content}}</main></html>")
                  .ok());
  for (const char* bad : {
           "<style>{{style}}</style>",                        // No content.
           "{{content}}{{content}}<style>{{style}}</style>",  // Twice.
           "{{content}}",                                     // No style.
           "{{content}}<style> {{style}}</style>",  // Not the whole element.
           "{{content}}<style>{{style}}</style>{{style}}",     // Style twice.
           "{{content}}<style>{{style}}</style>{{password}}",  // Unknown.
           "{{content}}<style>{{style}}</style>{{",            // Unclosed.
       }) {
    EXPECT_EQ(CheckLayoutTemplate(bad).code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_FALSE(CheckLayoutTemplate("{{content}}<style>{{style}}</style>" +
                                   std::string(65 * 1024, ' '))
                   .ok());
}

TEST(PageThemeTest, AStylesheetCannotEndItsElement) {
  EXPECT_TRUE(CheckStylesheet("main{color:#111}").ok());
  EXPECT_TRUE(CheckStylesheet("").ok());
  EXPECT_FALSE(CheckStylesheet("a{}</style><script>x</script>").ok());
  EXPECT_FALSE(CheckStylesheet("a{}</STYLE").ok());
  EXPECT_FALSE(CheckStylesheet(std::string(65 * 1024, ' ')).ok());
}

TEST(PageThemeTest, CheckThemeChecksEveryField) {
  EXPECT_TRUE(CheckTheme(PageTheme()).ok());
  PageTheme theme;
  theme.background_color = "white";
  EXPECT_FALSE(CheckTheme(theme).ok());
  theme = PageTheme();
  theme.logo_url = "http://x/logo.png";
  EXPECT_FALSE(CheckTheme(theme).ok());
}

// WCAG 2.1 "contrast ratio": (L1 + 0.05) / (L2 + 0.05).
TEST(PageThemeTest, ContrastRatiosAreWcags) {
  EXPECT_NEAR(ContrastRatio("#000000", "#ffffff"), 21.0, 1e-9);
  EXPECT_NEAR(ContrastRatio("#ffffff", "#000000"), 21.0, 1e-9);
  EXPECT_NEAR(ContrastRatio("#777777", "#777777"), 1.0, 1e-9);
  EXPECT_NEAR(ContrastRatio("#767676", "#ffffff"), 4.54, 0.01);
  EXPECT_NEAR(ContrastRatio("#1d4ed8", "#ffffff"), 6.70, 0.01);
}

// Whatever primary colour an operator picks, the button text on it keeps
// WCAG 1.4.3 AA (4.5:1).
TEST(PageThemeTest, TextOnAnyColourKeepsAaContrast) {
  EXPECT_EQ(TextColorOn("#1d4ed8"), "#ffffff");
  EXPECT_EQ(TextColorOn("#fde047"), "#000000");
  for (int r = 0; r < 256; r += 15) {
    for (int g = 0; g < 256; g += 15) {
      for (int b = 0; b < 256; b += 15) {
        char color[8];
        std::snprintf(color, sizeof(color), "#%02x%02x%02x", r, g, b);
        EXPECT_GE(ContrastRatio(color, TextColorOn(color)), 4.5) << color;
      }
    }
  }
}

TEST(PageThemeTest, TheLogoSourceOfTheCspIsTheUrlWithoutQueryOrData) {
  PageTheme theme;
  EXPECT_EQ(LogoSource(theme), "");
  theme.logo_url = "https://cdn.example/logo.png?v=2#x";
  EXPECT_EQ(LogoSource(theme), "https://cdn.example/logo.png");
  theme.logo_url = "data:image/png;base64,iVBORw0KGgo=";
  EXPECT_EQ(LogoSource(theme), "data:");
}

}  // namespace
}  // namespace identity::server
