#include "client/idctl/verb_table.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/idctl/admin_clients.h"
#include "client/idctl/admin_consents.h"
#include "client/idctl/admin_resources.h"
#include "client/idctl/admin_session.h"
#include "client/idctl/admin_sessions.h"
#include "client/idctl/admin_users.h"
#include "client/idctl/client_credentials.h"
#include "client/idctl/device_login.h"
#include "client/idctl/offline_commands.h"
#include "client/idctl/server_commands.h"
#include "client/idctl/server_connection.h"

namespace identity::idctl {
namespace {

constexpr size_t kHelpWidth = 100;

const std::vector<RefusedFlag> kNoPassword = {{"password", kNoPasswordFlag}};

std::vector<Verb> OfflineVerbs() {
  constexpr VerbKind kOffline = VerbKind::kOffline;
  return {
      {kOffline,
       {"keys generate",
        {Required("alg", "ALG"), Optional("kid", "KID"),
         Optional("bits", "N")}},
       "Print a new private JWK. ALG: ES256 ES384 ES512 RS256 RS384 RS512 "
       "PS256 PS384 PS512 EdDSA HS256 HS384 HS512. --bits: the RSA modulus "
       "size (default 2048). Without --kid the kid is the RFC 7638 thumbprint.",
       &KeysGenerate},
      {kOffline,
       {"keys public", {}, One("KEY_FILE")},
       "Print the public JWK of a (private) JWK.",
       &KeysPublic},
      {kOffline,
       {"keys jwks", {}, OneOrMore("KEY_FILE")},
       "Print a JWKS of the public parts of the given JWKs.",
       &KeysJwksFromFiles},
      {kOffline,
       {"keys to-pem", {Switch("private")}, One("KEY_FILE")},
       "Print a JWK as PEM (SPKI, or PKCS#8 with --private).",
       &KeysToPem},
      {kOffline,
       {"keys from-pem",
        {Optional("alg", "ALG"), Optional("kid", "KID")},
        One("PEM_FILE")},
       "Print a PEM key as a JWK (--alg is required to sign with RSA keys).",
       &KeysFromPem},
      {kOffline,
       {"jwt sign",
        {Required("key", "PRIVATE_JWK_FILE"), Required("claims", "JSON"),
         Optional("typ", "TYP")}},
       "Print a compact JWS of the claims (header typ defaults to JWT; "
       "--typ \"\" omits it).",
       &JwtSign},
      {kOffline,
       {"jwt decode", {}, One("TOKEN")},
       "Print {\"header\": ..., \"claims\": ...} WITHOUT verifying anything.",
       &JwtDecode},
      {kOffline,
       {"jwt verify",
        {Required("jwks", "JWKS_FILE"), Optional("iss", "ISS"),
         Repeated("aud", "AUD"), Optional("leeway", "SECONDS"),
         Optional("typ", "TYP"), Repeated("alg", "ALG"),
         Optional("max-size", "BYTES")},
        One("TOKEN")},
       "Exit 0 and print the claims when TOKEN is valid; exit 1 and print the "
       "reason on stderr when it is not. --iss, --aud and --typ are checked "
       "when given; stderr names those not given. --alg restricts the "
       "algorithms "
       "(default: ES256 ES384 RS256 PS256 EdDSA). JWKS_FILE may hold one JWK.",
       &JwtVerify},
      {kOffline,
       {"dpop proof",
        {Required("key", "PRIVATE_JWK_FILE"), Required("htu", "URI"),
         Optional("htm", "METHOD"), Optional("ath-token", "TOKEN")}},
       "Print a DPoP proof (RFC 9449) signed with the key: htm --htm "
       "(default POST), htu --htu, a fresh jti, iat now, and ath of "
       "--ath-token (- reads standard input). For a gRPC call, htu is "
       "https://<authority>/<package.Service>/<Method>; send it as \"dpop\" "
       "metadata with \"authorization: DPoP <token>\".",
       &DpopProof},
  };
}

std::vector<Verb> ServerVerbs() {
  constexpr VerbKind kServer = VerbKind::kServer;
  return {
      // Before "token": the first verb whose path the words match is chosen.
      {kServer,
       {"token exchange",
        {Required("client-id", "ID"), kClientSecretFlag,
         Required("subject-token", "TOKEN"), Optional("actor-token", "TOKEN"),
         Repeated("audience", "AUD"), Optional("scope", "S"),
         Optional("requested-token-type", "TYPE")}},
       "RFC 8693 token exchange: a token for the subject of --subject-token "
       "(an access token of the server; - reads standard input), acting as "
       "the client (delegation, or impersonation where its policy allows) "
       "or as the subject of --actor-token; print the JSON response.",
       &TokenExchange},
      {kServer,
       {"token",
        {Required("client-id", "ID"), kClientSecretFlag, Optional("scope", "S"),
         Repeated("resource", "URI"),
         Optional("private-key", "PRIVATE_JWK_FILE"), Optional("kid", "KID"),
         Optional("issuer", "URL"), Optional("dpop-key", "PRIVATE_JWK_FILE")},
        NoArguments(),
        {{"private-key", "client-secret"}}},
       "Get an access token with the client_credentials grant; print the JSON "
       "response. --resource: the registered resource (RFC 8707) the token "
       "is for, its aud (at most one; default: the server's audience). "
       "--private-key: authenticate with private_key_jwt, an "
       "assertion signed with the key (its kid, or --kid) for --issuer. "
       "--dpop-key: ask for a DPoP-bound token (RFC 9449): the request "
       "carries a proof signed with the key, for the --server authority.",
       &Token},
      {kServer,
       {"login",
        {Switch("device"), Required("client-id", "ID"), kClientSecretFlag,
         Optional("scope", "S"), Optional("timeout", "SECONDS")}},
       "Log a user in with the device authorization grant (RFC 8628): print "
       "the URL and code to enter on stderr, poll until the user answers "
       "(at most the codes' lifetime and --timeout, default 900), print the "
       "JSON token response.",
       &Login},
      {kServer,
       {"introspect",
        {Required("client-id", "ID"), kClientSecretFlag},
        One("TOKEN")},
       "Print the RFC 7662 introspection of TOKEN.",
       &Introspect},
      {kServer,
       {"keys jwks"},
       "Print the server's JWKS (KeyService.GetJwks).",
       &KeysJwksFromServer,
       kServerFlag.name},
      {kServer,
       {"health", {Optional("service", "NAME")}},
       "grpc.health.v1 Check of NAME (default: the whole server); print "
       "{\"status\": ...}; exit 0 only when SERVING.",
       &Health},
  };
}

// "clients update": its flags and their exclusive pairs outgrow a table row.
Verb ClientsUpdateVerb() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      kAdmin,
      {"clients update",
       {Optional("name", "NAME"),
        Repeated("allow-scope", "S"),
        Switch("no-scopes"),
        Repeated("redirect-uri", "URI"),
        Switch("no-redirect-uris"),
        Repeated("grant-type", "G"),
        Switch("pkce-optional"),
        Switch("pkce-required"),
        Optional("id-token-alg", "ALG"),
        Switch("default-id-token-alg"),
        Switch("require-par"),
        Switch("par-optional"),
        Repeated("post-logout-redirect-uri", "URI"),
        Switch("no-post-logout-redirect-uris"),
        Optional("backchannel-logout-uri", "URI"),
        Switch("no-backchannel-logout-uri"),
        Switch("third-party"),
        Switch("first-party"),
        Switch("dpop-bound-access-tokens"),
        Switch("dpop-optional"),
        Switch("token-exchange-delegation"),
        Switch("no-token-exchange-delegation"),
        Switch("token-exchange-impersonation"),
        Switch("no-token-exchange-impersonation"),
        Repeated("token-exchange-audience", "AUD"),
        Switch("no-token-exchange-audiences"),
        Optional("jwks-file", "FILE")},
       One("ID"),
       {{"no-scopes", "allow-scope"},
        {"no-redirect-uris", "redirect-uri"},
        {"no-post-logout-redirect-uris", "post-logout-redirect-uri"},
        {"pkce-optional", "pkce-required"},
        {"id-token-alg", "default-id-token-alg"},
        {"require-par", "par-optional"},
        {"backchannel-logout-uri", "no-backchannel-logout-uri"},
        {"third-party", "first-party"},
        {"dpop-bound-access-tokens", "dpop-optional"},
        {"token-exchange-delegation", "no-token-exchange-delegation"},
        {"token-exchange-impersonation", "no-token-exchange-impersonation"},
        {"token-exchange-audience", "no-token-exchange-audiences"}}},
      "Change what is given (a list given replaces the current one; "
      "--no-scopes, --no-redirect-uris and --no-post-logout-redirect-uris "
      "clear; --pkce-optional or "
      "--pkce-required; --id-token-alg ALG or --default-id-token-alg; "
      "--require-par or --par-optional; --backchannel-logout-uri URI or "
      "--no-backchannel-logout-uri; --third-party or --first-party; "
      "--dpop-bound-access-tokens or --dpop-optional; "
      "--[no-]token-exchange-delegation, --[no-]token-exchange-impersonation, "
      "--token-exchange-audience or --no-token-exchange-audiences; "
      "--jwks-file replaces a private_key_jwt client's keys). "
      "Reads the client first: a concurrent change in "
      "between is overwritten.",
      &ClientsUpdate};
}

