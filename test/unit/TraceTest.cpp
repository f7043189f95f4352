//===- TraceTest.cpp - Trace serialization and verification ---------------===//

#include "sinkrt/TraceData.h"

#include "TestUtil.h"
#include "sinkrt/Classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace sinkrt;
using ::testing::HasSubstr;

namespace {

TraceData makeTrace() {
  TraceData trace;
  trace.producer = "unit test";
  trace.model = {"tiny", 3, 2, 260, 256, "bytes", 1029, 0x0123456789abcdefULL,
                 {}};
  for (int r = 0; r < 2; ++r) {
    TraceRecord record;
    record.prompt = r;
    record.sequenceLength = 5;
    record.tokens = {256, 104, 10, 33, 105};
    record.instrumentSpec = "layers=all";
    record.layers = {0, 1, 2};
    record.metrics = {Metric::BosMass, Metric::HeadBosMass, Metric::Recv,
                      Metric::HiddenCosBos};
    Thresholds thresholds;
    thresholds.minQueries = 1; // let the short sequence's tail count
    record.rules =
        makeClassificationRules(record.layers, record.metrics, thresholds);
    for (int l = 0; l < 3; ++l) {
      LayerRecord layer;
      layer.layer = l;
      layer.bosMass = 0.5f + 0.1f * l;
      layer.headBosMass = {0.25f, 0.75f};
      layer.recv = {0.5f, 0.1f, 0.2f, 0.35f, 0.05f};
      layer.hiddenCosBos = {1.0f, 0.1f, l == 1 ? 0.95f : 0.2f, 0.0f, NAN};
      record.measurements.push_back(layer);
    }
    classifyRecord(record);
    trace.records.push_back(record);
  }
  trace.levels = aggregateSinkLevels(trace.records);
  return trace;
}

std::vector<uint8_t> serialized(const TraceData &trace) {
  Expected<std::vector<uint8_t>> buffer = serializeTrace(trace);
  EXPECT_TRUE(buffer);
  return buffer ? std::move(*buffer) : std::vector<uint8_t>();
}

/// `trace` written and read back.
Expected<TraceData> roundTrip(const TraceData &trace) {
  std::vector<uint8_t> buffer = serialized(trace);
  return parseTrace(buffer.data(), buffer.size());
}

/// Why parseTrace refuses `trace` once written; fails the test if it
/// accepts it.
std::string rejection(const TraceData &trace) {
  Expected<TraceData> parsed = roundTrip(trace);
  if (parsed) {
    ADD_FAILURE() << "the trace was accepted";
    return "";
  }
  return parsed.getError().message;
}

bool sameFloats(const std::vector<float> &a, const std::vector<float> &b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))))
      return false;
  return true;
}

/// Writes `trace`, whose record 1 has just gained the metrics `added`, at
/// the oldest schema version that holds it, which must be `version`, and
/// reads it back: the version, record 1's last metric and the added values
/// of its layer 2 must survive.
Expected<TraceData> readBackAtVersion(TraceData &trace, uint32_t version,
                                      const std::vector<Metric> &added) {
  EXPECT_EQ(oldestSchemaVersionFor(trace), version);
  trace.schemaVersion = oldestSchemaVersionFor(trace);
  Expected<TraceData> parsed = roundTrip(trace);
  if (!parsed) {
    ADD_FAILURE() << parsed.getError().message;
    return parsed;
  }
  EXPECT_EQ(parsed->schemaVersion, version);
  const TraceRecord &record = parsed->records[1];
  EXPECT_EQ(record.metrics.back(), added.back());
  for (Metric metric : added)
    EXPECT_TRUE(sameFloats(record.measurements[2].values(metric),
                           trace.records[1].measurements[2].values(metric)))
        << metricName(metric);
  return parsed;
}

} // namespace

