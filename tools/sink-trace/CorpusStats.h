//===- CorpusStats.h - Sink statistics over many traces ---------*- C++ -*-===//
//
// `sink-trace stats T1 T2 ...`: the corpus-level figures of Wong et al.
// (arXiv 2512.22213) over every record of one model's traces. The sinks are
// the ones the runtime classified and stored in each record (docs/metrics.md),
// the sink levels come from sinkrt::aggregateSinkLevels, exactly as in
// `sink-trace summary`; nothing is re-classified here. Definitions of every
// figure: docs/trace-format.md, "sink-trace stats".
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_CORPUSSTATS_H
#define SINKTRACE_CORPUSSTATS_H

#include "sinkrt/Status.h"
#include "sinkrt/TraceData.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace sinktrace {

/// The quantile `fraction` (0-1) of ascending `sorted` values, interpolated
/// linearly between order statistics (Hyndman and Fan's type 7, numpy's
/// default), so that numpy.percentile reproduces it. NaN when empty.
double quantile(const std::vector<double> &sorted, double fraction);

/// Moments and quartiles of a sample; NaN where undefined.
struct Distribution {
  size_t count = 0;
  double mean = sinkrt::kNotMeasured;
  /// Sample standard deviation (divisor n - 1); NaN for fewer than 2 values.
  double sd = sinkrt::kNotMeasured;
  double min = sinkrt::kNotMeasured;
  double q1 = sinkrt::kNotMeasured;
  double median = sinkrt::kNotMeasured;
  double q3 = sinkrt::kNotMeasured;
  double max = sinkrt::kNotMeasured;
};

/// Describes `values`; NaN values are left out.
Distribution describe(std::vector<double> values);

/// A token that was a sink of one kind somewhere in the corpus.
struct TokenStats {
  int64_t token = -1;
  /// How it prints (sink-trace's tokenText of its first sink position).
  std::string text;
  /// Sinks of this kind with this token.
  size_t sinks = 0;
  /// Records in which it is such a sink at least once.
  size_t sequences = 0;
  /// Positions holding the token in all records, sink or not.
  size_t occurrences = 0;
};

/// Sinks of one kind (primary or secondary).
struct KindStats {
  size_t sinks = 0;
  /// Records with at least one sink of this kind.
  size_t sequencesWithSink = 0;
  /// Sinks of this kind in a record -> records with that many.
  std::map<int, size_t> perSequence;
  Distribution perSequenceStats;
  /// position / (T - 1) of every sink of this kind (0 when T = 1).
  Distribution relativePosition;
  /// Position -> sinks of this kind there.
  std::map<int, size_t> positions;
  /// Most frequent first, ties by token id.
  std::vector<TokenStats> tokens;
};

/// One sink level of sinkrt::aggregateSinkLevels over the whole corpus.
struct LevelStats {
  sinkrt::SinkKind kind = sinkrt::SinkKind::None;
  int creationLayer = 0;
  int lifetime = 0;
  size_t count = 0;
  /// Records with at least one sink in the level.
  size_t sequences = 0;
  /// Tokens of its sinks (`sinks` and `sequences` within the level,
  /// `occurrences` in the corpus), most frequent first.
  std::vector<TokenStats> tokens;
};

struct LayerBosMass {
  int layer = 0;
  /// Over the records that measured bos_mass at this layer.
  Distribution bosMass;
};

struct CorpusStats {
  std::vector<std::string> files;
  sinkrt::ModelSummary model;
  size_t records = 0;
  size_t positions = 0;
  /// Instrumented layers and classification rules, the same in every record.
  std::vector<int> layers;
  sinkrt::ClassificationRules rules;
  KindStats primary;
  KindStats secondary;
  /// Sinks of either kind per record.
  std::map<int, size_t> sinksPerSequence;
  Distribution sinksPerSequenceStats;
  std::vector<LevelStats> levels;
  /// One entry per instrumented layer, ascending.
  std::vector<LayerBosMass> bosMass;
};

/// "model 'NAME' (L layers, H heads, vocabulary V, weights hash HASH)",
/// with ", intervention SPEC ..." before the parenthesis closes for an
/// intervened model (unless `withIntervention` is false).
std::string modelIdentity(const sinkrt::ModelSummary &model,
                          bool withIntervention = true);
/// "NAME (L layers, H heads, vocabulary V, bos B, tokenizer T, weights hash
/// HASH[, intervention SPEC ...])": the model line of `stats` and `report`.
std::string modelDescription(const sinkrt::ModelSummary &model);
/// Same network and weights: name, layers, heads, vocabulary, BOS,
/// tokenizer, weights size and hash.
bool sameWeights(const sinkrt::ModelSummary &a, const sinkrt::ModelSummary &b);
/// The same weights and the same steering intervention (or none): the same
/// function of the tokens. Statistics and merges pool only these.
bool sameModel(const sinkrt::ModelSummary &a, const sinkrt::ModelSummary &b);
/// The instrumented layers and classification rules in words.
std::string rulesText(const std::vector<int> &layers,
                      const sinkrt::ClassificationRules &rules);
/// Every threshold, criterion and window the same.
bool sameRules(const sinkrt::ClassificationRules &a,
               const sinkrt::ClassificationRules &b);

/// Accumulates the records of trace after trace, so that only one trace is
/// in memory at a time, and refuses traces that cannot be pooled: of another
/// model, or with records instrumented or classified differently.
class CorpusStatsBuilder {
public:
  /// Adds every record of `trace`, read from `path` (named in errors).
  sinkrt::Status add(const std::string &path, const sinkrt::TraceData &trace);
  /// The statistics of everything added so far.
  CorpusStats finish() const;

private:
  struct CompactRecord {
    int length = 0;
    /// The non-None sinks, which is all aggregateSinkLevels reads.
    std::vector<sinkrt::TokenSink> sinks;
  };

  std::vector<std::string> files;
  bool haveModel = false;
  sinkrt::ModelSummary model;
  std::string modelFile;
  bool haveRules = false;
  std::vector<int> layers;
  sinkrt::ClassificationRules rules;
  std::string rulesOrigin;
  std::vector<CompactRecord> records;
  size_t positions = 0;
  std::map<int64_t, size_t> occurrences;
  std::map<int64_t, std::string> texts;
  std::map<int, std::vector<double>> bosMass;
};

/// The statistics as aligned tables for people.
std::string renderStatsText(const CorpusStats &stats);

/// The statistics as JSON (fixed key order, NaN as null); the fields are
/// listed in docs/trace-format.md.
std::string renderStatsJson(const CorpusStats &stats);

} // namespace sinktrace

#endif // SINKTRACE_CORPUSSTATS_H
