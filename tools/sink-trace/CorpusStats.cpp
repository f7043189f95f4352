//===- CorpusStats.cpp - Sink statistics over many traces -----------------===//

#include "CorpusStats.h"

#include "TraceReport.h"

#include "sinkrt/Classify.h"
#include "sinkrt/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>

using namespace sinkrt;

namespace sinktrace {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
} // namespace

double quantile(const std::vector<double> &sorted, double fraction) {
  if (sorted.empty())
    return kNaN;
  double rank = fraction * static_cast<double>(sorted.size() - 1);
  auto below = static_cast<size_t>(std::floor(rank));
  if (below + 1 >= sorted.size())
    return sorted.back();
  double weight = rank - static_cast<double>(below);
  return sorted[below] + weight * (sorted[below + 1] - sorted[below]);
}

Distribution describe(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(),
                              [](double value) { return std::isnan(value); }),
               values.end());
  Distribution result;
  result.count = values.size();
  if (values.empty())
    return result;
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double value : values)
    sum += value;
  result.mean = sum / static_cast<double>(values.size());
  // Two passes: the squares of deviations, not of values, so that a large
  // common offset does not cancel the spread away.
  if (values.size() > 1) {
    double squares = 0;
    for (double value : values)
      squares += (value - result.mean) * (value - result.mean);
    result.sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  }
  result.min = values.front();
  result.q1 = quantile(values, 0.25);
  result.median = quantile(values, 0.5);
  result.q3 = quantile(values, 0.75);
  result.max = values.back();
  return result;
}

//===----------------------------------------------------------------------===//
// Accumulation
//===----------------------------------------------------------------------===//

// Shared with TraceMerge.cpp and TraceDiff.cpp (declared in CorpusStats.h).
namespace {
/// ", intervention SPEC" for an intervened model, else nothing.
std::string interventionSuffix(const ModelSummary &model, bool wanted) {
  if (!wanted || !model.intervention.present())
    return "";
  return ", intervention " + model.intervention.describe();
}
} // namespace

std::string modelIdentity(const ModelSummary &model, bool withIntervention) {
  return formatString("model '%s' (%d layers, %d heads, vocabulary %lld, "
                      "weights hash %016llx%s)",
                      model.name.c_str(), model.layers, model.heads,
                      static_cast<long long>(model.vocab),
                      static_cast<unsigned long long>(model.weightsHash),
                      interventionSuffix(model, withIntervention).c_str());
}

std::string modelDescription(const ModelSummary &model) {
  return formatString("%s (%d layers, %d heads, vocabulary %lld, bos %lld, "
                      "tokenizer %s, weights hash %016llx%s)",
                      model.name.c_str(), model.layers, model.heads,
                      static_cast<long long>(model.vocab),
                      static_cast<long long>(model.bos),
                      model.tokenizer.c_str(),
                      static_cast<unsigned long long>(model.weightsHash),
                      interventionSuffix(model, true).c_str());
}

bool sameWeights(const ModelSummary &a, const ModelSummary &b) {
  return a.name == b.name && a.layers == b.layers && a.heads == b.heads &&
         a.vocab == b.vocab && a.bos == b.bos && a.tokenizer == b.tokenizer &&
         a.weightsSize == b.weightsSize && a.weightsHash == b.weightsHash;
}

bool sameModel(const ModelSummary &a, const ModelSummary &b) {
  return sameWeights(a, b) && a.intervention == b.intervention;
}

std::string rulesText(const std::vector<int> &layers,
                      const ClassificationRules &rules) {
  return formatString(
      "layers %s, tau %s, epsilon %s, min_queries %d, criteria %s, "
      "early_layers %d, late_index %d",
      layerRange(layers).c_str(), formatFloat(rules.tau).c_str(),
      formatFloat(rules.epsilon).c_str(), rules.minQueries,
      criteriaName(rules.criteriaAvailable).c_str(), rules.earlyLayers,
      rules.lateIndex);
}

