//===- FileMapping.cpp - Weights that live in files, not in memory --------===//

#include "sinkc/Support/FileMapping.h"

#include "sinkc/Support/Error.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace sinkc {
namespace {

uint64_t pageSize() {
  static const uint64_t size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

/// The address ranges of the live mappings, for releaseFileBackedPages.
/// Passes may run on several threads, so it is locked.
struct MappingRegistry {
  std::mutex mutex;
  std::map<uintptr_t, uintptr_t> ranges; // begin -> end
};

MappingRegistry &registry() {
  static MappingRegistry instance;
  return instance;
}

} // namespace

llvm::Expected<std::shared_ptr<FileMapping>>
FileMapping::map(llvm::StringRef path, uint64_t offset, uint64_t size) {
  llvm::SmallString<256> nulTerminated(path);
  int fd = ::open(nulTerminated.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return makeError("cannot open '" + path + "': " + std::strerror(errno));
  auto mapping = map(fd, path, offset, size);
  ::close(fd);
  return mapping;
}

llvm::Expected<std::shared_ptr<FileMapping>>
FileMapping::map(int fd, llvm::StringRef name, uint64_t offset, uint64_t size) {
  uint64_t start = llvm::alignDown(offset, pageSize());
  uint64_t length = offset - start + size;
  // mmap refuses empty mappings; an empty tensor needs no bytes anyway.
  if (length == 0)
    length = 1;
  void *base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd,
                      static_cast<off_t>(start));
  if (base == MAP_FAILED)
    return makeError("cannot map " + llvm::Twine(size) + " bytes of '" + name +
                     "' at offset " + llvm::Twine(offset) + ": " +
                     std::strerror(errno));
  const char *data = static_cast<const char *>(base) + (offset - start);
  {
    MappingRegistry &live = registry();
    std::lock_guard<std::mutex> lock(live.mutex);
    live.ranges[reinterpret_cast<uintptr_t>(base)] =
        reinterpret_cast<uintptr_t>(base) + length;
  }
  return std::shared_ptr<FileMapping>(
      new FileMapping(base, length, data, size));
}

FileMapping::~FileMapping() {
  {
    MappingRegistry &live = registry();
    std::lock_guard<std::mutex> lock(live.mutex);
    live.ranges.erase(reinterpret_cast<uintptr_t>(base));
  }
  ::munmap(base, length);
}

void releaseFileBackedPages(llvm::ArrayRef<char> bytes) {
  if (bytes.empty())
    return;
  uintptr_t begin = reinterpret_cast<uintptr_t>(bytes.data());
  uintptr_t end = begin + bytes.size();
  MappingRegistry &live = registry();
  std::lock_guard<std::mutex> lock(live.mutex);
  auto it = live.ranges.upper_bound(begin);
  if (it == live.ranges.begin())
    return;
  --it;
  if (end > it->second)
    return;
  // Only whole pages: a partial page may hold a neighbour that is in use
  // (harmless to drop, but it would only be read again).
  uintptr_t first = llvm::alignTo(begin, pageSize());
  uintptr_t last = llvm::alignDown(end, pageSize());
  if (first < last)
    ::madvise(reinterpret_cast<void *>(first), last - first, MADV_DONTNEED);
}

llvm::Expected<std::unique_ptr<ScratchFile>> ScratchFile::create() {
  int fd = -1;
  llvm::SmallString<256> path;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "sinkc-weights", "scratch", fd, path))
    return makeError("cannot create a scratch file for derived weights in "
                     "the temporary directory ($TMPDIR): " +
                     ec.message());
  // Unlinked at once: the data disappears with the last mapping, whatever
  // way the compiler exits.
  llvm::sys::fs::remove(path);
  return std::unique_ptr<ScratchFile>(new ScratchFile(fd));
}

ScratchFile::~ScratchFile() { ::close(fd); }

llvm::Expected<std::shared_ptr<FileMapping>> ScratchFile::append(
    uint64_t size, uint64_t chunkBytes,
    llvm::function_ref<void(uint64_t, llvm::MutableArrayRef<char>)> produce) {
  uint64_t start;
  {
    // Appends from several threads get disjoint ranges; pwrite needs no lock.
    std::lock_guard<std::mutex> lock(mutex);
    start = llvm::alignTo(end, pageSize());
    end = start + size;
  }
  std::vector<char> chunk(std::max<uint64_t>(1, std::min(size, chunkBytes)));
  for (uint64_t done = 0; done < size;) {
    uint64_t n = std::min<uint64_t>(size - done, chunk.size());
    llvm::MutableArrayRef<char> piece(chunk.data(), n);
    produce(done, piece);
    for (uint64_t written = 0; written < n;) {
      ssize_t result = ::pwrite(fd, piece.data() + written, n - written,
                                static_cast<off_t>(start + done + written));
      if (result < 0 && errno == EINTR)
        continue;
      if (result <= 0)
        return makeError(
            "cannot write derived weights to the scratch file in the "
            "temporary directory ($TMPDIR): " +
            llvm::Twine(result < 0 ? std::strerror(errno) : "no progress"));
      written += static_cast<uint64_t>(result);
    }
    done += n;
  }
  return FileMapping::map(fd, "the scratch file", start, size);
}

mlir::AsmResourceBlob blobFromMapping(std::shared_ptr<FileMapping> mapping,
                                      llvm::ArrayRef<char> bytes,
                                      size_t alignment) {
  return mlir::AsmResourceBlob(
      bytes, alignment,
      [mapping = std::move(mapping)](void *, size_t, size_t) mutable {
        mapping.reset();
      },
      /*dataIsMutable=*/false);
}

} // namespace sinkc
