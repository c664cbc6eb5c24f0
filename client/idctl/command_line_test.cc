// The command-line rules every idctl verb gets from its CommandSpec.
#include "client/idctl/command_line.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace identity::idctl {
namespace {

// A verb like `clients update`: each kind of flag, one exclusion, a refusal.
CommandSpec UpdateSpec() {
  return {"things update",
          {Required("server", "ADDR"), Optional("name", "NAME"),
           Repeated("tag", "T"), Switch("no-tags"), Switch("public")},
          One("ID"),
          {{"no-tags", "tag"}},
          {{"password", "no passwords on the command line"}}};
}

std::string ErrorOf(const CommandSpec& spec,
                    const std::vector<std::string>& args) {
  auto parsed = ParseCommandLine(spec, args);
  EXPECT_FALSE(parsed.ok());
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(parsed.status().message());
}

TEST(CommandLineTest, ParsesEveryKindOfFlagAndTheArguments) {
  auto parsed =
      ParseCommandLine(UpdateSpec(), {"--server", "h:1", "--name=", "--tag",
                                      "a", "id1", "--tag=b", "--public"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("server"), "h:1");
  EXPECT_TRUE(parsed->Has("name"));  // Given empty: clears, unlike absent.
  EXPECT_EQ(parsed->Get("name"), "");
  EXPECT_EQ(parsed->GetAll("tag"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(parsed->Has("public"));
  EXPECT_FALSE(parsed->Has("no-tags"));
  EXPECT_EQ(parsed->Get("no-tags"), std::nullopt);
  EXPECT_TRUE(parsed->GetAll("no-tags").empty());
  EXPECT_EQ(parsed->positional(), std::vector<std::string>{"id1"});
}

TEST(CommandLineTest, AValueMayLookLikeAFlagAndDashesArePositional) {
  auto parsed = ParseCommandLine(
      UpdateSpec(), {"--server", "h:1", "--name", "--public", "-"});
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->Get("name"), "--public");
  EXPECT_FALSE(parsed->Has("public"));
  EXPECT_EQ(parsed->positional(), std::vector<std::string>{"-"});
  EXPECT_EQ(
      ParseCommandLine(UpdateSpec(), {"--server", "h:1", "--"})->positional(),
      std::vector<std::string>{"--"});
}

TEST(CommandLineTest, AFlagTheVerbDoesNotDeclareIsRefusedByName) {
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1", "--id", "x", "id1"}),
            "things update does not take --id");
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server=h:1", "--bogus=secret", "id1"}),
            "things update does not take --bogus");
}

TEST(CommandLineTest, ARefusedFlagGivesItsReasonNeverItsValue) {
  EXPECT_EQ(ErrorOf(UpdateSpec(),
                    {"--server", "h:1", "--password", "hunter2", "id1"}),
            "no passwords on the command line");
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1", "--password=hunter2"}),
            "no passwords on the command line");
}

TEST(CommandLineTest, ARequiredFlagMustBeGiven) {
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"id1"}), "things update needs --server");
}

TEST(CommandLineTest, OnlyARepeatedFlagMayBeGivenTwice) {
  EXPECT_EQ(ErrorOf(UpdateSpec(),
                    {"--server", "h:1", "--name", "a", "--name", "b", "id1"}),
            "--name may be given only once");
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1", "--server", "h:2"}),
            "--server may be given only once");
  EXPECT_EQ(
      ErrorOf(UpdateSpec(), {"--server", "h:1", "--public", "--public", "id1"}),
      "--public may be given only once");
}

TEST(CommandLineTest, ASwitchTakesNoValueAndAValueFlagNeedsOne) {
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1", "--public=yes", "id1"}),
            "--public takes no value");
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"id1", "--server"}),
            "--server needs a value");
}

TEST(CommandLineTest, ExclusiveFlagsMayNotBeGivenTogether) {
  EXPECT_EQ(ErrorOf(UpdateSpec(),
                    {"--server", "h:1", "--tag", "a", "--no-tags", "id1"}),
            "--no-tags and --tag exclude each other");
  EXPECT_TRUE(
      ParseCommandLine(UpdateSpec(), {"--server", "h:1", "--no-tags", "id1"})
          .ok());
}

TEST(CommandLineTest, TheNumberOfArgumentsIsChecked) {
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1"}),
            "things update needs one ID");
  EXPECT_EQ(ErrorOf(UpdateSpec(), {"--server", "h:1", "a", "b"}),
            "things update needs one ID");
  const CommandSpec none = {"things list"};
  EXPECT_EQ(ErrorOf(none, {"a"}), "things list takes no arguments");
  EXPECT_TRUE(ParseCommandLine(none, {}).ok());
  const CommandSpec many = {"things jwks", {}, OneOrMore("FILE")};
  EXPECT_EQ(ErrorOf(many, {}), "things jwks needs at least one FILE");
  EXPECT_EQ(ParseCommandLine(many, {"a", "b", "c"})->positional().size(), 3u);
}

TEST(CommandLineDeathTest, AskingForAnUndeclaredFlagIsABug) {
  auto parsed = ParseCommandLine(UpdateSpec(), {"--server", "h:1", "id1"});
  ASSERT_TRUE(parsed.ok());
  EXPECT_DEATH(parsed->Get("nmae"), "does not declare --nmae");
  EXPECT_DEATH(parsed->Has("nmae"), "does not declare --nmae");
  EXPECT_DEATH(parsed->GetAll("tags"), "does not declare --tags");
}

TEST(CommandLineTest, SynopsisShowsWhatIsRequiredOptionalAndRepeated) {
  EXPECT_EQ(FlagSynopsis(Required("alg", "ALG")), "--alg ALG");
  EXPECT_EQ(FlagSynopsis(Optional("kid", "KID")), "[--kid KID]");
  EXPECT_EQ(FlagSynopsis(Repeated("aud", "AUD")), "[--aud AUD]...");
  EXPECT_EQ(FlagSynopsis(Switch("private")), "[--private]");
  EXPECT_EQ(PositionalSynopsis(NoArguments()), "");
  EXPECT_EQ(PositionalSynopsis(One("TOKEN")), "TOKEN");
  EXPECT_EQ(PositionalSynopsis(OneOrMore("KEY_FILE")), "KEY_FILE...");
}

}  // namespace
}  // namespace identity::idctl
