//===- AtomicFile.cpp - All-or-nothing output files -----------------------===//

#include "sinkrt/AtomicFile.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string_view>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vector>

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

/// The prefix of every temporary name for `path`: dot-prefixed so that
/// listings hide it, named after the target, and followed by the writer's
/// pid so that a leftover of a killed writer can be told from the file of a
/// live one.
static std::string temporaryPrefix(const std::string &path) {
  return "." + baseName(path) + ".tmp.";
}

static std::string temporaryPathTemplate(const std::string &path) {
  return directoryName(path) + "/" + temporaryPrefix(path) +
         std::to_string(::getpid()) + ".XXXXXX";
}

/// Removes temporary files for `path` left behind by writers that were
/// killed (SIGKILL, power loss) while their file had a name: entries
/// `.<name>.tmp.<pid>.<rest>` whose <pid> is not a running process. Files of
/// live writers, and anything not named like ours, are left alone.
/// Best-effort: a failure here never fails the write.
static void removeStaleTemporaries(const std::string &path) {
  std::string directory = directoryName(path);
  std::string prefix = temporaryPrefix(path);
  DIR *dir = ::opendir(directory.c_str());
  if (!dir)
    return;
  std::vector<std::string> stale;
  while (struct dirent *entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name.substr(0, prefix.size()) != prefix)
      continue;
    std::string_view rest = name.substr(prefix.size());
    size_t digits = 0;
    while (digits < rest.size() && digits < 10 && rest[digits] >= '0' &&
           rest[digits] <= '9')
      ++digits;
    if (digits == 0 || digits >= rest.size() || rest[digits] != '.')
      continue;
    long pid =
        std::strtol(std::string(rest.substr(0, digits)).c_str(), nullptr, 10);
    if (pid <= 0 || pid == ::getpid())
      continue;
    // ESRCH: no such process. EPERM means it exists (another user's).
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      stale.emplace_back(name);
  }
  ::closedir(dir);
  for (const std::string &name : stale)
    ::unlink((directory + "/" + name).c_str());
}

/// Where the data of `path` really goes. Atomic replacement renames a new
/// regular file over the destination; that is wrong for anything else:
///   - a device, FIFO or socket (`--logits /dev/null`, `--trace
///     /dev/stdout` on a terminal or pipe, `/dev/full`): renaming would
///     replace the device node itself (root may do that in /dev), so these
///     are opened and written directly;
///   - a symbolic link to a regular file: the file it points to is replaced
///     and the link kept.
/// A link that cannot be resolved (dangling, or /proc's magic links to a
/// pipe) is written directly as well.
struct Destination {
  std::string path;
  bool direct = false;
};

static Destination resolveDestination(const std::string &path) {
  struct stat linkStatus;
  if (::lstat(path.c_str(), &linkStatus) != 0)
    return {path, false}; // A new file (or an error that create reports).
  // Directories are refused by AtomicFileWriter::create.
  if (S_ISREG(linkStatus.st_mode) || S_ISDIR(linkStatus.st_mode))
    return {path, false};
  if (!S_ISLNK(linkStatus.st_mode))
    return {path, true};
  char *resolved = ::realpath(path.c_str(), nullptr);
  if (!resolved)
    return {path, true};
  std::string target = resolved;
  std::free(resolved);
  struct stat status;
  if (::stat(target.c_str(), &status) != 0)
    return {path, true};
  if (S_ISREG(status.st_mode))
    return {target, false};
  return {path, !S_ISDIR(status.st_mode)};
}

static bool procSelfFdAvailable() {
  return ::access("/proc/self/fd", X_OK) == 0;
}

