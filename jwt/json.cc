#include "jwt/json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "jwt/status.h"

namespace identity::jwt {
namespace {

// Characters that end a run of plain string content: '"', '\\' and the controls
// below 0x20.
constexpr std::array<bool, 256> MakeStringSpecial() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}
constexpr std::array<bool, 256> kStringSpecial = MakeStringSpecial();

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Member names of one object, for duplicate detection. Linear for the usual
// handful of names, hashed beyond that so a crafted object cannot make parsing
// quadratic.
class NameSet {
 public:
  // False when `name` was already present.
  bool Insert(const std::string& name) {
    if (!hashed_.empty()) return hashed_.insert(name).second;
    for (const std::string& seen : small_) {
      if (seen == name) return false;
    }
    if (small_.empty()) small_.reserve(8);
    small_.push_back(name);
    if (small_.size() > 16) {
      hashed_.insert(small_.begin(), small_.end());
      small_.clear();
    }
    return true;
  }

 private:
  std::vector<std::string> small_;
  std::unordered_set<std::string> hashed_;
};

// A single-pass, recursive-descent RFC 8259 parser over text already known to
// be valid UTF-8. Each Scan* method consumes one token or value, optionally
// building it into `out`.
class Scanner {
 public:
  Scanner(absl::string_view text, int max_depth)
      : text_(text), max_depth_(max_depth) {}

  Reason error() const { return error_; }
  size_t pos() const { return pos_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  bool Consume(char c) {
    if (!Peek(c)) return Fail();
    ++pos_;
    return true;
  }

  bool Fail(Reason reason = Reason::kJsonMalformed) {
    if (error_ == Reason::kOk) error_ = reason;
    return false;
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  // `depth`: containers already open around this value.
  bool ScanValue(Json* out, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return Fail();
    switch (text_[pos_]) {
      case '{':
        return ScanObject(out, depth);
      case '[':
        return ScanArray(out, depth);
      case '"': {
        if (out == nullptr) return ScanString(nullptr);
        std::string s;
        if (!ScanString(&s)) return false;
        *out = std::move(s);
        return true;
      }
      case 't':
        return ScanLiteral("true", out, Json(true));
      case 'f':
        return ScanLiteral("false", out, Json(false));
      case 'n':
        return ScanLiteral("null", out, Json(nullptr));
      default:
        return ScanNumber(out);
    }
  }

  // At '"': a string literal, unescaped into `out` when non-null.
  bool ScanString(std::string* out) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '"') return Fail();
    ++pos_;
    while (true) {
      // Copy the run of plain characters at once.
      size_t run = pos_;
      while (run < text_.size() &&
             !kStringSpecial[static_cast<unsigned char>(text_[run])]) {
        ++run;
      }
      if (out != nullptr) out->append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= text_.size()) return Fail();
      const unsigned char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        return Fail();  // RFC 8259 §7: control characters must be escaped.
      }
      if (!ScanEscape(out)) return false;
    }
  }

  bool ScanObject(Json* out, int depth) {
    if (depth >= max_depth_) return Fail();
    ++pos_;  // '{'
    if (out != nullptr) *out = Json::object();
    NameSet names;
    if (Peek('}')) {
      ++pos_;
      return true;
    }
    std::string name;
    while (true) {
      name.clear();
      if (!ScanString(&name)) return false;
      if (!names.Insert(name)) return Fail(Reason::kJsonDuplicateMember);
      if (!Consume(':')) return false;
      if (out != nullptr) {
        Json value;
        if (!ScanValue(&value, depth + 1)) return false;
        out->emplace(name, std::move(value));
      } else if (!ScanValue(nullptr, depth + 1)) {
        return false;
      }
      if (Peek(',')) {
        ++pos_;
        continue;
      }
      return Consume('}');
    }
  }

 private:
  bool ScanArray(Json* out, int depth) {
    if (depth >= max_depth_) return Fail();
    ++pos_;  // '['
    if (out != nullptr) *out = Json::array();
    if (Peek(']')) {
      ++pos_;
      return true;
    }
    while (true) {
      if (out != nullptr) {
        Json value;
        if (!ScanValue(&value, depth + 1)) return false;
        out->push_back(std::move(value));
      } else if (!ScanValue(nullptr, depth + 1)) {
        return false;
      }
      if (Peek(',')) {
        ++pos_;
        continue;
      }
      return Consume(']');
    }
  }

  bool ScanLiteral(absl::string_view literal, Json* out, Json value) {
    if (text_.substr(pos_, literal.size()) != literal) return Fail();
    pos_ += literal.size();
    if (out != nullptr) *out = std::move(value);
    return true;
  }

  bool ReadHex4(uint32_t* value) {
    if (pos_ + 4 > text_.size()) return false;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v |= c - 'A' + 10;
      } else {
        return false;
      }
    }
    pos_ += 4;
    *value = v;
    return true;
  }

  // At '\\'.
  bool ScanEscape(std::string* out) {
    ++pos_;
    if (pos_ >= text_.size()) return Fail();
    const char c = text_[pos_++];
    char plain;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        plain = c;
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!ReadHex4(&cp)) return Fail();
        if (cp >= 0xdc00 && cp <= 0xdfff) return Fail();  // Lone low surrogate.
        if (cp >= 0xd800 && cp <= 0xdbff) {
          // A high surrogate must be followed by an escaped low surrogate (RFC
          // 8259 §7).
          uint32_t low;
          if (pos_ + 2 > text_.size() || text_[pos_] != '\\' ||
              text_[pos_ + 1] != 'u') {
            return Fail();
          }
          pos_ += 2;
          if (!ReadHex4(&low) || low < 0xdc00 || low > 0xdfff) return Fail();
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        }
        if (out != nullptr) AppendUtf8(cp, out);
        return true;
      }
      default:
        return Fail();
    }
    if (out != nullptr) out->push_back(plain);
    return true;
  }

  bool ScanNumber(Json* out) {
    const size_t start = pos_;
    const auto digit = [this] {
      return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9';
    };
    bool negative = false;
    if (pos_ < text_.size() && text_[pos_] == '-') {
      negative = true;
      ++pos_;
    }
    if (!digit()) return Fail();
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (digit()) ++pos_;
    }
    bool integer = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (!digit()) return Fail();
      while (digit()) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (!digit()) return Fail();
      while (digit()) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integer) {
      if (negative) {
        int64_t v;
        if (std::from_chars(first, last, v).ec == std::errc()) {
          if (out != nullptr) *out = v;
          return true;
        }
      } else {
        uint64_t v;
        if (std::from_chars(first, last, v).ec == std::errc()) {
          if (out != nullptr) *out = v;
          return true;
        }
      }
    }
    // Fractions, exponents and integers beyond 64 bits are doubles; beyond a
    // double's range they are refused rather than turned into infinity.
    double v;
    const auto result = std::from_chars(first, last, v);
    if (result.ec == std::errc::result_out_of_range) {
      // Too large is refused; too small (1e-400) is zero, as in every JSON
      // reader we know.
      const std::string copy(first, last);
      if (!std::isfinite(std::strtod(copy.c_str(), nullptr))) return Fail();
      v = negative ? -0.0 : 0.0;
    } else if (result.ec != std::errc() || !std::isfinite(v)) {
      return Fail();
    }
    if (out != nullptr) *out = v;
    return true;
  }

  absl::string_view text_;
  int max_depth_;
  size_t pos_ = 0;
  Reason error_ = Reason::kOk;
};

