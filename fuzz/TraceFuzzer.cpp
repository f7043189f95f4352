//===- TraceFuzzer.cpp - libFuzzer target: bytes -> sink-trace ------------===//
//
// Feeds arbitrary bytes to the trace reader exactly as `sink-trace` reads a
// file (sinkrt::parseTrace: size prefix, identifier, FlatBuffers verifier,
// schema version, lengths and enum ranges) and, when it accepts them, renders
// every report `sink-trace` can print (summary, JSON, CSV, the SVG plot of
// the first and last record, the statistics of the trace pooled with itself,
// the trace merged with itself, serialized and read back, the diff of the
// trace with itself).
//
//===----------------------------------------------------------------------===//

#include "CorpusStats.h"
#include "TraceDiff.h"
#include "TraceMerge.h"
#include "TraceReport.h"
#include "sinkrt/TraceData.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sinkrt::Expected<sinkrt::TraceData> trace = sinkrt::parseTrace(data, size);
  if (!trace)
    return 0;
  (void)sinktrace::renderSummary(*trace);
  (void)sinktrace::renderJson(*trace);
  (void)sinktrace::renderCsv(*trace);
  if (!trace->records.empty()) {
    (void)sinktrace::renderSvg(*trace, 0);
    (void)sinktrace::renderSvg(*trace, trace->records.size() - 1);
  }
  // Twice: the second pass checks the records against the first's rules.
  sinktrace::CorpusStatsBuilder stats;
  if (stats.add("a", *trace) && stats.add("b", *trace)) {
    (void)sinktrace::renderStatsText(stats.finish());
    (void)sinktrace::renderStatsJson(stats.finish());
  }
  // `sink-trace merge a b -o ...` of the trace with itself.
  sinktrace::TraceMerger merger;
  if (merger.add("a", *trace) && merger.add("b", *trace)) {
    sinkrt::TraceData merged = merger.finish();
    if (sinkrt::Expected<std::vector<uint8_t>> bytes =
            sinkrt::serializeTrace(merged))
      (void)sinkrt::parseTrace(bytes->data(), bytes->size());
    (void)sinktrace::renderSummary(merged);
  }
  // `sink-trace diff a b` of the trace with itself.
  if (sinkrt::Expected<sinktrace::TraceDiff> diff =
          sinktrace::diffTraces("a", *trace, "b", *trace)) {
    (void)sinktrace::renderDiffText(*diff);
    (void)sinktrace::renderDiffJson(*diff);
  }
  return 0;
}
