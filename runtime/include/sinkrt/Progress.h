//===- Progress.h - A progress line for long runs on a terminal -*- C++ -*-===//
//
// A run over a corpus, or one forward pass over thousands of tokens, can take
// minutes; a user at a terminal should see that it advances. The line is
// redrawn in place on stderr ("prompt 3/120, 4096 tokens: layer 17/24") and
// erased before anything else is printed, so stdout's per-prompt lines and
// the error line stay clean. Nothing is drawn for a stream that is not a
// terminal (logs, pipes, Slurm) or with --quiet.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_PROGRESS_H
#define SINKRT_PROGRESS_H

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace sinkrt {

class ProgressLine {
public:
  /// Draws on `stream` only when `enabled`. Layer updates are drawn at most
  /// once per `interval` (a layer of a small model takes microseconds);
  /// a new prompt is always drawn.
  ProgressLine(
      FILE *stream, bool enabled,
      std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~ProgressLine();
  ProgressLine(const ProgressLine &) = delete;
  ProgressLine &operator=(const ProgressLine &) = delete;

  /// Whether `stream` is a terminal (where a progress line belongs).
  static bool isTerminal(FILE *stream);

  /// Prompt `index` (from 0) of `count` starts, `tokens` long (-1 unknown).
  void startPrompt(size_t index, size_t count, int64_t tokens);
  /// Layer `layer` (from 0) of `layerCount` was measured in this prompt.
  void layerMeasured(int layer, int layerCount);
  /// Erases the line (before other output; drawn again on the next update).
  void clear();

private:
  void draw();

  FILE *stream;
  bool enabled;
  std::chrono::milliseconds interval;
  std::chrono::steady_clock::time_point lastDraw;
  bool visible = false;
  size_t promptIndex = 0, promptCount = 0;
  int64_t tokens = -1;
  int layer = -1, layerCount = 0;
};

} // namespace sinkrt

#endif // SINKRT_PROGRESS_H
