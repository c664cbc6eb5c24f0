// The message catalogue and the choice of language (OIDC Core §3.1.2.1
// ui_locales, RFC 9110 §12.5.4 Accept-Language).
#include "server/http/page_messages.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace identity::server {
namespace {

// The placeholders ("{0}", "{1}") a text holds.
std::set<std::string> Placeholders(const std::string& text) {
  std::set<std::string> found;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] == '{' && text[i + 2] == '}') found.insert(text.substr(i, 3));
  }
  return found;
}

TEST(PageMessagesTest,
     EveryMessageHasATextInEveryLanguageWithTheSameArguments) {
  for (int i = 0; i < static_cast<int>(Msg::kCount); ++i) {
    const Msg msg = static_cast<Msg>(i);
    const std::string english = Format(Locale::kEnglish, msg);
    EXPECT_FALSE(english.empty()) << i;
    for (Locale locale : AllLocales()) {
      const std::string text = Format(locale, msg);
      EXPECT_FALSE(text.empty()) << i << " in " << LocaleTag(locale);
      EXPECT_EQ(Placeholders(text), Placeholders(english))
          << i << " in " << LocaleTag(locale) << ": " << text;
    }
  }
}

TEST(PageMessagesTest, TheLanguagesAreEnglishGermanAndFrench) {
  ASSERT_EQ(AllLocales().size(), 3u);
  EXPECT_EQ(LocaleTag(Locale::kEnglish), "en");
  EXPECT_EQ(LocaleTag(Locale::kGerman), "de");
  EXPECT_EQ(LocaleTag(Locale::kFrench), "fr");
  EXPECT_EQ(Format(Locale::kGerman, Msg::kPassword), "Passwort");
  EXPECT_EQ(Format(Locale::kFrench, Msg::kPassword), "Mot de passe");
}

TEST(PageMessagesTest, FormatFillsEachPlaceholderOnceWithItsArgument) {
  EXPECT_EQ(Format(Locale::kEnglish, Msg::kContinueTo, {"Web"}),
            "to continue to Web");
  // An argument that looks like a placeholder is text, not a template.
  EXPECT_EQ(Format(Locale::kEnglish, Msg::kContinueTo, {"{0}{1}"}),
            "to continue to {0}{1}");
  EXPECT_EQ(Format(Locale::kGerman, Msg::kTooManyAttempts, {"30"}),
            "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in 30 "
            "Sekunden erneut.");
  // A missing argument leaves the placeholder.
  EXPECT_EQ(Format(Locale::kEnglish, Msg::kContinueTo), "to continue to {0}");
}

// OIDC Core §3.1.2.1: ui_locales is a space-separated list in order of
// preference; the first the server supports wins.
// A consent page lists each scope by what it allows, in the page's
// language; a scope without a text is named.
TEST(PageMessagesTest, ScopesAreDescribedInEachLanguage) {
  EXPECT_EQ(ScopeDescription(Locale::kEnglish, "email"),
            "See your email address");
  EXPECT_EQ(ScopeDescription(Locale::kGerman, "email"),
            "Ihre E-Mail-Adresse sehen");
  EXPECT_EQ(ScopeDescription(Locale::kFrench, "openid"),
            Format(Locale::kFrench, Msg::kScopeOpenid));
  EXPECT_EQ(ScopeDescription(Locale::kEnglish, "offline_access"),
            Format(Locale::kEnglish, Msg::kScopeOfflineAccess));
  EXPECT_EQ(ScopeDescription(Locale::kEnglish, "orders.read"),
            "Use “orders.read”");
  EXPECT_EQ(ScopeDescription(Locale::kGerman, "orders.read"),
            "„orders.read“ verwenden");
}

TEST(PageMessagesTest, TheFirstSupportedUiLocaleWins) {
  EXPECT_EQ(ChooseLocale("es de-CH fr", ""), Locale::kGerman);
  EXPECT_EQ(ChooseLocale("fr-CA de", ""), Locale::kFrench);
  EXPECT_EQ(ChooseLocale("  DE  ", ""), Locale::kGerman);
  EXPECT_EQ(ChooseLocale("fr_FR", ""), Locale::kFrench);
  EXPECT_EQ(ChooseLocale("en de", ""), Locale::kEnglish);
}

TEST(PageMessagesTest, UiLocalesBeatAcceptLanguage) {
  EXPECT_EQ(ChooseLocale("fr", "de"), Locale::kFrench);
  // None of ui_locales is supported: the browser's languages decide.
  EXPECT_EQ(ChooseLocale("es ja", "de-DE,de;q=0.9"), Locale::kGerman);
}

// RFC 9110 §12.5.4: by q-value, highest first; q=0 means "not acceptable".
TEST(PageMessagesTest, AcceptLanguageIsRankedByQuality) {
  EXPECT_EQ(ChooseLocale("", "en;q=0.5, fr;q=0.9, de;q=0.7"), Locale::kFrench);
  EXPECT_EQ(ChooseLocale("", "es, de;q=0.1"), Locale::kGerman);
  EXPECT_EQ(ChooseLocale("", "de;q=0, fr;Q=0.2"), Locale::kFrench);
  EXPECT_EQ(ChooseLocale("", "de;q=0"), Locale::kEnglish);
  EXPECT_EQ(ChooseLocale("", "de;q=abc"), Locale::kEnglish);
  // Equal weights keep the order sent.
  EXPECT_EQ(ChooseLocale("", "fr, de"), Locale::kFrench);
}

TEST(PageMessagesTest, NothingSupportedMeansEnglish) {
  EXPECT_EQ(ChooseLocale("", ""), Locale::kEnglish);
  EXPECT_EQ(ChooseLocale("ja", "es, *;q=0.1"), Locale::kEnglish);
  EXPECT_EQ(ChooseLocale("-", ",,;"), Locale::kEnglish);
}

}  // namespace
}  // namespace identity::server
