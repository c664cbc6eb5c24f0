// The verb table as idctl applies it: every verb's flags are validated from
// its entry before its handler runs (no file is read and no server is called),
// and `idctl help` lists every verb.
#include "client/idctl/verb_table.h"

#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "client/idctl/command_line.h"
#include "client/idctl/idctl.h"
#include "gtest/gtest.h"

namespace identity::idctl {
namespace {

struct Result {
  int code;
  std::string out;
  std::string err;
};

Result Idctl(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = RunIdctl(args, in, out, err);
  return {code, out.str(), err.str()};
}

// The words of the verb's path.
std::vector<std::string> PathOf(const Verb& verb) {
  return absl::StrSplit(verb.spec.path, ' ');
}

// A command line for `verb` that is complete except for `left_out` (a
// required flag, or "" for none): every required flag with a value, and the
// least number of arguments. Values point nowhere: the handler must not run.
std::vector<std::string> CompleteArgs(const Verb& verb,
                                      absl::string_view left_out) {
  std::vector<std::string> args = PathOf(verb);
  for (const FlagSpec& flag : FullSpec(verb).flags) {
    if (flag.required && flag.name != left_out) {
      args.insert(args.end(), {"--" + std::string(flag.name), "127.0.0.1:1"});
    }
  }
  for (size_t i = 0; i < verb.spec.positionals.min; ++i) {
    args.push_back("/nonexistent");
  }
  return args;
}

TEST(VerbTableTest, EveryVerbHasAHandlerAOneLineHelpAndAUniquePath) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const Verb& verb : VerbTable()) {
    EXPECT_NE(verb.handler, nullptr) << verb.spec.path;
    EXPECT_FALSE(verb.help.empty()) << verb.spec.path;
    EXPECT_EQ(verb.help.find('\n'), absl::string_view::npos) << verb.spec.path;
    EXPECT_TRUE(seen.emplace(verb.spec.path, verb.selector).second)
        << "twice: " << verb.spec.path;
  }
}

TEST(VerbTableTest, EveryServerCommandTakesTheServerFlagsAndATimeout) {
  for (const Verb& verb : VerbTable()) {
    if (verb.kind == VerbKind::kOffline) continue;
    std::set<std::string> names;
    for (const FlagSpec& flag : FullSpec(verb).flags) {
      names.emplace(flag.name);
    }
    EXPECT_EQ(names.count("server"), 1u) << verb.spec.path;
    EXPECT_EQ(names.count("tls-ca"), 1u) << verb.spec.path;
    EXPECT_EQ(names.count("timeout"), 1u) << verb.spec.path;
    if (verb.kind == VerbKind::kAdmin) {
      EXPECT_EQ(names.count("token"), 1u) << verb.spec.path;
      EXPECT_EQ(names.count("client-id"), 1u) << verb.spec.path;
      EXPECT_EQ(names.count("client-secret"), 1u) << verb.spec.path;
    }
  }
}

TEST(VerbTableTest, EveryVerbAcceptsItsRequiredFlagsAndArguments) {
  for (const Verb& verb : VerbTable()) {
    std::vector<std::string> args = CompleteArgs(verb, "");
    size_t words = 0;
    ASSERT_EQ(FindVerb(args, &words), &verb) << verb.spec.path;
    args.erase(args.begin(), args.begin() + words);
    auto parsed = ParseCommandLine(FullSpec(verb), args);
    EXPECT_TRUE(parsed.ok()) << verb.spec.path << ": " << parsed.status();
  }
}

