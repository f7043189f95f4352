//===- TraceDiff.cpp - Two traces of the same prompts compared ------------===//

#include "TraceDiff.h"

#include "CorpusStats.h"
#include "TraceReport.h"

#include "sinkrt/TensorIO.h"
#include "sinkrt/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>

using namespace sinkrt;

namespace sinktrace {

const char *sinkChangeName(SinkChange change) {
  switch (change) {
  case SinkChange::Gained:
    return "gained";
  case SinkChange::Lost:
    return "lost";
  case SinkChange::Changed:
    return "changed";
  }
  return "?";
}

bool RecordDiff::differs() const {
  if (!sinks.empty() || (logits.compared && logits.changed))
    return true;
  for (const LayerDiff &layer : layers)
    if (layer.changed)
      return true;
  return false;
}

namespace {

bool sameValue(float a, float b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

/// The sink entry of every position (kind None where the trace has none).
std::vector<TokenSink> sinksByPosition(const TraceRecord &record) {
  auto count = static_cast<size_t>(std::max(record.sequenceLength, 0));
  std::vector<TokenSink> sinks(count);
  std::vector<bool> seen(count, false);
  for (size_t position = 0; position < count; ++position) {
    sinks[position].position = static_cast<int>(position);
    if (position < record.tokens.size())
      sinks[position].token = record.tokens[position];
  }
  for (const TokenSink &sink : record.sinks) {
    if (sink.position < 0 || static_cast<size_t>(sink.position) >= count ||
        seen[sink.position])
      continue;
    seen[sink.position] = true;
    sinks[sink.position] = sink;
  }
  return sinks;
}

bool sameSink(const TokenSink &a, const TokenSink &b) {
  if (a.kind != b.kind)
    return false;
  // A position that is no sink has no creation layer or lifetime.
  return a.kind == SinkKind::None ||
         (a.creationLayer == b.creationLayer && a.lifetime == b.lifetime);
}

/// The measurements of each layer (the first, should a file list a layer
/// twice).
std::map<int, const LayerRecord *> layersByNumber(const TraceRecord &record) {
  std::map<int, const LayerRecord *> layers;
  for (const LayerRecord &entry : record.measurements)
    layers.emplace(entry.layer, &entry);
  return layers;
}

const LayerRecord *findLayer(const std::map<int, const LayerRecord *> &layers,
                             int layer) {
  auto found = layers.find(layer);
  return found == layers.end() ? nullptr : found->second;
}

LayerDiff diffLayer(int layerIndex, const TraceRecord &recordA,
                    const LayerRecord *a, const LayerRecord *b) {
  LayerDiff diff;
  diff.layer = layerIndex;
  if (a)
    diff.bosMassA = a->bosMass;
  if (b)
    diff.bosMassB = b->bosMass;
  if (!std::isnan(diff.bosMassA) && !std::isnan(diff.bosMassB))
    diff.bosMassDelta =
        static_cast<double>(diff.bosMassB) - static_cast<double>(diff.bosMassA);
  diff.changed = !sameValue(diff.bosMassA, diff.bosMassB);

  auto tokenCount = static_cast<size_t>(recordA.sequenceLength);
  bool hasA = a && a->recv.size() == tokenCount && tokenCount > 0;
  bool hasB = b && b->recv.size() == tokenCount && tokenCount > 0;
  if (hasA != hasB)
    diff.changed = true;
  if (!hasA || !hasB)
    return diff;
  diff.recvCompared = true;
  diff.maxRecvDelta = 0;
  double largest = 0;
  for (size_t position = 0; position < tokenCount; ++position) {
    // Keys seen by fewer than min_queries queries are not ranked (the
    // classification's rule): their recv averages a handful of queries.
    if (static_cast<int64_t>(tokenCount - position) < recordA.rules.minQueries)
      break;
    double delta = static_cast<double>(b->recv[position]) -
                   static_cast<double>(a->recv[position]);
    if (std::isnan(delta) || std::fabs(delta) <= largest)
      continue;
    largest = std::fabs(delta);
    diff.maxRecvDelta = delta;
    diff.maxRecvPosition = static_cast<int>(position);
  }
  if (diff.maxRecvPosition >= 0)
    diff.changed = true;
  return diff;
}

/// log softmax of one row, in double.
std::vector<double> logSoftmax(const double *row, size_t vocab) {
  double largest = -INFINITY;
  for (size_t v = 0; v < vocab; ++v)
    largest = std::max(largest, row[v]);
  double total = 0;
  for (size_t v = 0; v < vocab; ++v)
    total += std::exp(row[v] - largest);
  double shift = largest + std::log(total);
  std::vector<double> out(vocab);
  for (size_t v = 0; v < vocab; ++v)
    out[v] = row[v] - shift;
  return out;
}

TraceSide describeSide(const std::string &path, const TraceData &trace) {
  TraceSide side;
  side.path = path;
  side.model = trace.model;
  if (!trace.records.empty()) {
    const TraceRecord &first = trace.records.front();
    side.instrumentSpec = first.instrumentSpec;
    side.layers = first.layers;
    side.metrics = first.metrics;
    side.rules = first.rules;
  }
  return side;
}

/// Why records `index` of the two traces cannot be compared; empty when
/// they can.
Status checkComparable(size_t index, const std::string &pathA,
                       const TraceRecord &a, const std::string &pathB,
                       const TraceRecord &b) {
  const char *why = "diff compares runs over the same token sequences";
  if (a.sequenceLength != b.sequenceLength)
    return failure("record %zu has %d tokens in '%s', but %d in '%s'; %s",
                   index, b.sequenceLength, pathB.c_str(), a.sequenceLength,
                   pathA.c_str(), why);
  if (a.tokens.size() != b.tokens.size())
    return failure("record %zu has %zu token ids in '%s', but %zu in '%s'; %s",
                   index, b.tokens.size(), pathB.c_str(), a.tokens.size(),
                   pathA.c_str(), why);
  for (size_t position = 0; position < a.tokens.size(); ++position)
    if (a.tokens[position] != b.tokens[position])
      return failure("record %zu differs in its tokens: position %zu is "
                     "token %lld in '%s', but %lld in '%s'; %s",
                     index, position,
                     static_cast<long long>(b.tokens[position]), pathB.c_str(),
                     static_cast<long long>(a.tokens[position]), pathA.c_str(),
                     why);
  if (a.layers != b.layers)
    return failure("record %zu was instrumented at layers %s in '%s', but at "
                   "layers %s in '%s'; diff compares the same instrumented "
                   "layers",
                   index, layerRange(b.layers).c_str(), pathB.c_str(),
                   layerRange(a.layers).c_str(), pathA.c_str());
  return Status::ok();
}

} // namespace

Expected<TraceDiff> diffTraces(const std::string &pathA, const TraceData &a,
                               const std::string &pathB, const TraceData &b) {
  if (a.records.size() != b.records.size())
    return failure("'%s' has %zu records, but '%s' has %zu; diff compares two "
                   "runs over the same prompts, record by record",
                   pathB.c_str(), b.records.size(), pathA.c_str(),
                   a.records.size());
  for (size_t index = 0; index < a.records.size(); ++index)
    if (Status status = checkComparable(index, pathA, a.records[index], pathB,
                                        b.records[index]);
        !status)
      return status.takeError();

  TraceDiff diff;
  diff.a = describeSide(pathA, a);
  diff.b = describeSide(pathB, b);
  diff.sameModel = sameWeights(a.model, b.model);
  diff.sameIntervention = a.model.intervention == b.model.intervention;
  diff.sameInstrumentation = diff.a.instrumentSpec == diff.b.instrumentSpec &&
                             diff.a.metrics == diff.b.metrics;
  diff.sameRules = sinktrace::sameRules(diff.a.rules, diff.b.rules);

  std::map<int, std::pair<size_t, double>> bosMassSums;
  for (size_t index = 0; index < a.records.size(); ++index) {
    const TraceRecord &recordA = a.records[index];
    const TraceRecord &recordB = b.records[index];
    RecordDiff record;
    record.record = index;
    record.prompt = recordA.prompt;
    record.sequenceLength = recordA.sequenceLength;
    record.rulesA = recordA.rules;
    record.rulesB = recordB.rules;
    record.rulesOwn = !sinktrace::sameRules(recordA.rules, diff.a.rules) ||
                      !sinktrace::sameRules(recordB.rules, diff.b.rules);

    std::vector<TokenSink> sinksA = sinksByPosition(recordA);
    std::vector<TokenSink> sinksB = sinksByPosition(recordB);
    for (size_t position = 0; position < sinksA.size(); ++position) {
      const TokenSink &sinkA = sinksA[position];
      const TokenSink &sinkB = sinksB[position];
      if (sameSink(sinkA, sinkB))
        continue;
      SinkDiff change;
      change.change = sinkA.kind == SinkKind::None   ? SinkChange::Gained
                      : sinkB.kind == SinkKind::None ? SinkChange::Lost
                                                     : SinkChange::Changed;
      change.position = static_cast<int>(position);
      change.token = position < recordA.tokens.size() ? recordA.tokens[position]
                                                      : sinkA.token;
      change.text = tokenText(a.model, recordA, static_cast<int>(position));
      change.a = sinkA;
      change.b = sinkB;
      if (change.change == SinkChange::Gained)
        ++diff.gained[static_cast<size_t>(sinkB.kind)];
      else if (change.change == SinkChange::Lost)
        ++diff.lost[static_cast<size_t>(sinkA.kind)];
      else
        ++diff.changed;
      record.sinks.push_back(std::move(change));
    }

    std::map<int, const LayerRecord *> layersA = layersByNumber(recordA);
    std::map<int, const LayerRecord *> layersB = layersByNumber(recordB);
    for (int layer : recordA.layers) {
      LayerDiff layerDiff = diffLayer(layer, recordA, findLayer(layersA, layer),
                                      findLayer(layersB, layer));
      std::pair<size_t, double> &sum = bosMassSums[layer];
      if (!std::isnan(layerDiff.bosMassDelta)) {
        ++sum.first;
        sum.second += layerDiff.bosMassDelta;
      }
      record.layers.push_back(layerDiff);
    }
    diff.recordsWithSinkChanges += record.sinksChanged();
    diff.recordsWithDifferences += record.differs();
    diff.records.push_back(std::move(record));
  }
  for (const auto &[layer, sum] : bosMassSums) {
    LayerMeanDelta mean;
    mean.layer = layer;
    mean.records = sum.first;
    if (sum.first)
      mean.mean = sum.second / static_cast<double>(sum.first);
    diff.bosMassDelta.push_back(mean);
  }
  return diff;
}

LogitKl compareLogits(const std::vector<double> &a,
                      const std::vector<double> &b, size_t positions,
                      size_t vocab) {
  LogitKl kl;
  kl.compared = true;
  kl.positions = positions;
  if (positions == 0 || vocab == 0)
    return kl;
  double total = 0;
  for (size_t position = 0; position < positions; ++position) {
    const double *rowA = a.data() + position * vocab;
    const double *rowB = b.data() + position * vocab;
    kl.changed = kl.changed || !std::equal(rowA, rowA + vocab, rowB);
    std::vector<double> logA = logSoftmax(rowA, vocab);
    std::vector<double> logB = logSoftmax(rowB, vocab);
    double sum = 0;
    for (size_t v = 0; v < vocab; ++v)
      sum += std::exp(logA[v]) * (logA[v] - logB[v]);
    // KL is never negative; rounding can make a sum of tiny terms so.
    sum = std::max(sum, 0.0);
    total += sum;
    if (kl.maxPosition < 0 || sum > kl.max) {
      kl.max = sum;
      kl.maxPosition = static_cast<int>(position);
    }
    kl.last = sum;
  }
  kl.mean = total / static_cast<double>(positions);
  return kl;
}

std::string logitsFileFor(const std::string &path, const TraceData &trace,
                          const TraceRecord &record) {
  bool onePrompt =
      std::all_of(trace.records.begin(), trace.records.end(),
                  [](const TraceRecord &entry) { return entry.prompt == 0; });
  if (onePrompt)
    return path;
  std::string stem = path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".npy") == 0)
    stem.resize(stem.size() - 4);
  return formatString("%s.%d.npy", stem.c_str(), record.prompt);
}

