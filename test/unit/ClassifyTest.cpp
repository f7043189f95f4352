//===- ClassifyTest.cpp - Sink classification on synthetic metrics --------===//

#include "sinkrt/Classify.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinkrt;

namespace {

/// A record of `layers` consecutive layers from 0 over `tokens` positions,
/// with cosine 0.1 and recv 0.05 everywhere until a test changes them.
TraceRecord makeRecord(int layers, int tokens,
                       std::vector<Metric> metrics = {Metric::Recv,
                                                      Metric::HiddenCosBos},
                       Thresholds thresholds = Thresholds()) {
  TraceRecord record;
  record.sequenceLength = tokens;
  for (int t = 0; t < tokens; ++t)
    record.tokens.push_back(100 + t);
  for (int l = 0; l < layers; ++l)
    record.layers.push_back(l);
  record.metrics = metrics;
  record.rules = makeClassificationRules(record.layers, metrics, thresholds);
  for (int l = 0; l < layers; ++l) {
    LayerRecord layer;
    layer.layer = l;
    for (Metric metric : metrics)
      if (isPerTokenMetric(metric))
        layer.values(metric).assign(tokens,
                                    metric == Metric::Recv ? 0.05f : 0.1f);
    record.measurements.push_back(layer);
  }
  return record;
}

void setCosine(TraceRecord &record, int position, int first, int last,
               float value) {
  for (int l = first; l <= last; ++l)
    record.measurements[l].hiddenCosBos[position] = value;
}

void setRecv(TraceRecord &record, int position, int first, int last,
             float value) {
  for (int l = first; l <= last; ++l)
    record.measurements[l].recv[position] = value;
}

} // namespace

TEST(ClassificationRules, ScaleWithDepth) {
  struct Expect {
    int layers, earlyLayers, lateIndex;
  };
  for (Expect e : {Expect{1, 1, 0}, Expect{2, 1, 1}, Expect{3, 1, 2},
                   Expect{4, 1, 3}, Expect{8, 2, 6}, Expect{12, 3, 10},
                   Expect{24, 6, 20}, Expect{32, 8, 27}}) {
    std::vector<int> layers;
    for (int l = 0; l < e.layers; ++l)
      layers.push_back(l);
    ClassificationRules rules =
        makeClassificationRules(layers, {Metric::Recv}, Thresholds());
    EXPECT_EQ(rules.earlyLayers, e.earlyLayers) << e.layers;
    EXPECT_EQ(rules.lateIndex, e.lateIndex) << e.layers;
    EXPECT_EQ(rules.windowFirst, 0);
    EXPECT_EQ(rules.windowLast, e.layers - 1);
  }
}

TEST(ClassificationRules, RecordAvailableCriteria) {
  EXPECT_EQ(makeClassificationRules({0}, {Metric::Recv}, Thresholds())
                .criteriaAvailable,
            kCriterionAttention);
  EXPECT_EQ(makeClassificationRules({0}, {Metric::HiddenCosBos}, Thresholds())
                .criteriaAvailable,
            kCriterionHiddenCosine);
  EXPECT_EQ(makeClassificationRules({0}, {Metric::MlpNorm}, Thresholds())
                .criteriaAvailable,
            0);
}

TEST(Classify, PrimarySecondaryAndNone) {
  TraceRecord record = makeRecord(8, 10);
  setCosine(record, 0, 0, 7, 1.0f);  // BOS: every layer
  setRecv(record, 0, 0, 7, 0.6f);    //   and attention too
  setCosine(record, 3, 3, 5, 0.95f); // created mid-way, 3 layers
  setRecv(record, 5, 6, 6, 0.45f);   // attention only, one layer
  setCosine(record, 7, 1, 7, 0.92f); // early and persistent: primary
  classifyRecord(record);
  ASSERT_EQ(record.sinks.size(), 10u);

  const TokenSink &bos = record.sinks[0];
  testutil::expectSink(bos, SinkKind::Primary, 0, 8);
  EXPECT_EQ(bos.endLayer, 7);
  EXPECT_EQ(bos.criteria, kCriterionHiddenCosine | kCriterionAttention);
  EXPECT_EQ(bos.peakRecv, 0.6f);
  EXPECT_EQ(bos.token, 100);

  const TokenSink &middle = record.sinks[3];
  testutil::expectSink(middle, SinkKind::Secondary, 3, 3);
  EXPECT_EQ(middle.endLayer, 5);
  EXPECT_EQ(middle.criteria, kCriterionHiddenCosine);

  const TokenSink &attention = record.sinks[5];
  testutil::expectSink(attention, SinkKind::Secondary, 6, 1);
  EXPECT_EQ(attention.criteria, kCriterionAttention);
  EXPECT_EQ(attention.peakRecv, 0.45f);
  EXPECT_EQ(attention.peakRecvLayer, 6);

  EXPECT_EQ(record.sinks[7].kind, SinkKind::Primary);
  EXPECT_EQ(record.sinks[7].creationLayer, 1);

  const TokenSink &plain = record.sinks[2];
  EXPECT_EQ(plain.kind, SinkKind::None);
  EXPECT_EQ(plain.creationLayer, -1);
  EXPECT_EQ(plain.lifetime, 0);
  EXPECT_EQ(plain.criteria, 0);
  EXPECT_EQ(plain.peakRecv, 0.05f);

  EXPECT_EQ(record.measurements[4].flags[3], kCriterionHiddenCosine);
  EXPECT_EQ(record.measurements[6].flags[5], kCriterionAttention);
  EXPECT_EQ(record.measurements[6].flags[4], 0);
}

