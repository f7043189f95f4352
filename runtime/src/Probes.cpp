//===- Probes.cpp - Collecting probe measurements during a run ------------===//

#include "sinkrt/Probes.h"

#include "sinkrt/Abi.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/ThreadPool.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

namespace sinkrt {

ProbeCollector::ProbeCollector(const Manifest &manifest) {
  std::set<int> layers;
  std::set<int> metrics;
  for (const ProbeSpec &spec : manifest.probes) {
    slotById[spec.id] = probes.size();
    probes.push_back(Slot{spec, false, {}, {}});
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
  firstError.reset();
  for (Slot &slot : probes) {
    slot.received = false;
    slot.sizes.clear();
    slot.values.clear();
  }
}

std::vector<int64_t> ProbeCollector::expectedShape(Metric metric) const {
  std::vector<int64_t> shape = {runBatch};
  if (metric == Metric::HeadBosMass)
    shape.push_back(heads);
  else if (isPerTokenMetric(metric))
    shape.push_back(runSequence);
  return shape;
}

void ProbeCollector::recordError(Error error) {
  if (!firstError)
    firstError = std::move(error);
}

void ProbeCollector::receive(int64_t probeId, int64_t rank,
                             const void *descriptor) {
  std::lock_guard<std::mutex> lock(mutex);
  auto found = slotById.find(probeId);
  if (found == slotById.end())
    return recordError(failure("the model reported probe %lld, which its "
                               "manifest does not list",
                               static_cast<long long>(probeId)));
  Slot &slot = probes[found->second];
  const char *metric = metricName(slot.spec.metric);
  if (slot.received)
    return recordError(failure("probe %lld (%s of layer %d) reported twice "
                               "in one run",
                               static_cast<long long>(probeId), metric,
                               slot.spec.layer));
  int64_t expectedRank = slot.spec.metric == Metric::BosMass ? 1 : 2;
  if (rank != expectedRank || !descriptor)
    return recordError(failure("probe %lld (%s of layer %d) has rank %lld, "
                               "expected %lld",
                               static_cast<long long>(probeId), metric,
                               slot.spec.layer, static_cast<long long>(rank),
                               static_cast<long long>(expectedRank)));
  MemRefView view = readMemRefDescriptor(descriptor, rank);
  // Check every size the runtime already knows before touching the data, so
  // that a wrong shape is reported rather than read out of bounds.
  std::vector<int64_t> expected = expectedShape(slot.spec.metric);
  for (size_t d = 0; d < expected.size(); ++d)
    if (expected[d] >= 0 && view.sizes[d] != expected[d])
      return recordError(failure(
          "probe %lld (%s of layer %d) has shape %s, expected %s",
          static_cast<long long>(probeId), metric, slot.spec.layer,
          shapeToString(view.sizes).c_str(), shapeToString(expected).c_str()));
  Expected<HostTensor> dense = copyMemRefToTensor(view, DType::F32);
  if (!dense)
    return recordError(withContext(dense.takeError(),
                                   formatString("probe %lld (%s of layer %d)",
                                                static_cast<long long>(probeId),
                                                metric, slot.spec.layer)));
  slot.received = true;
  slot.sizes = view.sizes;
  slot.values.assign(dense->as<float>(),
                     dense->as<float>() + dense->elementCount());
  if (layerListener)
    layerListener(slot.spec.layer);
}

Expected<std::vector<std::vector<LayerRecord>>> ProbeCollector::finishRun() {
  std::lock_guard<std::mutex> lock(mutex);
  if (firstError)
    return *firstError;
  // Agree on B and T: what the runtime fed in, else the first probe.
  for (const Slot &slot : probes) {
    if (!slot.received)
      return failure("probe %lld (%s of layer %d) never reported",
                     static_cast<long long>(slot.spec.id),
                     metricName(slot.spec.metric), slot.spec.layer);
    if (runBatch < 0)
      runBatch = slot.sizes[0];
    if (runSequence < 0 && isPerTokenMetric(slot.spec.metric))
      runSequence = slot.sizes[1];
  }
  for (const Slot &slot : probes) {
    std::vector<int64_t> expected = expectedShape(slot.spec.metric);
    if (slot.sizes != expected)
      return failure("probe %lld (%s of layer %d) has shape %s, expected %s",
                     static_cast<long long>(slot.spec.id),
                     metricName(slot.spec.metric), slot.spec.layer,
                     shapeToString(slot.sizes).c_str(),
                     shapeToString(expected).c_str());
  }
  std::vector<std::vector<LayerRecord>> rows(
      static_cast<size_t>(std::max<int64_t>(runBatch, 0)));
  for (size_t row = 0; row < rows.size(); ++row) {
    for (int layer : layerList) {
      LayerRecord record;
      record.layer = layer;
      for (const Slot &slot : probes) {
        if (slot.spec.layer != layer)
          continue;
        if (slot.spec.metric == Metric::BosMass) {
          record.bosMass = slot.values[row];
          continue;
        }
        size_t width = slot.values.size() / rows.size();
        record.values(slot.spec.metric)
            .assign(slot.values.begin() + row * width,
                    slot.values.begin() + (row + 1) * width);
      }
      rows[row].push_back(std::move(record));
    }
  }
  return rows;
}

} // namespace sinkrt

using sinkrt::RunContext;

extern "C" void sinkrt_probe(void *ctx, int64_t probe, int64_t rank,
                             const void *descriptor) {
  auto *context = static_cast<RunContext *>(ctx);
  if (!context || !context->probes) {
    std::fprintf(stderr,
                 "sinkrt: error: probe %lld called without a runtime "
                 "context\n",
                 static_cast<long long>(probe));
    std::_Exit(1);
  }
  context->probes->receive(probe, rank, descriptor);
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