TEST(VerbTableTest, AFlagAVerbDoesNotDeclareIsAUsageError) {
  for (const Verb& verb : VerbTable()) {
    std::vector<std::string> args = CompleteArgs(verb, "");
    args.push_back("--not-a-flag");
    Result r = Idctl(args);
    EXPECT_EQ(r.code, kExitUsage) << verb.spec.path;
    EXPECT_NE(r.err.find("does not take --not-a-flag"), std::string::npos)
        << verb.spec.path << ": " << r.err;
    EXPECT_NE(r.err.find("idctl help"), std::string::npos) << r.err;
  }
  // A flag of a sibling verb is as unknown.
  Result r = Idctl({"clients", "get", "c", "--server", "127.0.0.1:1", "--token",
                    "t", "--public"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("clients get does not take --public"), std::string::npos)
      << r.err;
}

TEST(VerbTableTest, AMissingRequiredFlagIsAUsageError) {
  int checked = 0;
  for (const Verb& verb : VerbTable()) {
    for (const FlagSpec& flag : FullSpec(verb).flags) {
      // Without its selector, a command line names the verb's sibling.
      if (!flag.required || flag.name == verb.selector) continue;
      Result r = Idctl(CompleteArgs(verb, flag.name));
      EXPECT_EQ(r.code, kExitUsage) << verb.spec.path << " --" << flag.name;
      EXPECT_NE(r.err.find(std::string(verb.spec.path) + " needs --" +
                           std::string(flag.name)),
                std::string::npos)
          << r.err;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20);  // --server of every server command, at least.
}

TEST(VerbTableTest, AValueFlagGivenTwiceIsAUsageError) {
  Result r = Idctl({"keys", "generate", "--alg", "ES256", "--alg", "EdDSA"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--alg may be given only once"), std::string::npos)
      << r.err;
  r = Idctl({"users", "list", "--server", "127.0.0.1:1", "--token", "a",
             "--token", "b"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("--token may be given only once"), std::string::npos)
      << r.err;
}

TEST(VerbTableTest, KeysJwksReadsFilesUnlessServerIsGiven) {
  size_t words = 0;
  const Verb* files = FindVerb({"keys", "jwks", "a.json"}, &words);
  ASSERT_NE(files, nullptr);
  EXPECT_EQ(files->kind, VerbKind::kOffline);
  EXPECT_EQ(words, 2u);
  const Verb* server =
      FindVerb({"keys", "jwks", "--server=127.0.0.1:1"}, &words);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->kind, VerbKind::kServer);
  // Files and --server together: the server verb takes no arguments.
  Result r = Idctl({"keys", "jwks", "--server", "127.0.0.1:1", "a.json"});
  EXPECT_EQ(r.code, kExitUsage);
  // --tls-ca belongs to the server verb only.
  EXPECT_EQ(Idctl({"keys", "jwks", "--tls-ca", "ca.pem", "a.json"}).code,
            kExitUsage);
  EXPECT_EQ(FindVerb({"keys"}, &words), nullptr);
  EXPECT_EQ(FindVerb({"keys", "bogus"}, &words), nullptr);
}

TEST(VerbTableTest, HelpListsEveryVerbWithItsHelp) {
  Result r = Idctl({"help"});
  ASSERT_EQ(r.code, kExitOk);
  for (const Verb& verb : VerbTable()) {
    EXPECT_NE(r.out.find("  idctl " + std::string(verb.spec.path)),
              std::string::npos)
        << verb.spec.path;
    // The first words of the help (the rest may wrap).
    const std::string start(verb.help.substr(0, verb.help.find(' ', 20)));
    EXPECT_NE(r.out.find(start), std::string::npos) << start;
  }
  EXPECT_NE(r.out.find("--timeout SECONDS"), std::string::npos);
  for (absl::string_view line : absl::StrSplit(r.out, '\n')) {
    EXPECT_LE(line.size(), 100u) << line;
  }
  // Without a command, the same text on stderr and exit 2.
  Result none = Idctl({});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_EQ(none.err, r.out);
}

TEST(VerbTableTest, SynopsisCollapsesTheAdminFlagsIntoAuth) {
  size_t words = 0;
  const Verb* update =
      FindVerb({"clients", "update", "c", "--name", "x"}, &words);
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(Synopsis(*update),
            "idctl clients update --server ADDR AUTH [--name NAME] "
            "[--allow-scope S]... [--no-scopes] [--redirect-uri URI]... "
            "[--no-redirect-uris] [--grant-type G]... [--pkce-optional] "
            "[--pkce-required] [--id-token-alg ALG] [--default-id-token-alg] "
            "[--require-par] [--par-optional] "
            "[--post-logout-redirect-uri URI]... "
            "[--no-post-logout-redirect-uris] [--backchannel-logout-uri URI] "
            "[--no-backchannel-logout-uri] [--third-party] [--first-party] "
            "[--dpop-bound-access-tokens] [--dpop-optional] "
            "[--token-exchange-delegation] [--no-token-exchange-delegation] "
            "[--token-exchange-impersonation] "
            "[--no-token-exchange-impersonation] "
            "[--token-exchange-audience AUD]... "
            "[--no-token-exchange-audiences] [--jwks-file FILE] ID");
  const Verb* verify = FindVerb({"jwt", "verify"}, &words);
  ASSERT_NE(verify, nullptr);
  EXPECT_EQ(Synopsis(*verify),
            "idctl jwt verify --jwks JWKS_FILE [--iss ISS] [--aud AUD]... "
            "[--leeway SECONDS] [--typ TYP] [--alg ALG]... "
            "[--max-size BYTES] TOKEN");
}

}  // namespace
}  // namespace identity::idctl
