//===- Figures.cpp - The SVG figures of one trace record ------------------===//

#include "Figures.h"

#include "TraceReport.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <cmath>
#include <set>

using namespace sinkrt;

namespace sinktrace {

std::vector<TokenColumn> tokenColumns(const TraceRecord &record,
                                      size_t maxColumns) {
  int length = record.sequenceLength;
  std::vector<TokenColumn> columns;
  if (length <= 0)
    return columns;
  if (maxColumns == 0 || static_cast<size_t>(length) <= maxColumns) {
    for (int position = 0; position < length; ++position)
      columns.push_back({position, position});
    return columns;
  }
  std::vector<bool> own(static_cast<size_t>(length), false);
  own[0] = true;
  for (const TokenSink &sink : record.sinks)
    if (sink.kind != SinkKind::None && sink.position >= 0 &&
        sink.position < length)
      own[static_cast<size_t>(sink.position)] = true;
  for (const LayerRecord &layer : record.measurements)
    for (size_t position = 0;
         position < layer.flags.size() && position < own.size(); ++position)
      if (layer.flags[position])
        own[position] = true;
  int bin = static_cast<int>((static_cast<size_t>(length) + maxColumns - 1) /
                             maxColumns);
  int position = 0;
  while (position < length) {
    if (own[static_cast<size_t>(position)]) {
      columns.push_back({position, position});
      ++position;
      continue;
    }
    // Up to the next multiple of the bin size or the next own position.
    int end = std::min(length, (position / bin + 1) * bin);
    int last = position;
    while (last + 1 < end && !own[static_cast<size_t>(last + 1)])
      ++last;
    columns.push_back({position, last});
    position = last + 1;
  }
  return columns;
}

namespace {

const char *const kPrimaryColour = "#b2182b";
const char *const kSecondaryColour = "#e66101";
const char *const kMaskedColour = "#d4d4d4";
const char *const kSeriesPalette[] = {"#d62728", "#ff7f0e", "#2ca02c",
                                      "#9467bd", "#8c564b", "#e377c2",
                                      "#17becf", "#bcbd22"};
const size_t kSeriesColours = sizeof(kSeriesPalette) / sizeof(char *);

/// Viridis at t in [0, 1] (ten stops, interpolated linearly).
std::string viridis(double t) {
  static const int stops[][3] = {{68, 1, 84},    {72, 40, 120},  {62, 74, 137},
                                 {49, 104, 142}, {38, 130, 142}, {31, 158, 137},
                                 {53, 183, 121}, {110, 206, 88}, {181, 222, 43},
                                 {253, 231, 37}};
  t = std::clamp(std::isnan(t) ? 0.0 : t, 0.0, 1.0) * 9.0;
  int index = std::min(8, static_cast<int>(t));
  double f = t - index;
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(
        std::lround(stops[index][c] * (1 - f) + stops[index + 1][c] * f));
  return formatString("#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

std::string svgText(double x, double y, const std::string &text,
                    const char *attributes = "") {
  return formatString("<text x=\"%.1f\" y=\"%.1f\"%s%s>%s</text>\n", x, y,
                      *attributes ? " " : "", attributes,
                      xmlEscape(text).c_str());
}

/// The layer axis of a layers x something grid: the layer of each row,
/// thinned to readable labels, and the axis title.
std::string layerAxis(const TraceRecord &record, size_t rows, double left,
                      double top, double rowHeight, double plotHeight) {
  std::string svg;
  size_t every = 1;
  while (rowHeight * static_cast<double>(every) < 12)
    ++every;
  for (size_t row = 0; row < rows; row += every)
    svg += svgText(left - 6,
                   top + rowHeight * (static_cast<double>(row) + 0.5) + 4,
                   std::to_string(record.measurements[row].layer),
                   "text-anchor=\"end\" font-size=\"10\"");
  svg += formatString("<text transform=\"translate(16 %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\">layer</text>\n",
                      top + plotHeight / 2);
  return svg;
}

/// Figure `name` of record `recordIndex`, its SVG begun: a `width` x
/// `height` canvas and the title line, which says `what` the figure shows.
Figure beginFigure(const TraceData &trace, size_t recordIndex, const char *name,
                   std::string caption, double width, double height,
                   const std::string &what) {
  const TraceRecord &record = trace.records[recordIndex];
  std::string title = formatString("%s: record %zu (prompt %d, %d tokens): ",
                                   trace.model.name.c_str(), recordIndex,
                                   record.prompt, record.sequenceLength) +
                      what;
  return {name, std::move(caption),
          svgOpen(width, height) + svgText(16, 24, title, "font-size=\"15\"")};
}

/// A remark in the middle of a `width` x `height` area, in place of marks
/// that cannot be drawn.
std::string note(double width, double height, const std::string &text) {
  return svgText(width / 2, height / 2, text,
                 "text-anchor=\"middle\" fill=\"#666\"");
}

std::string missing(double width, double height, const std::string &what) {
  return note(width, height, what + " not instrumented");
}

/// `figure` finished with the note `text` in place of all its marks.
Figure noteOnly(Figure figure, double width, double height,
                const std::string &text) {
  figure.svg += note(width, height, text) + "</svg>\n";
  return figure;
}

std::vector<const TokenSink *> sinksOf(const TraceRecord &record) {
  std::vector<const TokenSink *> sinks;
  for (const TokenSink &sink : record.sinks)
    if (sink.kind != SinkKind::None)
      sinks.push_back(&sink);
  return sinks;
}

const char *kindColour(SinkKind kind) {
  return kind == SinkKind::Primary ? kPrimaryColour : kSecondaryColour;
}

/// "23 '\n'": position and text of a token.
std::string tokenLabel(const TraceData &trace, const TraceRecord &record,
                       int position, size_t maxText = 14) {
  std::string text = shorten(tokenText(trace.model, record, position), maxText);
  if (text.empty()) {
    int64_t token = static_cast<size_t>(position) < record.tokens.size()
                        ? record.tokens[position]
                        : -1;
    return formatString("%d #%lld", position, static_cast<long long>(token));
  }
  return text == "<bos>" ? formatString("%d <bos>", position)
                         : formatString("%d '%s'", position, text.c_str());
}

/// Row of each instrumented layer number, -1 when absent.
int rowOfLayer(const TraceRecord &record, int layer) {
  for (size_t i = 0; i < record.measurements.size(); ++i)
    if (record.measurements[i].layer == layer)
      return static_cast<int>(i);
  return -1;
}

double median(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty())
    return NAN;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/// Median of `values` over the positions that are not sinks.
double medianOfOthers(const TraceRecord &record,
                      const std::vector<float> &values) {
  std::vector<double> others;
  for (size_t position = 0; position < values.size(); ++position) {
    bool sink = position < record.sinks.size() &&
                record.sinks[position].kind != SinkKind::None;
    if (!sink)
      others.push_back(values[position]);
  }
  return median(others);
}

/// A vertical colour bar: `colour(t)` for t from 0 (bottom) to 1 (top),
/// labelled at the given (t, text) ticks.
std::string colourBar(double x, double y, double height,
                      const std::vector<std::pair<double, std::string>> &ticks,
                      std::string (*colour)(double), const std::string &label) {
  std::string svg;
  const int steps = 64;
  for (int i = 0; i < steps; ++i) {
    double t = (i + 0.5) / steps;
    svg += formatString("<rect class=\"colorbar\" "
                        "shape-rendering=\"crispEdges\" x=\"%.1f\" y=\"%.2f\" "
                        "width=\"14\" height=\"%.2f\" fill=\"%s\"/>\n",
                        x, y + height * (1 - (i + 1.0) / steps),
                        height / steps + 0.3, colour(t).c_str());
  }
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" "
                      "height=\"%.1f\" fill=\"none\" stroke=\"#333\" "
                      "stroke-width=\"0.5\"/>\n",
                      x, y, height);
  for (const auto &[t, text] : ticks) {
    double tickY = y + height * (1 - t);
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#333\"/>\n",
                        x + 14, tickY, x + 18, tickY);
    svg += svgText(x + 20, tickY + 4, text, "font-size=\"10\"");
  }
  svg += formatString("<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\" font-size=\"11\">%s</text>\n",
                      x - 6, y + height / 2, xmlEscape(label).c_str());
  return svg;
}

//===----------------------------------------------------------------------===//
// recv heatmap
//===----------------------------------------------------------------------===//

Figure heatmap(const TraceData &trace, size_t recordIndex,
               const FigureOptions &options) {
  const TraceRecord &record = trace.records[recordIndex];
  const int length = record.sequenceLength;
  const int minQueries = record.rules.minQueries;
  std::vector<TokenColumn> columns = tokenColumns(record, options.maxColumns);
  bool binned =
      !columns.empty() && columns.size() < static_cast<size_t>(length);
  std::string caption = formatString(
      "recv (the attention a key receives from the queries that see it, "
      "averaged over heads) per layer and %s, log colour scale; grey: keys "
      "seen by fewer than %d queries, not ranked or flagged by attention; "
      "classified sinks marked below the axis, their lifetimes outlined.",
      binned ? "bin of token positions (each bin shows its largest recv; "
               "flagged tokens keep a column of their own)"
             : "token position",
      minQueries);
  const size_t rows = record.measurements.size();
  const double left = 64, right = 110, top = 44;
  const double width = 980;
  const double plotWidth = width - left - right;
  const double rowHeight =
      rows ? std::clamp(360.0 / static_cast<double>(rows), 6.0, 24.0) : 24;
  const double plotHeight =
      rowHeight * static_cast<double>(std::max<size_t>(rows, 1));
  // Room for the longest sink label, drawn at 60 degrees.
  size_t longestLabel = 0;
  for (const TokenSink *sink : sinksOf(record))
    longestLabel = std::max(longestLabel,
                            tokenLabel(trace, record, sink->position).size());
  const double labelBand =
      24 + 0.87 * 6.6 * static_cast<double>(std::max<size_t>(longestLabel, 6));
  const double height = top + plotHeight + 22 + labelBand + 10;
  Figure figure = beginFigure(trace, recordIndex, "heatmap", std::move(caption),
                              width, height, "recv per layer and token");
  std::string &svg = figure.svg;

  bool haveRecv =
      std::any_of(record.measurements.begin(), record.measurements.end(),
                  [](const LayerRecord &layer) { return !layer.recv.empty(); });
  if (!haveRecv || columns.empty())
    return noteOnly(std::move(figure), width, height, "recv not instrumented");
  // The colour scale's lower end: the decade below the smallest positive
  // recv of a ranked key, at least 1e-6.
  double smallest = 1;
  for (const LayerRecord &layer : record.measurements)
    for (int position = 0; position < static_cast<int>(layer.recv.size()) &&
                           length - position >= minQueries;
         ++position)
      if (layer.recv[position] > 0)
        smallest =
            std::min(smallest, static_cast<double>(layer.recv[position]));
  int lowDecade =
      std::clamp(static_cast<int>(std::floor(std::log10(smallest))), -6, -1);
  auto scale = [&](double value) {
    double logValue = std::log10(std::max(value, std::pow(10.0, lowDecade)));
    return (logValue - lowDecade) / -lowDecade;
  };
  const double columnWidth = plotWidth / static_cast<double>(columns.size());
  auto columnX = [&](size_t index) {
    return left + columnWidth * static_cast<double>(index);
  };
  auto columnOf = [&](int position) {
    auto it = std::upper_bound(
        columns.begin(), columns.end(), position,
        [](int p, const TokenColumn &column) { return p < column.first; });
    return static_cast<size_t>(it - columns.begin()) - 1;
  };
  // The cells, one per (layer, column); crispEdges so that neighbouring
  // cells leave no hairline gaps.
  svg += "<g shape-rendering=\"crispEdges\">\n";
  for (size_t row = 0; row < rows; ++row) {
    const LayerRecord &layer = record.measurements[row];
    double rowY = top + rowHeight * static_cast<double>(row);
    for (size_t c = 0; c < columns.size(); ++c) {
      const TokenColumn &column = columns[c];
      double best = NAN;
      bool ranked = false;
      for (int position = column.first; position <= column.last; ++position) {
        if (length - position < minQueries)
          continue;
        ranked = true;
        if (static_cast<size_t>(position) < layer.recv.size() &&
            !std::isnan(layer.recv[position]) &&
            (std::isnan(best) || layer.recv[position] > best))
          best = layer.recv[position];
      }
      std::string fill = !ranked || std::isnan(best)
                             ? std::string(kMaskedColour)
                             : viridis(scale(best));
      svg += formatString(
          "<rect class=\"cell%s\" data-layer=\"%d\" data-first=\"%d\" "
          "data-last=\"%d\" data-recv=\"%s\" x=\"%.2f\" y=\"%.2f\" "
          "width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>\n",
          ranked ? "" : " masked", layer.layer, column.first, column.last,
          std::isnan(best) ? "" : formatFloat(static_cast<float>(best)).c_str(),
          columnX(c), rowY, columnWidth + 0.05, rowHeight + 0.05, fill.c_str());
    }
  }
  svg += "</g>\n";
  svg += layerAxis(record, rows, left, top, rowHeight, plotHeight);
  // Position axis: a tick at the start of the record and about eight more.
  double axisY = top + plotHeight;
  int step = 1;
  for (int candidate : {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
                        10000, 20000, 50000})
    if (length / candidate <= 8) {
      step = candidate;
      break;
    }
  for (int position = 0; position < length; position += step) {
    double tickX = columnX(columnOf(position)) + columnWidth / 2;
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#333\"/>\n",
                        tickX, axisY, tickX, axisY + 4);
    svg += svgText(tickX, axisY + 15, std::to_string(position),
                   "text-anchor=\"middle\" font-size=\"10\" fill=\"#333\"");
  }
  svg += svgText(left - 6, axisY + 15, "position",
                 "text-anchor=\"end\" font-size=\"10\" fill=\"#333\"");

