// The settings table is the one description of the configuration: --help is
// generated from it, and docs/configuration.md must agree with it.
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "server/config.h"

namespace identity::server {
namespace {

const std::string kKekHex(64, 'a');

// One row of the settings table in docs/configuration.md.
struct DocRow {
  std::string flag;  // "`--grpc-listen`", or empty.
  std::string default_value;
  std::string meaning;
};

std::string ReadDocs() {
  // Bazel runs tests from the workspace root of the runfiles.
  std::ifstream in("docs/configuration.md", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The rows of the table headed "| flag | environment | default | meaning |",
// by their environment cell without its backquotes.
std::map<std::string, DocRow> DocumentedSettings() {
  std::map<std::string, DocRow> rows;
  bool in_table = false;
  for (absl::string_view line : absl::StrSplit(ReadDocs(), '\n')) {
    if (line == "| flag | environment | default | meaning |") {
      in_table = true;
      continue;
    }
    if (!in_table || absl::StartsWith(line, "|---")) continue;
    if (!absl::StartsWith(line, "|")) break;
    std::vector<std::string> cells = absl::StrSplit(line, '|');
    EXPECT_EQ(cells.size(), 6u) << line;
    if (cells.size() != 6) continue;
    for (std::string& cell : cells) absl::StripAsciiWhitespace(&cell);
    absl::string_view env = cells[2];
    EXPECT_TRUE(absl::ConsumePrefix(&env, "`") &&
                absl::ConsumeSuffix(&env, "`"))
        << line;
    EXPECT_EQ(rows.count(std::string(env)), 0u) << "documented twice: " << env;
    rows[std::string(env)] = DocRow{cells[1], cells[3], cells[4]};
  }
  return rows;
}

absl::StatusOr<ServerConfig> Load(std::vector<std::string> args,
                                  std::map<std::string, std::string> env = {}) {
  return LoadConfig(
      args,
      [&env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        if (it == env.end()) return std::nullopt;
        return it->second;
      },
      [](const std::string& path) -> absl::StatusOr<std::string> {
        if (path == "/kek") return kKekHex;
        return absl::NotFoundError("no such file");
      });
}

std::vector<std::string> Minimal() {
  return {"--store=memory", "--issuer=https://id.example", "--kek-file=/kek"};
}

TEST(ConfigDocsTest, DocsTableHasARowPerSetting) {
  // Guards the tests below against passing on an empty table.
  EXPECT_GE(DocumentedSettings().size(), Settings().size());
}

TEST(ConfigDocsTest, EverySettingIsDocumentedAsTheTableSays) {
  const std::map<std::string, DocRow> docs = DocumentedSettings();
  for (const Setting& setting : Settings()) {
    SCOPED_TRACE(setting.env);
    auto row = docs.find(setting.env);
    ASSERT_TRUE(row != docs.end()) << "missing from docs/configuration.md";
    EXPECT_EQ(row->second.flag, setting.flag.empty()
                                    ? ""
                                    : absl::StrCat("`--", setting.flag, "`"));
    if (setting.default_value.empty()) {
      // "none", "off", "(required)", "the issuer": no value to quote.
      EXPECT_FALSE(absl::StartsWith(row->second.default_value, "`"));
    } else {
      EXPECT_TRUE(
          absl::StartsWith(row->second.default_value,
                           absl::StrCat("`", setting.default_value, "`")))
          << row->second.default_value;
    }
    // The meaning is the help line, then details for the page.
    EXPECT_TRUE(absl::StartsWith(row->second.meaning, setting.help))
        << "docs: " << row->second.meaning << "\nhelp: " << setting.help;
  }
}

TEST(ConfigDocsTest, EveryDocumentedSettingExists) {
  for (const auto& [env, row] : DocumentedSettings()) {
    bool found = false;
    for (const Setting& setting : Settings()) found |= setting.env == env;
    EXPECT_TRUE(found) << env << " is documented but not a setting";
  }
}

TEST(ConfigDocsTest, HelpShowsEverySettingItsVariableDefaultAndHelp) {
  const std::string help = HelpText();
  for (const Setting& setting : Settings()) {
    std::string heading =
        setting.flag.empty()
            ? absl::StrCat("  ", setting.env, "  (environment only)\n")
            : absl::StrCat("  --", setting.flag, "  (", setting.env,
                           setting.default_value.empty() ? "" : "; default ",
                           setting.default_value, ")\n");
    EXPECT_TRUE(absl::StrContains(
        help, absl::StrCat(heading, "      ", setting.help, "\n")))
        << heading;
  }
}

TEST(ConfigDocsTest, FlagsAreNamedInKebabCaseAndVariablesAfterThem) {
  for (const Setting& setting : Settings()) {
    EXPECT_TRUE(absl::StartsWith(setting.env, "IDENTITY_")) << setting.env;
    if (setting.flag.empty()) continue;
    std::string env = "IDENTITY_" + absl::AsciiStrToUpper(setting.flag);
    for (char& c : env) c = c == '-' ? '_' : c;
    EXPECT_EQ(setting.env, env);
    EXPECT_EQ(setting.flag, absl::AsciiStrToLower(setting.flag));
  }
}

TEST(ConfigDocsTest, EachDefaultIsAValueTheSettingAccepts) {
  for (const Setting& setting : Settings()) {
    if (setting.flag.empty() || setting.default_value.empty()) continue;
    std::vector<std::string> args = Minimal();
    args.push_back("--database-url=postgresql://localhost/identity");
    args.push_back(
        absl::StrCat("--", setting.flag, "=", setting.default_value));
    EXPECT_TRUE(Load(args).ok()) << setting.flag << ": " << Load(args).status();
  }
}

TEST(ConfigDocsTest, EnvironmentOnlySettingsAreNotFlags) {
  auto flag = Load(
      {"--store=memory", "--issuer=https://id.example", "--kek=" + kKekHex});
  EXPECT_NE(flag.status().message().find("--kek: unknown setting"),
            std::string::npos)
      << flag.status();
}

TEST(ConfigDocsTest, KekFileWinsOverTheKekVariable) {
  auto config = Load(Minimal(), {{"IDENTITY_KEK", "not a key"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->kek, std::string(32, '\xaa'));
}

TEST(ConfigDocsTest, KekFileMayComeFromItsVariable) {
  auto config = Load({"--store=memory", "--issuer=https://id.example"},
                     {{"IDENTITY_KEK_FILE", "/kek"}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->kek, std::string(32, '\xaa'));
}

TEST(ConfigDocsTest, BootstrapAdminNeedsBothVariables) {
  auto config =
      Load(Minimal(), {{"IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID", "admin"}});
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(config.status().message().find("IDENTITY_BOOTSTRAP_ADMIN"),
            std::string::npos);
  config =
      Load(Minimal(),
           {{"IDENTITY_BOOTSTRAP_ADMIN_CLIENT_ID", "admin"},
            {"IDENTITY_BOOTSTRAP_ADMIN_CLIENT_SECRET", std::string(32, 's')}});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->bootstrap_admin_client_id, "admin");
}

}  // namespace
}  // namespace identity::server