std::vector<Verb> ClientVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"clients create",
        {Optional("id", "ID"), Optional("name", "NAME"),
         Repeated("allow-scope", "S"), Repeated("redirect-uri", "URI"),
         Repeated("grant-type", "G"), Switch("public"), Switch("pkce-optional"),
         Optional("id-token-alg", "ALG"), Switch("require-par"),
         Repeated("post-logout-redirect-uri", "URI"),
         Optional("backchannel-logout-uri", "URI"),
         Switch("backchannel-logout-session-required"), Switch("third-party"),
         Switch("token-exchange-delegation"),
         Switch("token-exchange-impersonation"),
         Repeated("token-exchange-audience", "AUD"),
         Optional("auth-method", "METHOD"), Optional("jwks-file", "FILE"),
         Switch("dpop-bound-access-tokens")}},
       "Register a client; print it with its secret, shown only this once (a "
       "--public client has none). G: client_credentials (the default), "
       "authorization_code, refresh_token, "
       "urn:ietf:params:oauth:grant-type:device_code (RFC 8628). "
       "--pkce-optional: a confidential "
       "client may leave PKCE out of an openid request. "
       "--id-token-alg: its ID tokens' algorithm, one the server signs with "
       "(default: the server's, RS256 when configured). --require-par: its "
       "authorization requests must be pushed first (RFC 9126). "
       "--post-logout-redirect-uri: where logout (RP-Initiated Logout) may "
       "return the browser, matched exactly. --backchannel-logout-uri: where "
       "a logout token is POSTed when a session it was in ends. "
       "--third-party: users consent to the scopes it asks for (default: "
       "first-party, no consent page). With G "
       "urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693): "
       "--token-exchange-delegation and/or --token-exchange-impersonation, "
       "--token-exchange-audience: an audience it may request. "
       "--auth-method: client_secret_basic "
       "(default), client_secret_post, private_key_jwt (no secret; its "
       "public keys from --jwks-file, a JWK Set) or none (--public). "
       "--dpop-bound-access-tokens: every token request must carry a DPoP "
       "proof (RFC 9449 §10.2).",
       &ClientsCreate},
      {kAdmin,
       {"clients get", {}, One("ID")},
       "Print the client.",
       &ClientsGet},
      {kAdmin,
       {"clients list"},
       "Print every client, page by page.",
       &ClientsList},
      ClientsUpdateVerb(),
      {kAdmin,
       {"clients delete", {}, One("ID")},
       "Delete the client.",
       &ClientsDelete},
  };
}