  // Sinks: their lifetimes outlined on the heatmap, a mark under the axis
  // and their text below, nudged right so that labels never overlap.
  double labelTop = axisY + 24;
  double nextLabelX = 0;
  size_t unlabelled = 0;
  for (const TokenSink *sink : sinksOf(record)) {
    size_t c = columnOf(sink->position);
    double centre = columnX(c) + columnWidth / 2;
    int firstRow = rowOfLayer(record, sink->creationLayer);
    int lastRow = rowOfLayer(record, sink->endLayer);
    const char *colour = kindColour(sink->kind);
    if (firstRow >= 0 && lastRow >= firstRow) {
      // Just outside the column, so that its cells stay visible.
      double barWidth = std::max(columnWidth, 4.0) + 3;
      svg += formatString(
          "<rect class=\"lifetime\" data-position=\"%d\" data-kind=\"%s\" "
          "data-creation=\"%d\" data-lifetime=\"%d\" x=\"%.2f\" y=\"%.2f\" "
          "width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"%s\" "
          "stroke-width=\"1.5\"><title>%s: %s sink created at layer %d, "
          "lifetime %d</title></rect>\n",
          sink->position, sinkKindName(sink->kind), sink->creationLayer,
          sink->lifetime, centre - barWidth / 2, top + rowHeight * firstRow + 1,
          barWidth, rowHeight * (lastRow - firstRow + 1) - 2, colour,
          xmlEscape(tokenLabel(trace, record, sink->position)).c_str(),
          sinkKindName(sink->kind), sink->creationLayer, sink->lifetime);
    }
    // A triangle under the column, and a leader from below the position
    // numbers to the label.
    svg += formatString("<polygon class=\"sink-mark\" data-position=\"%d\" "
                        "data-kind=\"%s\" points=\"%.1f,%.1f %.1f,%.1f "
                        "%.1f,%.1f\" fill=\"%s\"/>\n",
                        sink->position, sinkKindName(sink->kind), centre, axisY,
                        centre - 4, axisY + 7, centre + 4, axisY + 7, colour);
    // The label, nudged right of the one before; labels that would run
    // past the colour bar are left out (and counted below the legend).
    double labelX = std::max(centre, nextLabelX);
    if (labelX > left + plotWidth + 40) {
      ++unlabelled;
      continue;
    }
    nextLabelX = labelX + 12;
    svg += formatString("<polyline points=\"%.1f,%.1f %.1f,%.1f\" "
                        "fill=\"none\" stroke=\"%s\" stroke-width=\"0.8\"/>\n",
                        centre, axisY + 18, labelX, labelTop - 3, colour);
    svg += formatString(
        "<text class=\"sink-label\" data-position=\"%d\" "
        "transform=\"translate(%.1f %.1f) rotate(60)\" font-size=\"11\" "
        "fill=\"%s\">%s</text>\n",
        sink->position, labelX - 3, labelTop, colour,
        xmlEscape(tokenLabel(trace, record, sink->position)).c_str());
  }
  // Colour bar and the legend of the marks.
  std::vector<std::pair<double, std::string>> ticks;
  for (int decade = lowDecade; decade <= 0; ++decade)
    ticks.push_back({scale(std::pow(10.0, decade)),
                     decade == 0 ? "1" : formatString("1e%d", decade)});
  double barHeight = std::min(plotHeight, 200.0);
  svg += colourBar(width - right + 30, top, barHeight, ticks, viridis, "recv");
  double legendY = top + barHeight + 18;
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"%s\"/>\n",
                      width - right + 8, legendY, kMaskedColour);
  svg += svgText(width - right + 22, legendY + 9,
                 formatString("< %d queries", minQueries), "font-size=\"10\"");
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                      width - right + 8, legendY + 16, kPrimaryColour);
  svg += svgText(width - right + 22, legendY + 25, "primary sink",
                 "font-size=\"10\"");
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n",
                      width - right + 8, legendY + 32, kSecondaryColour);
  svg += svgText(width - right + 22, legendY + 41, "secondary sink",
                 "font-size=\"10\"");
  if (binned)
    svg += svgText(width - right + 8, legendY + 60,
                   formatString("%zu columns", columns.size()),
                   "font-size=\"10\" fill=\"#333\"");
  if (unlabelled)
    svg += svgText(width - right + 8, legendY + 74,
                   formatString("%zu sinks unlabelled", unlabelled),
                   "font-size=\"10\" fill=\"#333\"");
  svg += "</svg>\n";
  return figure;
}