TEST(Trace, RoundTripsEveryField) {
  TraceData trace = makeTrace();
  std::vector<uint8_t> buffer = serialized(trace);
  ASSERT_GE(buffer.size(), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<char *>(buffer.data()) + 8, 4),
            "SKTR");
  uint32_t sizePrefix;
  std::memcpy(&sizePrefix, buffer.data(), 4);
  EXPECT_EQ(sizePrefix, buffer.size() - 4);
  Expected<TraceData> parsed = parseTrace(buffer.data(), buffer.size());
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_EQ(parsed->schemaVersion, kTraceSchemaVersion);
  EXPECT_EQ(parsed->producer, "unit test");
  EXPECT_EQ(parsed->model.name, "tiny");
  EXPECT_EQ(parsed->model.vocab, 260);
  EXPECT_EQ(parsed->model.bos, 256);
  EXPECT_EQ(parsed->model.weightsHash, 0x0123456789abcdefULL);
  ASSERT_EQ(parsed->records.size(), 2u);
  for (size_t r = 0; r < 2; ++r) {
    const TraceRecord &want = trace.records[r];
    const TraceRecord &got = parsed->records[r];
    EXPECT_EQ(got.prompt, want.prompt);
    EXPECT_EQ(got.tokens, want.tokens);
    EXPECT_EQ(got.instrumentSpec, want.instrumentSpec);
    EXPECT_EQ(got.layers, want.layers);
    EXPECT_EQ(got.metrics, want.metrics);
    EXPECT_EQ(got.rules.tau, want.rules.tau);
    EXPECT_EQ(got.rules.epsilon, want.rules.epsilon);
    EXPECT_EQ(got.rules.minQueries, want.rules.minQueries);
    EXPECT_EQ(got.rules.criteriaAvailable, want.rules.criteriaAvailable);
    EXPECT_EQ(got.rules.lateIndex, want.rules.lateIndex);
    ASSERT_EQ(got.measurements.size(), 3u);
    for (size_t l = 0; l < 3; ++l) {
      EXPECT_EQ(got.measurements[l].bosMass, want.measurements[l].bosMass);
      EXPECT_TRUE(
          sameFloats(got.measurements[l].recv, want.measurements[l].recv));
      EXPECT_TRUE(sameFloats(got.measurements[l].hiddenCosBos,
                             want.measurements[l].hiddenCosBos));
      EXPECT_TRUE(got.measurements[l].hiddenNorm.empty());
      EXPECT_EQ(got.measurements[l].flags, want.measurements[l].flags);
    }
    ASSERT_EQ(got.sinks.size(), 5u);
    for (size_t t = 0; t < 5; ++t) {
      EXPECT_EQ(got.sinks[t].kind, want.sinks[t].kind);
      EXPECT_EQ(got.sinks[t].creationLayer, want.sinks[t].creationLayer);
      EXPECT_EQ(got.sinks[t].lifetime, want.sinks[t].lifetime);
      EXPECT_EQ(got.sinks[t].criteria, want.sinks[t].criteria);
      EXPECT_EQ(got.sinks[t].token, want.sinks[t].token);
    }
  }
  EXPECT_EQ(parsed->records[0].sinks[0].kind, SinkKind::Primary);
  EXPECT_EQ(parsed->records[0].sinks[2].kind, SinkKind::Secondary);
  EXPECT_EQ(parsed->records[0].sinks[3].kind, SinkKind::Primary);
  ASSERT_EQ(parsed->levels.size(), trace.levels.size());
  EXPECT_EQ(parsed->levels[0].hits.size(), 4u); // positions 0 and 3, twice
  EXPECT_EQ(parsed->levels[0].hits[2].record, 1);
}

TEST(Trace, UnmeasuredBosMassStaysNaN) {
  TraceData trace = makeTrace();
  trace.records[0].measurements[0].bosMass = kNotMeasured;
  Expected<TraceData> parsed = roundTrip(trace);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(std::isnan(parsed->records[0].measurements[0].bosMass));
}

TEST(TraceVerification, RejectsEmptyShortAndForeignBuffers) {
  Expected<TraceData> empty = parseTrace(nullptr, 0);
  ASSERT_FALSE(empty);
  EXPECT_THAT(empty.getError().message, HasSubstr("too short"));
  std::vector<uint8_t> buffer = serialized(makeTrace());
  buffer[8] = 'X';
  Expected<TraceData> foreign = parseTrace(buffer.data(), buffer.size());
  ASSERT_FALSE(foreign);
  EXPECT_THAT(foreign.getError().message,
              HasSubstr("file identifier is 'XKTR', "
                        "expected 'SKTR'"));
  std::string text = "this is just a text file, not a trace";
  Expected<TraceData> notTrace =
      parseTrace(reinterpret_cast<const uint8_t *>(text.data()), text.size());
  ASSERT_FALSE(notTrace);
  EXPECT_THAT(notTrace.getError().message, HasSubstr("not a sink trace"));
}

TEST(TraceVerification, RejectsEveryTruncation) {
  std::vector<uint8_t> buffer = serialized(makeTrace());
  for (size_t size = 0; size < buffer.size(); ++size) {
    // A copy of exactly `size` bytes, so a sanitizer sees any over-read.
    std::vector<uint8_t> prefix(buffer.begin(), buffer.begin() + size);
    Expected<TraceData> parsed = parseTrace(prefix.data(), prefix.size());
    ASSERT_FALSE(parsed) << "truncated at " << size;
  }
}

TEST(TraceVerification, SurvivesEverySingleByteCorruption) {
  // Flipping a byte may still give a valid buffer (a changed float), but it
  // must never crash or read out of bounds; most must be rejected.
  std::vector<uint8_t> buffer = serialized(makeTrace());
  size_t rejected = 0;
  for (size_t i = 0; i < buffer.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::vector<uint8_t> corrupt = buffer;
      corrupt[i] ^= mask;
      if (!parseTrace(corrupt.data(), corrupt.size()))
        ++rejected;
    }
  }
  EXPECT_GT(rejected, buffer.size() / 4);
}

