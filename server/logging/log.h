// Structured logs: one JSON object per line on stderr (or any sink),
//   {"time":"2026-11-28T10:00:00.123Z","level":"info","msg":"...",...}
// with the level chosen at start-up (--log-level). Callers pass fields they
// know to be safe: secrets, authorization codes and tokens are never given
// to a logger (docs/security.md); keys, messages and string values are
// written by jwt::AppendJsonString (jwt/json.h: controls, U+2028/U+2029
// escaped, ill-formed UTF-8 as \ufffd), so a field taken from a request
// cannot forge a line or a field.
#ifndef IDENTITY_SERVER_LOGGING_LOG_H_
#define IDENTITY_SERVER_LOGGING_LOG_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwt/clock.h"

namespace identity::logging {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" (or "warning"), "error". Errors: InvalidArgument.
absl::StatusOr<Level> ParseLevel(absl::string_view name);
absl::string_view LevelName(Level level);

// One key and its value, already in JSON.
class Field {
 public:
  Field(absl::string_view key, absl::string_view value);
  Field(absl::string_view key, const char* value)
      : Field(key, absl::string_view(value)) {}
  Field(absl::string_view key, const std::string& value)
      : Field(key, absl::string_view(value)) {}
  Field(absl::string_view key, int64_t value);
  Field(absl::string_view key, int value)
      : Field(key, static_cast<int64_t>(value)) {}
  Field(absl::string_view key, double value);
  Field(absl::string_view key, bool value);

  absl::string_view key() const { return key_; }
  const std::string& json() const { return json_; }

 private:
  absl::string_view key_;
  std::string json_;
};

// Thread-safe: each line reaches the sink in one call.
class Logger {
 public:
  using Sink = std::function<void(absl::string_view line)>;

  // Lines below `level` are dropped. `clock` must outlive the logger.
  Logger(Level level, const jwt::Clock* clock, Sink sink = StderrSink());

  bool Enabled(Level level) const { return level >= level_; }
  void Log(Level level, absl::string_view message,
           std::initializer_list<Field> fields = {}) const;
  void Debug(absl::string_view m, std::initializer_list<Field> f = {}) const {
    Log(Level::kDebug, m, f);
  }
  void Info(absl::string_view m, std::initializer_list<Field> f = {}) const {
    Log(Level::kInfo, m, f);
  }
  void Warn(absl::string_view m, std::initializer_list<Field> f = {}) const {
    Log(Level::kWarn, m, f);
  }
  void Error(absl::string_view m, std::initializer_list<Field> f = {}) const {
    Log(Level::kError, m, f);
  }

  // Writes each line with one write(2) to file descriptor 2.
  static Sink StderrSink();

 private:
  const Level level_;
  const jwt::Clock* const clock_;
  const Sink sink_;
};

}  // namespace identity::logging

#endif  // IDENTITY_SERVER_LOGGING_LOG_H_
