//===- AtomicFileTest.cpp - All-or-nothing output files -------------------===//

#include "sinkrt/AtomicFile.h"

#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sinkrt;
using ::testing::HasSubstr;
using testutil::TempDir;

namespace {

/// Installs hooks for one test and removes them afterwards.
class ScopedHooks {
public:
  explicit ScopedHooks(const AtomicFileTestHooks &hooks) : hooks(hooks) {
    setAtomicFileTestHooks(&this->hooks);
  }
  ~ScopedHooks() { setAtomicFileTestHooks(nullptr); }

private:
  AtomicFileTestHooks hooks;
};

std::string bigContent() {
  // Several write() calls' worth.
  std::string content(3 * kAtomicWriteChunkSize + 17, 'x');
  for (size_t i = 0; i < content.size(); i += 4096)
    content[i] = static_cast<char>('a' + i / 4096 % 26);
  return content;
}

Status writeString(const std::string &path, const std::string &content) {
  return writeFileAtomically(path, {{content.data(), content.size()}});
}

} // namespace

class AtomicFile : public testing::TestWithParam<bool> {
protected:
  /// Runs each test with O_TMPFILE and with the mkstemp fallback.
  AtomicFileTestHooks baseHooks() const {
    AtomicFileTestHooks hooks;
    hooks.disableUnnamedTemporary = GetParam();
    return hooks;
  }
};

INSTANTIATE_TEST_SUITE_P(TemporaryKinds, AtomicFile, testing::Bool(),
                         [](const testing::TestParamInfo<bool> &info) {
                           return info.param ? "NamedTemporary"
                                             : "UnnamedTemporary";
                         });

TEST_P(AtomicFile, WritesAndReplaces) {
  ScopedHooks hooks(baseHooks());
  TempDir directory;
  std::string path = directory.file("out.bin");
  std::string content = bigContent();
  ASSERT_TRUE(writeString(path, content));
  EXPECT_EQ(testutil::readFile(path), content);
  ASSERT_TRUE(writeString(path, "second"));
  EXPECT_EQ(testutil::readFile(path), "second");
  EXPECT_EQ(directory.entries(), std::vector<std::string>{"out.bin"});
  struct stat status;
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0444, 0444u) << "outputs are readable files";
}

TEST_P(AtomicFile, UnwritablePathsFailWithoutLeftovers) {
  ScopedHooks hooks(baseHooks());
  TempDir directory;
  testutil::writeFile(directory.file("plain"), "x");
  ::mkdir(directory.file("sub").c_str(), 0755);
  struct Case {
    std::string path;
    const char *message;
  };
  for (const Case &c :
       {Case{directory.file("missing/out"), "No such file or directory"},
        Case{directory.file("plain/out"), "Not a directory"},
        Case{directory.file("sub"), "is a directory"}}) {
    Status status = writeString(c.path, "data");
    ASSERT_FALSE(status) << c.path;
    EXPECT_EQ(status.getError().kind, ErrorKind::Failure);
    EXPECT_THAT(status.getError().message, HasSubstr(c.path));
    EXPECT_THAT(status.getError().message, HasSubstr(c.message));
    EXPECT_FALSE(checkOutputPath(c.path));
  }
  EXPECT_EQ(directory.entries(), (std::vector<std::string>{"plain", "sub"}));
  EXPECT_TRUE(checkOutputPath(directory.file("fine")));
  EXPECT_EQ(directory.entries(), (std::vector<std::string>{"plain", "sub"}));
}

TEST_P(AtomicFile, InjectedFailuresLeaveTheOldFileAndNoTemporary) {
  struct Fault {
    int AtomicFileTestHooks::*field;
    int errorNumber;
    const char *message;
  };
  for (const Fault &fault :
       {Fault{&AtomicFileTestHooks::failWriteErrno, ENOSPC, "cannot write '"},
        Fault{&AtomicFileTestHooks::failWriteErrno, EIO, "Input/output"},
        Fault{&AtomicFileTestHooks::failFsyncErrno, EIO, "cannot flush"},
        Fault{&AtomicFileTestHooks::failCloseErrno, EDQUOT, "cannot close"},
        Fault{&AtomicFileTestHooks::failRenameErrno, EXDEV, "cannot rename"}}) {
    TempDir directory;
    std::string path = directory.file("out.bin");
    testutil::writeFile(path, "old content");
    AtomicFileTestHooks hooks = baseHooks();
    hooks.*fault.field = fault.errorNumber;
    ScopedHooks scoped(hooks);
    Status status = writeString(path, bigContent());
    ASSERT_FALSE(status) << fault.message;
    EXPECT_THAT(status.getError().message, HasSubstr(fault.message));
    EXPECT_THAT(status.getError().message,
                HasSubstr(std::strerror(fault.errorNumber)));
    EXPECT_EQ(testutil::readFile(path), "old content");
    EXPECT_EQ(directory.entries(), std::vector<std::string>{"out.bin"});
  }
}

TEST_P(AtomicFile, DiskFullIsReported) {
  AtomicFileTestHooks hooks = baseHooks();
  hooks.failWriteErrno = ENOSPC;
  ScopedHooks scoped(hooks);
  TempDir directory;
  Status status = writeString(directory.file("out"), "data");
  ASSERT_FALSE(status);
  EXPECT_THAT(status.getError().message, HasSubstr("No space left on device"));
  EXPECT_TRUE(directory.entries().empty());
}

