//===- Trace.cpp - Sink trace serialization and verification --------------===//

#include "sinkrt/TraceData.h"

#include "sink_trace_generated.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/Text.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace sinkrt {

namespace fb = sinkrt::fbs;

const char *sinkKindName(SinkKind kind) {
  switch (kind) {
  case SinkKind::Primary:
    return "primary";
  case SinkKind::Secondary:
    return "secondary";
  case SinkKind::None:
    break;
  }
  return "none";
}

std::string criteriaName(uint8_t criteria) {
  bool cosine = criteria & kCriterionHiddenCosine;
  bool attention = criteria & kCriterionAttention;
  if (cosine && attention)
    return "cos+attn";
  if (cosine)
    return "cos";
  if (attention)
    return "attn";
  return "-";
}

std::vector<float> &LayerRecord::values(Metric metric) {
  switch (metric) {
  case Metric::HeadBosMass:
    return headBosMass;
  case Metric::Recv:
    return recv;
  case Metric::HiddenNorm:
    return hiddenNorm;
  case Metric::HiddenCosBos:
    return hiddenCosBos;
  case Metric::MlpNorm:
    return mlpNorm;
  case Metric::KeyNorm:
    return keyNorm;
  case Metric::ValueNorm:
    return valueNorm;
  case Metric::MlpInputCosBos:
    return mlpInputCosBos;
  case Metric::MlpGateCosBos:
    return mlpGateCosBos;
  case Metric::MlpUpCosBos:
    return mlpUpCosBos;
  case Metric::MlpActCosBos:
    return mlpActCosBos;
  case Metric::MlpGatedCosBos:
    return mlpGatedCosBos;
  case Metric::MlpOutputCosBos:
    return mlpOutputCosBos;
  case Metric::MlpCosBos:
  case Metric::BosMass:
    break;
  }
  return mlpCosBos;
}

const std::vector<float> &LayerRecord::values(Metric metric) const {
  return const_cast<LayerRecord *>(this)->values(metric);
}

namespace {

/// The float vectors of the Layer table, one per metric but bos_mass (a
/// scalar field), in schema order: what the writer and the reader loop over.
struct LayerVectorField {
  Metric metric;
  const flatbuffers::Vector<float> *(fb::Layer::*read)() const;
  void (fb::LayerBuilder::*write)(
      flatbuffers::Offset<flatbuffers::Vector<float>>);
};

// Names each field once, for its accessor and for its builder's add_.
#define SINKRT_LAYER_VECTOR(Enumerator, field)                                 \
  {Metric::Enumerator, &fb::Layer::field, &fb::LayerBuilder::add_##field}
constexpr LayerVectorField kLayerVectorFields[] = {
    SINKRT_LAYER_VECTOR(HeadBosMass, head_bos_mass),
    SINKRT_LAYER_VECTOR(Recv, recv),
    SINKRT_LAYER_VECTOR(HiddenNorm, hidden_norm),
    SINKRT_LAYER_VECTOR(HiddenCosBos, hidden_cos_bos),
    SINKRT_LAYER_VECTOR(MlpNorm, mlp_norm),
    SINKRT_LAYER_VECTOR(MlpCosBos, mlp_cos_bos),
    SINKRT_LAYER_VECTOR(KeyNorm, key_norm),
    SINKRT_LAYER_VECTOR(ValueNorm, value_norm),
    SINKRT_LAYER_VECTOR(MlpInputCosBos, mlp_input_cos_bos),
    SINKRT_LAYER_VECTOR(MlpGateCosBos, mlp_gate_cos_bos),
    SINKRT_LAYER_VECTOR(MlpUpCosBos, mlp_up_cos_bos),
    SINKRT_LAYER_VECTOR(MlpActCosBos, mlp_act_cos_bos),
    SINKRT_LAYER_VECTOR(MlpGatedCosBos, mlp_gated_cos_bos),
    SINKRT_LAYER_VECTOR(MlpOutputCosBos, mlp_output_cos_bos),
};
#undef SINKRT_LAYER_VECTOR
static_assert(std::size(kLayerVectorFields) == kMetricCount - 1,
              "every metric but bos_mass needs its Layer field here");

} // namespace

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

namespace {

class TraceSerializer {
public:
  std::vector<uint8_t> serialize(const TraceData &trace);

private:
  flatbuffers::Offset<flatbuffers::Vector<float>>
  floats(const std::vector<float> &values) {
    // An absent vector means "not measured"; an empty one cannot occur
    // because sequences are never empty.
    if (values.empty())
      return 0;
    return builder.CreateVector(values);
  }
  flatbuffers::Offset<fb::Record> record(const TraceRecord &record);

