//===- Probes.h - Collecting probe measurements during a run ----*- C++ -*-===//

#ifndef SINKRT_PROBES_H
#define SINKRT_PROBES_H

#include "sinkrt/Manifest.h"
#include "sinkrt/ReportSlots.h"
#include "sinkrt/Status.h"
#include "sinkrt/TraceData.h"

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace sinkrt {

class CaptureCollector;
class ThreadPool;

/// Receives the sinkrt_probe calls of one model invocation at a time and
/// turns them into per-sequence layer records. Probe errors (unknown ids,
/// wrong shapes, repeats) cannot be returned to the generated code, so the
/// first one is kept and reported when the invocation finishes.
class ProbeCollector {
public:
  explicit ProbeCollector(const Manifest &manifest);

  bool hasProbes() const { return !slots.empty(); }
  /// The instrumented layers, ascending.
  const std::vector<int> &layers() const { return layerList; }
  /// The instrumented metrics, in Metric order.
  const std::vector<Metric> &metrics() const { return metricList; }

  /// Starts an invocation over `batch` sequences of `sequence` tokens; -1
  /// for a size the runtime does not know (taken from the probes then).
  void beginRun(int64_t batch, int64_t sequence);
  void receive(int64_t probeId, int64_t rank, const void *descriptor);
  /// Called with the layer of every probe received (the progress line).
  void setLayerListener(std::function<void(int layer)> listener) {
    layerListener = std::move(listener);
  }
  /// Checks that every probe reported exactly once with consistent shapes;
  /// returns one list of layer records per batch row.
  Expected<std::vector<std::vector<LayerRecord>>> finishRun();
  /// The sequence length of the finished run.
  int64_t sequenceLength() const { return runSequence; }

private:
  using Slot = ReportSlots<ProbeSpec>::Slot;

  /// [B], [B, H] or [B, T]; -1 where the run's size is not known yet.
  std::vector<int64_t> expectedShape(Metric metric) const;

  ReportSlots<ProbeSpec> slots;
  std::vector<int> layerList;
  std::vector<Metric> metricList;
  int heads = 0;

  std::mutex mutex;
  int64_t runBatch = -1;
  int64_t runSequence = -1;
  std::function<void(int)> layerListener;
};

/// What the generated code's `ctx` points to.
struct RunContext {
  ThreadPool *pool = nullptr;
  ProbeCollector *probes = nullptr;
  /// Models compiled with --capture (sinkrt_capture); may be null for
  /// others.
  CaptureCollector *captures = nullptr;
};

/// Reports that the generated code called `call` (the probe or capture
/// `id`) with a context that has no collector for it, and exits: the call
/// cannot return an error.
[[noreturn]] void exitWithoutRunContext(const char *call, int64_t id);

/// The collector `member` of the generated code's `ctx`, for its call `call`
/// of `id`; exits when there is none (exitWithoutRunContext).
template <typename Collector>
Collector &collectorOf(void *ctx, Collector *RunContext::*member,
                       const char *call, int64_t id) {
  auto *context = static_cast<RunContext *>(ctx);
  if (!context || !(context->*member))
    exitWithoutRunContext(call, id);
  return *(context->*member);
}

} // namespace sinkrt

#endif // SINKRT_PROBES_H