AtomicFileWriter::AtomicFileWriter(std::string path, std::string directory,
                                   int fd, std::string temporaryName)
    : path(std::move(path)), directory(std::move(directory)),
      target(this->path), fd(fd), temporaryName(std::move(temporaryName)) {}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&other) noexcept
    : path(std::move(other.path)), directory(std::move(other.directory)),
      target(std::move(other.target)), fd(other.fd),
      temporaryName(std::move(other.temporaryName)), direct(other.direct),
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
  Destination destination = resolveDestination(path);
  if (destination.direct) {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
      return ioErrorFor(path, "create", errno);
    AtomicFileWriter writer(path, directoryName(path), fd, std::string());
    writer.direct = true;
    return writer;
  }
  // Messages keep naming the path the user gave.
  const std::string &target = destination.path;
  std::string directory = directoryName(target);
  removeStaleTemporaries(target);
  bool tryUnnamed = !(testHooks && testHooks->disableUnnamedTemporary) &&
                    procSelfFdAvailable();
  if (tryUnnamed) {
    int fd = ::open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) {
      AtomicFileWriter writer(path, directory, fd, std::string());
      writer.target = target;
      return writer;
    }
    // Fall back to a named file only where the file system lacks O_TMPFILE;
    // other errors (missing directory, permissions) are the real answer.
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
      return ioErrorFor(path, "create", errno);
  }
  std::string name = temporaryPathTemplate(target);
  int fd = ::mkstemp(name.data());
  if (fd < 0)
    return ioErrorFor(path, "create", errno);
  // mkstemp creates 0600; outputs are ordinary files for other users too.
  mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  AtomicFileWriter writer(path, directory, fd, name);
  writer.target = target;
  return writer;
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
  return directoryName(path) + "/" + temporaryPrefix(path) +
         formatString("%ld.%ld.%u", static_cast<long>(::getpid()),
                      static_cast<long>(now.tv_nsec), counter++);
}

Status AtomicFileWriter::commit() {
  if (fd < 0)
    return failure("internal error: commit of a closed file '%s'",
                   path.c_str());
  if (direct)
    return commitDirect();
  int fsyncErrno = injectedErrno(&AtomicFileTestHooks::failFsyncErrno);
  if (fsyncErrno || ::fsync(fd) != 0) {
    int errorNumber = fsyncErrno ? fsyncErrno : errno;
    discard();
    return ioError("flush", errorNumber);
  }
  bool inPlace = false;
  if (temporaryName.empty()) {
    std::string fdPath = "/proc/self/fd/" + std::to_string(fd);
    // A new file gets its final name directly: linkat is atomic and, unlike
    // rename, refuses to replace, so no temporary name ever exists.
    if (::linkat(AT_FDCWD, fdPath.c_str(), AT_FDCWD, target.c_str(),
                 AT_SYMLINK_FOLLOW) == 0) {
      inPlace = true;
    } else if (errno != EEXIST) {
      int errorNumber = errno;
      discard();
      return ioError("create", errorNumber);
    }
    // The target exists: link under a unique temporary name and rename
    // that over it, the only atomic replacement.
    for (int attempt = 0; !inPlace; ++attempt) {
      std::string name = uniqueTemporaryName(target);
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
    if (inPlace)
      ::unlink(target.c_str());
    discard();
    return ioError("close", errorNumber);
  }
  if (!inPlace) {
    int renameErrno = injectedErrno(&AtomicFileTestHooks::failRenameErrno);
    if (renameErrno || ::rename(temporaryName.c_str(), target.c_str()) != 0) {
      int errorNumber = renameErrno ? renameErrno : errno;
      discard();
      return ioError("rename the temporary file to", errorNumber);
    }
  }
  temporaryName.clear();
  committed = true;
  // Make the new name durable. The file is complete and in place by now, so
  // a failure here (some file systems refuse fsync on directories) cannot
  // produce a partial file and is not reported.
  int directoryFd =
      ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directoryFd >= 0) {
    ::fsync(directoryFd);
    ::close(directoryFd);
  }
  return Status::ok();
}

Status AtomicFileWriter::commitDirect() {
  // Devices, pipes and sockets: the data is gone once written; there is
  // nothing to rename. fsync fails with EINVAL/EROFS/ENOTSUP on most of
  // them, which says nothing about the data.
  int fsyncErrno = injectedErrno(&AtomicFileTestHooks::failFsyncErrno);
  if (fsyncErrno || ::fsync(fd) != 0) {
    int errorNumber = fsyncErrno ? fsyncErrno : errno;
    if (errorNumber != EINVAL && errorNumber != EROFS &&
        errorNumber != ENOTSUP) {
      discard();
      return ioError("flush", errorNumber);
    }
  }
  int closeResult = ::close(fd);
  fd = -1;
  committed = true;
  if (closeResult != 0)
    return ioError("close", errno);
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
  // Opening a FIFO for writing blocks until a reader comes; a device or
  // FIFO only needs to be writable.
  if (!path.empty() && resolveDestination(path).direct) {
    if (::access(path.c_str(), W_OK) != 0 && errno != ENOENT)
      return ioErrorFor(path, "create", errno);
    return Status::ok();
  }
  Expected<AtomicFileWriter> writer = AtomicFileWriter::create(path);
  if (!writer)
    return writer.takeError();
  return Status::ok();
}

} // namespace sinkrt