  flatbuffers::FlatBufferBuilder builder{1 << 16};
};

flatbuffers::Offset<fb::Record>
TraceSerializer::record(const TraceRecord &record) {
  std::vector<flatbuffers::Offset<fb::Layer>> layers;
  for (const LayerRecord &layer : record.measurements) {
    // FlatBuffers wants a table's vectors built before the table.
    flatbuffers::Offset<flatbuffers::Vector<float>>
        vectors[std::size(kLayerVectorFields)];
    for (size_t i = 0; i < std::size(kLayerVectorFields); ++i)
      vectors[i] = floats(layer.values(kLayerVectorFields[i].metric));
    auto flags = builder.CreateVector(layer.flags);
    fb::LayerBuilder table(builder);
    table.add_layer(layer.layer);
    table.add_bos_mass(layer.bosMass);
    for (size_t i = 0; i < std::size(kLayerVectorFields); ++i)
      (table.*kLayerVectorFields[i].write)(vectors[i]);
    table.add_flags(flags);
    layers.push_back(table.Finish());
  }
  std::vector<flatbuffers::Offset<fb::TokenSink>> sinks;
  for (const TokenSink &sink : record.sinks)
    sinks.push_back(fb::CreateTokenSink(
        builder, sink.position, sink.token,
        static_cast<fb::SinkKind>(sink.kind), sink.creationLayer, sink.lifetime,
        sink.endLayer, sink.flaggedLayers, sink.peakRecv, sink.peakRecvLayer,
        sink.criteria));
  std::vector<uint8_t> metrics;
  for (Metric metric : record.metrics)
    metrics.push_back(static_cast<uint8_t>(metric));
  const ClassificationRules &rules = record.rules;
  auto classification = fb::CreateClassification(
      builder, rules.tau, rules.epsilon, rules.minQueries,
      rules.criteriaAvailable, rules.windowFirst, rules.windowLast,
      rules.earlyLayers, rules.lateIndex);
  auto tokens = builder.CreateVector(record.tokens);
  auto spec = builder.CreateString(record.instrumentSpec);
  auto layerList = builder.CreateVector(record.layers);
  auto metricList = builder.CreateVector(metrics);
  auto measurementList = builder.CreateVector(layers);
  auto sinkList = builder.CreateVector(sinks);
  flatbuffers::Offset<
      flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>>
      texts;
  if (!record.tokenTexts.empty()) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> strings;
    for (const std::string &text : record.tokenTexts)
      strings.push_back(builder.CreateString(text));
    texts = builder.CreateVector(strings);
  }
  return fb::CreateRecord(builder, record.prompt, record.batchRow, tokens,
                          record.sequenceLength, spec, layerList, metricList,
                          classification, measurementList, sinkList, texts);
}

std::vector<uint8_t> TraceSerializer::serialize(const TraceData &trace) {
  const ModelSummary &model = trace.model;
  auto modelName = builder.CreateString(model.name);
  auto tokenizer = builder.CreateString(model.tokenizer);
  flatbuffers::Offset<fb::Intervention> intervention;
  if (model.intervention.present()) {
    const Intervention &source = model.intervention;
    auto spec = builder.CreateString(source.spec);
    flatbuffers::Offset<flatbuffers::String> vector;
    if (!source.steerVector.empty())
      vector = builder.CreateString(source.steerVector);
    intervention = fb::CreateIntervention(
        builder, spec, vector, source.steerVectorHash, source.steerVectorNorm);
  }
  auto modelTable = fb::CreateModel(
      builder, modelName, model.layers, model.heads, model.vocab, model.bos,
      tokenizer, model.weightsSize, model.weightsHash, intervention);
  std::vector<flatbuffers::Offset<fb::Record>> records;
  for (const TraceRecord &entry : trace.records)
    records.push_back(record(entry));
  std::vector<flatbuffers::Offset<fb::SinkLevel>> levels;
  for (const SinkLevel &level : trace.levels) {
    std::vector<fb::SinkHit> hits;
    for (const SinkHit &hit : level.hits)
      hits.emplace_back(hit.record, hit.position, hit.token);
    auto hitVector = builder.CreateVectorOfStructs(hits);
    levels.push_back(fb::CreateSinkLevel(
        builder, static_cast<fb::SinkKind>(level.kind), level.creationLayer,
        level.lifetime, level.count, hitVector));
  }
  auto producer = builder.CreateString(trace.producer);
  auto recordVector = builder.CreateVector(records);
  auto levelVector = builder.CreateVector(levels);
  auto root = fb::CreateTrace(builder, trace.schemaVersion, producer,
                              modelTable, recordVector, levelVector);
  // Size-prefixed, so that a file cut short by any number of bytes (even
  // only trailing padding) fails verification.
  fb::FinishSizePrefixedTraceBuffer(builder, root);
  return std::vector<uint8_t>(builder.GetBufferPointer(),
                              builder.GetBufferPointer() + builder.GetSize());
}

/// The schema version that added `metric` to the Metric enum (every case
/// listed, so that a new metric cannot be forgotten here).
uint32_t metricSchemaVersion(Metric metric) {
  switch (metric) {
  case Metric::BosMass:
  case Metric::HeadBosMass:
  case Metric::Recv:
  case Metric::HiddenNorm:
  case Metric::HiddenCosBos:
  case Metric::MlpNorm:
  case Metric::MlpCosBos:
    return 1;
  case Metric::KeyNorm:
  case Metric::ValueNorm:
    return 2;
  case Metric::MlpInputCosBos:
  case Metric::MlpGateCosBos:
  case Metric::MlpUpCosBos:
  case Metric::MlpActCosBos:
  case Metric::MlpGatedCosBos:
  case Metric::MlpOutputCosBos:
    return 3;
  }
  return 1;
}

} // namespace