absl::Status ScanError(const Scanner& scanner) {
  if (scanner.error() == Reason::kJsonDuplicateMember) {
    return MakeError(Reason::kJsonDuplicateMember,
                     "an object repeats a member name");
  }
  return MakeError(
      Reason::kJsonMalformed,
      absl::StrCat("not valid JSON (at byte ", scanner.pos(), ")"));
}

constexpr char kHex[] = "0123456789abcdef";

// One step of UTF-8 decoding: a well-formed sequence (RFC 3629 §4, Unicode
// Table 3-7: no overlongs, no surrogates, at most U+10FFFF) and its code point,
// or the maximal ill-formed subpart at the start of the input (Unicode §3.9,
// "U+FFFD Substitution of Maximal Subparts"), which a writer replaces with one
// U+FFFD.
struct Utf8Step {
  size_t length;  // >= 1.
  bool valid;
  uint32_t code_point;
};

// `n` >= 1.
Utf8Step DecodeUtf8(const uint8_t* s, size_t n) {
  const uint8_t lead = s[0];
  if (lead < 0x80) return {1, true, lead};
  size_t trail;
  uint32_t cp;
  // The range of the second byte; later ones are always 80..BF.
  uint8_t lo = 0x80, hi = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    trail = 1, cp = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    trail = 2, cp = lead & 0x0f;
    if (lead == 0xe0) lo = 0xa0;  // Overlong below U+0800.
    if (lead == 0xed) hi = 0x9f;  // Surrogates U+D800..U+DFFF.
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    trail = 3, cp = lead & 0x07;
    if (lead == 0xf0) lo = 0x90;  // Overlong below U+10000.
    if (lead == 0xf4) hi = 0x8f;  // Above U+10FFFF.
  } else {
    return {1, false, 0};  // A continuation byte, C0, C1 or F5..FF.
  }
  for (size_t i = 1; i <= trail; ++i) {
    if (i >= n || s[i] < lo || s[i] > hi) return {i, false, 0};
    cp = (cp << 6) | (s[i] & 0x3f);
    lo = 0x80, hi = 0xbf;
  }
  return {trail + 1, true, cp};
}

// Bytes the writer cannot copy as they are: '"', '\\', the controls, DEL, and
// the lead of every non-ASCII sequence (checked, and U+2028/U+2029 escaped).
constexpr std::array<bool, 256> MakeWriteSpecial() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  for (int c = 0x7f; c < 0x100; ++c) table[c] = true;
  table['"'] = true;
  table['\\'] = true;
  return table;
}
constexpr std::array<bool, 256> kWriteSpecial = MakeWriteSpecial();