bool sameRules(const ClassificationRules &a, const ClassificationRules &b) {
  return a.tau == b.tau && a.epsilon == b.epsilon &&
         a.minQueries == b.minQueries &&
         a.criteriaAvailable == b.criteriaAvailable &&
         a.windowFirst == b.windowFirst && a.windowLast == b.windowLast &&
         a.earlyLayers == b.earlyLayers && a.lateIndex == b.lateIndex;
}

Status CorpusStatsBuilder::add(const std::string &path,
                               const TraceData &trace) {
  // Sink levels and per-layer figures only mean something for one network
  // classified one way; pooling anything else would mix unrelated layers.
  if (!haveModel) {
    model = trace.model;
    modelFile = path;
    haveModel = true;
  } else if (!sameModel(model, trace.model)) {
    return failure("'%s' is a trace of %s, but '%s' is of %s; statistics "
                   "pool the traces of one model",
                   path.c_str(), modelIdentity(trace.model).c_str(),
                   modelFile.c_str(), modelIdentity(model).c_str());
  }
  for (size_t index = 0; index < trace.records.size(); ++index) {
    const TraceRecord &record = trace.records[index];
    if (!haveRules) {
      layers = record.layers;
      rules = record.rules;
      rulesOrigin = formatString("'%s' record %zu", path.c_str(), index);
      haveRules = true;
    } else if (record.layers != layers || !sameRules(record.rules, rules)) {
      return failure(
          "'%s' record %zu was instrumented or classified with %s, but %s "
          "with %s; statistics pool records classified one way",
          path.c_str(), index, rulesText(record.layers, record.rules).c_str(),
          rulesOrigin.c_str(), rulesText(layers, rules).c_str());
    }
  }

  files.push_back(path);
  for (const TraceRecord &record : trace.records) {
    CompactRecord compact;
    compact.length = record.sequenceLength;
    positions += static_cast<size_t>(std::max(record.sequenceLength, 0));
    for (int64_t token : record.tokens)
      ++occurrences[token];
    for (const TokenSink &sink : record.sinks) {
      if (sink.kind == SinkKind::None)
        continue;
      compact.sinks.push_back(sink);
      // A token id decodes the same wherever it stands; keep its first text.
      if (!texts.count(sink.token))
        texts[sink.token] = tokenText(model, record, sink.position);
    }
    for (const LayerRecord &layer : record.measurements)
      if (!std::isnan(layer.bosMass))
        bosMass[layer.layer].push_back(layer.bosMass);
    records.push_back(std::move(compact));
  }
  return Status::ok();
}

namespace {

/// Counts sinks and the records they occur in per token, most frequent
/// first, ties by token id.
class TokenCounter {
public:
  void add(int64_t token, size_t record) {
    Entry &entry = entries[token];
    ++entry.sinks;
    entry.records.insert(record);
  }

  std::vector<TokenStats>
  finish(const std::map<int64_t, size_t> &occurrences,
         const std::map<int64_t, std::string> &texts) const {
    std::vector<TokenStats> tokens;
    for (const auto &[token, entry] : entries) {
      TokenStats stats;
      stats.token = token;
      if (auto text = texts.find(token); text != texts.end())
        stats.text = text->second;
      stats.sinks = entry.sinks;
      stats.sequences = entry.records.size();
      if (auto count = occurrences.find(token); count != occurrences.end())
        stats.occurrences = count->second;
      tokens.push_back(stats);
    }
    std::sort(tokens.begin(), tokens.end(),
              [](const TokenStats &a, const TokenStats &b) {
                if (a.sinks != b.sinks)
                  return a.sinks > b.sinks;
                return a.token < b.token;
              });
    return tokens;
  }

private:
  struct Entry {
    size_t sinks = 0;
    std::set<size_t> records;
  };
  std::map<int64_t, Entry> entries;
};

std::vector<double> histogramSample(const std::map<int, size_t> &histogram) {
  std::vector<double> sample;
  for (const auto &[value, count] : histogram)
    sample.insert(sample.end(), count, static_cast<double>(value));
  return sample;
}

} // namespace

