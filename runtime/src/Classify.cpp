//===- Classify.cpp - Sink classification ---------------------------------===//

#include "sinkrt/Classify.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace sinkrt {

ClassificationRules makeClassificationRules(const std::vector<int> &layers,
                                            const std::vector<Metric> &metrics,
                                            const Thresholds &thresholds) {
  ClassificationRules rules;
  rules.tau = static_cast<float>(thresholds.tau);
  rules.epsilon = static_cast<float>(thresholds.epsilon);
  rules.minQueries = thresholds.minQueries;
  for (Metric metric : metrics) {
    if (metric == Metric::HiddenCosBos)
      rules.criteriaAvailable |= kCriterionHiddenCosine;
    if (metric == Metric::Recv)
      rules.criteriaAvailable |= kCriterionAttention;
  }
  int count = static_cast<int>(layers.size());
  if (count == 0)
    return rules;
  rules.windowFirst = *std::min_element(layers.begin(), layers.end());
  rules.windowLast = *std::max_element(layers.begin(), layers.end());
  // "Created early": within the first quarter of the instrumented layers
  // (at least the first one). "Persists": its first run reaches the last
  // eighth (at least the last layer). For 8 layers: created in 0-1 and
  // flagged through layer 6; for 32: created in 0-7, flagged through 27.
  rules.earlyLayers = std::max(1, (count + 3) / 4);
  rules.lateIndex = count - 1 - count / 8;
  return rules;
}

static uint8_t flagsAt(const LayerRecord &layer,
                       const ClassificationRules &rules, int sequenceLength,
                       int position) {
  uint8_t flags = 0;
  auto tokenCount = static_cast<size_t>(sequenceLength);
  if ((rules.criteriaAvailable & kCriterionHiddenCosine) &&
      layer.hiddenCosBos.size() == tokenCount &&
      std::fabs(layer.hiddenCosBos[position]) >= rules.tau)
    flags |= kCriterionHiddenCosine;
  if ((rules.criteriaAvailable & kCriterionAttention) &&
      layer.recv.size() == tokenCount &&
      sequenceLength - position >= rules.minQueries &&
      layer.recv[position] >= rules.epsilon)
    flags |= kCriterionAttention;
  return flags;
}

void classifyRecord(TraceRecord &record) {
  std::sort(record.measurements.begin(), record.measurements.end(),
            [](const LayerRecord &a, const LayerRecord &b) {
              return a.layer < b.layer;
            });
  const ClassificationRules &rules = record.rules;
  int sequenceLength = record.sequenceLength;
  int layerCount = static_cast<int>(record.measurements.size());
  for (LayerRecord &layer : record.measurements) {
    layer.flags.assign(static_cast<size_t>(sequenceLength), 0);
    for (int position = 0; position < sequenceLength; ++position)
      layer.flags[position] = flagsAt(layer, rules, sequenceLength, position);
  }

  record.sinks.assign(static_cast<size_t>(sequenceLength), TokenSink());
  for (int position = 0; position < sequenceLength; ++position) {
    TokenSink &sink = record.sinks[position];
    sink.position = position;
    if (record.tokens.size() == static_cast<size_t>(sequenceLength))
      sink.token = record.tokens[position];

    int first = -1;
    for (int index = 0; index < layerCount; ++index) {
      const LayerRecord &layer = record.measurements[index];
      if (layer.flags[position]) {
        ++sink.flaggedLayers;
        if (first < 0)
          first = index;
      }
      if (layer.recv.size() == static_cast<size_t>(sequenceLength) &&
          !std::isnan(layer.recv[position]) &&
          (std::isnan(sink.peakRecv) || layer.recv[position] > sink.peakRecv)) {
        sink.peakRecv = layer.recv[position];
        sink.peakRecvLayer = layer.layer;
      }
    }
    if (first < 0)
      continue;
    int last = first;
    sink.criteria = record.measurements[first].flags[position];
    while (last + 1 < layerCount &&
           record.measurements[last + 1].flags[position]) {
      ++last;
      sink.criteria |= record.measurements[last].flags[position];
    }
    sink.creationLayer = record.measurements[first].layer;
    sink.endLayer = record.measurements[last].layer;
    sink.lifetime = last - first + 1;
    bool createdEarly = first < rules.earlyLayers;
    bool persists = last >= rules.lateIndex;
    sink.kind =
        createdEarly && persists ? SinkKind::Primary : SinkKind::Secondary;
  }
}

std::vector<SinkLevel>
aggregateSinkLevels(const std::vector<TraceRecord> &records) {
  std::map<std::tuple<int, int, int>, SinkLevel> levels;
  for (size_t recordIndex = 0; recordIndex < records.size(); ++recordIndex) {
    for (const TokenSink &sink : records[recordIndex].sinks) {
      if (sink.kind == SinkKind::None)
        continue;
      SinkLevel &level = levels[{static_cast<int>(sink.kind),
                                 sink.creationLayer, sink.lifetime}];
      level.kind = sink.kind;
      level.creationLayer = sink.creationLayer;
      level.lifetime = sink.lifetime;
      ++level.count;
      level.hits.push_back(
          {static_cast<int>(recordIndex), sink.position, sink.token});
    }
  }
  std::vector<SinkLevel> result;
  for (auto &entry : levels)
    result.push_back(std::move(entry.second));
  return result;
}

} // namespace sinkrt
