//===- FileMapping.h - Weights that live in files, not in memory -*- C++
//-*-===//
//
// A real model's weights are gigabytes. The compiler holds none of them in
// its own memory: external data is mapped read-only, weights the compiler
// derives (packed panels, realigned tensors) are written to an unlinked
// scratch file and mapped back, and every reader gives the pages it touched
// back to the kernel when it is done with a tensor. Resident memory then
// stays near the largest single tensor instead of twice the model
// (docs/codegen.md, "Weights at scale").
//
// Giving pages back is only safe for memory that a file backs (the kernel
// reads it again on the next access; anonymous memory would read as zeros),
// so every mapping registers itself and releaseFileBackedPages ignores any
// other range.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_SUPPORT_FILEMAPPING_H
#define SINKC_SUPPORT_FILEMAPPING_H

#include "mlir/IR/AsmState.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <mutex>

namespace sinkc {

/// A read-only mapping of part of a file. It stays valid after the file is
/// closed or unlinked, until the last owner drops it.
class FileMapping {
public:
  /// Maps `size` bytes of `path` from `offset` (any offset: the mapping
  /// starts at the page below it). `size` must not reach past the end.
  static llvm::Expected<std::shared_ptr<FileMapping>>
  map(llvm::StringRef path, uint64_t offset, uint64_t size);
  /// The same, of an open file descriptor.
  static llvm::Expected<std::shared_ptr<FileMapping>>
  map(int fd, llvm::StringRef name, uint64_t offset, uint64_t size);

  ~FileMapping();
  FileMapping(const FileMapping &) = delete;
  FileMapping &operator=(const FileMapping &) = delete;

  llvm::ArrayRef<char> bytes() const { return {data, size}; }

private:
  FileMapping(void *base, size_t length, const char *data, size_t size)
      : base(base), length(length), data(data), size(size) {}

  void *base;       ///< what mmap returned
  size_t length;    ///< what was mapped
  const char *data; ///< the requested bytes inside it
  size_t size;
};

/// Gives back the resident pages that lie wholly inside `bytes`, if a
/// FileMapping holds them; does nothing for any other memory. The bytes stay
/// readable (the next access reads the file again).
void releaseFileBackedPages(llvm::ArrayRef<char> bytes);

/// An unlinked temporary file (in $TMPDIR) that derived weights are written
/// to, a chunk at a time, and mapped back from. Appends may come from
/// several threads.
class ScratchFile {
public:
  static llvm::Expected<std::unique_ptr<ScratchFile>> create();
  ~ScratchFile();
  ScratchFile(const ScratchFile &) = delete;
  ScratchFile &operator=(const ScratchFile &) = delete;

  /// Writes `size` bytes that `produce(offset, chunk)` fills, in chunks of
  /// at most `chunkBytes` (callers pick a multiple of their natural unit),
  /// and returns their mapping. Only one chunk is ever in memory.
  llvm::Expected<std::shared_ptr<FileMapping>>
  append(uint64_t size, uint64_t chunkBytes,
         llvm::function_ref<void(uint64_t offset,
                                 llvm::MutableArrayRef<char> chunk)>
             produce);

private:
  explicit ScratchFile(int fd) : fd(fd) {}
  int fd;
  std::mutex mutex;
  uint64_t end = 0; ///< guarded by mutex
};

/// A resource blob over `bytes` (inside `mapping`) that keeps the mapping
/// alive as long as the blob.
mlir::AsmResourceBlob blobFromMapping(std::shared_ptr<FileMapping> mapping,
                                      llvm::ArrayRef<char> bytes,
                                      size_t alignment);

/// Derived weights at least this large go to a scratch file; smaller ones
/// stay on the heap (a page-granular mapping would waste more than it
/// saves).
inline constexpr uint64_t kScratchThresholdBytes = 1 << 20;

} // namespace sinkc

#endif // SINKC_SUPPORT_FILEMAPPING_H
