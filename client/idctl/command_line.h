// The command line of one idctl verb: the flags and arguments the verb table
// declares for it (verb_table.h), parsed and validated in this one place.
#ifndef IDENTITY_CLIENT_IDCTL_COMMAND_LINE_H_
#define IDENTITY_CLIENT_IDCTL_COMMAND_LINE_H_

#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace identity::idctl {

// How a flag takes its value.
enum class FlagKind {
  kValue,     // --name VALUE or --name=VALUE, at most once.
  kRepeated,  // --name VALUE, any number of times: a list.
  kSwitch,    // --name, without a value, at most once.
};

struct FlagSpec {
  absl::string_view name;  // Without the leading "--".
  FlagKind kind;
  absl::string_view metavar;  // "ALG" in --alg ALG; empty for switches.
  bool required;
};

constexpr FlagSpec Required(absl::string_view name, absl::string_view metavar) {
  return {name, FlagKind::kValue, metavar, true};
}
constexpr FlagSpec Optional(absl::string_view name, absl::string_view metavar) {
  return {name, FlagKind::kValue, metavar, false};
}
constexpr FlagSpec Repeated(absl::string_view name, absl::string_view metavar) {
  return {name, FlagKind::kRepeated, metavar, false};
}
constexpr FlagSpec Switch(absl::string_view name) {
  return {name, FlagKind::kSwitch, "", false};
}

// The positional arguments: between `min` and `max` of them, each a `metavar`.
// Made by NoArguments, One or OneOrMore, the shapes the messages know.
struct PositionalSpec {
  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();
  absl::string_view metavar;  // "KEY_FILE"; empty when none are taken.
  size_t min;
  size_t max;
};

constexpr PositionalSpec NoArguments() { return {"", 0, 0}; }
constexpr PositionalSpec One(absl::string_view metavar) {
  return {metavar, 1, 1};
}
constexpr PositionalSpec OneOrMore(absl::string_view metavar) {
  return {metavar, 1, PositionalSpec::kUnbounded};
}

// A flag that is refused with a reason, not as merely unknown (e.g.
// --password: a secret on the command line is visible in `ps`).
struct RefusedFlag {
  absl::string_view name;
  absl::string_view reason;
};

// Everything a verb accepts. Built once, in the verb table; immutable.
struct CommandSpec {
  absl::string_view path;  // "clients create".
  std::vector<FlagSpec> flags = {};
  PositionalSpec positionals = NoArguments();
  // Pairs of flags that may not be given together.
  std::vector<std::pair<absl::string_view, absl::string_view>> exclusive = {};
  std::vector<RefusedFlag> refused = {};
};

// A parsed, validated command line. Switches hold "true" when given. Asking
// for a flag the spec does not declare is a programming error (the handler
// and the table disagree): it aborts, so every test that runs the handler
// catches it.
class ParsedArgs {
 public:
  // Whether --name was given (with any value, even empty).
  bool Has(absl::string_view name) const;
  // The value of --name, if given.
  std::optional<std::string> Get(absl::string_view name) const;
  // Every value of a repeated --name, in order; empty if not given.
  std::vector<std::string> GetAll(absl::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend absl::StatusOr<ParsedArgs> ParseCommandLine(
      const CommandSpec& spec, const std::vector<std::string>& args);
  void CheckDeclared(absl::string_view name) const;

  std::set<std::string, std::less<>> declared_;
  std::map<std::string, std::vector<std::string>, std::less<>> flags_;
  std::vector<std::string> positional_;
};

// Parses `args` (what follows the verb's path) against `spec`. Flags are
// "--name VALUE" or "--name=VALUE"; anything else, "-" and "--" included, is
// positional. Fails with InvalidArgument and a message for the user when a
// flag is unknown for this verb, refused, lacks its value, has a value it may
// not have, repeats without being a list, is required and missing, or
// excludes another given flag, or when the number of positional arguments is
// wrong. Messages never include a flag's value.
absl::StatusOr<ParsedArgs> ParseCommandLine(
    const CommandSpec& spec, const std::vector<std::string>& args);

// How a flag reads in a synopsis: "--alg ALG", "[--kid KID]",
// "[--aud AUD]...", "[--private]".
std::string FlagSynopsis(const FlagSpec& flag);

// How the positional arguments read in a synopsis: "", "TOKEN",
// "KEY_FILE...".
std::string PositionalSynopsis(const PositionalSpec& positionals);

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_COMMAND_LINE_H_