// `flags` and then the standard claims' (admin_users.h).
std::vector<FlagSpec> WithClaimFlags(std::vector<FlagSpec> flags) {
  for (const FlagSpec& flag : UserClaimFlags()) flags.push_back(flag);
  return flags;
}

std::vector<Verb> UserVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"users create",
        WithClaimFlags({Required("username", "NAME"), Optional("name", "N"),
                        Optional("email", "E"), Switch("email-verified"),
                        Switch("password-stdin")}),
        NoArguments(),
        {},
        kNoPassword},
       "Register a user with PASSWORD and the standard claims given (OIDC "
       "Core 5.1; the server checks each: docs/idctl.md).",
       &UsersCreate},
      {kAdmin,
       {"users get", {}, One("USER_ID"), {}, kNoPassword},
       "Print the user.",
       &UsersGet},
      {kAdmin,
       {"users list", {}, NoArguments(), {}, kNoPassword},
       "Print every user, page by page.",
       &UsersList},
      {kAdmin,
       {"users update",
        WithClaimFlags({Optional("name", "N"), Optional("email", "E"),
                        Switch("email-verified"), Switch("no-email-verified"),
                        Switch("no-phone-number-verified")}),
        One("USER_ID"),
        {{"email-verified", "no-email-verified"},
         {"phone-number-verified", "no-phone-number-verified"}},
        kNoPassword},
       "Change the profile (what is not given stays; a claim given as \"\" "
       "is cleared). Reads the user first, like clients update.",
       &UsersUpdate},
      {kAdmin,
       {"users disable", {}, One("USER_ID"), {}, kNoPassword},
       "The user can no longer log in.",
       &UsersDisable},
      {kAdmin,
       {"users enable", {}, One("USER_ID"), {}, kNoPassword},
       "The user can log in again.",
       &UsersEnable},
      {kAdmin,
       {"users set-password",
        {Switch("password-stdin")},
        One("USER_ID"),
        {},
        kNoPassword},
       "Replace the password with PASSWORD.",
       &UsersSetPassword},
  };
}

