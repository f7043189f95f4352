//===- TestUtil.cpp - Helpers shared by the runtime unit tests ------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <ftw.h>
#include <grp.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace testutil {

TempDir::TempDir() {
  const char *base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base && *base ? base : "/tmp") + "/sinkrt-test.XXXXXX";
  char *created = ::mkdtemp(pattern.data());
  if (!created)
    ADD_FAILURE() << "mkdtemp failed";
  directory = pattern;
}

static int removeEntry(const char *path, const struct stat *, int,
                       struct FTW *) {
  return ::remove(path);
}

TempDir::~TempDir() {
  ::nftw(directory.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
}

std::vector<std::string> TempDir::entries() const {
  std::vector<std::string> names;
  DIR *dir = ::opendir(directory.c_str());
  if (!dir)
    return names;
  while (struct dirent *entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..")
      names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

RunResult runProcess(const std::vector<std::string> &argv,
                     const std::map<std::string, std::string> &environment,
                     bool asNobody) {
  TempDir capture;
  std::string outPath = capture.file("out"), errPath = capture.file("err");
  pid_t child = ::fork();
  if (child == 0) {
    int out = ::open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto &[name, value] : environment)
      ::setenv(name.c_str(), value.c_str(), 1);
    if (asNobody && ::geteuid() == 0 &&
        (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 ||
         ::setuid(65534) != 0))
      std::_Exit(126);
    std::vector<char *> args;
    for (const std::string &arg : argv)
      args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    std::_Exit(127);
  }
  RunResult result;
  int status = 0;
  ::waitpid(child, &status, 0);
  result.exitCode =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  return result;
}

static std::string takeStream(FILE *stream, char *&buffer, size_t &size) {
  std::fclose(stream);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

RunResult runInProcess(const sinkrt::ModelBinding &model,
                       const std::vector<std::string> &argv) {
  char *outBuffer = nullptr, *errBuffer = nullptr;
  size_t outSize = 0, errSize = 0;
  FILE *out = ::open_memstream(&outBuffer, &outSize);
  FILE *err = ::open_memstream(&errBuffer, &errSize);
  std::vector<const char *> args;
  for (const std::string &arg : argv)
    args.push_back(arg.c_str());
  RunResult result;
  result.exitCode = sinkrt::runMain(static_cast<int>(args.size()), args.data(),
                                    model, sinkrt::OutputStreams{out, err});
  result.out = takeStream(out, outBuffer, outSize);
  result.err = takeStream(err, errBuffer, errSize);
  return result;
}

void writeFile(const std::string &path, const std::string &content) {
  std::ofstream stream(path, std::ios::binary);
  stream << content;
  ASSERT_TRUE(stream.good()) << "cannot write " << path;
}

std::string readFile(const std::string &path) {
  std::ifstream stream(path, std::ios::binary);
  std::stringstream content;
  content << stream.rdbuf();
  return content.str();
}

bool fileExists(const std::string &path) {
  struct stat status;
  return ::stat(path.c_str(), &status) == 0;
}

void copyFile(const std::string &from, const std::string &to) {
  writeFile(to, readFile(from));
  ::chmod(to.c_str(), 0755);
}

int countLines(const std::string &text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

void expectSink(const sinkrt::TokenSink &sink, sinkrt::SinkKind kind,
                int creationLayer, int lifetime) {
  EXPECT_EQ(sink.kind, kind) << "position " << sink.position;
  EXPECT_EQ(sink.creationLayer, creationLayer) << "position " << sink.position;
  EXPECT_EQ(sink.lifetime, lifetime) << "position " << sink.position;
}

} // namespace testutil
