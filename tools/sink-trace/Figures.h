//===- Figures.h - The SVG figures of one trace record ---------*- C++ -*-===//
//
// `sink-trace plot` and `sink-trace report`: self-contained SVG figures of
// one record, written by hand (no library, no scripts, no external fonts or
// images), so that a figure is one file a paper or a browser takes as it is.
// Every data mark carries a class (`cell`, `series`, `bar`, `sink-mark`,
// `lifetime`) and data-* attributes naming what it shows, which the tests
// read back with an XML parser. Definitions: docs/trace-format.md,
// "sink-trace plot".
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_FIGURES_H
#define SINKTRACE_FIGURES_H

#include "sinkrt/TraceData.h"

#include <string>
#include <vector>

namespace sinktrace {

/// One column of the token axis: positions first..last (inclusive).
struct TokenColumn {
  int first = 0;
  int last = 0;
};

/// The token axis of a record's figures: one column per position when the
/// record has at most `maxColumns` positions; otherwise bins of
/// ceil(T / maxColumns) positions aligned to multiples of the bin size, except
/// that position 0 and every token flagged at any layer or classified as a
/// sink keeps a column of its own, so no flagged token is ever merged away.
std::vector<TokenColumn> tokenColumns(const sinkrt::TraceRecord &record,
                                      size_t maxColumns);

struct Figure {
  /// Short name used in file names: heatmap, heads, hidden, mlp, overview.
  std::string name;
  /// One sentence saying what the figure shows.
  std::string caption;
  std::string svg;
};

struct FigureOptions {
  /// Columns of the token axis before positions are binned.
  size_t maxColumns = 256;
};

/// The figures of record `recordIndex` (which must exist), in this order:
/// heatmap (recv, layers x token columns, log colour scale, keys seen by
/// fewer than min_queries queries greyed, sinks marked on the token axis with
/// their text and their lifetimes as bars), heads (head_bos_mass, layers x
/// heads), hidden (hidden_norm and |hidden_cos_bos| per layer of each sink
/// against the median of the other tokens), mlp (mlp_norm of each sink at its
/// creation layer against the median of the other tokens there), overview
/// (renderSvg). A figure whose metric the record lacks says so in place of
/// its marks.
std::vector<Figure> renderFigures(const sinkrt::TraceData &trace,
                                  size_t recordIndex,
                                  const FigureOptions &options = {});

} // namespace sinktrace

#endif // SINKTRACE_FIGURES_H
