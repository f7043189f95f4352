//===- ByteLevel.cpp - GPT-2's byte-to-character map ----------------------===//

#include "ByteLevel.h"

#include "Unicode.h"

#include <array>

namespace sinktok {

namespace {

struct ByteTable {
  std::array<std::string, 256> encoded;
  std::array<int, 0x200> decoded;
  ByteTable() {
    decoded.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
             (b >= 0xAE && b <= 0xFF);
    };
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      char32_t c = printable(b) ? b : 0x100 + next++;
      appendUtf8(encoded[b], c);
      decoded[c] = b;
    }
  }
};

const ByteTable &table() {
  static const ByteTable instance;
  return instance;
}

} // namespace

std::string byteLevelEncode(std::string_view bytes) {
  const ByteTable &map = table();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes)
    out += map.encoded[static_cast<unsigned char>(c)];
  return out;
}

int byteLevelDecode(char32_t c) { return c < 0x200 ? table().decoded[c] : -1; }

} // namespace sinktok