namespace {

/// The logits of one record from the file its executable wrote: `rows`
/// positions of `vocab` values, as doubles.
struct RecordLogits {
  std::vector<double> values;
  size_t positions = 0;
  size_t vocab = 0;
};

Expected<RecordLogits> readRecordLogits(const std::string &file,
                                        const TraceRecord &record,
                                        size_t index) {
  Expected<std::vector<unsigned char>> bytes = readFile(file);
  if (!bytes)
    return bytes.takeError();
  Expected<HostTensor> tensor = parseNpy(bytes->data(), bytes->size());
  if (!tensor)
    return withContext(tensor.takeError(), "'" + file + "'");
  const std::vector<int64_t> &shape = tensor->shape;
  if (shape.size() != 3 ||
      (tensor->dtype != DType::F32 && tensor->dtype != DType::F64 &&
       tensor->dtype != DType::F16))
    return failure("'%s' holds %s %s, not the logits [batch, sequence, "
                   "vocabulary] of an executable (--logits)",
                   file.c_str(), dtypeName(tensor->dtype),
                   shapeToString(shape).c_str());
  if (record.batchRow < 0 || record.batchRow >= shape[0])
    return failure("'%s' holds logits %s, which have no batch row %d for "
                   "record %zu",
                   file.c_str(), shapeToString(shape).c_str(), record.batchRow,
                   index);
  if (shape[1] != record.sequenceLength && shape[1] != 1)
    return failure("'%s' holds logits %s for %lld positions, but record %zu "
                   "has %d tokens; give the logits of the runs that wrote "
                   "the traces",
                   file.c_str(), shapeToString(shape).c_str(),
                   static_cast<long long>(shape[1]), index,
                   record.sequenceLength);
  RecordLogits logits;
  logits.positions = static_cast<size_t>(shape[1]);
  logits.vocab = static_cast<size_t>(shape[2]);
  size_t count = logits.positions * logits.vocab;
  size_t first = static_cast<size_t>(record.batchRow) * count;
  logits.values.resize(count);
  for (size_t i = 0; i < count; ++i) {
    size_t at = first + i;
    switch (tensor->dtype) {
    case DType::F64:
      logits.values[i] = tensor->as<double>()[at];
      break;
    case DType::F16:
      logits.values[i] = halfToFloat(tensor->as<uint16_t>()[at]);
      break;
    default:
      logits.values[i] = tensor->as<float>()[at];
      break;
    }
  }
  return logits;
}

} // namespace