std::vector<Verb> SessionVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"sessions list", {}, One("USER_ID")},
       "Print the user's live browser login sessions (sid, auth_time, "
       "expiry), oldest first.",
       &SessionsList},
      {kAdmin,
       {"sessions end",
        {Optional("sid", "SID"), Optional("user", "USER_ID")},
        NoArguments(),
        {{"sid", "user"}}},
       "End one session (--sid) or every session of a user (--user): its "
       "cookie stops working, and refresh tokens granted in it without "
       "offline_access stop working.",
       &SessionsEnd},
  };
}

std::vector<Verb> ConsentVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"consents list", {Required("user", "USER_ID")}},
       "Print the user's consents to third-party clients (client, scopes, "
       "when).",
       &ConsentsList},
      {kAdmin,
       {"consents revoke",
        {Required("user", "USER_ID"), Required("client", "CLIENT_ID")}},
       "Withdraw the user's consent to the client: its next request asks "
       "again, and the refresh tokens it holds for the user stop working.",
       &ConsentsRevoke},
  };
}

std::vector<Verb> ResourceVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"resources create",
        {Optional("name", "NAME"), Repeated("scope", "S")},
        One("RESOURCE")},
       "Register a resource (RFC 8707): RESOURCE is its indicator, an "
       "absolute URI without a fragment, the aud of tokens for it; --scope: "
       "the scopes it defines (at least one). A client may have it when one "
       "of them is among the client's allowed scopes.",
       &ResourcesCreate},
      {kAdmin,
       {"resources get", {}, One("RESOURCE")},
       "Print the resource.",
       &ResourcesGet},
      {kAdmin,
       {"resources list"},
       "Print every resource, page by page.",
       &ResourcesList},
      {kAdmin,
       {"resources update",
        {Optional("name", "NAME"), Repeated("scope", "S")},
        One("RESOURCE")},
       "Change what is given (--scope given replaces the list). Reads the "
       "resource first, like clients update.",
       &ResourcesUpdate},
      {kAdmin,
       {"resources delete", {}, One("RESOURCE")},
       "Delete the resource: grants authorized for it get no more tokens "
       "for it.",
       &ResourcesDelete},
  };
}

std::vector<Verb> KeyAdminVerbs() {
  constexpr VerbKind kAdmin = VerbKind::kAdmin;
  return {
      {kAdmin,
       {"keys list"},
       "Every signing key with its state and dates.",
       &KeysList},
      {kAdmin,
       {"keys rotate", {Optional("alg", "ALG")}},
       "Rotate now, each signing algorithm or only ALG: its NEXT key becomes "
       "CURRENT.",
       &KeysRotate},
  };
}

std::vector<Verb> BuildTable() {
  std::vector<Verb> table;
  for (auto part : {OfflineVerbs, ServerVerbs, KeyAdminVerbs, ClientVerbs,
                    UserVerbs, SessionVerbs, ConsentVerbs, ResourceVerbs}) {
    for (Verb& verb : part()) table.push_back(std::move(verb));
  }
  return table;
}

// How many words of `args` `verb`'s path is; 0 when `args` does not start
// with it.
size_t PathWords(const Verb& verb, const std::vector<std::string>& args) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(verb.spec.path, ' ');
  if (words.size() > args.size()) return 0;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] != args[i]) return 0;
  }
  return words.size();
}

// Whether `args`, after the path's words, has --flag or --flag=VALUE.
bool HasFlag(const std::vector<std::string>& args, size_t start,
             absl::string_view flag) {
  const std::string name = absl::StrCat("--", flag);
  for (size_t i = start; i < args.size(); ++i) {
    if (args[i] == name || absl::StartsWith(args[i], name + "=")) return true;
  }
  return false;
}

// `words` joined by spaces into lines of at most kHelpWidth columns (a
// longer word gets a line of its own), the first line indented by
// `first_indent` spaces, the others by `indent`.
std::string Wrap(const std::vector<std::string>& words, size_t first_indent,
                 size_t indent) {
  std::string wrapped(first_indent, ' ');
  size_t column = first_indent;
  bool line_empty = true;
  for (const std::string& word : words) {
    if (!line_empty && column + 1 + word.size() > kHelpWidth) {
      absl::StrAppend(&wrapped, "\n", std::string(indent, ' '));
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      wrapped += ' ';
      ++column;
    }
    absl::StrAppend(&wrapped, word);
    column += word.size();
    line_empty = false;
  }
  return wrapped + "\n";
}

