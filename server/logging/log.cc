#include "server/logging/log.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace identity::logging {
namespace {

// The length of the UTF-8 sequence at the start of `text`, or 0 if it is not
// a valid one (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
size_t Utf8SequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) {
    return static_cast<unsigned char>(text[i]);
  };
  const unsigned char lead = byte(0);
  size_t length;
  uint32_t code;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
      (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
    return 0;
  }
  return length;
}

}  // namespace

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

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      switch (c) {
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          absl::StrAppendFormat(out, "\\u%04x", c);
      }
      ++i;
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (size_t n = Utf8SequenceLength(text.substr(i)); n > 0) {
      out->append(text.data() + i, n);
      i += n;
    } else {
      out->append("\\ufffd");
      ++i;
    }
  }
  out->push_back('"');
}

Field::Field(absl::string_view key, absl::string_view value) : key_(key) {
  AppendJsonString(value, &json_);
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
  AppendJsonString(message, &line);
  for (const Field& field : fields) {
    line.push_back(',');
    AppendJsonString(field.key(), &line);
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
