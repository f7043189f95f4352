//===- TraceReport.cpp - Human and machine views of a sink trace ----------===//

#include "TraceReport.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

using namespace sinkrt;

namespace sinktrace {

double attentionShare(const LayerRecord &layer, size_t position) {
  size_t length = layer.recv.size();
  if (position >= length)
    return std::nan("");
  return static_cast<double>(layer.recv[position]) *
         static_cast<double>(length - position) / static_cast<double>(length);
}

std::vector<int> topReceivers(const LayerRecord &layer, size_t count,
                              int minQueries) {
  std::vector<int> positions;
  // Key k is seen by the T - k queries q >= k.
  size_t length = layer.recv.size();
  size_t ranked =
      minQueries <= 1
          ? length
          : length - std::min(length, static_cast<size_t>(minQueries - 1));
  for (size_t position = 1; position < ranked; ++position)
    if (!std::isnan(layer.recv[position]))
      positions.push_back(static_cast<int>(position));
  std::vector<double> share(length);
  for (int position : positions)
    share[position] = attentionShare(layer, position);
  std::sort(positions.begin(), positions.end(), [&](int a, int b) {
    if (share[a] != share[b])
      return share[a] > share[b];
    return a < b;
  });
  if (positions.size() > count)
    positions.resize(count);
  return positions;
}

std::string tokenText(const ModelSummary &model, const TraceRecord &record,
                      int position) {
  // Traces of models with a tokenizer.json carry each token's text.
  if (position >= 0 && static_cast<size_t>(position) < record.tokenTexts.size())
    return escapeText(record.tokenTexts[position]);
  int64_t token =
      position >= 0 && static_cast<size_t>(position) < record.tokens.size()
          ? record.tokens[position]
          : -1;
  return tokenText(model, token);
}

std::string tokenText(const ModelSummary &model, int64_t token) {
  if (token < 0)
    return "";
  if (token == model.bos)
    return "<bos>";
  if (model.tokenizer == "bytes" && token < 256)
    return escapeBytes(std::string(1, static_cast<char>(token)));
  return "";
}

std::string layerRange(const std::vector<int> &layers) {
  // A trace's layer numbers are whatever the file says, up to INT_MAX
  // (found by the trace fuzzer): formatRuns compares them in 64 bits.
  std::string text = formatRuns(layers);
  return text.empty() ? "none" : text;
}

//===----------------------------------------------------------------------===//
// summary
//===----------------------------------------------------------------------===//

namespace {

std::string fixed(float value, int decimals = 3) {
  if (std::isnan(value))
    return "-";
  return formatString("%.*f", decimals, static_cast<double>(value));
}

std::string quotedToken(const ModelSummary &model, const TraceRecord &record,
                        int position) {
  if (static_cast<size_t>(position) < record.tokenTexts.size())
    return "'" + tokenText(model, record, position) + "'";
  std::string text = tokenText(model, record, position);
  if (text.empty())
    return "";
  return text == "<bos>" ? text : "'" + text + "'";
}

std::string metricList(const std::vector<Metric> &metrics) {
  std::string text;
  for (Metric metric : metrics)
    text += (text.empty() ? "" : ",") + std::string(metricName(metric));
  return text.empty() ? "none" : text;
}

/// Mean over positions 1.. of a per-token metric; NaN when unmeasured.
float meanWithoutFirst(const std::vector<float> &values) {
  double sum = 0;
  size_t count = 0;
  for (size_t i = 1; i < values.size(); ++i)
    if (!std::isnan(values[i])) {
      sum += values[i];
      ++count;
    }
  return count ? static_cast<float>(sum / count) : kNotMeasured;
}

std::string bosVersusRest(const std::vector<float> &values) {
  if (values.empty())
    return "-";
  return fixed(values[0], 2) + " / " + fixed(meanWithoutFirst(values), 2);
}

void appendSinkTable(std::string &out, const TraceData &trace,
                     const TraceRecord &record) {
  std::vector<const TokenSink *> sinks;
  for (const TokenSink &sink : record.sinks)
    if (sink.kind != SinkKind::None)
      sinks.push_back(&sink);
  if (sinks.empty()) {
    out += "  sinks: none\n";
    return;
  }
  out += "  sinks:\n";
  out += formatString("    %5s %7s %-8s %-9s %7s %8s %4s %-8s %s\n", "pos",
                      "token", "text", "kind", "created", "lifetime", "end",
                      "criteria", "peak recv (layer)");
  for (const TokenSink *sink : sinks) {
    std::string peak = std::isnan(sink->peakRecv)
                           ? "-"
                           : fixed(sink->peakRecv) +
                                 formatString(" (%d)", sink->peakRecvLayer);
    out += formatString(
        "    %5d %7lld %-8s %-9s %7d %8d %4d %-8s %s\n", sink->position,
        static_cast<long long>(sink->token),
        quotedToken(trace.model, record, sink->position).c_str(),
        sinkKindName(sink->kind), sink->creationLayer, sink->lifetime,
        sink->endLayer, criteriaName(sink->criteria).c_str(), peak.c_str());
  }
}

void appendLayerTable(std::string &out, const TraceData &trace,
                      const TraceRecord &record) {
  // The key and value norms only for records that measured them, so that
  // the table of other traces stays as it was.
  bool kv = std::any_of(
      record.metrics.begin(), record.metrics.end(), [](Metric metric) {
        return metric == Metric::KeyNorm || metric == Metric::ValueNorm;
      });
  out += formatString(
      "  %5s %8s %-13s %-52s %-15s %s\n", "layer", "bos_mass", "head bos_mass",
      "top receivers besides position 0 (attention share)", "hidden bos/rest",
      kv ? "mlp bos/rest    key bos/rest    value bos/rest" : "mlp bos/rest");
  for (const LayerRecord &layer : record.measurements) {
    std::string headRange = "-";
    if (!layer.headBosMass.empty()) {
      auto [low, high] = std::minmax_element(layer.headBosMass.begin(),
                                             layer.headBosMass.end());
      headRange = fixed(*low) + "-" + fixed(*high);
    }
    std::string receivers;
    for (int position : topReceivers(layer, 3, record.rules.minQueries)) {
      int64_t token = static_cast<size_t>(position) < record.tokens.size()
                          ? record.tokens[position]
                          : -1;
      if (!receivers.empty())
        receivers += "; ";
      receivers +=
          formatString("%d:%lld", position, static_cast<long long>(token));
      std::string text = quotedToken(trace.model, record, position);
      if (!text.empty())
        receivers += " " + text;
      receivers += " " + fixed(attentionShare(layer, position));
    }
    if (receivers.empty())
      receivers = "-";
    std::string last = bosVersusRest(layer.mlpNorm);
    if (kv)
      last = formatString("%-15s %-15s %s", last.c_str(),
                          bosVersusRest(layer.keyNorm).c_str(),
                          bosVersusRest(layer.valueNorm).c_str());
    out += formatString("  %5d %8s %-13s %-52s %-15s %s\n", layer.layer,
                        fixed(layer.bosMass).c_str(), headRange.c_str(),
                        receivers.c_str(),
                        bosVersusRest(layer.hiddenNorm).c_str(), last.c_str());
  }
}

/// The MLP-state cosines of schema version 3 (metric group mlpstates), in
/// the enum's order, with the state each one measures.
constexpr std::pair<Metric, const char *> kMlpStateMetrics[] = {
    {Metric::MlpInputCosBos, "input"}, {Metric::MlpGateCosBos, "gate"},
    {Metric::MlpUpCosBos, "up"},       {Metric::MlpActCosBos, "act"},
    {Metric::MlpGatedCosBos, "gated"}, {Metric::MlpOutputCosBos, "output"},
};

/// The MLP-state cosines, only for records that measured some: per layer
/// and state, the mean over the classified sinks besides position 0 and the
/// mean over the other positions (position 0's cosine is 1 by definition).
void appendMlpStateTable(std::string &out, const TraceRecord &record) {
  std::vector<std::pair<Metric, const char *>> states;
  for (auto [metric, state] : kMlpStateMetrics)
    if (std::find(record.metrics.begin(), record.metrics.end(), metric) !=
        record.metrics.end())
      states.emplace_back(metric, state);
  if (states.empty())
    return;
  std::vector<bool> sink(static_cast<size_t>(record.sequenceLength), false);
  for (const TokenSink &entry : record.sinks)
    if (entry.kind != SinkKind::None && entry.position > 0 &&
        entry.position < record.sequenceLength)
      sink[static_cast<size_t>(entry.position)] = true;
  auto sinksVersusRest = [&](const std::vector<float> &values) {
    if (values.empty())
      return std::string("-");
    double sums[2] = {0, 0};
    size_t counts[2] = {0, 0};
    for (size_t i = 1; i < values.size() && i < sink.size(); ++i)
      if (!std::isnan(values[i])) {
        int group = sink[i] ? 0 : 1;
        sums[group] += values[i];
        ++counts[group];
      }
    auto mean = [&](int group) {
      return counts[group] ? static_cast<float>(sums[group] / counts[group])
                           : kNotMeasured;
    };
    return fixed(mean(0), 2) + " / " + fixed(mean(1), 2);
  };
  out += "  mlp states: cosine with position 0's same state, mean over the "
         "sinks besides position 0 / the other positions\n";
  // Columns of 13 characters, the last one unpadded.
  auto row = [&](const std::string &first, auto cell) {
    std::string line = formatString("  %5s", first.c_str());
    for (size_t i = 0; i < states.size(); ++i)
      line += formatString(i + 1 < states.size() ? " %-13s" : " %s",
                           cell(states[i]).c_str());
    out += line + "\n";
  };
  row("layer", [](auto entry) { return std::string(entry.second); });
  for (const LayerRecord &layer : record.measurements)
    row(std::to_string(layer.layer),
        [&](auto entry) { return sinksVersusRest(layer.values(entry.first)); });
}

std::string hitList(const TraceData &trace, const SinkLevel &level) {
  std::string text;
  size_t shown = std::min<size_t>(level.hits.size(), 8);
  for (size_t i = 0; i < shown; ++i) {
    const SinkHit &hit = level.hits[i];
    if (i)
      text += ", ";
    text += formatString("r%d:%d=%lld", hit.record, hit.position,
                         static_cast<long long>(hit.token));
    std::string token =
        hit.record >= 0 &&
                static_cast<size_t>(hit.record) < trace.records.size()
            ? quotedToken(trace.model, trace.records[hit.record], hit.position)
            : "";
    if (!token.empty())
      text += " " + token;
  }
  if (level.hits.size() > shown)
    text += formatString(", ... (%zu more)", level.hits.size() - shown);
  return text;
}

} // namespace

std::string renderSummary(const TraceData &trace) {
  const ModelSummary &model = trace.model;
  std::string out = formatString(
      "model: %s (%d layers, %d heads, vocabulary %lld, bos %lld, tokenizer "
      "%s)\n",
      model.name.c_str(), model.layers, model.heads,
      static_cast<long long>(model.vocab), static_cast<long long>(model.bos),
      model.tokenizer.c_str());
  out += formatString("weights: %llu bytes, hash %016llx\n",
                      static_cast<unsigned long long>(model.weightsSize),
                      static_cast<unsigned long long>(model.weightsHash));
  if (model.intervention.present())
    out += "intervention: " + model.intervention.describe() + "\n";
  out += formatString("trace: schema version %u, written by %s, %zu records\n",
                      trace.schemaVersion, trace.producer.c_str(),
                      trace.records.size());

  out += "\nsink levels (all records; hits as r<record>:<position>=<token>):\n";
  if (trace.levels.empty())
    out += "  none\n";
  else
    out += formatString("  %-9s %7s %8s %5s  %s\n", "kind", "created",
                        "lifetime", "count", "hits");
  for (const SinkLevel &level : trace.levels)
    out += formatString("  %-9s %7d %8d %5d  %s\n", sinkKindName(level.kind),
                        level.creationLayer, level.lifetime, level.count,
                        hitList(trace, level).c_str());

  for (size_t index = 0; index < trace.records.size(); ++index) {
    const TraceRecord &record = trace.records[index];
    const ClassificationRules &rules = record.rules;
    out += formatString("\nrecord %zu: prompt %d, batch row %d, %d tokens\n",
                        index, record.prompt, record.batchRow,
                        record.sequenceLength);
    out += formatString("  instrumented: %s (layers %s; metrics %s)\n",
                        record.instrumentSpec.c_str(),
                        layerRange(record.layers).c_str(),
                        metricList(record.metrics).c_str());
    std::string criteria;
    if (rules.criteriaAvailable & kCriterionHiddenCosine)
      criteria += formatString("|hidden_cos_bos| >= %s",
                               formatFloat(rules.tau).c_str());
    if (rules.criteriaAvailable & kCriterionAttention)
      criteria +=
          formatString("%srecv >= %s (keys seen by >= %d queries)",
                       criteria.empty() ? "" : " or ",
                       formatFloat(rules.epsilon).c_str(), rules.minQueries);
    if (criteria.empty())
      criteria = "none (neither hidden_cos_bos nor recv was instrumented)";
    else if (!(rules.criteriaAvailable & kCriterionHiddenCosine))
      criteria += " (hidden_cos_bos not instrumented: attention only)";
    else if (!(rules.criteriaAvailable & kCriterionAttention))
      criteria += " (recv not instrumented: cosine only)";
    out += "  flagged when: " + criteria + "\n";
    if (!record.layers.empty()) {
      size_t late = static_cast<size_t>(std::max(rules.lateIndex, 0));
      out += formatString(
          "  primary: created in the first %d instrumented layer(s) and "
          "flagged without a break through layer %d; other flagged tokens "
          "are secondary\n",
          rules.earlyLayers,
          late < record.layers.size() ? record.layers[late] : -1);
    }
    appendSinkTable(out, trace, record);
    appendLayerTable(out, trace, record);
    appendMlpStateTable(out, record);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// json
//===----------------------------------------------------------------------===//

std::string jsonFloat(float value) {
  return std::isfinite(value) ? formatFloat(value) : std::string("null");
}

std::string jsonDouble(double value) {
  if (!std::isfinite(value))
    return "null";
  for (int digits = 15; digits < 17; ++digits) {
    std::string text = formatString("%.*g", digits, value);
    if (std::strtod(text.c_str(), nullptr) == value)
      return text;
  }
  return formatString("%.17g", value);
}

std::string jsonCriteria(uint8_t criteria) {
  std::string out = "[";
  if (criteria & kCriterionHiddenCosine)
    out += "\"hidden_cosine\"";
  if (criteria & kCriterionAttention)
    out += std::string(criteria & kCriterionHiddenCosine ? ", " : "") +
           "\"attention\"";
  return out + "]";
}

std::string jsonRules(const sinkrt::ClassificationRules &rules) {
  return formatString(
      "{\"tau\": %s, \"epsilon\": %s, \"min_queries\": %d, "
      "\"criteria_available\": %s, \"window_first\": %d, \"window_last\": "
      "%d, \"early_layers\": %d, \"late_index\": %d}",
      jsonFloat(rules.tau).c_str(), jsonFloat(rules.epsilon).c_str(),
      rules.minQueries, jsonCriteria(rules.criteriaAvailable).c_str(),
      rules.windowFirst, rules.windowLast, rules.earlyLayers, rules.lateIndex);
}

std::string jsonIntervention(const Intervention &intervention) {
  if (!intervention.present())
    return "null";
  bool vector = !intervention.steerVector.empty();
  return "{\"spec\": " + jsonString(intervention.spec) +
         ", \"steer_vector\": " +
         (vector ? jsonString(intervention.steerVector) : "null") +
         ", \"steer_vector_hash\": " +
         (vector
              ? formatString("\"%016llx\"", static_cast<unsigned long long>(
                                                intervention.steerVectorHash))
              : "null") +
         ", \"steer_vector_norm\": " +
         (vector ? jsonFloat(intervention.steerVectorNorm) : "null") + "}";
}

std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"')
      out += "\\\"";
    else if (const char *escape = shortEscape(c))
      out += escape;
    else if (byte < 0x20)
      out += formatString("\\u%04x", byte);
    else
      out.push_back(c);
  }
  return out + "\"";
}

namespace {

template <typename T> std::string jsonIntegers(const std::vector<T> &values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

std::string jsonFloats(const std::vector<float> &values) {
  if (values.empty())
    return "null";
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? ", " : "") + jsonFloat(values[i]);
  return out + "]";
}

std::string jsonLayer(const LayerRecord &layer) {
  std::string out = formatString("{\"layer\": %d", layer.layer);
  out += ", \"bos_mass\": " + jsonFloat(layer.bosMass);
  out += ", \"head_bos_mass\": " + jsonFloats(layer.headBosMass);
  for (Metric metric : {Metric::Recv, Metric::HiddenNorm, Metric::HiddenCosBos,
                        Metric::MlpNorm, Metric::MlpCosBos})
    out += formatString(", \"%s\": ", metricName(metric)) +
           jsonFloats(layer.values(metric));
  out += ", \"flags\": " + jsonIntegers(layer.flags);
  // After the flags: fields are only ever appended (schema versions 2, 3).
  for (Metric metric : {Metric::KeyNorm, Metric::ValueNorm})
    out += formatString(", \"%s\": ", metricName(metric)) +
           jsonFloats(layer.values(metric));
  for (auto [metric, state] : kMlpStateMetrics)
    out += formatString(", \"%s\": ", metricName(metric)) +
           jsonFloats(layer.values(metric));
  return out + "}";
}

std::string jsonSink(const TokenSink &sink) {
  return formatString(
      "{\"position\": %d, \"token\": %lld, \"kind\": \"%s\", "
      "\"creation_layer\": %d, \"lifetime\": %d, \"end_layer\": %d, "
      "\"flagged_layers\": %d, \"peak_recv\": %s, \"peak_recv_layer\": "
      "%d, \"criteria\": %s}",
      sink.position, static_cast<long long>(sink.token),
      sinkKindName(sink.kind), sink.creationLayer, sink.lifetime, sink.endLayer,
      sink.flaggedLayers, jsonFloat(sink.peakRecv).c_str(), sink.peakRecvLayer,
      jsonCriteria(sink.criteria).c_str());
}

std::string jsonRecord(const TraceRecord &record) {
  std::string out = "{\n";
  out += formatString("      \"prompt\": %d,\n      \"batch_row\": %d,\n",
                      record.prompt, record.batchRow);
  out += "      \"tokens\": " + jsonIntegers(record.tokens) + ",\n";
  if (!record.tokenTexts.empty()) {
    // Escaped like the summary: a token may hold part of a UTF-8
    // character, which a JSON string cannot.
    std::string texts;
    for (size_t i = 0; i < record.tokenTexts.size(); ++i)
      texts += (i ? ", " : "") + jsonString(escapeText(record.tokenTexts[i]));
    out += "      \"token_texts\": [" + texts + "],\n";
  }
  out +=
      formatString("      \"sequence_length\": %d,\n", record.sequenceLength);
  out +=
      "      \"instrument_spec\": " + jsonString(record.instrumentSpec) + ",\n";
  out += "      \"layers\": " + jsonIntegers(record.layers) + ",\n";
  out += "      \"metrics\": [";
  for (size_t i = 0; i < record.metrics.size(); ++i)
    out += (i ? ", " : "") + jsonString(metricName(record.metrics[i]));
  out += "],\n";
  out += "      \"classification\": " + jsonRules(record.rules) + ",\n";
  out += "      \"measurements\": " +
         jsonLines(record.measurements, "      ", jsonLayer) + ",\n";
  out += "      \"sinks\": " + jsonLines(record.sinks, "      ", jsonSink);
  return out + "\n    }";
}

std::string jsonLevel(const SinkLevel &level) {
  std::string out = formatString(
      "{\"kind\": \"%s\", \"creation_layer\": %d, \"lifetime\": %d, "
      "\"count\": %d, \"hits\": [",
      sinkKindName(level.kind), level.creationLayer, level.lifetime,
      level.count);
  for (size_t h = 0; h < level.hits.size(); ++h)
    out += formatString("%s{\"record\": %d, \"position\": %d, \"token\": "
                        "%lld}",
                        h ? ", " : "", level.hits[h].record,
                        level.hits[h].position,
                        static_cast<long long>(level.hits[h].token));
  return out + "]}";
}

} // namespace

std::string renderJson(const TraceData &trace) {
  const ModelSummary &model = trace.model;
  std::string out = "{\n";
  out += formatString("  \"schema_version\": %u,\n", trace.schemaVersion);
  out += "  \"producer\": " + jsonString(trace.producer) + ",\n";
  out += "  \"model\": {\n";
  out += "    \"name\": " + jsonString(model.name) + ",\n";
  out += formatString("    \"layers\": %d,\n    \"heads\": %d,\n", model.layers,
                      model.heads);
  out += formatString("    \"vocab\": %lld,\n    \"bos\": %lld,\n",
                      static_cast<long long>(model.vocab),
                      static_cast<long long>(model.bos));
  out += "    \"tokenizer\": " + jsonString(model.tokenizer) + ",\n";
  out += formatString("    \"weights_size\": %llu,\n",
                      static_cast<unsigned long long>(model.weightsSize));
  out += formatString("    \"weights_hash\": \"%016llx\"",
                      static_cast<unsigned long long>(model.weightsHash));
  if (model.intervention.present())
    out += ",\n    \"intervention\": " + jsonIntervention(model.intervention);
  out += "\n  },\n";
  out += "  \"records\": " + jsonLines(trace.records, "  ", jsonRecord) + ",\n";
  out += "  \"levels\": " + jsonLines(trace.levels, "  ", jsonLevel) + "\n}\n";
  return out;
}

//===----------------------------------------------------------------------===//
// csv
//===----------------------------------------------------------------------===//

std::string renderCsv(const TraceData &trace) {
  std::string out = "record,prompt,batch_row,layer,position,token,recv,"
                    "hidden_norm,hidden_cos_bos,mlp_norm,mlp_cos_bos,"
                    "flag_hidden_cosine,flag_attention,sink_kind,key_norm,"
                    "value_norm,mlp_input_cos_bos,mlp_gate_cos_bos,"
                    "mlp_up_cos_bos,mlp_act_cos_bos,mlp_gated_cos_bos,"
                    "mlp_output_cos_bos\n";
  auto cell = [](const std::vector<float> &values, size_t position) {
    if (position >= values.size() || std::isnan(values[position]))
      return std::string();
    return formatFloat(values[position]);
  };
  for (size_t r = 0; r < trace.records.size(); ++r) {
    const TraceRecord &record = trace.records[r];
    for (const LayerRecord &layer : record.measurements) {
      for (int position = 0; position < record.sequenceLength; ++position) {
        auto p = static_cast<size_t>(position);
        int64_t token = p < record.tokens.size() ? record.tokens[p] : -1;
        uint8_t flags = p < layer.flags.size() ? layer.flags[p] : 0;
        const char *kind =
            p < record.sinks.size() ? sinkKindName(record.sinks[p].kind) : "";
        out += formatString("%zu,%d,%d,%d,%d,%lld,", r, record.prompt,
                            record.batchRow, layer.layer, position,
                            static_cast<long long>(token));
        out += cell(layer.recv, p) + "," + cell(layer.hiddenNorm, p) + "," +
               cell(layer.hiddenCosBos, p) + "," + cell(layer.mlpNorm, p) +
               "," + cell(layer.mlpCosBos, p) + ",";
        out +=
            formatString("%d,%d,%s,", (flags & kCriterionHiddenCosine) ? 1 : 0,
                         (flags & kCriterionAttention) ? 1 : 0, kind);
        out += cell(layer.keyNorm, p) + "," + cell(layer.valueNorm, p);
        for (auto [metric, state] : kMlpStateMetrics)
          out += "," + cell(layer.values(metric), p);
        out += "\n";
      }
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// plot
//===----------------------------------------------------------------------===//

std::string xmlEscape(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out.push_back(c);
    }
  }
  return out;
}

std::string svgOpen(double width, double height) {
  std::string svg = formatString(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
      "font-size=\"12\">\n",
      width, height, width, height);
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  return svg;
}

std::string shorten(const std::string &text, size_t maxBytes) {
  if (text.size() <= maxBytes)
    return text;
  size_t cut = maxBytes;
  // Never in the middle of a UTF-8 character.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return text.substr(0, cut) + "...";
}

std::string renderSvg(const TraceData &trace, size_t recordIndex) {
  const TraceRecord &record = trace.records[recordIndex];
  // The receivers are named once each in a legend to the right of the chart
  // and the points carry the legend's colour: labels beside the points
  // overlapped when a position ranked in several neighbouring layers and ran
  // off the right edge at the last layer.
  const double legendWidth = 230;
  const double width = 860 + legendWidth, height = 460;
  const double left = 70, right = 30 + legendWidth, top = 60, bottom = 60;
  const double plotWidth = width - left - right;
  const double plotHeight = height - top - bottom;
  size_t layerCount = record.measurements.size();
  auto x = [&](size_t index) {
    return left + plotWidth * (layerCount > 1
                                   ? static_cast<double>(index) /
                                         static_cast<double>(layerCount - 1)
                                   : 0.5);
  };
  static const char *const kPalette[] = {
      "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79"};
  const size_t paletteSize = sizeof(kPalette) / sizeof(kPalette[0]);

  // Receivers in order of first appearance (layer, then rank).
  std::vector<int> receivers;
  std::vector<std::vector<int>> perLayer;
  for (const LayerRecord &layer : record.measurements) {
    perLayer.push_back(topReceivers(layer, 3, record.rules.minQueries));
    for (int position : perLayer.back())
      if (std::find(receivers.begin(), receivers.end(), position) ==
          receivers.end())
        receivers.push_back(position);
  }
  // The y axis ends at the next of 1, 2, 2.5 and 5 times a power of ten
  // above the largest value shown (at most 1): over thousands of tokens BOS
  // mass and the shares are below 0.01 and would lie flat on a 0-1 axis.
  double largest = 0;
  for (size_t i = 0; i < layerCount; ++i) {
    const LayerRecord &layer = record.measurements[i];
    if (!std::isnan(layer.bosMass))
      largest = std::max(largest, static_cast<double>(layer.bosMass));
    for (int position : perLayer[i])
      largest = std::max(largest, attentionShare(layer, position));
  }
  double yMax = 1.0;
  for (double decade = 1e-4; decade < 1.0; decade *= 10) {
    double candidate = 0;
    for (double step : {1.0, 2.0, 2.5, 5.0})
      if (candidate == 0 && largest <= step * decade)
        candidate = step * decade;
    if (candidate != 0) {
      yMax = std::min(candidate, 1.0);
      break;
    }
  }
  auto y = [&](double value) {
    return top + plotHeight * (1.0 - std::clamp(value / yMax, 0.0, 1.0));
  };
  auto colourOf = [&](int position) {
    size_t index = static_cast<size_t>(
        std::find(receivers.begin(), receivers.end(), position) -
        receivers.begin());
    return index < paletteSize ? kPalette[index] : "#999999";
  };

  std::string svg = svgOpen(width, height);
  svg += formatString(
      "<text x=\"%.0f\" y=\"24\" font-size=\"16\">%s: record %zu (prompt "
      "%d, %d tokens)</text>\n",
      left, xmlEscape(trace.model.name).c_str(), recordIndex, record.prompt,
      record.sequenceLength);
  svg += formatString(
      "<text x=\"%.0f\" y=\"44\" fill=\"#1f77b4\">&#9679; "
      "bos_mass</text><text x=\"%.0f\" y=\"44\" "
      "fill=\"#444\">&#9679; top-3 attention shares besides position 0 (keys "
      "seen by "
      "&#8805; %d queries)</text>\n",
      left, left + 110, record.rules.minQueries);
  // Axes, y grid at 0.25 steps, one x tick per instrumented layer (thinned
  // so that the numbers never touch).
  for (int step = 0; step <= 4; ++step) {
    double value = yMax * step / 4.0;
    svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#ddd\"/>\n"
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">"
                        "%g</text>\n",
                        left, y(value), left + plotWidth, y(value), left - 8,
                        y(value) + 4, value);
  }
  svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"black\"/>\n",
                      left, y(0), left + plotWidth, y(0));
  svg += formatString("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                      "stroke=\"black\"/>\n",
                      left, y(0), left, y(1));
  svg += formatString("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                      "layer</text>\n",
                      left + plotWidth / 2, height - 16);
  svg += formatString("<text transform=\"translate(18 %.1f) rotate(-90)\" "
                      "text-anchor=\"middle\">attention mass</text>\n",
                      top + plotHeight / 2);
  size_t tickEvery = 1;
  while (layerCount > 1 && plotWidth / static_cast<double>(layerCount - 1) *
                                   static_cast<double>(tickEvery) <
                               24)
    ++tickEvery;
  std::string line;
  for (size_t i = 0; i < layerCount; ++i) {
    const LayerRecord &layer = record.measurements[i];
    if (i % tickEvery == 0 || i + 1 == layerCount)
      svg += formatString("<text x=\"%.1f\" y=\"%.1f\" "
                          "text-anchor=\"middle\">%d</text>\n",
                          x(i), y(0) + 18, layer.layer);
    if (!std::isnan(layer.bosMass)) {
      line += formatString("%.1f,%.1f ", x(i), y(layer.bosMass));
      svg += formatString("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                          "fill=\"#1f77b4\"><title>layer %d bos_mass "
                          "%s</title></circle>\n",
                          x(i), y(layer.bosMass), layer.layer,
                          formatFloat(layer.bosMass).c_str());
    }
    for (int position : perLayer[i]) {
      double share = attentionShare(layer, position);
      double cy = y(share);
      svg +=
          formatString("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" "
                       "stroke=\"white\" stroke-width=\"0.8\"><title>"
                       "layer %d position %d attention share %s (recv %s)"
                       "</title></circle>\n",
                       x(i), cy, colourOf(position), layer.layer, position,
                       formatString("%.4g", share).c_str(),
                       formatFloat(layer.recv[position]).c_str());
    }
  }
  if (!line.empty())
    svg += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" "
           "points=\"" +
           line + "\"/>\n";
  // The legend: one row per receiver, as many as fit, then "+N more".
  double legendX = left + plotWidth + 24;
  size_t rows = static_cast<size_t>((plotHeight - 16) / 15);
  svg += formatString("<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">"
                      "position:token</text>\n",
                      legendX, top);
  for (size_t i = 0; i < receivers.size(); ++i) {
    double rowY = top + 16 + 15 * static_cast<double>(i);
    if (i + 1 == rows && receivers.size() > rows) {
      svg += formatString("<text x=\"%.1f\" y=\"%.1f\" fill=\"#666\">+%zu "
                          "more (grey points)</text>\n",
                          legendX, rowY, receivers.size() - i);
      break;
    }
    int position = receivers[i];
    int64_t token = static_cast<size_t>(position) < record.tokens.size()
                        ? record.tokens[position]
                        : -1;
    std::string label =
        formatString("%d:%lld", position, static_cast<long long>(token));
    std::string text = tokenText(trace.model, record, position);
    text = shorten(text, 18);
    if (!text.empty())
      label += " " + text;
    svg += formatString(
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"%s\"/>"
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s</text>\n",
        legendX, rowY - 8, colourOf(position), legendX + 14, rowY,
        xmlEscape(label).c_str());
  }
  svg += "</svg>\n";
  return svg;
}

} // namespace sinktrace
