#include "jwt/json.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "jwt/status.h"

namespace identity::jwt {

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

absl::StatusOr<Json> ParseJsonObject(absl::string_view text, int max_depth) {
  if (!IsValidUtf8(text)) {
    return MakeError(Reason::kJsonInvalidUtf8, "text is not valid UTF-8");
  }
  // nlohmann keeps the last of duplicate members silently; a parser callback sees every key with
  // its depth, so we track the member names of each open object.
  std::vector<std::set<std::string>> open_objects;
  bool duplicate = false;
  bool too_deep = false;
  auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        if (depth >= max_depth) too_deep = true;
        break;
      case Json::parse_event_t::array_start:
        if (depth >= max_depth) too_deep = true;
        break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json value = Json::parse(text.begin(), text.end(), callback, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    // The text is valid UTF-8, so a failure here may still be an escaped lone surrogate.
    return MakeError(Reason::kJsonMalformed, "not valid JSON");
  }
  if (duplicate) {
    return MakeError(Reason::kJsonDuplicateMember, "an object repeats a member name");
  }
  if (too_deep) return MakeError(Reason::kJsonMalformed, "JSON nested too deeply");
  if (!value.is_object()) return MakeError(Reason::kJsonNotObject, "not a JSON object");
  return value;
}

std::string DumpJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace identity::jwt