Status attachLogits(TraceDiff &diff, const TraceData &a,
                    const std::string &logitsA, const TraceData &b,
                    const std::string &logitsB) {
  std::vector<LogitKl> results;
  for (size_t index = 0; index < diff.records.size(); ++index) {
    const TraceRecord &recordA = a.records[index];
    const TraceRecord &recordB = b.records[index];
    std::string fileA = logitsFileFor(logitsA, a, recordA);
    std::string fileB = logitsFileFor(logitsB, b, recordB);
    Expected<RecordLogits> valuesA = readRecordLogits(fileA, recordA, index);
    if (!valuesA)
      return valuesA.takeError();
    Expected<RecordLogits> valuesB = readRecordLogits(fileB, recordB, index);
    if (!valuesB)
      return valuesB.takeError();
    if (valuesA->positions != valuesB->positions ||
        valuesA->vocab != valuesB->vocab)
      return failure("record %zu: '%s' holds logits of %zu positions and %zu "
                     "ids, but '%s' of %zu positions and %zu ids; KL compares "
                     "the same positions of one vocabulary",
                     index, fileB.c_str(), valuesB->positions, valuesB->vocab,
                     fileA.c_str(), valuesA->positions, valuesA->vocab);
    results.push_back(compareLogits(valuesA->values, valuesB->values,
                                    valuesA->positions, valuesA->vocab));
  }
  diff.a.logitsPath = logitsA;
  diff.b.logitsPath = logitsB;
  diff.logitsCompared = true;
  double total = 0;
  for (size_t index = 0; index < results.size(); ++index) {
    RecordDiff &record = diff.records[index];
    bool differed = record.differs();
    record.logits = results[index];
    diff.recordsWithDifferences += !differed && record.differs();
    total += record.logits.last;
    if (index == 0 || record.logits.last > diff.maxLastKl) {
      diff.maxLastKl = record.logits.last;
      diff.maxLastKlRecord = index;
    }
  }
  if (!results.empty())
    diff.meanLastKl = total / static_cast<double>(results.size());
  return Status::ok();
}

