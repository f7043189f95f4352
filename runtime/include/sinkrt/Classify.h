//===- Classify.h - Sink classification -------------------------*- C++ -*-===//
//
// Turns the per-layer measurements of one sequence into per-token sink
// classifications, and the sinks of many sequences into sink levels. The
// rules (thresholds, window, primary vs secondary) are defined in
// docs/metrics.md; the numbers used are recorded in the trace.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_CLASSIFY_H
#define SINKRT_CLASSIFY_H

#include "sinkrt/TraceData.h"

#include <vector>

namespace sinkrt {

struct Thresholds {
  /// |hidden_cos_bos| >= tau flags a token (Wong et al. 2025).
  double tau = 0.9;
  /// recv >= epsilon flags a token (Gu et al. 2024 use 0.3).
  double epsilon = 0.3;
  /// recv of a key seen by fewer queries is too noisy to flag on; with one
  /// query (the last position) it is just that query's self-attention.
  int minQueries = 4;
};

/// The rules for a record with these instrumented layers and metrics.
ClassificationRules makeClassificationRules(const std::vector<int> &layers,
                                            const std::vector<Metric> &metrics,
                                            const Thresholds &thresholds);

/// Fills `flags` of every measured layer and `sinks` (one per position) of
/// the record, from its measurements, tokens and rules.
void classifyRecord(TraceRecord &record);

/// Groups the non-None sinks of all records by (kind, creation layer,
/// lifetime), ordered by kind, then creation layer, then lifetime.
std::vector<SinkLevel>
aggregateSinkLevels(const std::vector<TraceRecord> &records);

} // namespace sinkrt

#endif // SINKRT_CLASSIFY_H
