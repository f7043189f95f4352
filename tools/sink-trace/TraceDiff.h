//===- TraceDiff.h - Two traces of the same prompts compared ----*- C++ -*-===//
//
// `sink-trace diff A B`: two traces of runs over the same token sequences
// (another model, other weights, another instrumentation of the same layers
// or other classification thresholds), compared record by record: the sinks
// gained, lost and changed, and per instrumented layer the change of
// bos_mass and the largest change of recv. A report, not a check: the
// output format is documented in docs/trace-format.md, "sink-trace diff".
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_TRACEDIFF_H
#define SINKTRACE_TRACEDIFF_H

#include "sinkrt/Status.h"
#include "sinkrt/TraceData.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sinktrace {

enum class SinkChange : uint8_t {
  /// A sink in B, not in A.
  Gained,
  /// A sink in A, not in B.
  Lost,
  /// A sink in both, of another kind, creation layer or lifetime.
  Changed,
};
/// "gained", "lost" or "changed".
const char *sinkChangeName(SinkChange change);

/// The classification of one position in A and in B (kind None, creation
/// layer -1 and lifetime 0 where it is not a sink).
struct SinkDiff {
  SinkChange change = SinkChange::Gained;
  int position = 0;
  int64_t token = -1;
  /// The token as `sink-trace summary` prints it (of A), unquoted.
  std::string text;
  sinkrt::TokenSink a;
  sinkrt::TokenSink b;
};

/// One instrumented layer of a record. Deltas are B - A.
struct LayerDiff {
  int layer = 0;
  float bosMassA = sinkrt::kNotMeasured;
  float bosMassB = sinkrt::kNotMeasured;
  /// NaN unless both measured bos_mass.
  double bosMassDelta = sinkrt::kNotMeasured;
  /// Both measured recv, so that maxRecvDelta means something.
  bool recvCompared = false;
  /// recv(B) - recv(A) at maxRecvPosition: the largest |change| over the
  /// keys seen by at least min_queries queries (A's rules). 0 when nothing
  /// changed, NaN when recv was not measured in both.
  double maxRecvDelta = sinkrt::kNotMeasured;
  /// The first position with that largest |change|; -1 when no key
  /// changed.
  int maxRecvPosition = -1;
  /// bos_mass or the recv of a ranked key differ (or was measured in only
  /// one of the traces).
  bool changed = false;
};

struct RecordDiff {
  size_t record = 0;
  /// `prompt` of the record in A.
  int prompt = 0;
  int sequenceLength = 0;
  /// Changed positions, in position order.
  std::vector<SinkDiff> sinks;
  /// One per instrumented layer, ascending.
  std::vector<LayerDiff> layers;
  /// A's and B's rules differ from those of their record 0 (shown then).
  bool rulesOwn = false;
  sinkrt::ClassificationRules rulesA;
  sinkrt::ClassificationRules rulesB;

  bool sinksChanged() const { return !sinks.empty(); }
  /// Sinks, bos_mass or the recv of a ranked key differ somewhere.
  bool differs() const;
};

struct LayerMeanDelta {
  int layer = 0;
  /// Records in which both traces measured bos_mass at this layer.
  size_t records = 0;
  /// Mean of their bos_mass deltas; NaN without records.
  double mean = sinkrt::kNotMeasured;
};

/// How one trace was made, from its record 0 (empty without records).
struct TraceSide {
  std::string path;
  sinkrt::ModelSummary model;
  std::string instrumentSpec;
  std::vector<int> layers;
  std::vector<sinkrt::Metric> metrics;
  sinkrt::ClassificationRules rules;
};

struct TraceDiff {
  TraceSide a;
  TraceSide b;
  bool sameModel = true;
  bool sameInstrumentation = true;
  bool sameRules = true;
  std::vector<RecordDiff> records;

  size_t recordsWithSinkChanges = 0;
  size_t recordsWithDifferences = 0;
  /// Indexed by sinkrt::SinkKind: gained by B's kind, lost by A's kind.
  size_t gained[3] = {0, 0, 0};
  size_t lost[3] = {0, 0, 0};
  size_t changed = 0;
  /// Per instrumented layer (of any record), ascending.
  std::vector<LayerMeanDelta> bosMassDelta;
};

/// Compares `b` (read from `pathB`) with `a` record by record. Refuses, with
/// one line naming the first mismatch and both files, traces whose records
/// differ in number, in token count or ids, or in the instrumented layers;
/// other models, weights, metrics and classification rules are compared.
sinkrt::Expected<TraceDiff> diffTraces(const std::string &pathA,
                                       const sinkrt::TraceData &a,
                                       const std::string &pathB,
                                       const sinkrt::TraceData &b);

/// The comparison for people: the header, per record its changes or
/// "no differences", then the totals.
std::string renderDiffText(const TraceDiff &diff);

/// The same content as JSON (fixed key order, NaN as null); the fields are
/// listed in docs/trace-format.md.
std::string renderDiffJson(const TraceDiff &diff);

} // namespace sinktrace

#endif // SINKTRACE_TRACEDIFF_H