//===----------------------------------------------------------------------===//
// text
//===----------------------------------------------------------------------===//

namespace {

std::string fixed(double value) {
  if (std::isnan(value))
    return "-";
  return formatString("%.4f", value);
}

std::string signedFixed(double value) {
  if (std::isnan(value))
    return "-";
  return formatString("%+.4f", value);
}

/// KL divergences span many decades: four significant digits.
std::string scientific(double value) {
  if (std::isnan(value))
    return "-";
  return formatString("%.4g", value);
}

/// As `sink-trace summary` prints a token: quoted, except the "<bos>" that
/// stands for the BOS id of a model without token texts.
std::string quoted(const ModelSummary &model, const std::string &text) {
  if (text.empty() || (text == "<bos>" && model.tokenizer != "json"))
    return text;
  return "'" + text + "'";
}

std::string metricList(const std::vector<Metric> &metrics) {
  std::string text;
  for (Metric metric : metrics)
    text += (text.empty() ? "" : ",") + std::string(metricName(metric));
  return text.empty() ? "none" : text;
}

std::string instrumentationText(const TraceSide &side) {
  return formatString("%s (layers %s; metrics %s)", side.instrumentSpec.c_str(),
                      layerRange(side.layers).c_str(),
                      metricList(side.metrics).c_str());
}

std::string orDash(int value, bool present) {
  return present ? std::to_string(value) : std::string("-");
}

std::string plural(size_t count, const char *singular, const char *many) {
  return formatString("%zu %s", count, count == 1 ? singular : many);
}

void appendSinkRows(std::string &out, const ModelSummary &model,
                    const RecordDiff &record) {
  out += formatString("  %-8s %8s %6s %-12s %-9s %-9s %9s %9s %10s %10s\n",
                      "change", "position", "token", "text", "kind A", "kind B",
                      "created A", "created B", "lifetime A", "lifetime B");
  for (const SinkDiff &sink : record.sinks) {
    bool inA = sink.a.kind != SinkKind::None;
    bool inB = sink.b.kind != SinkKind::None;
    out += formatString("  %-8s %8d %6lld %-12s %-9s %-9s %9s %9s %10s %10s\n",
                        sinkChangeName(sink.change), sink.position,
                        static_cast<long long>(sink.token),
                        quoted(model, shorten(sink.text, 20)).c_str(),
                        sinkKindName(sink.a.kind), sinkKindName(sink.b.kind),
                        orDash(sink.a.creationLayer, inA).c_str(),
                        orDash(sink.b.creationLayer, inB).c_str(),
                        orDash(sink.a.lifetime, inA).c_str(),
                        orDash(sink.b.lifetime, inB).c_str());
  }
}

void appendLayerRows(std::string &out, const RecordDiff &record) {
  out += formatString("  %5s %10s %10s %14s %16s %8s\n", "layer", "bos_mass A",
                      "bos_mass B", "delta bos_mass", "max delta recv",
                      "position");
  for (const LayerDiff &layer : record.layers)
    out += formatString(
        "  %5d %10s %10s %14s %16s %8s\n", layer.layer,
        fixed(layer.bosMassA).c_str(), fixed(layer.bosMassB).c_str(),
        signedFixed(layer.bosMassDelta).c_str(),
        signedFixed(layer.maxRecvDelta).c_str(),
        orDash(layer.maxRecvPosition, layer.maxRecvPosition >= 0).c_str());
}

} // namespace

