//===- WeightsHashTest.cpp - The weights hash and file header -------------===//

#include "sinkrt/WeightsHash.h"

#include "FakeModels.h"
#include "sinkrt/Manifest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace sinkrt;

/// The definition in docs/runtime-abi.md, written out the slow way.
static uint64_t referenceHash(const std::vector<unsigned char> &bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  size_t words = bytes.size() / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; --b)
      word = word << 8 | bytes[i * 8 + b];
    hash = (hash ^ word) * 0x100000001b3ULL;
  }
  for (size_t i = words * 8; i < bytes.size(); ++i)
    hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
  return hash;
}

TEST(WeightsHash, ShortInputsArePlainFnv1a) {
  // Published FNV-1a 64 test vectors; under 8 bytes only the byte loop runs.
  EXPECT_EQ(hashWeights("", 0), 0xcbf29ce484222325ULL);
  EXPECT_EQ(hashWeights("a", 1), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(hashWeights("foobar", 6), 0x85944171f73967e8ULL);
}

TEST(WeightsHash, MatchesTheDocumentedWordDefinition) {
  for (size_t size : {7u, 8u, 9u, 15u, 16u, 17u, 1000u, 4099u}) {
    std::vector<unsigned char> bytes(size);
    for (size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<unsigned char>(i * 131 + 7);
    EXPECT_EQ(hashWeights(bytes.data(), size), referenceHash(bytes)) << size;
  }
}

TEST(WeightsHash, IndependentOfAlignment) {
  std::vector<unsigned char> buffer(64 + 3);
  for (size_t i = 0; i < buffer.size(); ++i)
    buffer[i] = static_cast<unsigned char>(i);
  std::vector<unsigned char> copy(buffer.begin() + 3, buffer.end());
  EXPECT_EQ(hashWeights(buffer.data() + 3, 64), hashWeights(copy.data(), 64));
}

TEST(WeightsHasher, AnySplitGivesTheSameHash) {
  std::vector<unsigned char> bytes(1000);
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<unsigned char>(i * 31 + 3);
  uint64_t whole = hashWeights(bytes.data(), bytes.size());
  for (size_t piece : {1u, 3u, 7u, 8u, 9u, 64u, 999u}) {
    WeightsHasher hasher;
    for (size_t at = 0; at < bytes.size(); at += piece)
      hasher.update(bytes.data() + at, std::min(piece, bytes.size() - at));
    EXPECT_EQ(hasher.finish(), whole) << piece;
  }
  WeightsHasher empty;
  EXPECT_EQ(empty.finish(), hashWeights(nullptr, 0));
}

TEST(WeightsHash, FakeWeightsMatchTheirManifest) {
  Expected<Manifest> manifest = parseManifest(fake::kLmManifestEmbedded);
  ASSERT_TRUE(manifest) << manifest.getError().message;
  EXPECT_EQ(manifest->weightsSize, FAKE_WEIGHTS_SIZE);
  EXPECT_EQ(hashWeights(fake::kWeights, sizeof(fake::kWeights)),
            manifest->weightsHash);
}

TEST(WeightsFileHeader, HasTheDocumentedLayout) {
  WeightsFileHeaderBytes header =
      makeWeightsFileHeader(0x0102030405060708ULL, 0x1122334455667788ULL);
  EXPECT_EQ(std::string(reinterpret_cast<const char *>(header.data()), 8),
            "SINKCWTS");
  EXPECT_EQ(header[8], 1);
  for (int i = 9; i < 16; ++i)
    EXPECT_EQ(header[i], 0) << i;
  EXPECT_EQ(header[16], 0x08); // little endian
  EXPECT_EQ(header[23], 0x01);
  EXPECT_EQ(header[24], 0x88);
  for (int i = 32; i < 64; ++i)
    EXPECT_EQ(header[i], 0) << i;
  WeightsFileHeader parsed = parseWeightsFileHeader(header.data());
  EXPECT_TRUE(parsed.magicMatches);
  EXPECT_EQ(parsed.version, 1u);
  EXPECT_EQ(parsed.payloadSize, 0x0102030405060708ULL);
  EXPECT_EQ(parsed.payloadHash, 0x1122334455667788ULL);
  EXPECT_EQ(kWeightsFilePayloadOffset % 64, 0u);
}
