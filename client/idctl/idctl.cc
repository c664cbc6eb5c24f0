#include "client/idctl/idctl.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "client/idctl/command_line.h"
#include "client/idctl/console.h"
#include "client/idctl/verb_table.h"

namespace identity::idctl {

int RunIdctl(const std::vector<std::string>& args, std::istream& in,
             std::ostream& out, std::ostream& err) {
  Console console(in, out, err);
  if (args.empty()) {
    err << UsageText();
    return kExitUsage;
  }
  if (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    out << UsageText();
    return kExitOk;
  }
  size_t path_words = 0;
  const Verb* verb = FindVerb(args, &path_words);
  if (verb == nullptr) {
    return console.Usage(absl::StrCat("unknown command \"", args[0],
                                      args.size() > 1 ? " " : "",
                                      args.size() > 1 ? args[1] : "", "\""));
  }
  auto parsed = ParseCommandLine(
      FullSpec(*verb),
      std::vector<std::string>(args.begin() + path_words, args.end()));
  if (!parsed.ok()) return console.Usage(parsed.status().message());
  return verb->handler(*parsed, console);
}

}  // namespace identity::idctl