std::string renderDiffText(const TraceDiff &diff) {
  std::string out = formatString(
      "diff: A = '%s', B = '%s'; %zu records matched by index, the same "
      "tokens\n",
      diff.a.path.c_str(), diff.b.path.c_str(), diff.records.size());
  out += "model A: " + modelIdentity(diff.a.model, false) + "\n";
  out += "model B: " +
         (diff.sameModel ? std::string("the same model and weights")
                         : modelIdentity(diff.b.model, false) +
                               " -- another model or weights: two models "
                               "compared on the same tokens") +
         "\n";
  // Only when a side was steered: traces of unmodified models keep their
  // header.
  if (diff.a.model.intervention.present() ||
      diff.b.model.intervention.present()) {
    out += "intervention A: " + diff.a.model.intervention.describe() + "\n";
    out += "intervention B: " +
           (diff.sameIntervention ? std::string("the same")
                                  : diff.b.model.intervention.describe() +
                                        " -- another intervention") +
           "\n";
  }
  if (!diff.records.empty()) {
    out += "instrumented A: " + instrumentationText(diff.a) + "\n";
    out += "instrumented B: " +
           (diff.sameInstrumentation
                ? std::string("the same")
                : instrumentationText(diff.b) + " -- another instrumentation") +
           "\n";
    out += "classification A: " + rulesText(diff.a.layers, diff.a.rules) + "\n";
    out += "classification B: " +
           (diff.sameRules
                ? std::string("the same")
                : rulesText(diff.b.layers, diff.b.rules) + " -- other rules") +
           "\n";
  }
  out += "deltas are B - A; recv over the keys seen by at least min_queries "
         "queries (A's rules)\n";
  if (diff.logitsCompared)
    out += "logits: A '" + diff.a.logitsPath + "', B '" + diff.b.logitsPath +
           "'; KL(A || B) of the next-token distributions, in nats\n";

  for (const RecordDiff &record : diff.records) {
    out += formatString("\nrecord %zu (prompt %d, %d tokens): ", record.record,
                        record.prompt, record.sequenceLength);
    if (!record.differs()) {
      out += "no differences\n";
      continue;
    }
    size_t gained = 0, lost = 0, changed = 0;
    for (const SinkDiff &sink : record.sinks)
      ++(sink.change == SinkChange::Gained ? gained
         : sink.change == SinkChange::Lost ? lost
                                           : changed);
    out += formatString("%s gained, %zu lost, %zu changed\n",
                        plural(gained, "sink", "sinks").c_str(), lost, changed);
    if (record.rulesOwn) {
      std::vector<int> layers;
      for (const LayerDiff &layer : record.layers)
        layers.push_back(layer.layer);
      out += "  classification A: " + rulesText(layers, record.rulesA) + "\n";
      out += "  classification B: " + rulesText(layers, record.rulesB) + "\n";
    }
    if (!record.sinks.empty())
      appendSinkRows(out, diff.a.model, record);
    appendLayerRows(out, record);
    if (record.logits.compared)
      out += formatString(
          "  logit KL(A || B): %s at the last position; over "
          "%s: mean %s, max %s at position %d\n",
          scientific(record.logits.last).c_str(),
          plural(record.logits.positions, "position", "positions").c_str(),
          scientific(record.logits.mean).c_str(),
          scientific(record.logits.max).c_str(), record.logits.maxPosition);
  }

  out += formatString(
      "\ntotals: %s, %zu with sink changes, %zu with any difference\n",
      plural(diff.records.size(), "record", "records").c_str(),
      diff.recordsWithSinkChanges, diff.recordsWithDifferences);
  out += formatString("  sinks gained: %zu primary, %zu secondary\n",
                      diff.gained[1], diff.gained[2]);
  out += formatString("  sinks lost: %zu primary, %zu secondary\n",
                      diff.lost[1], diff.lost[2]);
  out +=
      formatString("  sinks changed (kind, creation layer or lifetime): %zu\n",
                   diff.changed);
  if (diff.logitsCompared && !diff.records.empty())
    out +=
        formatString("  logit KL(A || B) at the last position: mean %s, "
                     "max %s (record %zu)\n",
                     scientific(diff.meanLastKl).c_str(),
                     scientific(diff.maxLastKl).c_str(), diff.maxLastKlRecord);
  out += "  mean delta bos_mass per layer (over the records that measured it "
         "in both):\n";
  if (diff.bosMassDelta.empty()) {
    out += "    none\n";
    return out;
  }
  out += formatString("  %5s %7s %10s\n", "layer", "records", "mean delta");
  for (const LayerMeanDelta &layer : diff.bosMassDelta)
    out += formatString("  %5d %7zu %10s\n", layer.layer, layer.records,
                        signedFixed(layer.mean).c_str());
  return out;
}

