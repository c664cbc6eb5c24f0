#include "client/idctl/command_line.h"

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace identity::idctl {
namespace {

const FlagSpec* FindFlag(const CommandSpec& spec, absl::string_view name) {
  for (const FlagSpec& flag : spec.flags) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(message);
}

// The flag at args[*i]: its spec checked, its value consumed (advancing *i
// past a separate value).
absl::Status TakeFlag(
    const CommandSpec& spec, const std::vector<std::string>& args, size_t* i,
    std::map<std::string, std::vector<std::string>, std::less<>>* flags) {
  std::string name = args[*i].substr(2);
  std::optional<std::string> value;
  if (auto eq = name.find('='); eq != std::string::npos) {
    value = name.substr(eq + 1);
    name.resize(eq);
  }
  for (const RefusedFlag& refused : spec.refused) {
    if (refused.name == name) return Invalid(refused.reason);
  }
  const FlagSpec* flag = FindFlag(spec, name);
  if (flag == nullptr) {
    return Invalid(absl::StrCat(spec.path, " does not take --", name));
  }
  if (flag->kind == FlagKind::kSwitch) {
    if (value.has_value())
      return Invalid(absl::StrCat("--", name, " takes no value"));
    value = "true";
  } else if (!value.has_value()) {
    if (*i + 1 >= args.size()) {
      return Invalid(absl::StrCat("--", name, " needs a value"));
    }
    value = args[++*i];
  }
  std::vector<std::string>& values = (*flags)[name];
  if (!values.empty() && flag->kind != FlagKind::kRepeated) {
    return Invalid(absl::StrCat("--", name, " may be given only once"));
  }
  values.push_back(*std::move(value));
  return absl::OkStatus();
}

// The three shapes of PositionalSpec: none, one, one or more.
absl::Status CheckPositionals(const CommandSpec& spec, size_t count) {
  const PositionalSpec& positionals = spec.positionals;
  if (count >= positionals.min && count <= positionals.max) {
    return absl::OkStatus();
  }
  if (positionals.max == 0) {
    return Invalid(absl::StrCat(spec.path, " takes no arguments"));
  }
  return Invalid(absl::StrCat(spec.path, " needs ",
                              positionals.max == 1 ? "one " : "at least one ",
                              positionals.metavar));
}

}  // namespace

void ParsedArgs::CheckDeclared(absl::string_view name) const {
  if (declared_.find(name) == declared_.end()) {
    std::fprintf(stderr, "idctl: bug: the verb does not declare --%.*s\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
}

bool ParsedArgs::Has(absl::string_view name) const {
  CheckDeclared(name);
  return flags_.find(name) != flags_.end();
}

std::optional<std::string> ParsedArgs::Get(absl::string_view name) const {
  CheckDeclared(name);
  auto it = flags_.find(name);
  if (it == flags_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::GetAll(absl::string_view name) const {
  CheckDeclared(name);
  auto it = flags_.find(name);
  return it == flags_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<ParsedArgs> ParseCommandLine(
    const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  for (const FlagSpec& flag : spec.flags) parsed.declared_.emplace(flag.name);
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].size() > 2 && args[i].compare(0, 2, "--") == 0) {
      absl::Status status = TakeFlag(spec, args, &i, &parsed.flags_);
      if (!status.ok()) return status;
    } else {
      parsed.positional_.push_back(args[i]);
    }
  }
  for (const FlagSpec& flag : spec.flags) {
    if (flag.required && !parsed.Has(flag.name)) {
      return Invalid(absl::StrCat(spec.path, " needs --", flag.name));
    }
  }
  for (const auto& [a, b] : spec.exclusive) {
    if (parsed.Has(a) && parsed.Has(b)) {
      return Invalid(
          absl::StrCat("--", a, " and --", b, " exclude each other"));
    }
  }
  absl::Status positionals = CheckPositionals(spec, parsed.positional_.size());
  if (!positionals.ok()) return positionals;
  return parsed;
}

std::string FlagSynopsis(const FlagSpec& flag) {
  std::string text = absl::StrCat("--", flag.name);
  if (flag.kind != FlagKind::kSwitch) absl::StrAppend(&text, " ", flag.metavar);
  if (flag.required) return text;
  return absl::StrCat("[", text, "]",
                      flag.kind == FlagKind::kRepeated ? "..." : "");
}

std::string PositionalSynopsis(const PositionalSpec& positionals) {
  if (positionals.max == 0) return "";
  return absl::StrCat(positionals.metavar, positionals.max > 1 ? "..." : "");
}

}  // namespace identity::idctl
