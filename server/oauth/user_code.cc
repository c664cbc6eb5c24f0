#include "server/oauth/user_code.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace identity::server {

std::string NewUserCode(const RandomSource& random) {
  // Rejection sampling: 240 = 12 * 20 is the largest multiple of the
  // alphabet's size below 256, so each accepted byte is uniform mod 20.
  constexpr uint8_t kLimit = 240;
  std::string code;
  while (code.size() < kUserCodeLength) {
    uint8_t bytes[16];
    random(bytes, sizeof(bytes));
    for (uint8_t b : bytes) {
      if (b >= kLimit || code.size() == kUserCodeLength) continue;
      code.push_back(kUserCodeAlphabet[b % kUserCodeAlphabet.size()]);
    }
  }
  return DisplayUserCode(code);
}

std::optional<std::string> NormalizeUserCode(absl::string_view typed) {
  if (typed.size() > 4 * kUserCodeLength) return std::nullopt;
  std::string code;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    const char upper = absl::ascii_toupper(static_cast<unsigned char>(c));
    if (kUserCodeAlphabet.find(upper) == absl::string_view::npos) {
      return std::nullopt;
    }
    code.push_back(upper);
  }
  if (code.size() != kUserCodeLength) return std::nullopt;
  return code;
}

std::string DisplayUserCode(absl::string_view normalized) {
  if (normalized.size() != kUserCodeLength) return std::string(normalized);
  return absl::StrCat(normalized.substr(0, 4), "-", normalized.substr(4));
}

}  // namespace identity::server