//===----------------------------------------------------------------------===//
// json
//===----------------------------------------------------------------------===//

namespace {

std::string jsonIntegers(const std::vector<int> &values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i)
    out += formatString("%s%d", i ? ", " : "", values[i]);
  return out + "]";
}

std::string jsonModel(const ModelSummary &model) {
  return formatString(
      "{\"name\": %s, \"layers\": %d, \"heads\": %d, \"vocab\": %lld, "
      "\"bos\": %lld, \"tokenizer\": %s, \"weights_size\": %llu, "
      "\"weights_hash\": \"%016llx\"}",
      jsonString(model.name).c_str(), model.layers, model.heads,
      static_cast<long long>(model.vocab), static_cast<long long>(model.bos),
      jsonString(model.tokenizer).c_str(),
      static_cast<unsigned long long>(model.weightsSize),
      static_cast<unsigned long long>(model.weightsHash));
}

std::string jsonInstrumentation(const TraceSide &side) {
  std::string metrics = "[";
  for (size_t i = 0; i < side.metrics.size(); ++i)
    metrics +=
        formatString("%s\"%s\"", i ? ", " : "", metricName(side.metrics[i]));
  metrics += "]";
  return "{\"instrument_spec\": " + jsonString(side.instrumentSpec) +
         ", \"layers\": " + jsonIntegers(side.layers) +
         ", \"metrics\": " + metrics + "}";
}

