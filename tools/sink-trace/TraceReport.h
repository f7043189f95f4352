//===- TraceReport.h - Human and machine views of a sink trace --*- C++ -*-===//
//
// The renderings behind `sink-trace summary|json|csv|plot`, as functions of
// a parsed trace so that the unit tests check them without a subprocess.
// The JSON and CSV layouts are documented in docs/trace-format.md and are
// stable: fields are only ever added.
//
//===----------------------------------------------------------------------===//

#ifndef SINKTRACE_TRACEREPORT_H
#define SINKTRACE_TRACEREPORT_H

#include "sinkrt/TraceData.h"

#include <string>
#include <vector>

namespace sinktrace {

/// Classified sinks first, then one table per record of per-layer figures.
std::string renderSummary(const sinkrt::TraceData &trace);

/// The whole trace as JSON (2-space indentation, fixed key order, NaN and
/// unmeasured values as null).
std::string renderJson(const sinkrt::TraceData &trace);

/// One row per (record, layer, position) with every per-token metric.
std::string renderCsv(const sinkrt::TraceData &trace);

/// An SVG chart of one record: bos_mass per layer and the top-3 receiving
/// positions (besides position 0, keys seen by at least min_queries queries)
/// per layer, the receivers named in a legend beside the chart.
std::string renderSvg(const sinkrt::TraceData &trace, size_t recordIndex);

/// The share of the layer's attention that key `position` receives: every
/// one of the T queries gives out one unit over the keys it sees, and key k
/// receives recv[k] on average from each of its T - k queries, so its share
/// is recv[k] * (T - k) / T. Shares sum to 1 over the keys; position 0's is
/// bos_mass. NaN where recv is.
double attentionShare(const sinkrt::LayerRecord &layer, size_t position);

/// Positions with the largest attention share in the layer, position 0
/// excluded, largest first, ties broken by position; empty without recv.
/// Ranked by share, not recv: the recv of a late key averages only the few
/// queries just after it, which attend to their recent tokens, so the last
/// positions of a long prompt topped a recv ranking in every layer
/// (docs/trace-format.md). Keys seen by fewer than `minQueries` queries are
/// not ranked either: the classification's min_queries rule
/// (docs/metrics.md).
std::vector<int> topReceivers(const sinkrt::LayerRecord &layer, size_t count,
                              int minQueries);

/// How a token prints: "<bos>" for the BOS id, the escaped byte for ids
/// below 256 of byte-level models, else empty.
std::string tokenText(const sinkrt::ModelSummary &model, int64_t token);

/// `text` as a JSON string literal (quotes, backslashes and control
/// characters escaped).
std::string jsonString(const std::string &text);

/// The shortest text that reads back as `value`; null for NaN and infinity.
std::string jsonFloat(float value);

/// The fewest digits (15 to 17) that read back as the same double; null for
/// NaN and infinity.
std::string jsonDouble(double value);

/// A JSON array of `items`, each written as JSON by `toJson`, one per line
/// as the JSON views lay out arrays of objects: each item on a line indented
/// by `indent` and two spaces, the closing bracket on a line indented by
/// `indent`; "[]" when there are none.
template <typename T, typename ToJson>
std::string jsonLines(const std::vector<T> &items, const std::string &indent,
                      ToJson toJson) {
  if (items.empty())
    return "[]";
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ",\n  " : "\n  ") + indent + toJson(items[i]);
  return out + "\n" + indent + "]";
}

/// A criteria bit set as `sink-trace json` writes it: ["hidden_cosine",
/// "attention"].
std::string jsonCriteria(uint8_t criteria);

/// A record's classification rules as `sink-trace json` and `diff` write
/// them: {"tau", "epsilon", "min_queries", "criteria_available",
/// "window_first", "window_last", "early_layers", "late_index"}.
std::string jsonRules(const sinkrt::ClassificationRules &rules);

/// A model's steering intervention as `sink-trace json` and `diff` write it:
/// {"spec", "steer_vector", "steer_vector_hash", "steer_vector_norm"}, the
/// last three null when the reference is BOS's own MLP output; null when
/// the model has none.
std::string jsonIntervention(const sinkrt::Intervention &intervention);

/// `text` with the XML special characters (& < > ") escaped.
std::string xmlEscape(const std::string &text);

/// The start of an SVG figure of `width` x `height` units: the <svg> element
/// (sans-serif, 12 units) and a white background.
std::string svgOpen(double width, double height);

/// At most `maxBytes` bytes of `text` (never a partial UTF-8 character),
/// "..." appended when cut.
std::string shorten(const std::string &text, size_t maxBytes);

/// Ascending layers as ranges: "0-3,5"; "none" when empty.
std::string layerRange(const std::vector<int> &layers);

/// How the token at `position` of `record` prints: its text from the trace
/// (models with a tokenizer.json; escaped where not printable), else as
/// tokenText above.
std::string tokenText(const sinkrt::ModelSummary &model,
                      const sinkrt::TraceRecord &record, int position);

} // namespace sinktrace

#endif // SINKTRACE_TRACEREPORT_H