// Appends the escape for the ASCII byte `c` (a quote, a backslash, a control
// or DEL): RFC 8259 §7's two-character forms where they exist, else \u00XX.
void AppendAsciiEscape(uint8_t c, std::string* out) {
  switch (c) {
    case '"':
      out->append("\\\"");
      return;
    case '\\':
      out->append("\\\\");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    default:
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
  }
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, s + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = DecodeUtf8(s + i, n - i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

absl::StatusOr<std::vector<JsonMember>> ParseJsonObjectMembers(
    absl::string_view text, int max_depth) {
  max_depth = std::clamp(max_depth, 1, kMaxJsonDepth);
  if (!IsValidUtf8(text)) {
    return MakeError(Reason::kJsonInvalidUtf8, "text is not valid UTF-8");
  }
  Scanner scanner(text, max_depth);
  if (!scanner.Peek('{')) {
    // Say "not an object" only about text that is JSON.
    if (scanner.ScanValue(nullptr, 0) && scanner.AtEnd()) {
      return MakeError(Reason::kJsonNotObject, "not a JSON object");
    }
    return ScanError(scanner);
  }
  std::vector<JsonMember> members;
  members.reserve(8);
  // The top-level object is scanned here, member by member, to record each
  // value's text.
  scanner.Consume('{');
  NameSet names;
  if (scanner.Peek('}')) {
    scanner.Consume('}');
  } else {
    while (true) {
      JsonMember member;
      if (!scanner.ScanString(&member.name)) return ScanError(scanner);
      if (!names.Insert(member.name)) {
        scanner.Fail(Reason::kJsonDuplicateMember);
        return ScanError(scanner);
      }
      if (!scanner.Consume(':')) return ScanError(scanner);
      scanner.SkipSpace();
      const size_t start = scanner.pos();
      if (!scanner.ScanValue(nullptr, 1)) {
        scanner.Fail();
        return ScanError(scanner);
      }
      member.value = text.substr(start, scanner.pos() - start);
      members.push_back(std::move(member));
      if (scanner.Peek(',')) {
        scanner.Consume(',');
        continue;
      }
      if (!scanner.Consume('}')) return ScanError(scanner);
      break;
    }
  }
  if (!scanner.AtEnd()) {
    scanner.Fail();
    return ScanError(scanner);
  }
  return members;
}

Json JsonValueOf(absl::string_view value) {
  Scanner scanner(value, kMaxJsonDepth);
  Json out;
  if (!scanner.ScanValue(&out, 0) || !scanner.AtEnd()) {
    return Json(Json::value_t::discarded);
  }
  return out;
}

bool JsonStringOf(absl::string_view value, std::string* out) {
  if (value.empty() || value[0] != '"') return false;
  out->clear();
  Scanner scanner(value, 1);
  return scanner.ScanString(out);
}

absl::StatusOr<Json> ParseJsonObject(absl::string_view text, int max_depth) {
  auto members = ParseJsonObjectMembers(text, max_depth);
  if (!members.ok()) return members.status();
  Json object = Json::object();
  for (JsonMember& member : *members) {
    object.emplace(std::move(member.name), JsonValueOf(member.value));
  }
  return object;
}

void AppendJsonString(absl::string_view text, std::string* out) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  out->push_back('"');
  size_t run = 0;  // The first byte not yet written.
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (!kWriteSpecial[c]) {
      ++i;
      continue;
    }
    size_t length = 1;
    const char* escape = nullptr;
    if (c >= 0x80) {
      const Utf8Step step = DecodeUtf8(s + i, n - i);
      length = step.length;
      if (!step.valid) {
        escape = "\\ufffd";
      } else if (step.code_point == 0x2028) {
        escape = "\\u2028";
      } else if (step.code_point == 0x2029) {
        escape = "\\u2029";
      } else {
        i += length;  // Well-formed UTF-8 is written as it is.
        continue;
      }
    }
    out->append(text.data() + run, i - run);
    if (escape != nullptr) {
      out->append(escape);
    } else {
      AppendAsciiEscape(c, out);
    }
    i += length;
    run = i;
  }
  out->append(text.data() + run, n - run);
  out->push_back('"');
}

void AppendJson(const Json& value, std::string* out) {
  switch (value.type()) {
    case Json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [name, member] : value.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(name, out);
        out->push_back(':');
        AppendJson(member, out);
      }
      out->push_back('}');
      return;
    }
    case Json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const Json& element : value) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(element, out);
      }
      out->push_back(']');
      return;
    }
    case Json::value_t::string:
      AppendJsonString(value.get_ref<const std::string&>(), out);
      return;
    case Json::value_t::number_integer:
      absl::StrAppend(out, value.get<int64_t>());
      return;
    case Json::value_t::number_unsigned:
      absl::StrAppend(out, value.get<uint64_t>());
      return;
    case Json::value_t::number_float:
      // nlohmann prints the shortest text that reads back as the same double.
      out->append(value.dump());
      return;
    case Json::value_t::boolean:
      out->append(value.get<bool>() ? "true" : "false");
      return;
    default:  // null, discarded, binary (never produced by our parser).
      out->append("null");
      return;
  }
}

std::string DumpJson(const Json& value) {
  std::string out;
  AppendJson(value, &out);
  return out;
}

}  // namespace identity::jwt