uint32_t oldestSchemaVersionFor(const TraceData &trace) {
  uint32_t version = 1;
  for (const TraceRecord &record : trace.records)
    for (Metric metric : record.metrics)
      version = std::max(version, metricSchemaVersion(metric));
  return version;
}

size_t estimateSerializedTraceSize(const TraceData &trace) {
  // Generous per-item bounds: table headers and vtable offsets included.
  size_t estimate = 4096 + trace.model.name.size() + trace.producer.size() +
                    trace.model.intervention.spec.size() +
                    trace.model.intervention.steerVector.size();
  for (const TraceRecord &record : trace.records) {
    estimate += 1024 + record.instrumentSpec.size() + record.tokens.size() * 8 +
                record.layers.size() * 4 + record.sinks.size() * 80;
    // Per string: offset, length, NUL and padding.
    for (const std::string &text : record.tokenTexts)
      estimate += 12 + text.size();
    for (const LayerRecord &layer : record.measurements) {
      estimate += 128 + layer.flags.size() + layer.headBosMass.size() * 4;
      for (Metric metric : perTokenMetrics())
        estimate += layer.values(metric).size() * 4;
    }
  }
  for (const SinkLevel &level : trace.levels)
    estimate += 64 + level.hits.size() * 16;
  return estimate;
}