CorpusStats CorpusStatsBuilder::finish() const {
  CorpusStats stats;
  stats.files = files;
  stats.model = model;
  stats.records = records.size();
  stats.positions = positions;
  stats.layers = layers;
  stats.rules = rules;

  struct KindAccumulator {
    KindStats *stats;
    std::vector<double> relative;
    TokenCounter tokens;
  };
  KindAccumulator primary{&stats.primary, {}, {}};
  KindAccumulator secondary{&stats.secondary, {}, {}};
  for (size_t index = 0; index < records.size(); ++index) {
    const CompactRecord &record = records[index];
    int primaryCount = 0, secondaryCount = 0;
    for (const TokenSink &sink : record.sinks) {
      bool isPrimary = sink.kind == SinkKind::Primary;
      KindAccumulator &kind = isPrimary ? primary : secondary;
      ++(isPrimary ? primaryCount : secondaryCount);
      ++kind.stats->sinks;
      ++kind.stats->positions[sink.position];
      kind.relative.push_back(record.length > 1
                                  ? static_cast<double>(sink.position) /
                                        static_cast<double>(record.length - 1)
                                  : 0.0);
      kind.tokens.add(sink.token, index);
    }
    ++stats.primary.perSequence[primaryCount];
    ++stats.secondary.perSequence[secondaryCount];
    ++stats.sinksPerSequence[primaryCount + secondaryCount];
    stats.primary.sequencesWithSink += primaryCount > 0;
    stats.secondary.sequencesWithSink += secondaryCount > 0;
  }
  for (KindAccumulator *kind : {&primary, &secondary}) {
    kind->stats->perSequenceStats =
        describe(histogramSample(kind->stats->perSequence));
    kind->stats->relativePosition = describe(kind->relative);
    kind->stats->tokens = kind->tokens.finish(occurrences, texts);
  }
  stats.sinksPerSequenceStats =
      describe(histogramSample(stats.sinksPerSequence));

  // The grouping of `sink-trace summary`, over the records of all files.
  std::vector<TraceRecord> sinkRecords(records.size());
  for (size_t index = 0; index < records.size(); ++index)
    sinkRecords[index].sinks = records[index].sinks;
  for (const SinkLevel &level : aggregateSinkLevels(sinkRecords)) {
    LevelStats levelStats;
    levelStats.kind = level.kind;
    levelStats.creationLayer = level.creationLayer;
    levelStats.lifetime = level.lifetime;
    levelStats.count = static_cast<size_t>(level.count);
    TokenCounter tokens;
    std::set<int> sequences;
    for (const SinkHit &hit : level.hits) {
      sequences.insert(hit.record);
      tokens.add(hit.token, static_cast<size_t>(hit.record));
    }
    levelStats.sequences = sequences.size();
    levelStats.tokens = tokens.finish(occurrences, texts);
    stats.levels.push_back(std::move(levelStats));
  }

  for (int layer : layers) {
    LayerBosMass entry;
    entry.layer = layer;
    if (auto values = bosMass.find(layer); values != bosMass.end())
      entry.bosMass = describe(values->second);
    stats.bosMass.push_back(entry);
  }
  return stats;
}

//===----------------------------------------------------------------------===//
// text
//===----------------------------------------------------------------------===//

