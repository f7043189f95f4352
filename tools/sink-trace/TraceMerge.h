//===- TraceMerge.h - One trace from many -----------------------*- C++ -*-===//
//
// `sink-trace merge A B ... -o ALL`: the records of traces written by the
// same executable on parts of a corpus (the shards of tools/sink-batch, or
// any runs of it), in the order given, as one trace. Records are renumbered
// (`prompt` continues where the previous trace ended) and the sink levels are
// aggregated again over all records, so that merging the traces of a corpus
// cut into consecutive shards gives exactly the trace of one run over the
// whole corpus (docs/cluster.md). summary, json and csv given several traces
// read them through the same merge.
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_TRACEMERGE_H
#define SINKTRACE_TRACEMERGE_H

#include "sinkrt/Status.h"
#include "sinkrt/TraceData.h"

#include <string>

namespace sinktrace {

/// Appends trace after trace. Refuses, with one line naming both files, a
/// trace of another model or weights (name, shape, tokenizer, weights size
/// or hash), of another schema version, or whose records were instrumented
/// (spec, layers, metrics) or classified (thresholds, criteria, window)
/// differently from the first record merged.
class TraceMerger {
public:
  /// Takes the records of `trace`, read from `path` (named in errors).
  /// Nothing is added when it fails.
  sinkrt::Status add(const std::string &path, sinkrt::TraceData trace);
  /// Traces added so far.
  size_t traces() const { return paths.size(); }
  /// The merged trace: the first trace's model and producer, every record
  /// with `prompt` renumbered, the sink levels of all records.
  sinkrt::TraceData finish();

private:
  std::vector<std::string> paths;
  sinkrt::TraceData merged;
  std::string recordOrigin;
  /// The prompt number the next trace's prompt 0 becomes.
  int64_t nextPrompt = 0;
};

} // namespace sinktrace

#endif // SINKTRACE_TRACEMERGE_H
