#include "server/http/page_messages.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace identity::server {
namespace {

constexpr size_t kMessages = static_cast<size_t>(Msg::kCount);

// One row per message: English, German, French. A row's placeholders are
// the same in every language (page_messages_test checks).
struct Row {
  Msg msg;
  const char* en;
  const char* de;
  const char* fr;
};

// clang-format off
constexpr Row kCatalogue[] = {
  {Msg::kSignInTitle, "Sign in", "Anmelden", "Connexion"},
  {Msg::kContinueTo, "to continue to {0}", "weiter zu {0}",
   "pour accéder à {0}"},
  {Msg::kUsername, "Username", "Benutzername", "Nom d’utilisateur"},
  {Msg::kPassword, "Password", "Passwort", "Mot de passe"},
  {Msg::kSignInButton, "Sign in", "Anmelden", "Se connecter"},
  {Msg::kWrongCredentials, "Wrong username or password.",
   "Benutzername oder Passwort ist falsch.",
   "Nom d’utilisateur ou mot de passe incorrect."},
  {Msg::kTooManyAttempts, "Too many failed sign-ins. Try again in {0} seconds.",
   "Zu viele fehlgeschlagene Anmeldungen. Versuchen Sie es in {0} Sekunden "
   "erneut.",
   "Trop de connexions échouées. Réessayez dans {0} secondes."},
  {Msg::kServerBusy, "The server is busy. Try again in {0} seconds.",
   "Der Server ist ausgelastet. Versuchen Sie es in {0} Sekunden erneut.",
   "Le serveur est occupé. Réessayez dans {0} secondes."},
  {Msg::kFormExpired,
   "The sign-in form expired or did not come from this site.",
   "Das Anmeldeformular ist abgelaufen oder stammt nicht von dieser Website.",
   "Le formulaire de connexion a expiré ou ne provient pas de ce site."},
  {Msg::kErrorTitle, "Sign-in error", "Anmeldefehler", "Erreur de connexion"},
  {Msg::kLogoutErrorTitle, "Sign-out error", "Abmeldefehler",
   "Erreur de déconnexion"},
  {Msg::kErrorCannotContinue, "This sign-in request cannot go on.",
   "Diese Anmeldeanfrage kann nicht fortgesetzt werden.",
   "Cette demande de connexion ne peut pas aboutir."},
  {Msg::kErrorGoBack, "Go back to the application and start again.",
   "Kehren Sie zur Anwendung zurück und beginnen Sie erneut.",
   "Revenez à l’application et recommencez."},
  {Msg::kErrorDetails, "Details", "Details", "Détails"},
  {Msg::kServiceUnavailable, "The service is unavailable; try again.",
   "Der Dienst ist nicht verfügbar. Versuchen Sie es erneut.",
   "Le service est indisponible. Réessayez."},
  {Msg::kBadRequest, "The request could not be read.",
   "Die Anfrage konnte nicht gelesen werden.",
   "La requête n’a pas pu être lue."},
  {Msg::kLogoutTitle, "Sign out", "Abmelden", "Déconnexion"},
  {Msg::kLogoutMessage, "Do you want to sign out of {0}?",
   "Möchten Sie sich von {0} abmelden?",
   "Voulez-vous vous déconnecter de {0}\u00a0?"},
  {Msg::kLogoutConfirm, "Sign out", "Abmelden", "Se déconnecter"},
  {Msg::kLogoutCancel, "Stay signed in", "Angemeldet bleiben",
   "Rester connecté"},
  {Msg::kSignedOutTitle, "Signed out", "Abgemeldet", "Déconnecté"},
  {Msg::kSignedOutMessage, "You are signed out. You may close this window.",
   "Sie sind abgemeldet. Sie können dieses Fenster schließen.",
   "Vous êtes déconnecté. Vous pouvez fermer cette fenêtre."},
  {Msg::kStillSignedIn, "You are still signed in. You may close this window.",
   "Sie sind weiterhin angemeldet. Sie können dieses Fenster schließen.",
   "Vous êtes toujours connecté. Vous pouvez fermer cette fenêtre."},
  {Msg::kConsentTitle, "Allow access?", "Zugriff erlauben?",
   "Autoriser l’accès\u00a0?"},
  {Msg::kConsentMessage, "{0} wants to:", "{0} möchte:", "{0} souhaite\u00a0:"},
  {Msg::kConsentAllow, "Allow", "Erlauben", "Autoriser"},
  {Msg::kConsentDeny, "Deny", "Ablehnen", "Refuser"},
  {Msg::kScopeOpenid, "Know who you are", "Wissen, wer Sie sind",
   "Savoir qui vous êtes"},
  {Msg::kScopeProfile, "See your name and profile",
   "Ihren Namen und Ihr Profil sehen", "Voir votre nom et votre profil"},
  {Msg::kScopeEmail, "See your email address", "Ihre E-Mail-Adresse sehen",
   "Voir votre adresse e-mail"},
  {Msg::kScopeAddress, "See your postal address", "Ihre Postanschrift sehen",
   "Voir votre adresse postale"},
  {Msg::kScopePhone, "See your phone number", "Ihre Telefonnummer sehen",
   "Voir votre numéro de téléphone"},
  {Msg::kScopeOfflineAccess, "Keep access while you are signed out",
   "Zugriff behalten, während Sie abgemeldet sind",
   "Garder l’accès quand vous êtes déconnecté"},
  {Msg::kScopeOther, "Use “{0}”", "„{0}“ verwenden",
   "Utiliser «\u00a0{0}\u00a0»"},
  {Msg::kDeviceTitle, "Connect a device", "Gerät verbinden",
   "Connecter un appareil"},
  {Msg::kDeviceEnterCode, "Enter the code shown on your device.",
   "Geben Sie den Code ein, den Ihr Gerät anzeigt.",
   "Saisissez le code affiché sur votre appareil."},
  {Msg::kDeviceCodeLabel, "Code", "Code", "Code"},
  {Msg::kDeviceContinue, "Continue", "Weiter", "Continuer"},
  {Msg::kDeviceCodeUnknown,
   "This code is unknown, expired or already used. Check the code on your "
   "device.",
   "Dieser Code ist unbekannt, abgelaufen oder schon verwendet. Prüfen Sie "
   "den Code auf Ihrem Gerät.",
   "Ce code est inconnu, expiré ou déjà utilisé. Vérifiez le code sur votre "
   "appareil."},
  {Msg::kDeviceTooManyCodes,
   "Too many codes were entered. Try again in {0} seconds.",
   "Zu viele Codes wurden eingegeben. Versuchen Sie es in {0} Sekunden "
   "erneut.",
   "Trop de codes ont été saisis. Réessayez dans {0}\u00a0secondes."},
  {Msg::kDeviceApproveTitle, "Allow this device?", "Dieses Gerät zulassen?",
   "Autoriser cet appareil\u00a0?"},
  {Msg::kDeviceApproveMessage,
   "{0} on the device showing the code {1} asks to:",
   "{0} auf dem Gerät mit dem Code {1} möchte:",
   "{0} sur l’appareil qui affiche le code {1} demande à\u00a0:"},
  {Msg::kDeviceApprovedTitle, "Device connected", "Gerät verbunden",
   "Appareil connecté"},
  {Msg::kDeviceApprovedMessage,
   "You can go back to your device now.",
   "Sie können jetzt zu Ihrem Gerät zurückkehren.",
   "Vous pouvez maintenant revenir à votre appareil."},
  {Msg::kDeviceDeniedTitle, "Device not connected", "Gerät nicht verbunden",
   "Appareil non connecté"},
  {Msg::kDeviceDeniedMessage,
   "The device was refused access. You can close this page.",
   "Dem Gerät wurde der Zugriff verweigert. Sie können diese Seite "
   "schließen.",
   "L’accès a été refusé à l’appareil. Vous pouvez fermer cette page."},
};
// clang-format on

static_assert(sizeof(kCatalogue) / sizeof(kCatalogue[0]) == kMessages,
              "every Msg needs one row of the catalogue");

// The rows by Msg, checked once: the table's order is the enum's.
const std::array<const Row*, kMessages>& Rows() {
  static const auto* const kRows = [] {
    auto* rows = new std::array<const Row*, kMessages>{};
    for (const Row& row : kCatalogue) {
      (*rows)[static_cast<size_t>(row.msg)] = &row;
    }
    return rows;
  }();
  return *kRows;
}

const char* TextOf(Locale locale, Msg msg) {
  const Row* row = Rows()[static_cast<size_t>(msg)];
  switch (locale) {
    case Locale::kGerman:
      return row->de;
    case Locale::kFrench:
      return row->fr;
    case Locale::kEnglish:
      break;
  }
  return row->en;
}

// The catalogue's locale for one BCP 47 tag, by its primary language
// subtag (RFC 5646 §2.1: case-insensitive).
std::optional<Locale> LocaleOfTag(absl::string_view tag) {
  const std::string language =
      absl::AsciiStrToLower(tag.substr(0, tag.find_first_of("-_")));
  for (Locale locale : AllLocales()) {
    if (language == LocaleTag(locale)) return locale;
  }
  return std::nullopt;
}

// RFC 9110 §12.5.4: "de-CH, fr;q=0.8, en;q=0.5": the tags by q, highest
// first (ties in the order sent); q=0 and malformed weights are dropped.
std::vector<std::string> RankedLanguages(absl::string_view header) {
  std::vector<std::pair<double, std::string>> ranked;
  for (absl::string_view item : absl::StrSplit(header, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(item, ';');
    const absl::string_view tag = absl::StripAsciiWhitespace(parts[0]);
    double q = 1.0;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view param = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&param, "q=") ||
          absl::ConsumePrefix(&param, "Q=")) {
        if (!absl::SimpleAtod(param, &q) || q < 0 || q > 1) q = 0;
      }
    }
    if (tag.empty() || q <= 0) continue;
    ranked.emplace_back(q, std::string(tag));
  }
  std::stable_sort(
      ranked.begin(), ranked.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> tags;
  for (auto& [q, tag] : ranked) tags.push_back(std::move(tag));
  return tags;
}

}  // namespace