std::string jsonSink(const TokenSink &sink) {
  return formatString("{\"kind\": \"%s\", \"creation_layer\": %d, "
                      "\"lifetime\": %d}",
                      sinkKindName(sink.kind), sink.creationLayer,
                      sink.lifetime);
}

std::string jsonKinds(const size_t counts[3]) {
  return formatString("{\"primary\": %zu, \"secondary\": %zu}", counts[1],
                      counts[2]);
}

std::string jsonSinkDiff(const SinkDiff &sink) {
  return formatString("{\"change\": \"%s\", \"position\": %d, \"token\": "
                      "%lld, \"text\": %s, \"a\": %s, \"b\": %s}",
                      sinkChangeName(sink.change), sink.position,
                      static_cast<long long>(sink.token),
                      jsonString(sink.text).c_str(), jsonSink(sink.a).c_str(),
                      jsonSink(sink.b).c_str());
}

std::string jsonLayerDiff(const LayerDiff &layer) {
  std::string position = layer.maxRecvPosition >= 0
                             ? std::to_string(layer.maxRecvPosition)
                             : std::string("null");
  return formatString("{\"layer\": %d, \"bos_mass_a\": %s, \"bos_mass_b\": %s, "
                      "\"bos_mass_delta\": %s, \"max_recv_delta\": %s, "
                      "\"max_recv_position\": %s, \"changed\": %s}",
                      layer.layer, jsonFloat(layer.bosMassA).c_str(),
                      jsonFloat(layer.bosMassB).c_str(),
                      jsonDouble(layer.bosMassDelta).c_str(),
                      jsonDouble(layer.maxRecvDelta).c_str(), position.c_str(),
                      layer.changed ? "true" : "false");
}

std::string jsonMeanDelta(const LayerMeanDelta &layer) {
  return formatString("{\"layer\": %d, \"records\": %zu, \"mean\": %s}",
                      layer.layer, layer.records,
                      jsonDouble(layer.mean).c_str());
}