namespace {

std::string fixed(double value, int decimals = 3) {
  if (std::isnan(value))
    return "-";
  return formatString("%.*f", decimals, value);
}

std::string percent(size_t part, size_t whole) {
  if (whole == 0)
    return "-";
  return formatString("%.1f%%", 100.0 * static_cast<double>(part) /
                                    static_cast<double>(whole));
}

/// As `sink-trace summary` prints a token: quoted, except the "<bos>" that
/// stands for the BOS id of a model without token texts.
std::string quoted(const ModelSummary &model, const std::string &text) {
  if (text.empty() || (text == "<bos>" && model.tokenizer != "json"))
    return text;
  return "'" + text + "'";
}

std::string histogramText(const std::map<int, size_t> &histogram) {
  std::string text;
  for (const auto &[value, count] : histogram)
    text += formatString("%s%d:%zu", text.empty() ? "" : " ", value, count);
  return text;
}

void appendPerSequence(std::string &out, const char *name,
                       const std::map<int, size_t> &histogram,
                       const Distribution &distribution) {
  out += formatString(
      "  %-9s %6s %6s %4s %6s %6s %6s %4s  %s\n", name,
      fixed(distribution.mean, 2).c_str(), fixed(distribution.sd, 2).c_str(),
      fixed(distribution.min, 0).c_str(), fixed(distribution.q1, 2).c_str(),
      fixed(distribution.median, 2).c_str(), fixed(distribution.q3, 2).c_str(),
      fixed(distribution.max, 0).c_str(), histogramText(histogram).c_str());
}

void appendTokenRows(std::string &out, const ModelSummary &model,
                     const char *kind, const std::vector<TokenStats> &tokens) {
  for (const TokenStats &token : tokens)
    out += formatString("  %-9s %7lld %-14s %6zu %9zu %11zu %7s\n", kind,
                        static_cast<long long>(token.token),
                        quoted(model, token.text).c_str(), token.sinks,
                        token.sequences, token.occurrences,
                        percent(token.sinks, token.occurrences).c_str());
}

std::string levelTokens(const ModelSummary &model,
                        const std::vector<TokenStats> &tokens) {
  std::string text;
  size_t shown = std::min<size_t>(tokens.size(), 5);
  for (size_t i = 0; i < shown; ++i) {
    text += formatString("%s%lld", i ? ", " : "",
                         static_cast<long long>(tokens[i].token));
    std::string token = quoted(model, tokens[i].text);
    if (!token.empty())
      text += " " + token;
    text += formatString(" x%zu", tokens[i].sinks);
  }
  if (tokens.size() > shown)
    text += formatString(", ... (%zu more)", tokens.size() - shown);
  return text;
}

} // namespace