//===----------------------------------------------------------------------===//
// per-head BOS mass
//===----------------------------------------------------------------------===//

std::string viridisColour(double t) { return viridis(t); }

Figure headBosMass(const TraceData &trace, size_t recordIndex) {
  const TraceRecord &record = trace.records[recordIndex];
  size_t heads = 0;
  for (const LayerRecord &layer : record.measurements)
    heads = std::max(heads, layer.headBosMass.size());
  const size_t rows = record.measurements.size();
  const double left = 64, top = 44;
  const double cellWidth =
      heads ? std::clamp(620.0 / static_cast<double>(heads), 8.0, 56.0) : 56;
  const double rowHeight =
      rows ? std::clamp(360.0 / static_cast<double>(rows), 6.0, 24.0) : 24;
  const double plotWidth =
      cellWidth * static_cast<double>(std::max<size_t>(heads, 1));
  const double plotHeight =
      rowHeight * static_cast<double>(std::max<size_t>(rows, 1));
  const double width = std::max(640.0, left + plotWidth + 110);
  const double height = top + plotHeight + 44;
  Figure figure = beginFigure(
      trace, recordIndex, "heads",
      "BOS mass per layer and head (head_bos_mass: the mean over queries of "
      "the attention to position 0), linear colour scale 0-1.",
      width, height, "BOS mass per head");
  std::string &svg = figure.svg;
  if (!heads)
    return noteOnly(std::move(figure), width, height,
                    "head_bos_mass not instrumented");
  bool values = cellWidth >= 30 && rowHeight >= 13;
  svg += "<g shape-rendering=\"crispEdges\">\n";
  for (size_t row = 0; row < rows; ++row) {
    const LayerRecord &layer = record.measurements[row];
    for (size_t head = 0; head < heads; ++head) {
      float value = head < layer.headBosMass.size() ? layer.headBosMass[head]
                                                    : kNotMeasured;
      double x = left + cellWidth * static_cast<double>(head);
      double y = top + rowHeight * static_cast<double>(row);
      svg += formatString(
          "<rect class=\"cell\" data-layer=\"%d\" data-head=\"%zu\" "
          "data-value=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
          "height=\"%.2f\" fill=\"%s\"/>\n",
          layer.layer, head,
          std::isnan(value) ? "" : formatFloat(value).c_str(), x, y,
          cellWidth + 0.05, rowHeight + 0.05,
          std::isnan(value) ? kMaskedColour : viridis(value).c_str());
      if (values && !std::isnan(value))
        svg += svgText(x + cellWidth / 2, y + rowHeight / 2 + 4,
                       formatString("%.2f", static_cast<double>(value)),
                       value > 0.6 ? "text-anchor=\"middle\" font-size=\"10\""
                                   : "text-anchor=\"middle\" "
                                     "font-size=\"10\" fill=\"white\"");
    }
  }
  svg += "</g>\n";
  svg += layerAxis(record, rows, left, top, rowHeight, plotHeight);
  size_t headEvery = 1;
  while (cellWidth * static_cast<double>(headEvery) < 18)
    ++headEvery;
  for (size_t head = 0; head < heads; head += headEvery)
    svg += svgText(left + cellWidth * (static_cast<double>(head) + 0.5),
                   top + plotHeight + 14, std::to_string(head),
                   "text-anchor=\"middle\" font-size=\"10\"");
  svg += svgText(left + plotWidth / 2, top + plotHeight + 32, "head",
                 "text-anchor=\"middle\"");
  svg += colourBar(left + plotWidth + 40, top, std::min(plotHeight, 200.0),
                   {{0, "0"}, {0.5, "0.5"}, {1, "1"}}, viridisColour,
                   "head_bos_mass");
  svg += "</svg>\n";
  return figure;
}

