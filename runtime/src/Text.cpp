//===- Text.cpp - Strict parsing of numbers and small text helpers --------===//

#include "sinkrt/Text.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace sinkrt {

static bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::optional<uint64_t> parseUInt64(std::string_view text) {
  if (text.empty() || text.size() > 20)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (!isDigit(c))
      return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<int64_t> parseInt64(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  if (negative)
    text.remove_prefix(1);
  std::optional<uint64_t> magnitude = parseUInt64(text);
  if (!magnitude)
    return std::nullopt;
  constexpr uint64_t maxPositive =
      static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (*magnitude > maxPositive + 1)
      return std::nullopt;
    return static_cast<int64_t>(0 - *magnitude);
  }
  if (*magnitude > maxPositive)
    return std::nullopt;
  return static_cast<int64_t>(*magnitude);
}

std::optional<uint64_t> parseByteSize(std::string_view text) {
  int shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
    case 'k':
    case 'K':
      shift = 10;
      break;
    case 'm':
    case 'M':
      shift = 20;
      break;
    case 'g':
    case 'G':
      shift = 30;
      break;
    case 't':
    case 'T':
      shift = 40;
      break;
    default:
      break;
    }
  }
  if (shift)
    text.remove_suffix(1);
  std::optional<uint64_t> count = parseUInt64(text);
  if (!count || *count > (std::numeric_limits<uint64_t>::max() >> shift))
    return std::nullopt;
  return *count << shift;
}

int hexDigitValue(char c) {
  if (isDigit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::optional<uint64_t> parseHex64(std::string_view text) {
  if (text.size() != 16)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit = hexDigitValue(c);
    if (digit < 0)
      return std::nullopt;
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return value;
}

std::optional<double> parseFiniteDouble(std::string_view text) {
  // strtod also accepts hex floats, "inf", "nan" and leading blanks; only
  // plain decimal notation is allowed on our command lines.
  if (text.empty())
    return std::nullopt;
  for (char c : text)
    if (!isDigit(c) && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E')
      return std::nullopt;
  std::string copy(text);
  char *end = nullptr;
  errno = 0;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno == ERANGE ||
      !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::vector<std::string_view> splitFields(std::string_view text,
                                          char separator) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t next = text.find(separator, start);
    if (next == std::string_view::npos) {
      fields.push_back(text.substr(start));
      return fields;
    }
    fields.push_back(text.substr(start, next - start));
    start = next + 1;
  }
}

std::string percentEncode(std::string_view text) {
  static constexpr char kHexDigits[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte == '%' || byte >= 0x7f) {
      encoded.push_back('%');
      encoded.push_back(kHexDigits[byte >> 4]);
      encoded.push_back(kHexDigits[byte & 15]);
    } else {
      encoded.push_back(c);
    }
  }
  return encoded;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size())
      return std::nullopt;
    int high = hexDigitValue(text[i + 1]);
    int low = hexDigitValue(text[i + 2]);
    if (high < 0 || low < 0)
      return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

void TextScanner::skip(std::string_view blanks) {
  while (position < text.size() &&
         blanks.find(text[position]) != std::string_view::npos)
    ++position;
}

bool TextScanner::consume(char c) {
  if (position < text.size() && text[position] == c) {
    ++position;
    return true;
  }
  return false;
}

const char *shortEscape(char c) {
  switch (c) {
  case '\n':
    return "\\n";
  case '\t':
    return "\\t";
  case '\r':
    return "\\r";
  case '\\':
    return "\\\\";
  default:
    return nullptr;
  }
}

std::string escapeBytes(std::string_view bytes) {
  std::string escaped;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (const char *escape = shortEscape(c)) {
      escaped += escape;
    } else if (byte >= 0x20 && byte < 0x7f) {
      escaped.push_back(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      escaped += hex;
    }
  }
  return escaped;
}

namespace {
/// Well-formed UTF-8 (table 3-7 of the Unicode standard): the lead bytes of
/// each length and the range of the byte after them; later bytes are always
/// 0x80-0xBF.
struct Utf8LeadRange {
  unsigned char first, last;
  int length;
  unsigned char secondLow, secondHigh;
};
constexpr Utf8LeadRange kUtf8LeadRanges[] = {
    {0xC2, 0xDF, 2, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0xA0, 0xBF},
    {0xE1, 0xEC, 3, 0x80, 0xBF}, {0xED, 0xED, 3, 0x80, 0x9F},
    {0xEE, 0xEF, 3, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x90, 0xBF},
    {0xF1, 0xF3, 4, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x80, 0x8F},
};
} // namespace

int utf8SequenceLength(std::string_view text, size_t position) {
  auto lead = static_cast<unsigned char>(text[position]);
  if (lead < 0x80)
    return 1;
  for (const Utf8LeadRange &range : kUtf8LeadRanges) {
    if (lead < range.first || lead > range.last)
      continue;
    for (int i = 1; i < range.length; ++i) {
      if (position + i >= text.size())
        return -i;
      auto byte = static_cast<unsigned char>(text[position + i]);
      if (byte < (i == 1 ? range.secondLow : 0x80) ||
          byte > (i == 1 ? range.secondHigh : 0xBF))
        return -i;
    }
    return range.length;
  }
  return -1;
}

/// Characters that print as nothing or as a blank other than ' ': C1
/// controls, spaces, zero-width and direction marks, separators, BOM,
/// variation selectors, interlinear annotation marks.
static bool isInvisible(uint32_t c) {
  return c <= 0x9F || c == 0xA0 || c == 0xAD || c == 0x034F || c == 0x061C ||
         c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) ||
         c == 0x3000 || (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE0FFF);
}

std::string escapeText(std::string_view bytes) {
  std::string escaped;
  for (size_t i = 0; i < bytes.size();) {
    // ASCII, and bytes that are not part of a valid character, one at a
    // time as escapeBytes writes them.
    int length = utf8SequenceLength(bytes, i);
    if (length < 2) {
      escaped += escapeBytes(bytes.substr(i, 1));
      ++i;
      continue;
    }
    // The lead's low bits, then six bits from each continuation byte.
    uint32_t codePoint =
        static_cast<unsigned char>(bytes[i]) & (0x7F >> length);
    for (int k = 1; k < length; ++k)
      codePoint =
          codePoint << 6 | (static_cast<unsigned char>(bytes[i + k]) & 0x3F);
    if (isInvisible(codePoint)) {
      char hex[16];
      std::snprintf(hex, sizeof(hex), "\\u{%x}", codePoint);
      escaped += hex;
    } else {
      escaped.append(bytes.substr(i, length));
    }
    i += length;
  }
  return escaped;
}

void appendUtf8(std::string &out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | c >> 6));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | c >> 12));
    out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | c >> 18));
    out.push_back(static_cast<char>(0x80 | (c >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string oneLine(std::string_view text) {
  std::string line;
  for (char c : text) {
    if (c == '\n')
      line += "\\n";
    else
      line.push_back(c);
  }
  return line;
}

std::string formatFloat(float value) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value > 0 ? "inf" : "-inf";
  // Shortest text that reads back as the same float, in plain or
  // exponent notation, whichever is shorter ("50", "0.1", "1e-05").
  char text[32];
  std::to_chars_result result = std::to_chars(text, text + sizeof(text), value);
  return std::string(text, result.ptr);
}

std::string baseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

std::string directoryName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos)
    return ".";
  if (slash == 0)
    return "/";
  return std::string(path.substr(0, slash));
}

} // namespace sinkrt