std::string renderStatsText(const CorpusStats &stats) {
  const ModelSummary &model = stats.model;
  std::string out =
      formatString("corpus: %zu trace file(s), %zu records, %zu positions\n",
                   stats.files.size(), stats.records, stats.positions);
  out += "model: " + modelDescription(model) + "\n";
  out += "classification: " + rulesText(stats.layers, stats.rules) + "\n";

  out += formatString(
      "\nsequences with >= 1 secondary sink: %zu of %zu (%s)\n",
      stats.secondary.sequencesWithSink, stats.records,
      percent(stats.secondary.sequencesWithSink, stats.records).c_str());

  out += "\nsinks per sequence (histogram as sinks:sequences):\n";
  out +=
      formatString("  %-9s %6s %6s %4s %6s %6s %6s %4s  %s\n", "kind", "mean",
                   "sd", "min", "q1", "median", "q3", "max", "histogram");
  appendPerSequence(out, "primary", stats.primary.perSequence,
                    stats.primary.perSequenceStats);
  appendPerSequence(out, "secondary", stats.secondary.perSequence,
                    stats.secondary.perSequenceStats);
  appendPerSequence(out, "all", stats.sinksPerSequence,
                    stats.sinksPerSequenceStats);

  out += "\nrelative position of sinks (position / (T - 1)):\n";
  out += formatString("  %-9s %6s %6s %6s %6s %6s %6s\n", "kind", "sinks",
                      "min", "q1", "median", "q3", "max");
  for (auto [name, kind] : {std::pair{"primary", &stats.primary},
                            std::pair{"secondary", &stats.secondary}}) {
    const Distribution &position = kind->relativePosition;
    out +=
        formatString("  %-9s %6zu %6s %6s %6s %6s %6s\n", name, kind->sinks,
                     fixed(position.min).c_str(), fixed(position.q1).c_str(),
                     fixed(position.median).c_str(), fixed(position.q3).c_str(),
                     fixed(position.max).c_str());
  }
  out += "  primary sinks by position (position:sinks): " +
         (stats.primary.positions.empty()
              ? std::string("none")
              : histogramText(stats.primary.positions)) +
         "\n";

  out += "\nsink tokens (share = sinks / occurrences of the token):\n";
  if (stats.primary.tokens.empty() && stats.secondary.tokens.empty()) {
    out += "  none\n";
  } else {
    out += formatString("  %-9s %7s %-14s %6s %9s %11s %7s\n", "kind", "token",
                        "text", "sinks", "sequences", "occurrences", "share");
    appendTokenRows(out, model, "primary", stats.primary.tokens);
    appendTokenRows(out, model, "secondary", stats.secondary.tokens);
  }

  out += "\nsink levels (kind, creation layer, lifetime):\n";
  if (stats.levels.empty()) {
    out += "  none\n";
  } else {
    out += formatString("  %-9s %7s %8s %5s %9s  %s\n", "kind", "created",
                        "lifetime", "count", "sequences", "tokens");
    for (const LevelStats &level : stats.levels)
      out += formatString("  %-9s %7d %8d %5zu %9zu  %s\n",
                          sinkKindName(level.kind), level.creationLayer,
                          level.lifetime, level.count, level.sequences,
                          levelTokens(model, level.tokens).c_str());
  }

  out += "\nbos_mass per layer (over the records that measured it; sd with "
         "n - 1):\n";
  out += formatString("  %5s %7s %7s %7s %7s %7s\n", "layer", "records", "mean",
                      "sd", "min", "max");
  for (const LayerBosMass &layer : stats.bosMass)
    out += formatString(
        "  %5d %7zu %7s %7s %7s %7s\n", layer.layer, layer.bosMass.count,
        fixed(layer.bosMass.mean).c_str(), fixed(layer.bosMass.sd).c_str(),
        fixed(layer.bosMass.min).c_str(), fixed(layer.bosMass.max).c_str());
  return out;
}

//===----------------------------------------------------------------------===//
// json
//===----------------------------------------------------------------------===//

namespace {

std::string jsonDistribution(const Distribution &distribution) {
  return formatString(
      "{\"count\": %zu, \"mean\": %s, \"sd\": %s, \"min\": %s, \"q1\": %s, "
      "\"median\": %s, \"q3\": %s, \"max\": %s}",
      distribution.count, jsonDouble(distribution.mean).c_str(),
      jsonDouble(distribution.sd).c_str(), jsonDouble(distribution.min).c_str(),
      jsonDouble(distribution.q1).c_str(),
      jsonDouble(distribution.median).c_str(),
      jsonDouble(distribution.q3).c_str(),
      jsonDouble(distribution.max).c_str());
}

std::string jsonHistogram(const std::map<int, size_t> &histogram,
                          const char *key, const char *countKey) {
  std::string out = "[";
  for (const auto &[value, count] : histogram)
    out +=
        formatString("%s{\"%s\": %d, \"%s\": %zu}", out.size() > 1 ? ", " : "",
                     key, value, countKey, count);
  return out + "]";
}

std::string jsonToken(const TokenStats &token) {
  return formatString("{\"token\": %lld, \"text\": %s, \"sinks\": %zu, "
                      "\"sequences\": %zu, \"occurrences\": %zu}",
                      static_cast<long long>(token.token),
                      jsonString(token.text).c_str(), token.sinks,
                      token.sequences, token.occurrences);
}

std::string jsonLevel(const LevelStats &level) {
  return formatString("{\"kind\": \"%s\", \"creation_layer\": %d, "
                      "\"lifetime\": %d, \"count\": %zu, \"sequences\": %zu, "
                      "\"tokens\": %s}",
                      sinkKindName(level.kind), level.creationLayer,
                      level.lifetime, level.count, level.sequences,
                      jsonLines(level.tokens, "    ", jsonToken).c_str());
}

std::string jsonLayerBosMass(const LayerBosMass &layer) {
  return formatString("{\"layer\": %d, \"distribution\": %s}", layer.layer,
                      jsonDistribution(layer.bosMass).c_str());
}

std::string jsonKind(const KindStats &kind) {
  std::string out = "{\n";
  out += formatString("      \"sinks\": %zu,\n", kind.sinks);
  out += formatString("      \"sequences_with_sink\": %zu,\n",
                      kind.sequencesWithSink);
  out += "      \"per_sequence\": {\"histogram\": " +
         jsonHistogram(kind.perSequence, "sinks", "sequences") +
         ", \"distribution\": " + jsonDistribution(kind.perSequenceStats) +
         "},\n";
  out += "      \"relative_position\": " +
         jsonDistribution(kind.relativePosition) + ",\n";
  out += "      \"positions\": " +
         jsonHistogram(kind.positions, "position", "sinks") + ",\n";
  out +=
      "      \"tokens\": " + jsonLines(kind.tokens, "      ", jsonToken) + "\n";
  return out + "    }";
}

} // namespace

