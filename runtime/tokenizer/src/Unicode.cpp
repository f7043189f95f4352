//===- Unicode.cpp - UTF-8 and character properties for sinktok -----------===//

#include "Unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

namespace sinktok {

char32_t decodeUtf8(std::string_view text, size_t position) {
  auto byte = [&](size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(text[i]));
  };
  char32_t lead = byte(position);
  switch (utf8Length(static_cast<unsigned char>(lead))) {
  case 1:
    return lead;
  case 2:
    return (lead & 0x1F) << 6 | (byte(position + 1) & 0x3F);
  case 3:
    return (lead & 0x0F) << 12 | (byte(position + 1) & 0x3F) << 6 |
           (byte(position + 2) & 0x3F);
  default:
    return (lead & 0x07) << 18 | (byte(position + 1) & 0x3F) << 12 |
           (byte(position + 2) & 0x3F) << 6 | (byte(position + 3) & 0x3F);
  }
}

size_t findInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    int length = sinkrt::utf8SequenceLength(text, i);
    if (length < 0)
      return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string utf8Lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    int length = sinkrt::utf8SequenceLength(bytes, i);
    if (length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      i += -length;
    }
  }
  return out;
}

bool isWhitespace(char32_t c) {
  if (c < 0x80)
    return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE);
}

bool isNumeric(char32_t c) {
  if (c < 0x80)
    return c >= '0' && c <= '9';
  int8_t type = u_charType(static_cast<UChar32>(c));
  return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER ||
         type == U_OTHER_NUMBER;
}

bool isWordCharacter(char32_t c) {
  if (c < 0x80)
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_';
  auto codePoint = static_cast<UChar32>(c);
  int32_t mask = U_GET_GC_MASK(codePoint);
  return u_hasBinaryProperty(codePoint, UCHAR_ALPHABETIC) ||
         (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0 ||
         u_hasBinaryProperty(codePoint, UCHAR_JOIN_CONTROL);
}

bool isNonspacingMark(char32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK;
}

static bool isAscii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false;
  return true;
}

std::string normalize(std::string_view text, NormalForm form) {
  // Every normal form leaves ASCII text unchanged.
  if (isAscii(text))
    return std::string(text);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2 *normalizer =
      form == NormalForm::NFC    ? icu::Normalizer2::getNFCInstance(status)
      : form == NormalForm::NFD  ? icu::Normalizer2::getNFDInstance(status)
      : form == NormalForm::NFKC ? icu::Normalizer2::getNFKCInstance(status)
                                 : icu::Normalizer2::getNFKDInstance(status);
  // The normalization data is compiled into ICU; failing to get it is a
  // broken installation, and the text is then left as it is.
  if (U_FAILURE(status) || !normalizer)
    return std::string(text);
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString output = normalizer->normalize(input, status);
  if (U_FAILURE(status))
    return std::string(text);
  std::string result;
  output.toUTF8String(result);
  return result;
}

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out.push_back(lead >= 'A' && lead <= 'Z' ? static_cast<char>(lead + 32)
                                               : static_cast<char>(lead));
      ++i;
      continue;
    }
    size_t length = utf8Length(lead);
    char32_t c = decodeUtf8(text, i);
    i += length;
    // One character at a time, so ICU sees no context (Rust's
    // char::to_lowercase has none either), but with the full mappings
    // ('İ' -> "i̇").
    UChar source[2];
    int32_t sourceLength = 0;
    U16_APPEND_UNSAFE(source, sourceLength, static_cast<UChar32>(c));
    UChar lowered[8];
    UErrorCode status = U_ZERO_ERROR;
    int32_t loweredLength =
        u_strToLower(lowered, 8, source, sourceLength, "", &status);
    if (U_FAILURE(status)) {
      appendUtf8(out, c);
      continue;
    }
    for (int32_t j = 0; j < loweredLength;) {
      UChar32 unit;
      U16_NEXT(lowered, j, loweredLength, unit);
      appendUtf8(out, static_cast<char32_t>(unit));
    }
  }
  return out;
}

} // namespace sinktok
