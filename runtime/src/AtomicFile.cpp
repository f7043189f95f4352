//===- AtomicFile.cpp - All-or-nothing output files -----------------------===//

#include "sinkrt/AtomicFile.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace sinkrt {

static const AtomicFileTestHooks *testHooks = nullptr;

void setAtomicFileTestHooks(const AtomicFileTestHooks *hooks) {
  testHooks = hooks;
}

static int injectedErrno(int AtomicFileTestHooks::*field) {
  return testHooks ? testHooks->*field : 0;
}

static Error ioErrorFor(const std::string &path, const char *action,
                        int errorNumber) {
  return failure("cannot %s '%s': %s", action, path.c_str(),
                 std::strerror(errorNumber));
}

/// A temporary name in the destination directory: dot-prefixed so that
/// listings hide it, and recognisably ours if a crash ever leaves one.
static std::string temporaryPathTemplate(const std::string &path) {
  std::string directory = directoryName(path);
  return directory + "/." + baseName(path) + ".tmp.XXXXXX";
}

static bool procSelfFdAvailable() {
  return ::access("/proc/self/fd", X_OK) == 0;
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string directory,
                                   int fd, std::string temporaryName)
    : path(std::move(path)), directory(std::move(directory)), fd(fd),
      temporaryName(std::move(temporaryName)) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&other) noexcept
    : path(std::move(other.path)), directory(std::move(other.directory)),
      fd(other.fd), temporaryName(std::move(other.temporaryName)),
      committed(other.committed) {
  other.fd = -1;
  other.temporaryName.clear();
  other.committed = true;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (!committed)
    discard();
}

void AtomicFileWriter::discard() {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
  if (!temporaryName.empty())
    ::unlink(temporaryName.c_str());
  temporaryName.clear();
}

Error AtomicFileWriter::ioError(const char *action, int errorNumber) const {
  return ioErrorFor(path, action, errorNumber);
}

Expected<AtomicFileWriter> AtomicFileWriter::create(const std::string &path) {
  if (path.empty())
    return badInput("empty output file name");
  struct stat status;
  if (::stat(path.c_str(), &status) == 0 && S_ISDIR(status.st_mode))
    return failure("cannot write '%s': it is a directory", path.c_str());
  std::string directory = directoryName(path);
  bool tryUnnamed = !(testHooks && testHooks->disableUnnamedTemporary) &&
                    procSelfFdAvailable();
  if (tryUnnamed) {
    int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0)
      return AtomicFileWriter(path, directory, fd, std::string());
    // Fall back to a named file only where the file system lacks O_TMPFILE;
    // other errors (missing directory, permissions) are the real answer.
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
      return ioErrorFor(path, "create", errno);
  }
  std::string name = temporaryPathTemplate(path);
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return ioErrorFor(path, "create", errno);
  // mkstemp creates 0600; outputs are ordinary files for other users too.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  return AtomicFileWriter(path, directory, fd, name);
}

Status AtomicFileWriter::write(const void *data, size_t size) {
  if (fd < 0)
    return failure("internal error: write to a closed file '%s'", path.c_str());
  const auto *bytes = static_cast<const unsigned char *>(data);
  size_t written = 0;
  while (written < size) {
    size_t chunk = std::min(size - written, kAtomicWriteChunkSize);
    ssize_t result;
    if (int injected = injectedErrno(&AtomicFileTestHooks::failWriteErrno)) {
      errno = injected;
      result = -1;
    } else {
      result = ::write(fd, bytes + written, chunk);
    }
    if (result < 0) {
      if (errno == EINTR)
        continue;
      int errorNumber = errno;
      discard();
      return ioError("write", errorNumber);
    }
    if (result == 0) {
      discard();
      return ioError("write", ENOSPC);
    }
    written += static_cast<size_t>(result);
    if (testHooks && testHooks->afterWrite)
      testHooks->afterWrite(written);
  }
  return Status::ok();
}

/// A fresh name for linking the unnamed file into the directory. The name
/// exists only between linkat() and rename(), two system calls apart.
static std::string uniqueTemporaryName(const std::string &path) {
  static std::atomic<unsigned> counter{0};
  struct timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return directoryName(path) + "/." + baseName(path) +
         formatString(".tmp.%ld.%ld.%u", static_cast<long>(::getpid()),
                      static_cast<long>(now.tv_nsec), counter++);
}

Status AtomicFileWriter::commit() {
  if (fd < 0)
    return failure("internal error: commit of a closed file '%s'",
                   path.c_str());
  int fsyncErrno = injectedErrno(&AtomicFileTestHooks::failFsyncErrno);
  if (fsyncErrno || ::fsync(fd) != 0) {
    int errorNumber = fsyncErrno ? fsyncErrno : errno;
    discard();
    return ioError("flush", errorNumber);
  }
  if (temporaryName.empty()) {
    std::string fdPath = "/proc/self/fd/" + std::to_string(fd);
    for (int attempt = 0;; ++attempt) {
      std::string name = uniqueTemporaryName(path);
      if (::linkat(AT_FDCWD, fdPath.c_str(), AT_FDCWD, name.c_str(),
                   AT_SYMLINK_FOLLOW) == 0) {
        temporaryName = name;
        break;
      }
      if (errno != EEXIST || attempt == 100) {
        int errorNumber = errno;
        discard();
        return ioError("create", errorNumber);
      }
    }
  }
  int closeErrno = injectedErrno(&AtomicFileTestHooks::failCloseErrno);
  int closeResult = ::close(fd);
  fd = -1;
  if (closeErrno || closeResult != 0) {
    int errorNumber = closeErrno ? closeErrno : errno;
    discard();
    return ioError("close", errorNumber);
  }
  int renameErrno = injectedErrno(&AtomicFileTestHooks::failRenameErrno);
  if (renameErrno || ::rename(temporaryName.c_str(), path.c_str()) != 0) {
    int errorNumber = renameErrno ? renameErrno : errno;
    discard();
    return ioError("rename the temporary file to", errorNumber);
  }
  temporaryName.clear();
  committed = true;
  // Make the rename itself durable. The file is complete and in place by
  // now, so a failure here (some file systems refuse fsync on directories)
  // cannot produce a partial file and is not reported.
  int directoryFd =
      ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directoryFd >= 0) {
    ::fsync(directoryFd);
    ::close(directoryFd);
  }
  return Status::ok();
}

Status writeFileAtomically(const std::string &path,
                           std::initializer_list<ByteSpan> pieces) {
  Expected<AtomicFileWriter> writer = AtomicFileWriter::create(path);
  if (!writer)
    return writer.takeError();
  for (const ByteSpan &piece : pieces)
    if (Status status = writer->write(piece.data, piece.size); !status)
      return status;
  return writer->commit();
}

Status checkOutputPath(const std::string &path) {
  Expected<AtomicFileWriter> writer = AtomicFileWriter::create(path);
  if (!writer)
    return writer.takeError();
  return Status::ok();
}

} // namespace sinkrt
