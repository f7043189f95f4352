//===- Runner.h - main() of every compiled model ----------------*- C++ -*-===//

#ifndef SINKRT_RUNNER_H
#define SINKRT_RUNNER_H

#include <cstdio>
#include <string>

namespace sinkrt {

/// The generated object's symbols (docs/runtime-abi.md). main() binds the
/// linked-in ones; tests bind fakes.
struct ModelBinding {
  const char *manifest = nullptr;
  void (*entry)(void **args) = nullptr;
  /// sinkc_weights, or null when the model was built with external weights.
  const unsigned char *embeddedWeights = nullptr;
  /// The executable's path; external weights default to <path>.weights.
  std::string executablePath;
};

struct OutputStreams {
  FILE *out = stdout;
  FILE *err = stderr;
};

/// Parses the command line, runs the model and writes the outputs. Returns
/// the process exit code: 0 success, 2 bad usage or input, 1 failure. Every
/// error is one line on `err`, prefixed with the program name.
int runMain(int argc, const char *const *argv, const ModelBinding &model,
            OutputStreams streams = OutputStreams());

} // namespace sinkrt

#endif // SINKRT_RUNNER_H