//===----------------------------------------------------------------------===//
// hidden-state norm and cosine per layer
//===----------------------------------------------------------------------===//

/// A line panel: x = instrumented layer index, one polyline per series.
struct Series {
  std::string name;  // data-series
  std::string label; // legend
  std::string colour;
  bool dashed = false;
  std::vector<double> values; // per row, NaN = gap
};

std::string linePanel(const TraceRecord &record, double x0, double y0,
                      double width, double height, const std::string &yLabel,
                      const std::vector<Series> &series, bool logScale,
                      double fixedMax) {
  std::string svg;
  const size_t rows = record.measurements.size();
  double low = logScale ? INFINITY : 0, high = fixedMax;
  for (const Series &s : series)
    for (double v : s.values)
      if (!std::isnan(v) && (!logScale || v > 0)) {
        if (logScale)
          low = std::min(low, v);
        if (fixedMax <= 0)
          high = std::max(high, v);
      }
  if (logScale) {
    if (!std::isfinite(low))
      low = 1;
    low = std::pow(10.0, std::floor(std::log10(low)));
    high = std::pow(10.0, std::ceil(std::log10(std::max(high, low * 10))));
  } else if (high <= 0) {
    high = 1;
  }
  auto yOf = [&](double v) {
    double t = logScale ? (std::log10(v) - std::log10(low)) /
                              (std::log10(high) - std::log10(low))
                        : v / high;
    return y0 + height * (1 - std::clamp(t, 0.0, 1.0));
  };
  auto xOf = [&](size_t row) {
    return x0 + (rows > 1 ? width * static_cast<double>(row) /
                                static_cast<double>(rows - 1)
                          : width / 2);
  };
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\" fill=\"none\" stroke=\"#999\"/>\n",
                      x0, y0, width, height);
  std::vector<double> ticks;
  if (logScale)
    for (double v = low; v <= high * 1.0001; v *= 10)
      ticks.push_back(v);
  else
    for (int i = 0; i <= 4; ++i)
      ticks.push_back(high * i / 4);
  for (double v : ticks) {
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                        x0, yOf(v), x0 + width, yOf(v));
    svg += svgText(x0 - 4, yOf(v) + 4,
                   logScale ? formatString("%g", v) : formatString("%.2g", v),
                   "text-anchor=\"end\" font-size=\"10\"");
  }
  size_t every = 1;
  while (rows > 1 &&
         width / static_cast<double>(rows - 1) * static_cast<double>(every) <
             22)
    ++every;
  for (size_t row = 0; row < rows; row += every)
    svg += svgText(xOf(row), y0 + height + 14,
                   std::to_string(record.measurements[row].layer),
                   "text-anchor=\"middle\" font-size=\"10\"");
  svg += svgText(x0 + width / 2, y0 + height + 30, "layer",
                 "text-anchor=\"middle\"");
  svg += formatString("<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\">%s</text>\n",
                      x0 - 42, y0 + height / 2, xmlEscape(yLabel).c_str());
  for (const Series &s : series) {
    std::string points;
    for (size_t row = 0; row < s.values.size() && row < rows; ++row) {
      double v = s.values[row];
      if (std::isnan(v) || (logScale && v <= 0))
        continue;
      points += formatString("%.1f,%.1f ", xOf(row), yOf(v));
    }
    if (points.empty())
      continue;
    points.pop_back();
    svg += formatString(
        "<polyline class=\"series\" data-series=\"%s\" data-metric=\"%s\" "
        "points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
        xmlEscape(s.name).c_str(), xmlEscape(yLabel).c_str(), points.c_str(),
        s.colour.c_str(), s.dashed ? "2" : "1.6",
        s.dashed ? " stroke-dasharray=\"5 3\"" : "");
  }
  return svg;
}