const std::vector<Locale>& AllLocales() {
  static const auto* const kAll = new std::vector<Locale>{
      Locale::kEnglish, Locale::kGerman, Locale::kFrench};
  return *kAll;
}

absl::string_view LocaleTag(Locale locale) {
  switch (locale) {
    case Locale::kGerman:
      return "de";
    case Locale::kFrench:
      return "fr";
    case Locale::kEnglish:
      break;
  }
  return "en";
}

std::string ScopeDescription(Locale locale, absl::string_view scope) {
  static constexpr std::pair<absl::string_view, Msg> kScopes[] = {
      {"openid", Msg::kScopeOpenid},
      {"profile", Msg::kScopeProfile},
      {"email", Msg::kScopeEmail},
      {"address", Msg::kScopeAddress},
      {"phone", Msg::kScopePhone},
      {"offline_access", Msg::kScopeOfflineAccess},
  };
  for (const auto& [name, msg] : kScopes) {
    if (scope == name) return Format(locale, msg);
  }
  return Format(locale, Msg::kScopeOther, {std::string(scope)});
}

std::string Format(Locale locale, Msg msg,
                   const std::vector<std::string>& args) {
  // One pass over the template: an argument holding "{1}" stays as it is.
  const absl::string_view text = TextOf(locale, msg);
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 2 < text.size() &&
        absl::ascii_isdigit(text[i + 1]) && text[i + 2] == '}') {
      const size_t n = static_cast<size_t>(text[i + 1] - '0');
      if (n < args.size()) {
        out += args[n];
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Locale ChooseLocale(absl::string_view ui_locales,
                    absl::string_view accept_language) {
  for (absl::string_view tag :
       absl::StrSplit(ui_locales, ' ', absl::SkipEmpty())) {
    if (auto locale = LocaleOfTag(tag)) return *locale;
  }
  for (const std::string& tag : RankedLanguages(accept_language)) {
    if (auto locale = LocaleOfTag(tag)) return *locale;
  }
  return Locale::kEnglish;
}

}  // namespace identity::server
