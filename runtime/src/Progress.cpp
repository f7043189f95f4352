//===- Progress.cpp - A progress line for long runs on a terminal ---------===//

#include "sinkrt/Progress.h"

#include <string>
#include <unistd.h>

namespace sinkrt {

ProgressLine::ProgressLine(FILE *stream, bool enabled,
                           std::chrono::milliseconds interval)
    : stream(stream), enabled(enabled && stream), interval(interval) {}

ProgressLine::~ProgressLine() { clear(); }

bool ProgressLine::isTerminal(FILE *stream) {
  return stream && isatty(fileno(stream));
}

void ProgressLine::startPrompt(size_t index, size_t count, int64_t length) {
  promptIndex = index;
  promptCount = count;
  tokens = length;
  layer = -1;
  draw();
}

void ProgressLine::layerMeasured(int measured, int count) {
  if (measured <= layer)
    return;
  layer = measured;
  layerCount = count;
  if (std::chrono::steady_clock::now() - lastDraw >= interval)
    draw();
}

void ProgressLine::draw() {
  if (!enabled)
    return;
  std::string text = "prompt " + std::to_string(promptIndex + 1) + "/" +
                     std::to_string(promptCount);
  if (tokens >= 0)
    text += ", " + std::to_string(tokens) + " tokens";
  if (layer >= 0)
    text += ": layer " + std::to_string(layer + 1) + "/" +
            std::to_string(layerCount);
  // Carriage return and erase-line: the line is redrawn in place.
  std::fprintf(stream, "\r\033[K%s", text.c_str());
  std::fflush(stream);
  visible = true;
  lastDraw = std::chrono::steady_clock::now();
}

void ProgressLine::clear() {
  if (!visible)
    return;
  std::fputs("\r\033[K", stream);
  std::fflush(stream);
  visible = false;
}

} // namespace sinkrt