TEST(TraceVerification, SurvivesRandomBytes) {
  std::mt19937 random(1234);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> bytes(random() % 512);
    for (uint8_t &byte : bytes)
      byte = static_cast<uint8_t>(random());
    if (bytes.size() >= 12 && trial % 2 == 0)
      std::memcpy(bytes.data() + 8, "SKTR", 4); // get past the identifier
    ASSERT_FALSE(parseTrace(bytes.data(), bytes.size())) << trial;
  }
}

TEST(Trace, KeyAndValueNormsNeedSchemaVersion2) {
  // Without them a trace stays readable by version 1 readers.
  TraceData trace = makeTrace();
  EXPECT_EQ(oldestSchemaVersionFor(trace), 1u);
  for (TraceRecord &record : trace.records) {
    record.metrics.push_back(Metric::KeyNorm);
    record.metrics.push_back(Metric::ValueNorm);
    for (LayerRecord &layer : record.measurements) {
      layer.keyNorm = {3.5f, 1.25f, 1.0f, 0.5f, 2.0f};
      layer.valueNorm = {0.125f, 1.5f, NAN, 1.0f, 1.0f};
    }
  }
  EXPECT_TRUE(
      readBackAtVersion(trace, 2u, {Metric::KeyNorm, Metric::ValueNorm}));

  // Per-token: a wrong length is refused like that of any other such
  // metric.
  trace.records[0].measurements[1].valueNorm.pop_back();
  EXPECT_THAT(rejection(trace),
              HasSubstr("value_norm has 4 values for 5 tokens"));
}

TEST(Trace, MlpStateCosinesNeedSchemaVersion3) {
  // A record with any of them makes the trace version 3, with or without
  // the key and value norms of version 2.
  TraceData trace = makeTrace();
  TraceRecord &withStates = trace.records[1];
  withStates.metrics.push_back(Metric::MlpGateCosBos);
  withStates.metrics.push_back(Metric::MlpOutputCosBos);
  for (LayerRecord &layer : withStates.measurements) {
    layer.mlpGateCosBos = {1.0f, 0.25f, -0.5f, NAN, 0.0625f};
    layer.mlpOutputCosBos = {1.0f, -0.125f, 0.75f, 0.5f, 0.0f};
  }
  EXPECT_EQ(oldestSchemaVersionFor(trace), 3u);
  trace.records[0].metrics.push_back(Metric::KeyNorm);
  for (LayerRecord &layer : trace.records[0].measurements)
    layer.keyNorm = {3.5f, 1.25f, 1.0f, 0.5f, 2.0f};
  Expected<TraceData> parsed = readBackAtVersion(
      trace, 3u, {Metric::MlpGateCosBos, Metric::MlpOutputCosBos});
  ASSERT_TRUE(parsed);
  // Unmeasured states stay absent.
  EXPECT_TRUE(parsed->records[1].measurements[2].mlpUpCosBos.empty());
  EXPECT_TRUE(parsed->records[0].measurements[2].mlpGateCosBos.empty());

  // Per-token: a wrong length is refused like that of any other such
  // metric.
  trace.records[1].measurements[0].mlpGateCosBos.push_back(1.0f);
  EXPECT_THAT(rejection(trace),
              HasSubstr("mlp_gate_cos_bos has 6 values for 5 tokens"));
}

TEST(TraceVerification, ReadersOfVersion2RefuseVersion3) {
  // What a reader of version 2 (kTraceSchemaVersion 2) said to a newer
  // trace is what this reader says to a version it does not know: the
  // check is on the number, before anything is read.
  TraceData trace = makeTrace();
  trace.schemaVersion = 3;
  EXPECT_TRUE(roundTrip(trace));
  trace.schemaVersion = 4;
  EXPECT_THAT(rejection(trace),
              HasSubstr("the trace has schema version 4; this reader knows "
                        "versions up to 3"));
}

TEST(TraceVerification, ChecksTheSchemaVersion) {
  TraceData trace = makeTrace();
  trace.schemaVersion = kTraceSchemaVersion + 1;
  EXPECT_THAT(rejection(trace), HasSubstr("schema version 4"));
  trace.schemaVersion = 0;
  EXPECT_THAT(rejection(trace), HasSubstr("no schema version"));
}