std::string renderStatsJson(const CorpusStats &stats) {
  const ModelSummary &model = stats.model;
  const ClassificationRules &rules = stats.rules;
  std::string out = "{\n  \"files\": [";
  for (size_t i = 0; i < stats.files.size(); ++i)
    out += (i ? ", " : "") + jsonString(stats.files[i]);
  out += "],\n";
  out += "  \"model\": {\"name\": " + jsonString(model.name);
  out += formatString(
      ", \"layers\": %d, \"heads\": %d, \"vocab\": %lld, "
      "\"bos\": %lld, \"tokenizer\": %s, \"weights_hash\": "
      "\"%016llx\"},\n",
      model.layers, model.heads, static_cast<long long>(model.vocab),
      static_cast<long long>(model.bos), jsonString(model.tokenizer).c_str(),
      static_cast<unsigned long long>(model.weightsHash));
  out += formatString("  \"records\": %zu,\n  \"positions\": %zu,\n",
                      stats.records, stats.positions);
  out += "  \"layers\": [";
  for (size_t i = 0; i < stats.layers.size(); ++i)
    out += formatString("%s%d", i ? ", " : "", stats.layers[i]);
  out += "],\n";
  out += formatString(
      "  \"classification\": {\"tau\": %s, \"epsilon\": %s, \"min_queries\": "
      "%d, \"criteria_available\": %s, \"early_layers\": %d, "
      "\"late_index\": %d},\n",
      formatFloat(rules.tau).c_str(), formatFloat(rules.epsilon).c_str(),
      rules.minQueries, jsonCriteria(rules.criteriaAvailable).c_str(),
      rules.earlyLayers, rules.lateIndex);
  out += formatString("  \"sequences_with_secondary\": %zu,\n",
                      stats.secondary.sequencesWithSink);
  out +=
      "  \"fraction_with_secondary\": " +
      jsonDouble(stats.records
                     ? static_cast<double>(stats.secondary.sequencesWithSink) /
                           static_cast<double>(stats.records)
                     : kNaN) +
      ",\n";
  out +=
      "  \"sinks_per_sequence\": {\"histogram\": " +
      jsonHistogram(stats.sinksPerSequence, "sinks", "sequences") +
      ", \"distribution\": " + jsonDistribution(stats.sinksPerSequenceStats) +
      "},\n";
  out += "  \"kinds\": {\n    \"primary\": " + jsonKind(stats.primary) +
         ",\n    \"secondary\": " + jsonKind(stats.secondary) + "\n  },\n";
  out += "  \"levels\": " + jsonLines(stats.levels, "  ", jsonLevel) + ",\n";
  out += "  \"bos_mass\": " + jsonLines(stats.bosMass, "  ", jsonLayerBosMass) +
         "\n}\n";
  return out;
}

} // namespace sinktrace
