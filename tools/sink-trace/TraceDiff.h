//===- TraceDiff.h - Two traces of the same prompts compared ----*- C++ -*-===//
//
// `sink-trace diff A B`: two traces of runs over the same token sequences
// (another model, other weights, a steering intervention, another
// instrumentation of the same layers or other classification thresholds),
// compared record by record: the sinks gained, lost and changed, per
// instrumented layer the change of bos_mass and the largest change of recv,
// and, given the logits files the two executables wrote, the KL divergence
// of their next-token distributions. A report, not a check: the output
// format is documented in docs/trace-format.md, "sink-trace diff".
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

/// KL(P_A || P_B) of the next-token distributions softmax(logits) of one
/// record, in nats, computed in double.
struct LogitKl {
  /// Both logits were given.
  bool compared = false;
  /// Positions compared: T, or 1 for executables compiled with --logits=last.
  size_t positions = 0;
  /// At the last position (the prediction after the prompt).
  double last = sinkrt::kNotMeasured;
  /// Mean over the positions, and the largest with its (first) position.
  double mean = sinkrt::kNotMeasured;
  double max = sinkrt::kNotMeasured;
  int maxPosition = -1;
  /// Some logit differs (bit for bit).
  bool changed = false;
};

/// Compares the logits of one record, `positions` rows of `vocab` values
/// each, row-major.
LogitKl compareLogits(const std::vector<double> &a,
                      const std::vector<double> &b, size_t positions,
                      size_t vocab);

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
  /// With the logits files (attachLogits).
  LogitKl logits;

  bool sinksChanged() const { return !sinks.empty(); }
  /// Sinks, bos_mass, the recv of a ranked key or (when compared) a logit
  /// differ somewhere.
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
  /// The logits file given for this side (empty: none).
  std::string logitsPath;
  std::string instrumentSpec;
  std::vector<int> layers;
  std::vector<sinkrt::Metric> metrics;
  sinkrt::ClassificationRules rules;
};

struct TraceDiff {
  TraceSide a;
  TraceSide b;
  /// The same network and weights (sinktrace::sameWeights); the steering
  /// interventions are compared on their own.
  bool sameModel = true;
  bool sameIntervention = true;
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
  /// With the logits files: KL at the last position over the records, mean
  /// and largest (with its record).
  bool logitsCompared = false;
  double meanLastKl = sinkrt::kNotMeasured;
  double maxLastKl = sinkrt::kNotMeasured;
  size_t maxLastKlRecord = 0;
};

/// Compares `b` (read from `pathB`) with `a` record by record. Refuses, with
/// one line naming the first mismatch and both files, traces whose records
/// differ in number, in token count or ids, or in the instrumented layers;
/// other models, weights, metrics and classification rules are compared.
sinkrt::Expected<TraceDiff> diffTraces(const std::string &pathA,
                                       const sinkrt::TraceData &a,
                                       const std::string &pathB,
                                       const sinkrt::TraceData &b);

/// The logits file that `--logits path` made the executable write for
/// `record`: `path` when the trace holds the records of one model call
/// (every record has prompt 0), else the runtime's per-prompt name
/// (`F.npy` -> `F.<prompt>.npy`, docs/runtime.md).
std::string logitsFileFor(const std::string &path,
                          const sinkrt::TraceData &trace,
                          const sinkrt::TraceRecord &record);

/// Adds the KL divergence of the next-token distributions to `diff`, from
/// the logits files the executables of A and B wrote with `--logits
/// logitsA` and `--logits logitsB`. Each record's row (`batch_row`) of
/// [B, T, V] logits (or [B, 1, V] after --logits=last) must exist, with as
/// many positions in both and the same vocabulary; otherwise one error line
/// naming the file.
sinkrt::Status attachLogits(TraceDiff &diff, const sinkrt::TraceData &a,
                            const std::string &logitsA,
                            const sinkrt::TraceData &b,
                            const std::string &logitsB);

/// The comparison for people: the header, per record its changes or
/// "no differences", then the totals.
std::string renderDiffText(const TraceDiff &diff);

/// The same content as JSON (fixed key order, NaN as null); the fields are
/// listed in docs/trace-format.md.
std::string renderDiffJson(const TraceDiff &diff);

} // namespace sinktrace

#endif // SINKTRACE_TRACEDIFF_H
