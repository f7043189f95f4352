//===- TraceBuilders.h - Hand-made traces for sink-trace's tests -*- C++
//-*-===//
//
// Traces whose sinks are planted directly (no classification), for the tests
// of the corpus statistics, merge and diff, which work out their expected
// numbers by hand from these records.
//
//===----------------------------------------------------------------------===//

#ifndef SINKC_TEST_UNIT_TRACEBUILDERS_H
#define SINKC_TEST_UNIT_TRACEBUILDERS_H

#include "sinkrt/Classify.h"
#include "sinkrt/TraceData.h"

#include <cstdint>
#include <vector>

namespace testtrace {

inline sinkrt::ModelSummary byteModel() {
  return {"tiny", 4, 2, 260, 256, "bytes", 10, 7, {}};
}

struct PlantedSink {
  int position;
  sinkrt::SinkKind kind;
  int creation;
  int lifetime;
};

constexpr sinkrt::SinkKind kPrimary = sinkrt::SinkKind::Primary;
constexpr sinkrt::SinkKind kSecondary = sinkrt::SinkKind::Secondary;

/// A record over layers 0-3 whose sinks are given directly; bos_mass per
/// layer as listed (NaN: not measured); recv per layer as given in `recv`,
/// empty for the layers it does not reach.
inline sinkrt::TraceRecord
makeRecord(std::vector<int64_t> tokens, const std::vector<PlantedSink> &planted,
           std::vector<float> bosMass,
           const std::vector<std::vector<float>> &recv = {}) {
  using namespace sinkrt;
  TraceRecord record;
  record.sequenceLength = static_cast<int>(tokens.size());
  record.tokens = std::move(tokens);
  record.layers = {0, 1, 2, 3};
  record.metrics = {Metric::BosMass, Metric::Recv, Metric::HiddenCosBos};
  record.instrumentSpec = "layers=all";
  record.rules =
      makeClassificationRules(record.layers, record.metrics, Thresholds());
  for (int l = 0; l < 4; ++l) {
    LayerRecord layer;
    layer.layer = l;
    layer.bosMass = bosMass[l];
    if (static_cast<size_t>(l) < recv.size())
      layer.recv = recv[l];
    record.measurements.push_back(layer);
  }
  for (int t = 0; t < record.sequenceLength; ++t) {
    TokenSink sink;
    sink.position = t;
    sink.token = record.tokens[t];
    record.sinks.push_back(sink);
  }
  for (const PlantedSink &p : planted) {
    TokenSink &sink = record.sinks[p.position];
    sink.kind = p.kind;
    sink.creationLayer = p.creation;
    sink.lifetime = p.lifetime;
    sink.endLayer = p.creation + p.lifetime - 1;
    sink.flaggedLayers = p.lifetime;
  }
  return record;
}

inline sinkrt::TraceData makeTrace(std::vector<sinkrt::TraceRecord> records) {
  sinkrt::TraceData trace;
  trace.producer = "test";
  trace.model = byteModel();
  trace.records = std::move(records);
  trace.levels = sinkrt::aggregateSinkLevels(trace.records);
  return trace;
}

} // namespace testtrace

#endif // SINKC_TEST_UNIT_TRACEBUILDERS_H