TEST(Classify, EarlyButShortLivedOrLateButLongLivedIsSecondary) {
  TraceRecord record = makeRecord(8, 6);
  setCosine(record, 1, 0, 4, 0.95f); // early, ends at 4 < 6
  setCosine(record, 2, 2, 7, 0.95f); // persists, created at 2 >= 2
  setCosine(record, 3, 0, 6, 0.95f); // early, reaches 6: primary
  classifyRecord(record);
  EXPECT_EQ(record.sinks[1].kind, SinkKind::Secondary);
  EXPECT_EQ(record.sinks[2].kind, SinkKind::Secondary);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::Primary);
}

TEST(Classify, ThresholdsAreInclusiveAndCosineUsesAbsoluteValue) {
  TraceRecord record = makeRecord(4, 8);
  setCosine(record, 1, 1, 1, 0.9f);    // exactly tau
  setCosine(record, 2, 1, 1, -0.9f);   // -tau
  setCosine(record, 3, 1, 1, 0.8999f); // just below
  setRecv(record, 4, 1, 1, 0.3f);      // exactly epsilon
  setRecv(record, 5, 1, 1, 0.2999f);   // just below
  setCosine(record, 6, 1, 1, NAN);     // NaN never flags
  classifyRecord(record);
  EXPECT_EQ(record.sinks[1].kind, SinkKind::Secondary);
  EXPECT_EQ(record.sinks[2].kind, SinkKind::Secondary);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[4].kind, SinkKind::Secondary);
  EXPECT_EQ(record.sinks[5].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[6].kind, SinkKind::None);
}

TEST(Classify, CustomThresholdsChangeTheOutcome) {
  Thresholds strict;
  strict.tau = 0.99;
  strict.epsilon = 0.5;
  TraceRecord record =
      makeRecord(4, 8, {Metric::Recv, Metric::HiddenCosBos}, strict);
  setCosine(record, 1, 1, 1, 0.95f);
  setRecv(record, 2, 1, 1, 0.45f);
  setRecv(record, 3, 1, 1, 0.55f);
  classifyRecord(record);
  EXPECT_EQ(record.rules.tau, 0.99f);
  EXPECT_EQ(record.sinks[1].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[2].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::Secondary);
}

TEST(Classify, AttentionNeedsEnoughQueries) {
  TraceRecord record = makeRecord(2, 6);
  // Positions 3, 4 and 5 are seen by 3, 2 and 1 queries: fewer than 4.
  for (int position = 0; position < 6; ++position)
    setRecv(record, position, 0, 1, 0.9f);
  classifyRecord(record);
  EXPECT_EQ(record.sinks[2].kind, SinkKind::Primary);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[5].kind, SinkKind::None);
  // The peak is still reported for every position.
  EXPECT_EQ(record.sinks[5].peakRecv, 0.9f);
}

