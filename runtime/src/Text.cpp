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

std::optional<uint64_t> parseHex64(std::string_view text) {
  if (text.size() != 16)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (isDigit(c))
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
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

static int hexValue(char c) {
  if (isDigit(c))
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
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
    int high = hexValue(text[i + 1]);
    int low = hexValue(text[i + 2]);
    if (high < 0 || low < 0)
      return std::nullopt;
    decoded.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return decoded;
}

std::string escapeBytes(std::string_view bytes) {
  std::string escaped;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    if (byte == '\n')
      escaped += "\\n";
    else if (byte == '\t')
      escaped += "\\t";
    else if (byte == '\r')
      escaped += "\\r";
    else if (byte == '\\')
      escaped += "\\\\";
    else if (byte >= 0x20 && byte < 0x7f)
      escaped.push_back(c);
    else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", byte);
      escaped += hex;
    }
  }
  return escaped;
}

/// Length of the valid UTF-8 character at `text[i]` and its code point, or 0.
static size_t decodeCharacter(std::string_view text, size_t i,
                              uint32_t &codePoint) {
  auto byte = [&](size_t k) -> int {
    return k < text.size() ? static_cast<unsigned char>(text[k]) : -1;
  };
  int lead = byte(i);
  size_t length;
  uint32_t low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    codePoint = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    codePoint = lead & 0x0F;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    codePoint = lead & 0x07;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    int next = byte(i + k);
    if (next < 0 || static_cast<uint32_t>(next) < (k == 1 ? low : 0x80) ||
        static_cast<uint32_t>(next) > (k == 1 ? high : 0xBF))
      return 0;
    codePoint = codePoint << 6 | (static_cast<uint32_t>(next) & 0x3F);
  }
  return length;
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
    auto byte = static_cast<unsigned char>(bytes[i]);
    if (byte < 0x80) {
      escaped += escapeBytes(bytes.substr(i, 1));
      ++i;
      continue;
    }
    uint32_t codePoint = 0;
    size_t length = decodeCharacter(bytes, i, codePoint);
    if (length == 0) {
      escaped += escapeBytes(bytes.substr(i, 1));
      ++i;
      continue;
    }
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
