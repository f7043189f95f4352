//===- AtomicFile.h - All-or-nothing output files ---------------*- C++ -*-===//
//
// Every file the runtime and sink-trace produce (traces, logits, output
// tensors, plots) appears complete or not at all: the data goes to an
// unnamed temporary file in the destination directory (O_TMPFILE; a
// mkstemp-named one where the file system lacks it), is fsync'ed, then gets
// its final name with one linkat (a new file) or rename (replacing one). A
// writer that is killed while writing leaves nothing behind in the
// O_TMPFILE case; every error path removes a named temporary file, and the
// next writer of the same target removes those of killed writers.
// Devices, FIFOs and sockets (/dev/null, /dev/stdout) are written in place.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_ATOMICFILE_H
#define SINKRT_ATOMICFILE_H

#include "sinkrt/Status.h"

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>

namespace sinkrt {

struct ByteSpan {
  const void *data;
  size_t size;
};

class AtomicFileWriter {
public:
  /// Opens the temporary file next to `path`.
  static Expected<AtomicFileWriter> create(const std::string &path);

  AtomicFileWriter(AtomicFileWriter &&other) noexcept;
  AtomicFileWriter &operator=(AtomicFileWriter &&other) = delete;
  AtomicFileWriter(const AtomicFileWriter &) = delete;
  AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;
  /// Discards the temporary file unless commit() succeeded.
  ~AtomicFileWriter();

  Status write(const void *data, size_t size);
  /// fsync, give the file its final name, fsync the directory.
  Status commit();

  /// Whether the temporary file is unnamed (O_TMPFILE).
  bool usesUnnamedTemporary() const { return !direct && temporaryName.empty(); }
  /// Whether the destination is written in place (a device, FIFO or
  /// socket: nothing to rename; see resolveDestination in AtomicFile.cpp).
  bool writesDirectly() const { return direct; }

private:
  AtomicFileWriter(std::string path, std::string directory, int fd,
                   std::string temporaryName);
  void discard();
  Status commitDirect();
  Error ioError(const char *action, int errorNumber) const;

  /// The path as given (for messages) and the file that is replaced: the
  /// same, except that a symbolic link is replaced by the file it names.
  std::string path;
  std::string directory;
  std::string target;
  int fd = -1;
  /// Empty for an O_TMPFILE file, which has no name until commit().
  std::string temporaryName;
  bool direct = false;
  bool committed = false;
};

/// Writes the pieces, in order, as the whole content of `path`.
Status writeFileAtomically(const std::string &path,
                           std::initializer_list<ByteSpan> pieces);

/// Fails early (before a long model run) when `path` cannot be created:
/// its directory is missing, not a directory, or not writable, or `path`
/// names a directory. Leaves no file behind.
Status checkOutputPath(const std::string &path);

/// Test hooks: fault injection and a callback after every write() call. The
/// runtime never sets them.
struct AtomicFileTestHooks {
  /// Called after each successful write() with the bytes written so far.
  std::function<void(size_t bytesWritten)> afterWrite;
  /// When non-zero, the named step fails with this errno.
  int failWriteErrno = 0;
  int failFsyncErrno = 0;
  int failCloseErrno = 0;
  int failRenameErrno = 0;
  /// Use the mkstemp fallback even where O_TMPFILE works.
  bool disableUnnamedTemporary = false;
};
void setAtomicFileTestHooks(const AtomicFileTestHooks *hooks);

/// The largest single write() the writer issues; tests size their data to
/// see several of them.
inline constexpr size_t kAtomicWriteChunkSize = 1 << 20;

} // namespace sinkrt

#endif // SINKRT_ATOMICFILE_H
