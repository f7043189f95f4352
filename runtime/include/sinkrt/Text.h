//===- Text.h - Strict number parsing and small text helpers ---*- C++ -*-===//
//
// Every number the runtime reads from the user or the manifest goes through
// these functions: the whole field must be a number of the expected kind,
// or the caller gets nothing and reports exactly which field was wrong.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TEXT_H
#define SINKRT_TEXT_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sinkrt {

/// Decimal integer with an optional leading '-', nothing else.
std::optional<int64_t> parseInt64(std::string_view text);
/// Decimal integer without a sign.
std::optional<uint64_t> parseUInt64(std::string_view text);
/// A size in bytes: decimal digits and an optional binary suffix K, M, G
/// or T (either case, 1024-based); nullopt on overflow.
std::optional<uint64_t> parseByteSize(std::string_view text);
/// Exactly 16 hexadecimal digits (either case).
std::optional<uint64_t> parseHex64(std::string_view text);
/// The value of one hexadecimal digit (either case), -1 for other characters.
int hexDigitValue(char c);
/// A finite decimal floating-point number ("0.3", "1e-2"); no hex, inf, nan.
std::optional<double> parseFiniteDouble(std::string_view text);

/// Splits at every occurrence of `separator`; "a  b" gives an empty field.
std::vector<std::string_view> splitFields(std::string_view text,
                                          char separator);

/// Escapes '%', blanks, control characters and non-ASCII bytes as %XX (upper
/// case), so that the result is one field without spaces; percentDecode
/// inverts it.
std::string percentEncode(std::string_view text);
/// Decodes %XX escapes; nullopt for a malformed escape.
std::optional<std::string> percentDecode(std::string_view text);

/// Where a hand-written parser stands in its text, and the two moves every
/// such parser makes.
struct TextScanner {
  explicit TextScanner(std::string_view text) : text(text) {}
  /// Skips a run of the characters in `blanks`.
  void skip(std::string_view blanks);
  /// Steps over `c` if it comes next.
  bool consume(char c);

  std::string_view text;
  size_t position = 0;
};

/// The name of `value` in a table of (value, name) pairs, `unknown` when
/// the table lacks it. One table then both prints and parses an enum.
template <typename T, size_t N>
constexpr const char *lookupName(const std::pair<T, const char *> (&table)[N],
                                 T value, const char *unknown = "?") {
  for (const std::pair<T, const char *> &entry : table)
    if (entry.first == value)
      return entry.second;
  return unknown;
}

/// The value named `name` in such a table, if any.
template <typename T, size_t N>
constexpr std::optional<T>
lookupValue(const std::pair<T, const char *> (&table)[N],
            std::string_view name) {
  for (const std::pair<T, const char *> &entry : table)
    if (name == entry.second)
      return entry.first;
  return std::nullopt;
}

/// The escape of a newline, tab, carriage return or backslash as a backslash
/// and one character (\n, \t, \r, \\), null for any other character: the
/// escapes that escapeBytes and JSON strings share.
const char *shortEscape(char c);

/// For messages and tables: printable ASCII stays, everything else becomes
/// \n, \t, \\ or \xHH, so a byte-level token always prints as one line.
std::string escapeBytes(std::string_view bytes);

/// For token texts: like escapeBytes, but valid UTF-8 characters that print
/// visibly stay as they are ("é", "中", "😀"); bytes that are not part of a
/// valid character become \xHH, and controls, invisible and space-like
/// characters other than ' ' become \u{HEX} (no-break space, zero-width
/// joiner, variation selectors, BOM, ...), so " " and "\u{a0}" differ.
std::string escapeText(std::string_view bytes);

/// Appends the UTF-8 encoding of the code point `c` (at most U+10FFFF).
void appendUtf8(std::string &out, char32_t c);

/// Length of the valid UTF-8 character at `text[position]`, or, when there
/// is none, minus the length of the maximal subpart of one (the bytes that
/// could still have begun a character; at least 1). This is the split the
/// Unicode standard recommends for U+FFFD substitution and Rust implements.
int utf8SequenceLength(std::string_view text, size_t position);

/// `text` with newlines written as \n, for messages that must stay one line.
std::string oneLine(std::string_view text);

/// `value` with the fewest digits that read back as the same float.
std::string formatFloat(float value);

/// Ascending integers (any container of them) as runs, "2-5,7", empty for
/// none: how layer selections print in specs, manifests and reports. Compares
/// in 64 bits, so INT_MAX ends a run of ints instead of overflowing.
template <typename Range> std::string formatRuns(const Range &ascending) {
  std::string text;
  size_t size = ascending.size();
  for (size_t i = 0; i < size;) {
    size_t j = i;
    while (j + 1 < size && static_cast<int64_t>(ascending[j + 1]) ==
                               static_cast<int64_t>(ascending[j]) + 1)
      ++j;
    if (!text.empty())
      text += ",";
    text += std::to_string(ascending[i]);
    if (j > i)
      text += "-" + std::to_string(ascending[j]);
    i = j + 1;
  }
  return text;
}

/// The last path component ("a/b/c" -> "c").
std::string baseName(std::string_view path);
/// Everything before the last '/', "." when there is none.
std::string directoryName(std::string_view path);

} // namespace sinkrt

#endif // SINKRT_TEXT_H