TEST_P(AtomicFile, AbandonedWriterCleansUp) {
  ScopedHooks hooks(baseHooks());
  TempDir directory;
  {
    Expected<AtomicFileWriter> writer =
        AtomicFileWriter::create(directory.file("out"));
    ASSERT_TRUE(writer);
    EXPECT_EQ(writer->usesUnnamedTemporary(), !GetParam());
    ASSERT_TRUE(writer->write("partial", 7));
    // No commit: destroyed here.
  }
  EXPECT_TRUE(directory.entries().empty());
}

TEST(AtomicFileKill, KilledWriterLeavesNothing) {
  // The child is SIGKILLed after its first write() of a multi-chunk file:
  // with an unnamed temporary nothing can be left behind, not even a
  // temporary file, and an existing target keeps its old content.
  for (bool targetExists : {false, true}) {
    TempDir directory;
    std::string path = directory.file("trace.sinktrace");
    if (targetExists)
      testutil::writeFile(path, "previous");
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      AtomicFileTestHooks hooks;
      hooks.afterWrite = [](size_t) { ::kill(::getpid(), SIGKILL); };
      setAtomicFileTestHooks(&hooks);
      std::string content = bigContent();
      (void)writeString(path, content);
      std::_Exit(0); // Not reached.
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    if (targetExists) {
      EXPECT_EQ(testutil::readFile(path), "previous");
      EXPECT_EQ(directory.entries(),
                std::vector<std::string>{"trace.sinktrace"});
    } else {
      EXPECT_TRUE(directory.entries().empty());
    }
  }
}

TEST(AtomicFileKill, NamedTemporaryIsRecognisable) {
  // Where O_TMPFILE is unavailable a killed writer can leave its temporary
  // file; it is hidden and named after the target so it can be identified.
  TempDir directory;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    AtomicFileTestHooks hooks;
    hooks.disableUnnamedTemporary = true;
    hooks.afterWrite = [](size_t) { ::kill(::getpid(), SIGKILL); };
    setAtomicFileTestHooks(&hooks);
    (void)writeString(directory.file("out.npy"), bigContent());
    std::_Exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  std::vector<std::string> entries = directory.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].rfind(".out.npy.tmp.", 0), 0u) << entries[0];
  EXPECT_FALSE(testutil::fileExists(directory.file("out.npy")));
}

TEST(AtomicFileKill, LeftoversOfKilledWritersAreRemoved) {
  // A temporary left by a writer that no longer runs is removed by the next
  // writer of the same target; those of live writers (pid 1 stands for one)
  // and of other targets stay.
  TempDir directory;
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0)
    std::_Exit(0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  std::string dead = std::to_string(child);
  std::vector<std::string> keep = {".out.npy.tmp.1.123.0",
                                   ".other.tmp." + dead + ".5.0",
                                   ".out.npy.tmp.x" + dead + ".1"};
  for (const std::string &name : keep)
    testutil::writeFile(directory.file(name), "keep");
  testutil::writeFile(directory.file(".out.npy.tmp." + dead + ".99.0"), "x");
  testutil::writeFile(directory.file(".out.npy.tmp." + dead + ".Ab3xYz"), "x");
  ASSERT_TRUE(writeString(directory.file("out.npy"), "data"));
  std::vector<std::string> expected = keep;
  expected.push_back("out.npy");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(directory.entries(), expected);
}

TEST(AtomicFileDestinations, DevicesAreWrittenInPlace) {
  // Renaming over /dev/null would replace the device node (root may); the
  // data is written to the device instead, which stays what it was.
  ASSERT_TRUE(writeString("/dev/null", bigContent()));
  struct stat status;
  ASSERT_EQ(::stat("/dev/null", &status), 0);
  EXPECT_TRUE(S_ISCHR(status.st_mode));
  if (::access("/dev/full", W_OK) == 0) {
    Status full = writeString("/dev/full", "data");
    ASSERT_FALSE(full);
    EXPECT_EQ(full.getError().message,
              "cannot write '/dev/full': No space left on device");
    ASSERT_EQ(::stat("/dev/full", &status), 0);
    EXPECT_TRUE(S_ISCHR(status.st_mode));
  }
  EXPECT_TRUE(checkOutputPath("/dev/null"));
}

TEST(AtomicFileDestinations, FifosAreWrittenInPlace) {
  TempDir directory;
  std::string fifo = directory.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Checking the path must not block on the FIFO (no reader yet).
  EXPECT_TRUE(checkOutputPath(fifo));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool ok = static_cast<bool>(writeString(fifo, "through the pipe"));
    std::_Exit(ok ? 0 : 1);
  }
  std::string received = testutil::readFile(fifo);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(received, "through the pipe");
  struct stat info;
  ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(directory.entries(), std::vector<std::string>{"pipe"});
}

TEST_P(AtomicFile, SymbolicLinksKeepPointingAtTheNewFile) {
  // The file a link names is replaced atomically; the link stays a link.
  ScopedHooks hooks(baseHooks());
  TempDir directory;
  ::mkdir(directory.file("real").c_str(), 0755);
  testutil::writeFile(directory.file("real/trace"), "old");
  ASSERT_EQ(::symlink("real/trace", directory.file("link").c_str()), 0);
  ASSERT_TRUE(writeString(directory.file("link"), "new"));
  struct stat status;
  ASSERT_EQ(::lstat(directory.file("link").c_str(), &status), 0);
  EXPECT_TRUE(S_ISLNK(status.st_mode));
  EXPECT_EQ(testutil::readFile(directory.file("real/trace")), "new");
  EXPECT_EQ(directory.entries(), (std::vector<std::string>{"link", "real"}));
}
