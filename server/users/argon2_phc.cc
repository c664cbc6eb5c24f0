#include "server/users/argon2_phc.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace identity::server {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("malformed Argon2 PHC string: ", what));
}

// PHC B64: the standard alphabet without padding.
std::string B64Encode(absl::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const uint32_t v = static_cast<uint8_t>(data[i]) << 16 |
                       static_cast<uint8_t>(data[i + 1]) << 8 |
                       static_cast<uint8_t>(data[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    const uint32_t v = static_cast<uint8_t>(data[i]) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (rest == 2) {
    const uint32_t v = static_cast<uint8_t>(data[i]) << 16 |
                       static_cast<uint8_t>(data[i + 1]) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict: no padding, no whitespace, no base64url characters, no length of 1
// modulo 4, unused trailing bits zero. So each byte string has one encoding.
absl::StatusOr<std::string> B64Decode(absl::string_view text,
                                      absl::string_view field) {
  if (text.size() % 4 == 1) {
    return Malformed(absl::StrCat(field, " has an impossible base64 length"));
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int v = B64Value(c);
    if (v < 0) {
      return Malformed(absl::StrCat(field, " is not unpadded standard base64"));
    }
    bits = bits << 6 | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  if ((bits & ((1u << count) - 1)) != 0) {
    return Malformed(absl::StrCat(field, " has non-zero trailing bits"));
  }
  return out;
}

// A decimal without sign or leading zero (PHC: "no sign, no leading zero"),
// at most `max`.
absl::StatusOr<uint32_t> ParseDecimal(absl::string_view text, uint32_t max,
                                      absl::string_view field) {
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
    return Malformed(absl::StrCat(field, " is not a canonical decimal"));
  }
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Malformed(absl::StrCat(field, " is not a canonical decimal"));
    }
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) {
    return Malformed(absl::StrCat(field, " is above its limit of ", max));
  }
  return static_cast<uint32_t>(value);
}

// "name=<decimal>" with the given name.
absl::StatusOr<uint32_t> ParseParameter(absl::string_view text,
                                        absl::string_view name, uint32_t max) {
  if (text.size() <= name.size() || text.substr(0, name.size()) != name ||
      text[name.size()] != '=') {
    return Malformed(absl::StrCat("expected the parameter ", name));
  }
  return ParseDecimal(text.substr(name.size() + 1), max, name);
}

absl::string_view TypeName(Argon2Type type) {
  switch (type) {
    case Argon2Type::kArgon2d:
      return "argon2d";
    case Argon2Type::kArgon2i:
      return "argon2i";
    case Argon2Type::kArgon2id:
      break;
  }
  return "argon2id";
}

}  // namespace

absl::StatusOr<Argon2Phc> ParseArgon2Phc(absl::string_view text) {
  if (text.size() > kMaxPhcLength) return Malformed("too long");
  // "" $ type $ v=.. $ m=..,t=..,p=.. $ salt $ hash
  const std::vector<absl::string_view> fields = absl::StrSplit(text, '$');
  if (fields.size() != 6 || !fields[0].empty()) {
    return Malformed("expected $type$v=..$m=..,t=..,p=..$salt$hash");
  }
  Argon2Phc phc;
  if (fields[1] == "argon2id") {
    phc.type = Argon2Type::kArgon2id;
  } else if (fields[1] == "argon2i") {
    phc.type = Argon2Type::kArgon2i;
  } else if (fields[1] == "argon2d") {
    phc.type = Argon2Type::kArgon2d;
  } else {
    return Malformed("not an Argon2 type");
  }
  auto version = ParseParameter(fields[2], "v", kArgon2Version13);
  if (!version.ok()) return version.status();
  if (*version != kArgon2Version10 && *version != kArgon2Version13) {
    return Malformed("unknown version");
  }
  phc.version = *version;

  const std::vector<absl::string_view> params = absl::StrSplit(fields[3], ',');
  if (params.size() != 3) return Malformed("expected exactly m, t and p");
  auto m = ParseParameter(params[0], "m", kMaxStoredMemoryKib);
  if (!m.ok()) return m.status();
  auto t = ParseParameter(params[1], "t", kMaxStoredIterations);
  if (!t.ok()) return t.status();
  auto p = ParseParameter(params[2], "p", kMaxStoredParallelism);
  if (!p.ok()) return p.status();
  if (*t < 1) return Malformed("t is below 1");
  if (*p < 1) return Malformed("p is below 1");
  // RFC 9106 §3.1: m is at least 8 * p.
  if (*m < 8 * *p) return Malformed("m is below 8 * p");
  phc.memory_kib = *m;
  phc.iterations = *t;
  phc.parallelism = *p;

  auto salt = B64Decode(fields[4], "salt");
  if (!salt.ok()) return salt.status();
  if (salt->size() < kMinSaltBytes || salt->size() > kMaxSaltBytes) {
    return Malformed("salt length out of range");
  }
  auto hash = B64Decode(fields[5], "hash");
  if (!hash.ok()) return hash.status();
  if (hash->size() < kMinHashBytes || hash->size() > kMaxHashBytes) {
    return Malformed("hash length out of range");
  }
  phc.salt = *std::move(salt);
  phc.hash = *std::move(hash);
  return phc;
}

std::string FormatArgon2Phc(const Argon2Phc& phc) {
  return absl::StrCat("$", TypeName(phc.type), "$v=", phc.version,
                      "$m=", phc.memory_kib, ",t=", phc.iterations,
                      ",p=", phc.parallelism, "$", B64Encode(phc.salt), "$",
                      B64Encode(phc.hash));
}

}  // namespace identity::server
