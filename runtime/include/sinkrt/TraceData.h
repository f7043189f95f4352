//===- TraceData.h - In-memory form of a sink trace -------------*- C++ -*-===//
//
// Plain structs mirroring runtime/schema/sink_trace.fbs. The runtime fills
// them and serializes them; sink-trace and the tests parse a verified buffer
// back into them. docs/trace-format.md documents every field.
//
//===----------------------------------------------------------------------===//

#ifndef SINKRT_TRACEDATA_H
#define SINKRT_TRACEDATA_H

#include "sinkrt/Manifest.h"
#include "sinkrt/Status.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sinkrt {

/// The newest schema version, which this code reads and writes. Version 2
/// added the metrics key_norm and value_norm, version 3 the MLP-state
/// cosines (mlp_input_cos_bos ... mlp_output_cos_bos).
inline constexpr uint32_t kTraceSchemaVersion = 3;
inline constexpr char kTraceFileIdentifier[] = "SKTR";

inline constexpr float kNotMeasured = std::numeric_limits<float>::quiet_NaN();

enum class SinkKind : uint8_t { None = 0, Primary = 1, Secondary = 2 };
const char *sinkKindName(SinkKind kind);

/// Bits of LayerRecord::flags and TokenSink::criteria.
enum CriterionBits : uint8_t {
  kCriterionHiddenCosine = 1,
  kCriterionAttention = 2,
};
/// "cos", "attn", "cos+attn" or "-".
std::string criteriaName(uint8_t criteria);

struct ModelSummary {
  std::string name;
  int layers = 0;
  int heads = 0;
  int64_t vocab = 0;
  int64_t bos = -1;
  std::string tokenizer;
  uint64_t weightsSize = 0;
  uint64_t weightsHash = 0;
  /// The steering intervention compiled into the model; absent (empty spec)
  /// in traces of unmodified models and in traces written before the field.
  Intervention intervention;
};

struct ClassificationRules {
  float tau = 0.9f;
  float epsilon = 0.3f;
  int minQueries = 4;
  uint8_t criteriaAvailable = 0;
  int windowFirst = -1;
  int windowLast = -1;
  int earlyLayers = 0;
  int lateIndex = 0;
};

struct LayerRecord {
  int layer = 0;
  float bosMass = kNotMeasured;
  std::vector<float> headBosMass;
  std::vector<float> recv;
  std::vector<float> hiddenNorm;
  std::vector<float> hiddenCosBos;
  std::vector<float> mlpNorm;
  std::vector<float> mlpCosBos;
  std::vector<float> keyNorm;
  std::vector<float> valueNorm;
  std::vector<float> mlpInputCosBos;
  std::vector<float> mlpGateCosBos;
  std::vector<float> mlpUpCosBos;
  std::vector<float> mlpActCosBos;
  std::vector<float> mlpGatedCosBos;
  std::vector<float> mlpOutputCosBos;
  std::vector<uint8_t> flags;

  /// The vector of a per-token metric or of head_bos_mass.
  std::vector<float> &values(Metric metric);
  const std::vector<float> &values(Metric metric) const;
};

struct TokenSink {
  int position = 0;
  int64_t token = -1;
  SinkKind kind = SinkKind::None;
  int creationLayer = -1;
  int lifetime = 0;
  int endLayer = -1;
  int flaggedLayers = 0;
  float peakRecv = kNotMeasured;
  int peakRecvLayer = -1;
  uint8_t criteria = 0;
};

struct TraceRecord {
  int prompt = 0;
  int batchRow = 0;
  std::vector<int64_t> tokens;
  /// Per position, the bytes the token decodes to (empty when the model has
  /// no tokenizer.json, or for old traces).
  std::vector<std::string> tokenTexts;
  int sequenceLength = 0;
  std::string instrumentSpec;
  std::vector<int> layers;
  std::vector<Metric> metrics;
  ClassificationRules rules;
  std::vector<LayerRecord> measurements;
  std::vector<TokenSink> sinks;
};

struct SinkHit {
  int record = 0;
  int position = 0;
  int64_t token = -1;
};

struct SinkLevel {
  SinkKind kind = SinkKind::None;
  int creationLayer = 0;
  int lifetime = 0;
  int count = 0;
  std::vector<SinkHit> hits;
};

struct TraceData {
  uint32_t schemaVersion = kTraceSchemaVersion;
  std::string producer;
  ModelSummary model;
  std::vector<TraceRecord> records;
  std::vector<SinkLevel> levels;
};

/// The oldest schema version whose readers understand `trace`: 3 when a
/// record lists an MLP-state cosine, 2 when it lists key_norm or value_norm
/// (enum values that readers of older versions reject), else 1, so that
/// traces without them stay readable by older tools.
uint32_t oldestSchemaVersionFor(const TraceData &trace);

/// FlatBuffers buffers cannot exceed 2 GiB; traces stay well below.
inline constexpr size_t kMaxTraceBytes = size_t(3) << 29; // 1.5 GiB

/// An upper bound of the serialized size of `trace`.
size_t estimateSerializedTraceSize(const TraceData &trace);

/// A finished, size-prefixed FlatBuffers buffer with the "SKTR" identifier
/// (the file layout of docs/trace-format.md). Refuses, before building
/// anything, a trace whose size estimate exceeds `maxBytes`.
Expected<std::vector<uint8_t>> serializeTrace(const TraceData &trace,
                                              size_t maxBytes = kMaxTraceBytes);

/// Verifies (FlatBuffers verifier, identifier, schema version) before
/// reading anything; rejects foreign, truncated and corrupt buffers.
Expected<TraceData> parseTrace(const uint8_t *data, size_t size);

/// Reads and parses a trace file; errors name the file.
Expected<TraceData> readTraceFile(const std::string &path);

} // namespace sinkrt

#endif // SINKRT_TRACEDATA_H