std::string jsonLogitKl(const LogitKl &kl) {
  if (!kl.compared)
    return "null";
  return formatString("{\"positions\": %zu, \"last\": %s, \"mean\": %s, "
                      "\"max\": %s, \"max_position\": %d, \"changed\": %s}",
                      kl.positions, jsonDouble(kl.last).c_str(),
                      jsonDouble(kl.mean).c_str(), jsonDouble(kl.max).c_str(),
                      kl.maxPosition, kl.changed ? "true" : "false");
}

std::string jsonRecordDiff(const RecordDiff &record) {
  std::string out =
      formatString("{\"record\": %zu, \"prompt\": %d, \"sequence_length\": %d, "
                   "\"differences\": %s, \"sink_changes\": %s,\n",
                   record.record, record.prompt, record.sequenceLength,
                   record.differs() ? "true" : "false",
                   record.sinksChanged() ? "true" : "false");
  out += "     \"classification\": {\"a\": " + jsonRules(record.rulesA) +
         ", \"b\": " + jsonRules(record.rulesB) + "},\n";
  out += "     \"sinks\": " + jsonLines(record.sinks, "     ", jsonSinkDiff) +
         ",\n";
  out +=
      "     \"layers\": " + jsonLines(record.layers, "     ", jsonLayerDiff) +
      ",\n";
  out += "     \"logit_kl\": " + jsonLogitKl(record.logits);
  return out + "}";
}

} // namespace

std::string renderDiffJson(const TraceDiff &diff) {
  std::string out = "{\n";
  out += "  \"files\": {\"a\": " + jsonString(diff.a.path) +
         ", \"b\": " + jsonString(diff.b.path) + "},\n";
  out += formatString("  \"same_model\": %s,\n",
                      diff.sameModel ? "true" : "false");
  out += "  \"models\": {\"a\": " + jsonModel(diff.a.model) +
         ", \"b\": " + jsonModel(diff.b.model) + "},\n";
  out += formatString("  \"same_intervention\": %s,\n",
                      diff.sameIntervention ? "true" : "false");
  out += "  \"interventions\": {\"a\": " +
         jsonIntervention(diff.a.model.intervention) +
         ", \"b\": " + jsonIntervention(diff.b.model.intervention) + "},\n";
  out += "  \"logits\": " +
         (diff.logitsCompared
              ? "{\"a\": " + jsonString(diff.a.logitsPath) +
                    ", \"b\": " + jsonString(diff.b.logitsPath) + "}"
              : std::string("null")) +
         ",\n";
  out += formatString("  \"same_instrumentation\": %s,\n",
                      diff.sameInstrumentation ? "true" : "false");
  out += "  \"instrumentation\": {\"a\": " + jsonInstrumentation(diff.a) +
         ", \"b\": " + jsonInstrumentation(diff.b) + "},\n";
  out += formatString("  \"same_classification\": %s,\n",
                      diff.sameRules ? "true" : "false");
  out += "  \"classification\": {\"a\": " + jsonRules(diff.a.rules) +
         ", \"b\": " + jsonRules(diff.b.rules) + "},\n";
  out +=
      "  \"records\": " + jsonLines(diff.records, "  ", jsonRecordDiff) + ",\n";
  out += formatString(
      "  \"totals\": {\"records\": %zu, \"records_with_sink_changes\": %zu, "
      "\"records_with_differences\": %zu,\n",
      diff.records.size(), diff.recordsWithSinkChanges,
      diff.recordsWithDifferences);
  out += "    \"gained\": " + jsonKinds(diff.gained) +
         ", \"lost\": " + jsonKinds(diff.lost) +
         formatString(", \"changed\": %zu,\n", diff.changed);
  out += "    \"bos_mass_delta\": " +
         jsonLines(diff.bosMassDelta, "    ", jsonMeanDelta) + ",\n";
  out += "    \"logit_kl\": " +
         (diff.logitsCompared
              ? formatString(
                    "{\"records\": %zu, \"mean_last\": %s, "
                    "\"max_last\": %s, \"max_last_record\": %zu}",
                    diff.records.size(), jsonDouble(diff.meanLastKl).c_str(),
                    jsonDouble(diff.maxLastKl).c_str(), diff.maxLastKlRecord)
              : std::string("null")) +
         "}\n}\n";
  return out;
}

} // namespace sinktrace