std::string seriesLegend(const std::vector<Series> &series, double x, double y,
                         double width) {
  std::string svg;
  double cx = x, cy = y;
  for (const Series &s : series) {
    double itemWidth = 34 + 6.5 * static_cast<double>(s.label.size());
    if (cx + itemWidth > x + width && cx > x) {
      cx = x;
      cy += 16;
    }
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n",
                        cx, cy - 4, cx + 20, cy - 4, s.colour.c_str(),
                        s.dashed ? " stroke-dasharray=\"5 3\"" : "");
    svg += svgText(cx + 24, cy, s.label, "font-size=\"11\"");
    cx += itemWidth;
  }
  return svg;
}

/// The sinks to draw as series: all primary and secondary sinks, at most
/// `limit` (primary first, then by position).
std::vector<const TokenSink *> plottedSinks(const TraceRecord &record,
                                            size_t limit) {
  std::vector<const TokenSink *> sinks = sinksOf(record);
  std::sort(sinks.begin(), sinks.end(),
            [](const TokenSink *a, const TokenSink *b) {
              bool aPrimary = a->kind == SinkKind::Primary;
              bool bPrimary = b->kind == SinkKind::Primary;
              if (aPrimary != bPrimary)
                return aPrimary;
              return a->position < b->position;
            });
  if (sinks.size() > limit)
    sinks.resize(limit);
  return sinks;
}

