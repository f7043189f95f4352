//===- WeightsHash.h - Weights hash and external weights header -*- C++ -*-===//
//
// Header-only so that the compiler (which writes the hash into the manifest
// and the external weights file) and the runtime (which checks both) share one
// definition. Plain C++17, no dependencies beyond the standard library.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_WEIGHTSHASH_H
#define SINKRT_WEIGHTSHASH_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace sinkrt {

inline constexpr uint64_t kWeightsHashOffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kWeightsHashPrime = 0x100000001b3ULL;

/// FNV-1a 64 applied to 64-bit words: weights are hundreds of MB to GB, and
/// the byte-wise FNV-1a loop runs at about one byte per multiply latency, so
/// we fold eight bytes per step instead. Exact definition (also in
/// docs/runtime-abi.md):
///
///   h = 0xcbf29ce484222325
///   for each complete 8-byte group, in order, read as a little-endian
///   uint64 w:  h = (h ^ w) * 0x100000001b3   (mod 2^64)
///   for each of the remaining (size % 8) bytes b, in order:
///              h = (h ^ b) * 0x100000001b3   (mod 2^64)
///
/// The result does not depend on the alignment of `data` or on the host's
/// byte order.
inline uint64_t hashWeights(const void *data, size_t size) {
  const auto *bytes = static_cast<const unsigned char *>(data);
  uint64_t hash = kWeightsHashOffsetBasis;
  size_t wordCount = size / 8;
  for (size_t i = 0; i < wordCount; ++i) {
    const unsigned char *p = bytes + i * 8;
    uint64_t word = uint64_t(p[0]) | uint64_t(p[1]) << 8 |
                    uint64_t(p[2]) << 16 | uint64_t(p[3]) << 24 |
                    uint64_t(p[4]) << 32 | uint64_t(p[5]) << 40 |
                    uint64_t(p[6]) << 48 | uint64_t(p[7]) << 56;
    hash = (hash ^ word) * kWeightsHashPrime;
  }
  for (size_t i = wordCount * 8; i < size; ++i)
    hash = (hash ^ bytes[i]) * kWeightsHashPrime;
  return hash;
}

/// hashWeights over data that arrives in pieces (a weights blob written
/// tensor by tensor): update() any number of times, then finish(). The
/// result equals hashWeights over the concatenation, however it was split.
class WeightsHasher {
public:
  void update(const void *data, size_t size) {
    const auto *bytes = static_cast<const unsigned char *>(data);
    // Complete a word left over from the previous piece first.
    while (pendingSize != 0 && size != 0) {
      pending[pendingSize++] = *bytes++;
      --size;
      if (pendingSize == 8) {
        hash = (hash ^ loadWord(pending)) * kWeightsHashPrime;
        pendingSize = 0;
      }
    }
    size_t wordCount = size / 8;
    for (size_t i = 0; i < wordCount; ++i)
      hash = (hash ^ loadWord(bytes + i * 8)) * kWeightsHashPrime;
    for (size_t i = wordCount * 8; i < size; ++i)
      pending[pendingSize++] = bytes[i];
  }

  uint64_t finish() const {
    uint64_t result = hash;
    for (size_t i = 0; i < pendingSize; ++i)
      result = (result ^ pending[i]) * kWeightsHashPrime;
    return result;
  }

private:
  static uint64_t loadWord(const unsigned char *p) {
    return uint64_t(p[0]) | uint64_t(p[1]) << 8 | uint64_t(p[2]) << 16 |
           uint64_t(p[3]) << 24 | uint64_t(p[4]) << 32 | uint64_t(p[5]) << 40 |
           uint64_t(p[6]) << 48 | uint64_t(p[7]) << 56;
  }

  uint64_t hash = kWeightsHashOffsetBasis;
  unsigned char pending[8] = {};
  size_t pendingSize = 0;
};

/// Layout of the external weights file (docs/runtime-abi.md, "Weights").
inline constexpr char kWeightsFileMagic[8] = {'S', 'I', 'N', 'K',
                                              'C', 'W', 'T', 'S'};
inline constexpr uint32_t kWeightsFileVersion = 1;
inline constexpr size_t kWeightsFileHeaderSize = 64;
/// The payload starts on a page boundary so the read-only mapping of the
/// whole file hands the model a 64-byte aligned weights pointer.
inline constexpr size_t kWeightsFilePayloadOffset = 4096;

using WeightsFileHeaderBytes =
    std::array<unsigned char, kWeightsFileHeaderSize>;

namespace detail {
inline void storeLittleEndian(unsigned char *out, uint64_t value,
                              int byteCount) {
  for (int i = 0; i < byteCount; ++i)
    out[i] = static_cast<unsigned char>(value >> (8 * i));
}
inline uint64_t loadLittleEndian(const unsigned char *in, int byteCount) {
  uint64_t value = 0;
  for (int i = 0; i < byteCount; ++i)
    value |= uint64_t(in[i]) << (8 * i);
  return value;
}
} // namespace detail

/// The 64-byte header of an external weights file. A writer emits these bytes,
/// then zero padding up to kWeightsFilePayloadOffset, then the payload.
inline WeightsFileHeaderBytes makeWeightsFileHeader(uint64_t payloadSize,
                                                    uint64_t payloadHash) {
  WeightsFileHeaderBytes header{};
  std::memcpy(header.data(), kWeightsFileMagic, sizeof(kWeightsFileMagic));
  detail::storeLittleEndian(header.data() + 8, kWeightsFileVersion, 4);
  detail::storeLittleEndian(header.data() + 16, payloadSize, 8);
  detail::storeLittleEndian(header.data() + 24, payloadHash, 8);
  return header;
}

/// The fields of a header read back from a file.
struct WeightsFileHeader {
  bool magicMatches = false;
  uint32_t version = 0;
  uint64_t payloadSize = 0;
  uint64_t payloadHash = 0;
};

inline WeightsFileHeader parseWeightsFileHeader(const unsigned char *bytes) {
  WeightsFileHeader header;
  header.magicMatches =
      std::memcmp(bytes, kWeightsFileMagic, sizeof(kWeightsFileMagic)) == 0;
  header.version =
      static_cast<uint32_t>(detail::loadLittleEndian(bytes + 8, 4));
  header.payloadSize = detail::loadLittleEndian(bytes + 16, 8);
  header.payloadHash = detail::loadLittleEndian(bytes + 24, 8);
  return header;
}

} // namespace sinkrt

#endif // SINKRT_WEIGHTSHASH_H