// Reports do per-token work; a length that the file's data does not back
// (found by sinkc-fuzz-trace: 1.8 kB declaring 10^8 tokens kept
// sink-trace csv busy for minutes) is refused when the trace is read.
TEST(TraceVerification, RefusesLengthsNotBackedByData) {
  TraceData claimsMore = makeTrace();
  claimsMore.records[1].sequenceLength = 100000000;
  claimsMore.records[1].tokens = {256, 104, 10};
  for (LayerRecord &layer : claimsMore.records[1].measurements) {
    layer.recv.clear();
    layer.hiddenCosBos.clear();
    layer.flags.clear();
  }
  EXPECT_EQ(rejection(claimsMore),
            "record 1 declares 100000000 tokens but carries 3 token ids and "
            "no per-token flags for them");

  TraceData wrongTokens = makeTrace();
  wrongTokens.records[0].tokens.pop_back();
  EXPECT_EQ(rejection(wrongTokens), "record 0 has 4 token ids for 5 tokens");

  // Flags alone back the length (a trace of a model run on tensors rather
  // than on a token list).
  TraceData flagsOnly = makeTrace();
  flagsOnly.records[0].tokens.clear();
  Expected<TraceData> parsed = roundTrip(flagsOnly);
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_EQ(parsed->records[0].sequenceLength, 5);
}

TEST(TraceFile, ErrorsNameTheFile) {
  testutil::TempDir directory;
  Expected<TraceData> missing = readTraceFile(directory.file("no.sinktrace"));
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.getError().message, HasSubstr("no.sinktrace"));
  testutil::writeFile(directory.file("bad.sinktrace"), "garbage!");
  Expected<TraceData> bad = readTraceFile(directory.file("bad.sinktrace"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.getError().message.rfind("'" + directory.file("bad.sinktrace") +
                                             "': not a sink trace",
                                         0),
            0u)
      << bad.getError().message;
}

TEST(Trace, ParsesFromAnUnalignedBuffer) {
  std::vector<uint8_t> buffer = serialized(makeTrace());
  std::vector<uint8_t> shifted(buffer.size() + 1);
  std::memcpy(shifted.data() + 1, buffer.data(), buffer.size());
  Expected<TraceData> parsed = parseTrace(shifted.data() + 1, buffer.size());
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_EQ(parsed->records[1].tokens, makeTrace().records[1].tokens);
}

TEST(Trace, SizeEstimateBoundsTheBufferAndGuardsTheLimit) {
  TraceData trace = makeTrace();
  for (int copies = 0; copies < 5; ++copies)
    trace.records.push_back(trace.records[0]);
  size_t size = serialized(trace).size();
  size_t estimate = estimateSerializedTraceSize(trace);
  EXPECT_GE(estimate, size);
  EXPECT_LT(estimate, 4 * size + 8192);
  Expected<std::vector<uint8_t>> refused = serializeTrace(trace, size / 2);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.getError().message, HasSubstr("split the prompts"));
}

TEST(Trace, RoundTripsTokenTexts) {
  // Raw bytes, a lone UTF-8 lead byte included; record 0 has none (as
  // traces of byte-level models and traces written before the field).
  TraceData trace = makeTrace();
  trace.records[1].tokenTexts = {"<s>", " h", "\n", "\xe4", "i"};
  Expected<TraceData> parsed = roundTrip(trace);
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_TRUE(parsed->records[0].tokenTexts.empty());
  EXPECT_EQ(parsed->records[1].tokenTexts, trace.records[1].tokenTexts);

  trace.records[1].tokenTexts.pop_back();
  EXPECT_EQ(rejection(trace), "record 1 has 4 token texts for 5 token ids");
}

TEST(Trace, RoundTripsTheIntervention) {
  // Absent in a trace of an unmodified model; the spec alone with BOS's MLP
  // output as the reference; the steer vector's file, hash and norm.
  TraceData trace = makeTrace();
  Expected<TraceData> parsed = roundTrip(trace);
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_FALSE(parsed->model.intervention.present());

  trace.model.intervention.spec =
      "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3";
  parsed = roundTrip(trace);
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_TRUE(parsed->model.intervention == trace.model.intervention);
  EXPECT_TRUE(parsed->model.intervention.steerVector.empty());
  EXPECT_TRUE(std::isnan(parsed->model.intervention.steerVectorNorm));
  // An intervention does not change the schema version.
  EXPECT_EQ(oldestSchemaVersionFor(*parsed), 1u);

  trace.model.intervention.steerVector = "bos.npy";
  trace.model.intervention.steerVectorHash = 0x9c7c923f5156664cULL;
  trace.model.intervention.steerVectorNorm = 4.0112343f;
  parsed = roundTrip(trace);
  ASSERT_TRUE(parsed) << parsed.getError().message;
  EXPECT_TRUE(parsed->model.intervention == trace.model.intervention);
  EXPECT_EQ(parsed->model.intervention.describe(),
            "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3 (reference "
            "bos.npy, norm 4.0112343, hash 9c7c923f5156664c)");
}