Figure hiddenStates(const TraceData &trace, size_t recordIndex) {
  const TraceRecord &record = trace.records[recordIndex];
  std::string caption =
      "Residual stream entering each layer: its norm "
      "(hidden_norm, log scale) and |cos| with position 0 "
      "(|hidden_cos_bos|) of each sink, against the median over "
      "the tokens that are not sinks (dashed).";
  const double width = 980, top = 44, panelHeight = 260;
  std::vector<const TokenSink *> sinks = plottedSinks(record, kSeriesColours);
  size_t shownSinks = sinks.size();
  size_t allSinks = sinksOf(record).size();
  if (allSinks > shownSinks)
    caption +=
        formatString(" The first %zu of %zu sinks.", shownSinks, allSinks);
  const double height = top + panelHeight + 50 + 20 * 3;
  Figure figure = beginFigure(trace, recordIndex, "hidden", std::move(caption),
                              width, height, "hidden states of the sinks");
  std::string &svg = figure.svg;
  bool haveNorm = false, haveCos = false;
  for (const LayerRecord &layer : record.measurements) {
    haveNorm |= !layer.hiddenNorm.empty();
    haveCos |= !layer.hiddenCosBos.empty();
  }
  if (!haveNorm && !haveCos)
    return noteOnly(std::move(figure), width, height,
                    "hidden_norm and hidden_cos_bos not instrumented");
  auto build = [&](Metric metric, bool absolute) {
    std::vector<Series> series;
    Series others{"median", "median of the other tokens", "#333333", true, {}};
    for (const LayerRecord &layer : record.measurements) {
      std::vector<float> values = layer.values(metric);
      if (absolute)
        for (float &v : values)
          v = std::fabs(v);
      others.values.push_back(values.empty() ? NAN
                                             : medianOfOthers(record, values));
    }
    for (size_t i = 0; i < sinks.size(); ++i) {
      const TokenSink *sink = sinks[i];
      Series s{formatString("sink:%d", sink->position),
               tokenLabel(trace, record, sink->position) + " " +
                   sinkKindName(sink->kind),
               kSeriesPalette[i % kSeriesColours],
               false,
               {}};
      for (const LayerRecord &layer : record.measurements) {
        const std::vector<float> &values = layer.values(metric);
        double v = static_cast<size_t>(sink->position) < values.size()
                       ? values[sink->position]
                       : NAN;
        s.values.push_back(absolute ? std::fabs(v) : v);
      }
      series.push_back(s);
    }
    series.push_back(others);
    return series;
  };
  const double panelWidth = 380;
  std::vector<Series> norms = build(Metric::HiddenNorm, false);
  std::vector<Series> cosines = build(Metric::HiddenCosBos, true);
  if (haveNorm)
    svg += linePanel(record, 80, top + 10, panelWidth, panelHeight,
                     "hidden_norm", norms, true, 0);
  else
    svg += missing(2 * (80 + panelWidth / 2), 2 * top + panelHeight,
                   "hidden_norm");
  if (haveCos)
    svg += linePanel(record, 80 + panelWidth + 110, top + 10, panelWidth,
                     panelHeight, "|hidden_cos_bos|", cosines, false, 1);
  else
    svg += missing(2 * (80 + panelWidth * 1.5 + 110), 2 * top + panelHeight,
                   "hidden_cos_bos");
  svg += seriesLegend(norms, 40, top + panelHeight + 66, width - 60);
  svg += "</svg>\n";
  return figure;
}