// The synopsis in units that stay on one line: "idctl PATH", then one per
// flag and one for the arguments.
std::vector<std::string> SynopsisUnits(const Verb& verb) {
  std::vector<std::string> units = {absl::StrCat("idctl ", verb.spec.path)};
  if (verb.kind != VerbKind::kOffline) {
    units.push_back(FlagSynopsis(kServerFlag));
  }
  if (verb.kind == VerbKind::kAdmin) units.push_back("AUTH");
  for (const FlagSpec& flag : verb.spec.flags) {
    units.push_back(FlagSynopsis(flag));
  }
  if (std::string args = PositionalSynopsis(verb.spec.positionals);
      !args.empty()) {
    units.push_back(std::move(args));
  }
  return units;
}

constexpr char kUsageHead[] = "usage: idctl <command> [options]\n";

constexpr char kUsageShared[] = R"(
AUTH (administration): a token with scope identity.admin from --token TOKEN; else --client-id ID
with the client's secret from --client-secret SECRET or IDENTITY_CLIENT_SECRET, for which idctl
first gets a token with scope identity.admin; else IDENTITY_ACCESS_TOKEN. `token` and `introspect`
also take the secret from IDENTITY_CLIENT_SECRET.

PASSWORD (users create, users set-password): never on the command line; one line of standard
input with --password-stdin, else IDENTITY_USER_PASSWORD.

A file argument or TOKEN of "-" is read from standard input. Exit status: 0 success, 1 invalid
token or failed call, 2 usage error or unusable input. Every command is in docs/idctl.md.
)";

// What the verbs share; the deadline's numbers come from server_connection.h.
std::string UsageTail() {
  const std::string deadline = absl::StrCat(
      "Server commands talk plaintext gRPC unless --tls-ca PEM_FILE is given. "
      "Every call has a deadline: --timeout SECONDS (1 to ",
      absl::ToInt64Seconds(kMaxCallTimeout), ", default ",
      absl::ToInt64Seconds(kDefaultCallTimeout),
      "). On a failed call they exit 1 and print the status code, the OAuth "
      "error and the message.");
  return absl::StrCat(
      "\n", Wrap(absl::StrSplit(deadline, ' ', absl::SkipEmpty()), 0, 0),
      kUsageShared);
}

}  // namespace

const std::vector<Verb>& VerbTable() {
  static const std::vector<Verb>* const table =
      new std::vector<Verb>(BuildTable());
  return *table;
}

CommandSpec FullSpec(const Verb& verb) {
  CommandSpec spec = verb.spec;
  if (verb.kind == VerbKind::kOffline) return spec;
  spec.flags.insert(spec.flags.end(), {kServerFlag, kTlsCaFlag, kTimeoutFlag});
  if (verb.kind == VerbKind::kAdmin) {
    spec.flags.insert(spec.flags.end(),
                      {kTokenFlag, kAdminClientIdFlag, kClientSecretFlag});
  }
  return spec;
}

const Verb* FindVerb(const std::vector<std::string>& args, size_t* path_words) {
  const Verb* unselected = nullptr;
  size_t unselected_words = 0;
  for (const Verb& verb : VerbTable()) {
    const size_t words = PathWords(verb, args);
    if (words == 0) continue;
    if (verb.selector.empty()) {
      if (unselected == nullptr) {
        unselected = &verb;
        unselected_words = words;
      }
    } else if (HasFlag(args, words, verb.selector)) {
      *path_words = words;
      return &verb;
    }
  }
  *path_words = unselected_words;
  return unselected;
}

std::string Synopsis(const Verb& verb) {
  return absl::StrJoin(SynopsisUnits(verb), " ");
}

std::string UsageText() {
  struct Section {
    VerbKind kind;
    const char* title;
  };
  constexpr Section kSections[] = {
      {VerbKind::kOffline, "Keys and tokens, offline"},
      {VerbKind::kServer,
       "Server (each also takes [--tls-ca PEM_FILE] [--timeout SECONDS])"},
      {VerbKind::kAdmin,
       "Administration (AUTH below; each also takes [--tls-ca PEM_FILE] "
       "[--timeout SECONDS])"},
  };
  std::string text = kUsageHead;
  for (const Section& section : kSections) {
    absl::StrAppend(&text, "\n", section.title, "\n");
    for (const Verb& verb : VerbTable()) {
      if (verb.kind != section.kind) continue;
      absl::StrAppend(
          &text, Wrap(SynopsisUnits(verb), 2, 8),
          Wrap(absl::StrSplit(verb.help, ' ', absl::SkipEmpty()), 6, 6));
    }
  }
  return text + UsageTail();
}

}  // namespace identity::idctl
