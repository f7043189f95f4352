//===- TestUtil.h - Helpers shared by the runtime unit tests ----*- C++ -*-===//

#ifndef SINKRT_TEST_TESTUTIL_H
#define SINKRT_TEST_TESTUTIL_H

#include "sinkrt/Runner.h"
#include "sinkrt/TraceData.h"

#include <map>
#include <string>
#include <vector>

namespace testutil {

/// A fresh directory under $TMPDIR (or /tmp), removed with its contents.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::string &path() const { return directory; }
  std::string file(const std::string &name) const {
    return directory + "/" + name;
  }
  /// Names of the entries, sorted, "." and ".." excluded.
  std::vector<std::string> entries() const;

private:
  std::string directory;
};

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

/// Runs a program with extra environment variables; waits for it. With
/// `asNobody`, a test running as root runs the program as user and group
/// 65534, so that file permissions apply to it.
RunResult runProcess(const std::vector<std::string> &argv,
                     const std::map<std::string, std::string> &environment = {},
                     bool asNobody = false);

/// Calls sinkrt::runMain in this process with captured streams.
RunResult runInProcess(const sinkrt::ModelBinding &model,
                       const std::vector<std::string> &argv);

void writeFile(const std::string &path, const std::string &content);
std::string readFile(const std::string &path);
bool fileExists(const std::string &path);
/// Copies a file, keeping the executable bit.
void copyFile(const std::string &from, const std::string &to);

/// The number of lines (newline characters) in `text`.
int countLines(const std::string &text);

/// Checks the classification of `sink`: its kind, creation layer and
/// lifetime.
void expectSink(const sinkrt::TokenSink &sink, sinkrt::SinkKind kind,
                int creationLayer, int lifetime);

} // namespace testutil

#endif // SINKRT_TEST_TESTUTIL_H
