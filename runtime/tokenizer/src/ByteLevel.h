//===- ByteLevel.h - GPT-2's byte-to-character map --------------*- C++ -*-===//
//
// Byte-level BPE spells every byte as a printable character: the printable
// Latin-1 bytes as themselves, the other 68 bytes as U+0100 upward, in byte
// order (GPT-2's bytes_to_unicode).
//
//===----------------------------------------------------------------------===//

#ifndef SINKTOK_BYTELEVEL_H
#define SINKTOK_BYTELEVEL_H

#include <string>
#include <string_view>

namespace sinktok {

/// Every byte of `bytes` as its character, in UTF-8.
std::string byteLevelEncode(std::string_view bytes);
/// The byte a character stands for, or -1 when it stands for none.
int byteLevelDecode(char32_t c);

} // namespace sinktok

#endif // SINKTOK_BYTELEVEL_H
