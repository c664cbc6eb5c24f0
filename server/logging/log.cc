#include "server/logging/log.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "jwt/json.h"

namespace identity::logging {

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "debug") return Level::kDebug;
  if (lower == "info") return Level::kInfo;
  if (lower == "warn" || lower == "warning") return Level::kWarn;
  if (lower == "error") return Level::kError;
  return absl::InvalidArgumentError(
      "log level must be debug, info, warn or error");
}

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

Field::Field(absl::string_view key, absl::string_view value) : key_(key) {
  jwt::AppendJsonString(value, &json_);
}

Field::Field(absl::string_view key, int64_t value)
    : key_(key), json_(absl::StrCat(value)) {}

Field::Field(absl::string_view key, double value) : key_(key) {
  // JSON has no NaN or infinities.
  json_ = std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null";
}

Field::Field(absl::string_view key, bool value)
    : key_(key), json_(value ? "true" : "false") {}

Logger::Logger(Level level, const jwt::Clock* clock, Sink sink)
    : level_(level), clock_(clock), sink_(std::move(sink)) {}

void Logger::Log(Level level, absl::string_view message,
                 std::initializer_list<Field> fields) const {
  if (!Enabled(level)) return;
  std::string line = "{\"time\":\"";
  line.append(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", clock_->Now(),
                               absl::UTCTimeZone()));
  line.append("\",\"level\":\"");
  line.append(LevelName(level).data(), LevelName(level).size());
  line.append("\",\"msg\":");
  jwt::AppendJsonString(message, &line);
  for (const Field& field : fields) {
    line.push_back(',');
    jwt::AppendJsonString(field.key(), &line);
    line.push_back(':');
    line.append(field.json());
  }
  line.append("}\n");
  sink_(line);
}

Logger::Sink Logger::StderrSink() {
  return [](absl::string_view line) {
    const char* data = line.data();
    size_t left = line.size();
    while (left > 0) {
      const ssize_t written = ::write(2, data, left);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return;  // Nowhere to report a failing stderr.
      data += written;
      left -= static_cast<size_t>(written);
    }
  };
}

}  // namespace identity::logging
