#include "jwt/base64url.h"

#include <array>
#include <cstdint>

#include "jwt/status.h"

namespace identity::jwt {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) {
    table[static_cast<uint8_t>(kAlphabet[i])] = i;
  }
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

absl::Status BadCharacter(absl::string_view text) {
  return MakeError(Reason::kBase64Invalid,
                   text.find('=') != absl::string_view::npos
                       ? "padding is not allowed in base64url"
                       : "character outside the base64url alphabet");
}

}  // namespace

std::string Base64UrlEncode(absl::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = in[i] << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t v = (in[i] << 16) | (in[i + 1] << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  const size_t rest = text.size() % 4;
  if (rest == 1) {
    return MakeError(Reason::kBase64Invalid, "impossible base64url length");
  }
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  const size_t full = text.size() - rest;
  std::string out(full / 4 * 3 + (rest == 0 ? 0 : rest - 1), '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  // Four characters make three bytes; an invalid character shows as a set high
  // bit.
  for (size_t i = 0; i < full; i += 4, o += 3) {
    const uint32_t a = kDecode[in[i]], b = kDecode[in[i + 1]],
                   c = kDecode[in[i + 2]], d = kDecode[in[i + 3]];
    if ((a | b | c | d) & 0x80) return BadCharacter(text);
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = v >> 16;
    o[1] = (v >> 8) & 0xff;
    o[2] = v & 0xff;
  }
  if (rest != 0) {
    const uint32_t a = kDecode[in[full]], b = kDecode[in[full + 1]],
                   c = rest == 3 ? kDecode[in[full + 2]] : 0;
    if ((a | b | c) & 0x80) return BadCharacter(text);
    const uint32_t v = (a << 18) | (b << 12) | (c << 6);
    o[0] = v >> 16;
    if (rest == 3) o[1] = (v >> 8) & 0xff;
    // RFC 4648 §3.5: the unused bits of the last character must be zero, else
    // two texts decode to the same bytes (signature malleability).
    const uint32_t unused = rest == 2 ? (v & 0xffff) : (v & 0xff);
    if (unused != 0) {
      return MakeError(Reason::kBase64Invalid,
                       "non-zero trailing bits (non-canonical encoding)");
    }
  }
  return out;
}

}  // namespace identity::jwt
