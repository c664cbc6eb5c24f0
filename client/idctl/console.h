// The streams of one idctl run, and how every command reads its inputs and
// reports its results through them.
#ifndef IDENTITY_CLIENT_IDCTL_CONSOLE_H_
#define IDENTITY_CLIENT_IDCTL_CONSOLE_H_

#include <google/protobuf/message.h>

#include <iosfwd>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/json.h"

namespace identity::idctl {

// One per run; not thread-safe. Standard input can be consumed only once per
// run (by one "-" argument or by --password-stdin).
class Console {
 public:
  Console(std::istream& in, std::ostream& out, std::ostream& err)
      : in_(in), out_(out), err_(err) {}

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  // The whole file at `path`, or all of standard input for "-". NotFound when
  // the file cannot be read; InvalidArgument when standard input was already
  // used.
  absl::StatusOr<std::string> ReadInput(const std::string& path);

  // A TOKEN argument: the argument itself, or for "-" standard input without
  // surrounding whitespace.
  absl::StatusOr<std::string> ReadToken(const std::string& arg);

  // The first line of standard input without its line break (the last line
  // need not end with one); nullopt when there is no line. InvalidArgument
  // when standard input was already used.
  absl::StatusOr<std::optional<std::string>> ReadLine();

  // Prints `json` indented by 2, invalid UTF-8 replaced.
  void PrintJson(const jwt::Json& json);

  // Prints `message` as protobuf JSON with the proto field names, indented.
  // Returns kExitOk, or kExitInvalid if it cannot be printed.
  int PrintMessage(const google::protobuf::Message& message);

  // "idctl: MESSAGE" and a pointer to `idctl help` on stderr; kExitUsage.
  int Usage(absl::string_view message);

  // "idctl: WHAT: <status message>" on stderr; kExitUsage (unusable input).
  int Fail(absl::string_view what, const absl::Status& status);

 private:
  absl::Status UseStdin();

  std::istream& in_;
  std::ostream& out_;
  std::ostream& err_;
  bool stdin_used_ = false;
};

}  // namespace identity::idctl

#endif  // IDENTITY_CLIENT_IDCTL_CONSOLE_H_
