//===- ProgressTest.cpp - The progress line of long runs ------------------===//
//
// The line itself (what is drawn, throttling, erasing), and the runner's use
// of it: drawn on a terminal (a pseudo-terminal here), never into a file or
// a pipe, never with --quiet, and erased before stdout's lines.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Progress.h"
#include "sinkrt/Runner.h"

#include "FakeModels.h"
#include "TestUtil.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fcntl.h>
#include <pty.h>
#include <string>
#include <unistd.h>

using namespace sinkrt;
using ::testing::HasSubstr;

namespace {

/// What was written to a memory stream so far.
class MemoryStream {
public:
  MemoryStream() : stream(::open_memstream(&buffer, &size)) {}
  ~MemoryStream() {
    std::fclose(stream);
    std::free(buffer);
  }
  FILE *get() { return stream; }
  std::string text() {
    std::fflush(stream);
    return std::string(buffer, size);
  }

private:
  char *buffer = nullptr;
  size_t size = 0;
  FILE *stream;
};

const std::string kErase = "\r\033[K";

/// Runs the fake LM with stderr on a pseudo-terminal; returns what the
/// terminal received and the exit code.
std::pair<int, std::string> runOnTerminal(std::vector<std::string> argv) {
  int controller = -1, terminal = -1;
  EXPECT_EQ(::openpty(&controller, &terminal, nullptr, nullptr, nullptr), 0);
  FILE *err = ::fdopen(terminal, "w");
  MemoryStream out;
  argv.insert(argv.begin(), "fake-lm");
  std::vector<const char *> args;
  for (const std::string &arg : argv)
    args.push_back(arg.c_str());
  int exitCode = runMain(static_cast<int>(args.size()), args.data(),
                         fake::embeddedLm(), OutputStreams{out.get(), err});
  std::fclose(err);
  ::fcntl(controller, F_SETFL, O_NONBLOCK);
  std::string received;
  char chunk[4096];
  for (ssize_t n; (n = ::read(controller, chunk, sizeof chunk)) > 0;)
    received.append(chunk, static_cast<size_t>(n));
  ::close(controller);
  return {exitCode, received};
}

} // namespace

TEST(ProgressLine, DrawsPromptAndLayerInPlaceAndErases) {
  MemoryStream stream;
  {
    ProgressLine line(stream.get(), true, std::chrono::milliseconds(0));
    line.startPrompt(2, 120, 4096);
    line.layerMeasured(16, 24);
    line.layerMeasured(16, 24); // the same layer's other probes: no redraw
    line.clear();
    line.clear(); // nothing left to erase
  }
  EXPECT_EQ(stream.text(), kErase + "prompt 3/120, 4096 tokens" + kErase +
                               "prompt 3/120, 4096 tokens: layer 17/24" +
                               kErase);
}

TEST(ProgressLine, LayersAreThrottledPromptsAreNot) {
  MemoryStream stream;
  {
    ProgressLine line(stream.get(), true, std::chrono::hours(1));
    line.startPrompt(0, 2, -1);
    line.layerMeasured(0, 4);
    line.startPrompt(1, 2, -1);
  } // the destructor erases the line
  EXPECT_EQ(stream.text(),
            kErase + "prompt 1/2" + kErase + "prompt 2/2" + kErase);
}

TEST(ProgressLine, DisabledDrawsNothing) {
  MemoryStream stream;
  {
    ProgressLine line(stream.get(), false, std::chrono::milliseconds(0));
    line.startPrompt(0, 1, 5);
    line.layerMeasured(0, 1);
  }
  EXPECT_EQ(stream.text(), "");
  EXPECT_FALSE(ProgressLine::isTerminal(stream.get()));
}

TEST(ProgressLine, RunnerDrawsOnATerminalOnly) {
  testutil::TempDir directory;
  std::string prompts = directory.file("prompts.txt");
  testutil::writeFile(prompts, "256,104,105\n256,10,45,120\n");
  auto [exitCode, received] = runOnTerminal(
      {"--tokens-file", prompts, "--trace", directory.file("t.sinktrace")});
  EXPECT_EQ(exitCode, 0);
  // Both prompts drawn, and the line erased at the end (the terminal turns
  // "\n" into "\r\n", which none of this contains).
  EXPECT_THAT(received, HasSubstr("prompt 1/2, 3 tokens"));
  EXPECT_THAT(received, HasSubstr("prompt 2/2, 4 tokens"));
  EXPECT_EQ(received.substr(received.size() - kErase.size()), kErase);

  auto [quietExit, quietReceived] =
      runOnTerminal({"--tokens-file", prompts, "--quiet"});
  EXPECT_EQ(quietExit, 0);
  EXPECT_EQ(quietReceived, "");

  // Not a terminal: the in-process runs of RunnerTest write stderr to
  // memory and see no progress; the same here.
  testutil::RunResult toMemory = testutil::runInProcess(
      fake::embeddedLm(), {"fake-lm", "--tokens-file", prompts});
  EXPECT_EQ(toMemory.exitCode, 0);
  EXPECT_EQ(toMemory.err, "");
}
