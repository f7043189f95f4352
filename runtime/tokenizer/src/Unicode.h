//===- Unicode.h - UTF-8 and character properties for sinktok ---*- C++ -*-===//
//
// The Unicode pieces the tokenizer needs, with the semantics of the Rust
// functions Hugging Face's `tokenizers` calls (char::is_whitespace,
// char::is_numeric, char::to_lowercase, String::from_utf8_lossy). Tables come
// from ICU; nothing here is a hand-written approximation.
//
//===----------------------------------------------------------------------===//

#ifndef SINKTOK_UNICODE_H
#define SINKTOK_UNICODE_H

#include "sinkrt/Text.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sinktok {

/// Length in bytes of the UTF-8 character starting with `lead` (1 for bytes
/// that cannot start a character; only used on validated text).
inline size_t utf8Length(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if (lead >= 0xF0)
    return 4;
  if (lead >= 0xE0)
    return 3;
  if (lead >= 0xC0)
    return 2;
  return 1;
}

/// Decodes the character at `text[position]` of valid UTF-8.
char32_t decodeUtf8(std::string_view text, size_t position);
using sinkrt::appendUtf8;

/// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t findInvalidUtf8(std::string_view text);

/// String::from_utf8_lossy: each maximal invalid subpart becomes one U+FFFD.
std::string utf8Lossy(std::string_view bytes);

/// char::is_whitespace (the White_Space property).
bool isWhitespace(char32_t c);
/// char::is_numeric (general categories Nd, Nl, No).
bool isNumeric(char32_t c);
/// Rust regex's \w: Alphabetic, marks, decimal digits, connector
/// punctuation and Join_Control (what single_word added tokens check).
bool isWordCharacter(char32_t c);
/// General category Mn (what StripAccents removes after NFD).
bool isNonspacingMark(char32_t c);

enum class NormalForm { NFC, NFD, NFKC, NFKD };
/// Unicode normalization of valid UTF-8.
std::string normalize(std::string_view text, NormalForm form);
/// char::to_lowercase applied to every character (full mappings, no
/// context: 'Σ' always becomes 'σ').
std::string lowercase(std::string_view text);

} // namespace sinktok

#endif // SINKTOK_UNICODE_H
