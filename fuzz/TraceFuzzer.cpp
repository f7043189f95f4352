//===- TraceFuzzer.cpp - libFuzzer target: bytes -> sink-trace ------------===//
//
// Feeds arbitrary bytes to the trace reader exactly as `sink-trace` reads a
// file (sinkrt::parseTrace: size prefix, identifier, FlatBuffers verifier,
// schema version, lengths and enum ranges) and, when it accepts them, renders
// every report `sink-trace` can print (summary, JSON, CSV, the SVG plot of
// the first and last record, the statistics of the trace pooled with itself).
//
//===----------------------------------------------------------------------===//

#include "CorpusStats.h"
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
  return 0;
}