Expected<std::vector<uint8_t>> serializeTrace(const TraceData &trace,
                                              size_t maxBytes) {
  size_t estimate = estimateSerializedTraceSize(trace);
  if (estimate > maxBytes)
    return failure("the trace would take about %zu MB, more than one trace "
                   "file can hold (%zu MB); split the prompts over several "
                   "runs",
                   estimate >> 20, maxBytes >> 20);
  return TraceSerializer().serialize(trace);
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {

template <typename T, typename U>
std::vector<T> toVector(const flatbuffers::Vector<U> *vector) {
  std::vector<T> values;
  if (!vector)
    return values;
  values.reserve(vector->size());
  for (auto value : *vector)
    values.push_back(static_cast<T>(value));
  return values;
}

/// The verifier checks that vectors lie inside the buffer and that their
/// length field is 4-byte aligned, but not that 8-byte elements are 8-byte
/// aligned; in a corrupt file they may not be, and reading them would be
/// undefined behaviour. (Genuine traces are aligned: the builder aligns
/// every vector for its elements, and parseTrace reads from an aligned copy.)
/// An empty vector is never read, and the builder does not align its
/// (nonexistent) elements.
template <typename V> bool isAligned(const V *vector, size_t alignment) {
  return !vector || vector->size() == 0 ||
         reinterpret_cast<uintptr_t>(vector->Data()) % alignment == 0;
}

std::string toString(const flatbuffers::String *text) {
  return text ? text->str() : std::string();
}

Expected<TraceRecord> readRecord(const fb::Record &source, size_t index) {
  if (!isAligned(source.tokens(), alignof(int64_t)))
    return failure("corrupt sink trace: misaligned tokens of record %zu",
                   index);
  TraceRecord record;
  record.prompt = source.prompt();
  record.batchRow = source.batch_row();
  record.tokens = toVector<int64_t>(source.tokens());
  if (const auto *texts = source.token_texts()) {
    if (texts->size() != record.tokens.size())
      return failure("record %zu has %u token texts for %zu token ids", index,
                     texts->size(), record.tokens.size());
    for (const flatbuffers::String *text : *texts)
      record.tokenTexts.push_back(toString(text));
  }
  record.sequenceLength = source.sequence_length();
  record.instrumentSpec = toString(source.instrument_spec());
  record.layers = toVector<int>(source.layers());
  for (uint8_t metric : toVector<uint8_t>(source.metrics())) {
    if (metric >= kMetricCount)
      return failure("record %zu lists unknown metric %u", index, metric);
    record.metrics.push_back(static_cast<Metric>(metric));
  }
  if (const fb::Classification *rules = source.classification()) {
    record.rules.tau = rules->tau();
    record.rules.epsilon = rules->epsilon();
    record.rules.minQueries = rules->min_queries();
    record.rules.criteriaAvailable = rules->criteria_available();
    record.rules.windowFirst = rules->window_first();
    record.rules.windowLast = rules->window_last();
    record.rules.earlyLayers = rules->early_layers();
    record.rules.lateIndex = rules->late_index();
  }
  if (record.sequenceLength < 0)
    return failure("record %zu has a negative sequence length", index);
  auto expectTokens = [&](const std::vector<float> &values,
                          const char *name) -> Status {
    if (!values.empty() &&
        values.size() != static_cast<size_t>(record.sequenceLength))
      return failure("record %zu: %s has %zu values for %d tokens", index, name,
                     values.size(), record.sequenceLength);
    return Status::ok();
  };
  if (source.measurements()) {
    for (const fb::Layer *layer : *source.measurements()) {
      LayerRecord entry;
      entry.layer = layer->layer();
      entry.bosMass = layer->bos_mass();
      for (const LayerVectorField &field : kLayerVectorFields)
        entry.values(field.metric) = toVector<float>((layer->*field.read)());
      entry.flags = toVector<uint8_t>(layer->flags());
      for (Metric metric : perTokenMetrics())
        if (Status status =
                expectTokens(entry.values(metric), metricName(metric));
            !status)
          return status.takeError();
      if (!entry.flags.empty() &&
          entry.flags.size() != static_cast<size_t>(record.sequenceLength))
        return failure("record %zu: flags have the wrong length", index);
      record.measurements.push_back(std::move(entry));
    }
  }
  // Reports do work per token and layer, so a declared length must be backed
  // by per-token data in the file; otherwise a few hundred bytes claiming
  // 10^8 tokens make sink-trace csv write gigabytes. The runtime always
  // writes the prompt's tokens, and a flag per token in every layer.
  auto tokenCount = static_cast<size_t>(record.sequenceLength);
  bool tokensBacked = record.tokens.size() == tokenCount;
  bool flagsBacked = !record.measurements.empty();
  for (const LayerRecord &layer : record.measurements)
    flagsBacked = flagsBacked && layer.flags.size() == tokenCount;
  if (tokenCount != 0 && !tokensBacked && !flagsBacked)
    return failure("record %zu declares %d tokens but carries %zu token ids "
                   "and no per-token flags for them",
                   index, record.sequenceLength, record.tokens.size());
  if (!record.tokens.empty() && !tokensBacked)
    return failure("record %zu has %zu token ids for %d tokens", index,
                   record.tokens.size(), record.sequenceLength);
  if (source.sinks()) {
    for (const fb::TokenSink *sink : *source.sinks()) {
      TokenSink entry;
      entry.position = sink->position();
      entry.token = sink->token();
      if (static_cast<uint8_t>(sink->kind()) > 2)
        return failure("record %zu has an unknown sink kind", index);
      entry.kind = static_cast<SinkKind>(sink->kind());
      entry.creationLayer = sink->creation_layer();
      entry.lifetime = sink->lifetime();
      entry.endLayer = sink->end_layer();
      entry.flaggedLayers = sink->flagged_layers();
      entry.peakRecv = sink->peak_recv();
      entry.peakRecvLayer = sink->peak_recv_layer();
      entry.criteria = sink->criteria();
      record.sinks.push_back(entry);
    }
  }
  return record;
}

} // namespace

Expected<TraceData> parseTrace(const uint8_t *data, size_t size) {
  // FlatBuffers alignment is relative to the buffer start; read from an
  // aligned copy when the caller's buffer is not aligned for 8-byte fields.
  if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
    std::vector<uint64_t> aligned((size + 7) / 8);
    if (size)
      std::memcpy(aligned.data(), data, size);
    return parseTrace(reinterpret_cast<const uint8_t *>(aligned.data()), size);
  }
  if (size < 12)
    return failure("not a sink trace: %zu bytes is too short", size);
  if (!fb::SizePrefixedTraceBufferHasIdentifier(data)) {
    std::string identifier(reinterpret_cast<const char *>(data) + 8, 4);
    return failure("not a sink trace: file identifier is '%s', expected "
                   "'%s'",
                   escapeBytes(identifier).c_str(), kTraceFileIdentifier);
  }
  // Every table takes at least 4 bytes, so this bound never rejects a
  // genuine trace, however many records it holds.
  auto maxTables = static_cast<flatbuffers::uoffset_t>(
      std::min<size_t>(size / 4 + 1, FLATBUFFERS_MAX_BUFFER_SIZE));
  flatbuffers::Verifier verifier(data, size, /*max_depth=*/64, maxTables);
  if (!fb::VerifySizePrefixedTraceBuffer(verifier))
    return failure("corrupt or truncated sink trace (the FlatBuffers "
                   "verifier rejected it)");
  const fb::Trace *root = fb::GetSizePrefixedTrace(data);
  uint32_t version = root->schema_version();
  if (version == 0)
    return failure("corrupt sink trace: no schema version");
  if (version > kTraceSchemaVersion)
    return failure("the trace has schema version %u; this reader knows "
                   "versions up to %u (update sink-trace)",
                   version, kTraceSchemaVersion);
  if (!root->model())
    return failure("corrupt sink trace: no model description");

  TraceData trace;
  trace.schemaVersion = version;
  trace.producer = toString(root->producer());
  const fb::Model &model = *root->model();
  trace.model.name = toString(model.name());
  trace.model.layers = model.layers();
  trace.model.heads = model.heads();
  trace.model.vocab = model.vocab();
  trace.model.bos = model.bos();
  trace.model.tokenizer = toString(model.tokenizer());
  trace.model.weightsSize = model.weights_size();
  trace.model.weightsHash = model.weights_hash();
  if (const fb::Intervention *intervention = model.intervention()) {
    Intervention &entry = trace.model.intervention;
    entry.spec = toString(intervention->spec());
    if (entry.spec.empty())
      return failure("corrupt sink trace: an intervention without a spec");
    entry.steerVector = toString(intervention->steer_vector());
    entry.steerVectorHash = intervention->steer_vector_hash();
    entry.steerVectorNorm = intervention->steer_vector_norm();
  }
  if (root->records()) {
    size_t index = 0;
    for (const fb::Record *record : *root->records()) {
      Expected<TraceRecord> parsed = readRecord(*record, index++);
      if (!parsed)
        return parsed.takeError();
      trace.records.push_back(std::move(*parsed));
    }
  }
  if (root->levels()) {
    for (const fb::SinkLevel *level : *root->levels()) {
      SinkLevel entry;
      if (static_cast<uint8_t>(level->kind()) > 2)
        return failure("corrupt sink trace: unknown sink kind in a level");
      entry.kind = static_cast<SinkKind>(level->kind());
      entry.creationLayer = level->creation_layer();
      entry.lifetime = level->lifetime();
      entry.count = level->count();
      if (!isAligned(level->hits(), alignof(fb::SinkHit)))
        return failure("corrupt sink trace: misaligned sink level hits");
      if (level->hits())
        for (const fb::SinkHit *hit : *level->hits())
          entry.hits.push_back({hit->record(), hit->position(), hit->token()});
      trace.levels.push_back(std::move(entry));
    }
  }
  return trace;
}

Expected<TraceData> readTraceFile(const std::string &path) {
  Expected<std::vector<unsigned char>> content = readFile(path);
  if (!content)
    return Error{ErrorKind::Failure, content.takeError().message};
  Expected<TraceData> trace = parseTrace(content->data(), content->size());
  if (!trace)
    return withContext(trace.takeError(), "'" + path + "'");
  return trace;
}

} // namespace sinkrt
