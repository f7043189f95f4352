//===- HtmlReport.h - One static HTML page about sink traces ----*- C++ -*-===//
//
// `sink-trace report T1.sinktrace [T2 ...] -o report.html`: metadata, sink
// levels, per record the classified sinks and the figures of Figures.h
// inline, and, per model with several records, the corpus statistics of
// CorpusStats.h. One file: no scripts, no external style sheets, fonts or
// images, so it opens offline, prints, and can be mailed as it is.
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_HTMLREPORT_H
#define SINKTRACE_HTMLREPORT_H

#include "Figures.h"

#include "sinkrt/TraceData.h"

#include <string>
#include <vector>

namespace sinktrace {

struct ReportTrace {
  /// The file, as named on the command line.
  std::string path;
  sinkrt::TraceData trace;
};

struct ReportOptions {
  /// Records (over all traces, in order) whose figures are drawn; the other
  /// records get their metadata and sinks table only. SIZE_MAX: all.
  size_t figureRecords = 16;
  FigureOptions figures;
};

std::string renderHtmlReport(const std::vector<ReportTrace> &traces,
                             const ReportOptions &options = {});

} // namespace sinktrace

#endif // SINKTRACE_HTMLREPORT_H
