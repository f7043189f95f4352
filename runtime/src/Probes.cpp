//===- Probes.cpp - Collecting probe measurements during a run ------------===//

#include "sinkrt/Probes.h"

#include "sinkrt/Abi.h"
#include "sinkrt/ThreadPool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace sinkrt {

ProbeCollector::ProbeCollector(const Manifest &manifest)
    : slots(manifest.probes, "probe") {
  std::set<int> layers;
  std::set<int> metrics;
  for (const ProbeSpec &spec : manifest.probes) {
    layers.insert(spec.layer);
    metrics.insert(static_cast<int>(spec.metric));
  }
  layerList.assign(layers.begin(), layers.end());
  for (int metric : metrics)
    metricList.push_back(static_cast<Metric>(metric));
  if (manifest.languageModel)
    heads = manifest.languageModel->heads;
}

void ProbeCollector::beginRun(int64_t batch, int64_t sequence) {
  std::lock_guard<std::mutex> lock(mutex);
  runBatch = batch;
  runSequence = sequence;
  slots.reset();
}

std::vector<int64_t> ProbeCollector::expectedShape(Metric metric) const {
  std::vector<int64_t> shape = {runBatch};
  if (metric == Metric::HeadBosMass)
    shape.push_back(heads);
  else if (isPerTokenMetric(metric))
    shape.push_back(runSequence);
  return shape;
}

void ProbeCollector::receive(int64_t probeId, int64_t rank,
                             const void *descriptor) {
  std::lock_guard<std::mutex> lock(mutex);
  const Slot *slot =
      slots.receive(probeId, rank, descriptor, [&](const ProbeSpec &spec) {
        return expectedShape(spec.metric);
      });
  if (slot && layerListener)
    layerListener(slot->spec.layer);
}

Expected<std::vector<std::vector<LayerRecord>>> ProbeCollector::finishRun() {
  std::lock_guard<std::mutex> lock(mutex);
  // Agree on B and T: what the runtime fed in, else the first probe.
  Status received = slots.finish([&](const Slot &slot) {
    if (runBatch < 0)
      runBatch = slot.tensor.shape[0];
    if (runSequence < 0 && isPerTokenMetric(slot.spec.metric))
      runSequence = slot.tensor.shape[1];
    return Status::ok();
  });
  if (!received)
    return received.takeError();
  for (const Slot &slot : slots) {
    std::vector<int64_t> expected = expectedShape(slot.spec.metric);
    if (slot.tensor.shape != expected)
      return failure("%s has shape %s, expected %s",
                     reportSubject(slot.spec).c_str(),
                     shapeToString(slot.tensor.shape).c_str(),
                     shapeToString(expected).c_str());
  }
  std::vector<std::vector<LayerRecord>> rows(
      static_cast<size_t>(std::max<int64_t>(runBatch, 0)));
  for (size_t row = 0; row < rows.size(); ++row) {
    for (int layer : layerList) {
      LayerRecord record;
      record.layer = layer;
      for (const Slot &slot : slots) {
        if (slot.spec.layer != layer)
          continue;
        const float *values = slot.tensor.as<float>();
        if (slot.spec.metric == Metric::BosMass) {
          record.bosMass = values[row];
          continue;
        }
        size_t width = slot.tensor.elementCount() / rows.size();
        record.values(slot.spec.metric)
            .assign(values + row * width, values + (row + 1) * width);
      }
      rows[row].push_back(std::move(record));
    }
  }
  return rows;
}

void exitWithoutRunContext(const char *call, int64_t id) {
  std::fprintf(stderr,
               "sinkrt: error: %s %lld called without a runtime context\n",
               call, static_cast<long long>(id));
  std::_Exit(1);
}

} // namespace sinkrt

using sinkrt::RunContext;

extern "C" void sinkrt_probe(void *ctx, int64_t probe, int64_t rank,
                             const void *descriptor) {
  sinkrt::collectorOf(ctx, &RunContext::probes, "probe", probe)
      .receive(probe, rank, descriptor);
}

extern "C" void sinkrt_parallel_for(void *ctx, int64_t n,
                                    void (*body)(void *, int64_t, int64_t),
                                    void *data) {
  auto *context = static_cast<RunContext *>(ctx);
  if (!context || !context->pool) {
    // Without a pool (a caller outside the runtime), run serially: the
    // result is the same, only slower.
    if (n > 0)
      body(data, 0, n);
    return;
  }
  context->pool->parallelFor(n, body, data);
}
