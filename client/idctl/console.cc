#include "client/idctl/console.h"

#include <google/protobuf/util/json_util.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/idctl/exit_code.h"

namespace identity::idctl {

absl::Status Console::UseStdin() {
  if (stdin_used_) {
    return absl::InvalidArgumentError("standard input can be read only once");
  }
  stdin_used_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Console::ReadInput(const std::string& path) {
  if (path == "-") {
    if (absl::Status status = UseStdin(); !status.ok()) return status;
    return std::string(std::istreambuf_iterator<char>(in_),
                       std::istreambuf_iterator<char>());
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::string> Console::ReadToken(const std::string& arg) {
  if (arg != "-") return arg;
  auto text = ReadInput(arg);
  if (!text.ok()) return text.status();
  return std::string(absl::StripAsciiWhitespace(*text));
}

absl::StatusOr<std::optional<std::string>> Console::ReadLine() {
  if (absl::Status status = UseStdin(); !status.ok()) return status;
  std::string line;
  if (!std::getline(in_, line)) return std::optional<std::string>();
  return std::optional<std::string>(std::move(line));
}

void Console::PrintJson(const jwt::Json& json) {
  out_ << json.dump(2, ' ', false, jwt::Json::error_handler_t::replace) << "\n";
}

int Console::PrintMessage(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    err_ << "idctl: cannot print the response\n";
    return kExitInvalid;
  }
  out_ << json;
  return kExitOk;
}

int Console::Usage(absl::string_view message) {
  err_ << "idctl: " << message << "\n(run \"idctl help\" for usage)\n";
  return kExitUsage;
}

int Console::Fail(absl::string_view what, const absl::Status& status) {
  err_ << "idctl: " << what << ": " << status.message() << "\n";
  return kExitUsage;
}

}  // namespace identity::idctl