//===----------------------------------------------------------------------===//
// MLP output norm at the creation layer
//===----------------------------------------------------------------------===//

Figure mlpAtCreation(const TraceData &trace, size_t recordIndex) {
  const TraceRecord &record = trace.records[recordIndex];
  std::vector<const TokenSink *> sinks = plottedSinks(record, 24);
  const double top = 44, plotHeight = 240, left = 80;
  const double group = 44;
  const double plotWidth =
      std::max(300.0, group * static_cast<double>(sinks.size()));
  const double width = std::max(720.0, left + plotWidth + 40);
  const double height = top + plotHeight + 110;
  Figure figure = beginFigure(
      trace, recordIndex, "mlp",
      "Norm of the MLP output (mlp_norm) of each sink at its creation layer, "
      "against the median over the tokens that are not sinks at the same "
      "layer (grey).",
      width, height, "MLP output at creation");
  std::string &svg = figure.svg;
  bool haveMlp = std::any_of(
      record.measurements.begin(), record.measurements.end(),
      [](const LayerRecord &layer) { return !layer.mlpNorm.empty(); });
  if (!haveMlp || sinks.empty())
    return noteOnly(std::move(figure), width, height,
                    haveMlp ? "no sinks in this record"
                            : "mlp_norm not instrumented");
  struct Pair {
    const TokenSink *sink;
    double value, median;
  };
  std::vector<Pair> pairs;
  double high = 0;
  for (const TokenSink *sink : sinks) {
    int row = rowOfLayer(record, sink->creationLayer);
    double value = NAN, others = NAN;
    if (row >= 0) {
      const std::vector<float> &values = record.measurements[row].mlpNorm;
      if (static_cast<size_t>(sink->position) < values.size())
        value = values[sink->position];
      if (!values.empty())
        others = medianOfOthers(record, values);
    }
    for (double v : {value, others})
      if (!std::isnan(v))
        high = std::max(high, v);
    pairs.push_back({sink, value, others});
  }
  if (high <= 0)
    high = 1;
  auto yOf = [&](double v) { return top + plotHeight * (1 - v / high); };
  for (int i = 0; i <= 4; ++i) {
    double v = high * i / 4;
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
                        left, yOf(v), left + plotWidth, yOf(v));
    svg += svgText(left - 4, yOf(v) + 4, formatString("%.3g", v),
                   "text-anchor=\"end\" font-size=\"10\"");
  }
  svg += formatString("<text transform=\"translate(24 %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\">mlp_norm</text>\n",
                      top + plotHeight / 2);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Pair &pair = pairs[i];
    double x = left + group * static_cast<double>(i) + 6;
    const char *colour = kindColour(pair.sink->kind);
    auto bar = [&](double v, double bx, const char *series, const char *fill) {
      if (std::isnan(v))
        return std::string();
      return formatString(
          "<rect class=\"bar\" data-series=\"%s\" data-position=\"%d\" "
          "data-layer=\"%d\" data-value=\"%s\" x=\"%.1f\" y=\"%.1f\" "
          "width=\"15\" height=\"%.1f\" fill=\"%s\"/>\n",
          series, pair.sink->position, pair.sink->creationLayer,
          formatFloat(static_cast<float>(v)).c_str(), bx, yOf(v),
          top + plotHeight - yOf(v), fill);
    };
    svg += bar(pair.value, x, "sink", colour);
    svg += bar(pair.median, x + 16, "median", "#9e9e9e");
    svg += formatString(
        "<text transform=\"translate(%.1f %.1f) rotate(50)\" "
        "font-size=\"11\">%s L%d</text>\n",
        x + 8, top + plotHeight + 12,
        xmlEscape(tokenLabel(trace, record, pair.sink->position, 10)).c_str(),
        pair.sink->creationLayer);
  }
  svg +=
      formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                   "stroke=\"black\"/>\n",
                   left, top + plotHeight, left + plotWidth, top + plotHeight);
  double legendY = height - 12;
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"%s\"/>",
                      left, legendY - 9, kPrimaryColour);
  svg += svgText(left + 14, legendY, "primary", "font-size=\"11\"");
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"%s\"/>",
                      left + 70, legendY - 9, kSecondaryColour);
  svg += svgText(left + 84, legendY, "secondary", "font-size=\"11\"");
  svg += formatString("<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                      "fill=\"#9e9e9e\"/>",
                      left + 160, legendY - 9);
  svg += svgText(left + 174, legendY, "median of the other tokens",
                 "font-size=\"11\"");
  svg += "</svg>\n";
  return figure;
}

} // namespace

std::vector<Figure> renderFigures(const TraceData &trace, size_t recordIndex,
                                  const FigureOptions &options) {
  std::vector<Figure> figures;
  figures.push_back(heatmap(trace, recordIndex, options));
  figures.push_back(headBosMass(trace, recordIndex));
  figures.push_back(hiddenStates(trace, recordIndex));
  figures.push_back(mlpAtCreation(trace, recordIndex));
  figures.push_back({"overview",
                     "bos_mass per layer and the top-3 receivers besides "
                     "position 0 by attention share (the fraction of the "
                     "layer's attention a key receives, recv x (T - k) / T; "
                     "keys seen by at least min_queries queries).",
                     renderSvg(trace, recordIndex)});
  return figures;
}

} // namespace sinktrace
