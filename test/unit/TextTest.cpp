//===- TextTest.cpp - Strict number parsing and text helpers --------------===//

#include "sinkrt/Text.h"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>

using namespace sinkrt;

TEST(ParseInt64, AcceptsOnlyWholeDecimalIntegers) {
  EXPECT_EQ(parseInt64("0"), 0);
  EXPECT_EQ(parseInt64("-17"), -17);
  EXPECT_EQ(parseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parseInt64("-9223372036854775808"), INT64_MIN);
  for (const char *bad : {"", "-", "+1", " 1", "1 ", "1.0", "0x10", "1e3",
                          "9223372036854775808", "abc", "12a"})
    EXPECT_FALSE(parseInt64(bad)) << bad;
}

TEST(ParseUInt64, RejectsSignsAndOverflow) {
  EXPECT_EQ(parseUInt64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(parseUInt64("18446744073709551616"));
  EXPECT_FALSE(parseUInt64("-1"));
}

TEST(ParseHex64, NeedsExactlySixteenDigits) {
  EXPECT_EQ(parseHex64("cbf29ce484222325"), 0xcbf29ce484222325ULL);
  EXPECT_EQ(parseHex64("CBF29CE484222325"), 0xcbf29ce484222325ULL);
  EXPECT_FALSE(parseHex64("cbf29ce48422232"));
  EXPECT_FALSE(parseHex64("cbf29ce48422232g"));
}

TEST(ParseFiniteDouble, PlainDecimalOnly) {
  EXPECT_EQ(parseFiniteDouble("0.3"), 0.3);
  EXPECT_EQ(parseFiniteDouble("1e-2"), 0.01);
  EXPECT_EQ(parseFiniteDouble("-2"), -2.0);
  for (const char *bad :
       {"", "nan", "inf", "0x1p3", " 1", "1 ", "1e999", "0.3x", "."})
    EXPECT_FALSE(parseFiniteDouble(bad)) << bad;
}

TEST(SplitFields, KeepsEmptyFields) {
  auto fields = splitFields("a  b", ' ');
  ASSERT_EQ(fields.size(), 3u);
  EXPECT_EQ(fields[1], "");
}

TEST(PercentDecode, DecodesEscapesAndRejectsBadOnes) {
  EXPECT_EQ(percentDecode("fake%20lm%25"), "fake lm%");
  EXPECT_FALSE(percentDecode("a%2"));
  EXPECT_FALSE(percentDecode("a%zz"));
  EXPECT_FALSE(percentDecode("%"));
}

TEST(PercentEncode, EscapesBlanksPercentAndNonAsciiAndRoundTrips) {
  EXPECT_EQ(percentEncode("fake lm%"), "fake%20lm%25");
  EXPECT_EQ(percentEncode("a\tb\n\x7f\xc3\xa9"), "a%09b%0A%7F%C3%A9");
  EXPECT_EQ(percentEncode("layers=2-5,7"), "layers=2-5,7");
  std::string everyByte;
  for (int byte = 0; byte < 256; ++byte)
    everyByte.push_back(static_cast<char>(byte));
  EXPECT_EQ(percentDecode(percentEncode(everyByte)), everyByte);
}

TEST(EscapeBytes, OneLineForEveryByte) {
  EXPECT_EQ(escapeBytes("a\n\t\\"), "a\\n\\t\\\\");
  EXPECT_EQ(escapeBytes(std::string("\x00\xff", 2)), "\\x00\\xff");
}

TEST(OneLine, EscapesNewlines) { EXPECT_EQ(oneLine("a\nb\n"), "a\\nb\\n"); }

TEST(FormatFloat, ShortestRoundTrip) {
  EXPECT_EQ(formatFloat(0.5f), "0.5");
  EXPECT_EQ(formatFloat(0.1f), "0.1");
  EXPECT_EQ(formatFloat(1.0f / 3.0f), "0.33333334");
  EXPECT_EQ(formatFloat(NAN), "nan");
  EXPECT_EQ(formatFloat(50.0f), "50");
  EXPECT_EQ(formatFloat(1e-5f), "1e-05");
  float value = 0.95f;
  EXPECT_EQ(std::strtof(formatFloat(value).c_str(), nullptr), value);
}

TEST(FormatRuns, JoinsConsecutiveNumbers) {
  EXPECT_EQ(formatRuns(std::vector<int64_t>{}), "");
  EXPECT_EQ(formatRuns(std::vector<int64_t>{3}), "3");
  EXPECT_EQ(formatRuns(std::vector<int64_t>{2, 3, 4, 5, 7}), "2-5,7");
  EXPECT_EQ(formatRuns(std::vector<int64_t>{0, 2, 4, 5}), "0,2,4-5");
  // Consecutive in 64 bits only: INT_MAX + 1 would wrap in int.
  EXPECT_EQ(formatRuns(std::vector<int>{INT_MIN, INT_MAX}),
            std::to_string(INT_MIN) + "," + std::to_string(INT_MAX));
  EXPECT_EQ(formatRuns(std::vector<int>{INT_MAX - 1, INT_MAX}),
            std::to_string(INT_MAX - 1) + "-" + std::to_string(INT_MAX));
}

TEST(Paths, BaseAndDirectoryNames) {
  EXPECT_EQ(baseName("a/b/c"), "c");
  EXPECT_EQ(baseName("c"), "c");
  EXPECT_EQ(directoryName("a/b/c"), "a/b");
  EXPECT_EQ(directoryName("c"), ".");
  EXPECT_EQ(directoryName("/c"), "/");
}

TEST(Text, EscapeTextKeepsVisibleCharacters) {
  // Printable UTF-8 stays; broken bytes become \xHH.
  EXPECT_EQ(escapeText("caf\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE4\xB8\xAD\xF0\x9F\x98\x80");
  EXPECT_EQ(escapeText("\xE4\xB8"), "\\xe4\\xb8");
  EXPECT_EQ(escapeText("a\n\tb\\"), "a\\n\\tb\\\\");
  // A lone space prints as itself; look-alikes and invisibles do not.
  EXPECT_EQ(escapeText(" "), " ");
  EXPECT_EQ(escapeText("\xC2\xA0"), "\\u{a0}");
  EXPECT_EQ(escapeText("\xE2\x80\x8D\xEF\xB8\x8F\xEF\xBB\xBF"),
            "\\u{200d}\\u{fe0f}\\u{feff}");
  EXPECT_EQ(escapeText("\xC2\x85"), "\\u{85}");
  // An overlong encoding or a surrogate is not a character.
  EXPECT_EQ(escapeText("\xC0\xAF\xED\xA0\x80"), "\\xc0\\xaf\\xed\\xa0\\x80");
}
