//===- FileMappingTest.cpp - Compile-time weights kept in files -----------===//
//
// The compiler's side of "weights at scale" (docs/codegen.md): mapped
// external data, the scratch file for derived weights, giving resident
// pages back, and the weights blob's streaming hash.

#include "sinkc/Support/FileMapping.h"
#include "sinkc/Codegen/Codegen.h"
#include "sinkrt/WeightsHash.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <fstream>
#include <numeric>
#include <string>
#include <unistd.h>
#include <vector>

using namespace sinkc;

namespace {

/// Pages of this process that are resident (/proc/self/statm).
long residentPages() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  statm >> size >> resident;
  return resident;
}

std::vector<char> pattern(size_t size, unsigned seed) {
  std::vector<char> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<char>((i * 131 + seed * 7 + i / 4096) & 0xff);
  return bytes;
}

/// A temporary file holding `bytes`, removed with the object.
struct TempFile {
  explicit TempFile(const std::vector<char> &bytes) {
    int fd = -1;
    EXPECT_FALSE(
        llvm::sys::fs::createTemporaryFile("filemapping", "bin", fd, path));
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(bytes.data(), bytes.size());
  }
  ~TempFile() { llvm::sys::fs::remove(path); }
  llvm::SmallString<128> path;
};

} // namespace

TEST(FileMapping, MapsAnyOffset) {
  std::vector<char> bytes = pattern(3 * 4096 + 100, 1);
  TempFile file(bytes);
  for (uint64_t offset : {0u, 1u, 63u, 4096u, 5000u}) {
    auto mapping = FileMapping::map(file.path, offset, 4096 + 17);
    ASSERT_TRUE(bool(mapping)) << llvm::toString(mapping.takeError());
    llvm::ArrayRef<char> view = (*mapping)->bytes();
    ASSERT_EQ(view.size(), 4096u + 17);
    EXPECT_TRUE(std::equal(view.begin(), view.end(), bytes.begin() + offset));
  }
}

TEST(FileMapping, MissingFileIsAnError) {
  auto mapping = FileMapping::map("/nonexistent/weights.data", 0, 16);
  ASSERT_FALSE(bool(mapping));
  EXPECT_NE(llvm::toString(mapping.takeError()).find("/nonexistent"),
            std::string::npos);
}

TEST(FileMapping, ReleasedPagesLeaveMemoryAndStayReadable) {
  constexpr size_t kSize = 32 << 20;
  std::vector<char> bytes = pattern(kSize, 2);
  TempFile file(bytes);
  bytes = {};
  auto mapping = FileMapping::map(file.path, 0, kSize);
  ASSERT_TRUE(bool(mapping));
  llvm::ArrayRef<char> view = (*mapping)->bytes();
  long before = residentPages();
  // volatile: the reads are the point, not their sum.
  volatile uint64_t sum = 0;
  for (size_t i = 0; i < kSize; i += 4096)
    sum = sum + static_cast<unsigned char>(view[i]);
  long touched = residentPages();
  long pages = kSize / sysconf(_SC_PAGESIZE);
  EXPECT_GE(touched - before, pages * 9 / 10);
  releaseFileBackedPages(view);
  EXPECT_LE(residentPages() - before, pages / 10);
  // Read again from the file: the same bytes.
  std::vector<char> again = pattern(kSize, 2);
  EXPECT_TRUE(std::equal(view.begin(), view.end(), again.begin()));
}

TEST(FileMapping, ReleasingOtherMemoryDoesNothing) {
  // Heap memory would read back as zeros if its pages were dropped.
  std::vector<char> heap = pattern(1 << 20, 3);
  releaseFileBackedPages(heap);
  std::vector<char> expected = pattern(1 << 20, 3);
  EXPECT_EQ(heap, expected);
}

TEST(ScratchFile, AppendsInChunksAndOutlivesTheFile) {
  std::shared_ptr<FileMapping> first, second;
  {
    auto scratch = ScratchFile::create();
    ASSERT_TRUE(bool(scratch));
    std::vector<uint64_t> offsets;
    auto produce = [&](uint64_t offset, llvm::MutableArrayRef<char> chunk) {
      offsets.push_back(offset);
      EXPECT_LE(chunk.size(), 1000u);
      for (size_t i = 0; i < chunk.size(); ++i)
        chunk[i] = static_cast<char>((offset + i) % 251);
    };
    auto mapping = (*scratch)->append(4500, 1000, produce);
    ASSERT_TRUE(bool(mapping));
    first = *mapping;
    EXPECT_EQ(offsets, (std::vector<uint64_t>{0, 1000, 2000, 3000, 4000}));
    mapping = (*scratch)->append(10, 1000, produce);
    ASSERT_TRUE(bool(mapping));
    second = *mapping;
  }
  // The scratch file is closed and unlinked; its mappings still read.
  ASSERT_EQ(first->bytes().size(), 4500u);
  for (size_t i = 0; i < 4500; ++i)
    ASSERT_EQ(first->bytes()[i], static_cast<char>(i % 251));
  ASSERT_EQ(second->bytes().size(), 10u);
  EXPECT_EQ(second->bytes()[9], static_cast<char>(9));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(second->bytes().data()) % 64, 0u);
}

TEST(WeightsLayout, StreamingHashIsTheRuntimeHash) {
  // Entries of awkward sizes at 64-byte offsets, zero padding between them:
  // the hash sinkc writes must be the one the runtime recomputes.
  std::vector<std::vector<char>> tensors = {pattern(3, 4), pattern(13, 5),
                                            pattern(64, 6), pattern(1001, 7)};
  WeightsLayout layout;
  std::vector<char> blob;
  for (const auto &tensor : tensors) {
    uint64_t offset = (layout.size + 63) / 64 * 64;
    layout.entries.push_back({offset, tensor});
    layout.size = offset + tensor.size();
    blob.resize(offset, 0);
    blob.insert(blob.end(), tensor.begin(), tensor.end());
  }
  layout.size += 5; // trailing padding
  blob.resize(layout.size, 0);
  std::string written;
  llvm::raw_string_ostream os(written);
  uint64_t hash = layout.write(os);
  EXPECT_EQ(written, std::string(blob.begin(), blob.end()));
  EXPECT_EQ(hash, sinkrt::hashWeights(blob.data(), blob.size()));
  EXPECT_EQ(layout.hash(), hash);
}