TEST(Classify, OnlyInstrumentedCriteriaTakePart) {
  // No hidden_cos_bos instrumented: cosine values are ignored even if some
  // stray vector is there; attention alone decides.
  TraceRecord attentionOnly = makeRecord(4, 8, {Metric::Recv});
  attentionOnly.measurements[1].hiddenCosBos.assign(8, 1.0f);
  setRecv(attentionOnly, 0, 0, 3, 0.5f);
  classifyRecord(attentionOnly);
  EXPECT_EQ(attentionOnly.rules.criteriaAvailable, kCriterionAttention);
  EXPECT_EQ(attentionOnly.sinks[0].kind, SinkKind::Primary);
  EXPECT_EQ(attentionOnly.sinks[0].criteria, kCriterionAttention);
  EXPECT_EQ(attentionOnly.sinks[1].kind, SinkKind::None);

  TraceRecord cosineOnly = makeRecord(4, 8, {Metric::HiddenCosBos});
  setCosine(cosineOnly, 0, 0, 3, 1.0f);
  classifyRecord(cosineOnly);
  EXPECT_EQ(cosineOnly.sinks[0].kind, SinkKind::Primary);
  EXPECT_TRUE(std::isnan(cosineOnly.sinks[0].peakRecv));
  EXPECT_EQ(cosineOnly.sinks[0].peakRecvLayer, -1);

  TraceRecord neither = makeRecord(4, 8, {Metric::MlpNorm});
  classifyRecord(neither);
  for (const TokenSink &sink : neither.sinks)
    EXPECT_EQ(sink.kind, SinkKind::None);
}

TEST(Classify, LifetimeIsTheFirstRunOnly) {
  TraceRecord record = makeRecord(8, 6);
  setCosine(record, 1, 2, 3, 0.95f);
  setCosine(record, 1, 5, 7, 0.95f);
  classifyRecord(record);
  testutil::expectSink(record.sinks[1], SinkKind::Secondary, 2, 2);
  EXPECT_EQ(record.sinks[1].endLayer, 3);
  EXPECT_EQ(record.sinks[1].flaggedLayers, 5);
}

TEST(Classify, WindowOfAPartialInstrumentation) {
  // Layers 2, 3, 4, 5 and 7 of a deeper model: the rules count instrumented
  // layers, so "early" is layer 2 or 3 and "late" index 4 is layer 7.
  TraceRecord record = makeRecord(5, 6);
  std::vector<int> layers = {2, 3, 4, 5, 7};
  for (size_t i = 0; i < layers.size(); ++i)
    record.measurements[i].layer = layers[i];
  record.layers = layers;
  record.rules = makeClassificationRules(layers, record.metrics, Thresholds());
  EXPECT_EQ(record.rules.windowFirst, 2);
  EXPECT_EQ(record.rules.windowLast, 7);
  EXPECT_EQ(record.rules.earlyLayers, 2);
  EXPECT_EQ(record.rules.lateIndex, 4);
  setCosine(record, 0, 0, 4, 1.0f);
  setCosine(record, 1, 2, 4, 0.95f); // layers 4-7
  classifyRecord(record);
  EXPECT_EQ(record.sinks[0].kind, SinkKind::Primary);
  EXPECT_EQ(record.sinks[0].creationLayer, 2);
  EXPECT_EQ(record.sinks[0].endLayer, 7);
  testutil::expectSink(record.sinks[1], SinkKind::Secondary, 4, 3);
}

TEST(SinkLevels, GroupByKindCreationAndLifetime) {
  std::vector<TraceRecord> records;
  for (int r = 0; r < 3; ++r) {
    TraceRecord record = makeRecord(8, 6);
    setCosine(record, 0, 0, 7, 1.0f);
    setCosine(record, 2, 3, 5, 0.95f);
    if (r == 1)
      setCosine(record, 4, 3, 4, 0.95f);
    classifyRecord(record);
    records.push_back(record);
  }
  std::vector<SinkLevel> levels = aggregateSinkLevels(records);
  ASSERT_EQ(levels.size(), 3u);
  EXPECT_EQ(levels[0].kind, SinkKind::Primary);
  EXPECT_EQ(levels[0].count, 3);
  EXPECT_EQ(levels[1].kind, SinkKind::Secondary);
  EXPECT_EQ(levels[1].creationLayer, 3);
  EXPECT_EQ(levels[1].lifetime, 2);
  EXPECT_EQ(levels[1].count, 1);
  EXPECT_EQ(levels[1].hits[0].record, 1);
  EXPECT_EQ(levels[1].hits[0].position, 4);
  EXPECT_EQ(levels[1].hits[0].token, 104);
  EXPECT_EQ(levels[2].lifetime, 3);
  EXPECT_EQ(levels[2].count, 3);
  EXPECT_EQ(levels[2].hits[2].record, 2);
}
