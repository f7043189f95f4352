//===- Options.h - Command line of compiled models --------------*- C++ -*-===//

#ifndef SINKRT_OPTIONS_H
#define SINKRT_OPTIONS_H

#include "sinkrt/Classify.h"
#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"

#include <optional>
#include <string>
#include <vector>

namespace sinkrt {

struct Options {
  std::optional<std::string> tokens;
  std::optional<std::string> tokensFile;
  std::optional<std::string> prompt;
  std::optional<std::string> promptsFile;
  std::vector<std::string> inputFiles;
  std::optional<std::string> logitsPath;
  std::optional<std::string> tracePath;
  std::optional<std::string> weightsFile;
  std::optional<std::string> outputDir;
  int threads = 1;
  /// Runs per prompt; every run but the last only measures time.
  int repeat = 1;
  Thresholds thresholds;
  bool verifyWeights = false;
  /// --memory-limit: the memory the run may assume (default: detected).
  std::optional<uint64_t> memoryLimit;
  bool quiet = false;
  bool help = false;
};

/// Parses argv[1..argc); "--name value" and "--name=value" both work.
Expected<Options> parseOptions(int argc, const char *const *argv);

/// The --help text; describes the model when the manifest is known.
std::string usageText(const std::string &program, const Manifest *manifest);

} // namespace sinkrt

#endif // SINKRT_OPTIONS_H
