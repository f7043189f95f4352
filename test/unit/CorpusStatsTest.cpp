//===- CorpusStatsTest.cpp - sink-trace stats on hand-made traces ---------===//
//
// The expected numbers are worked out by hand in the comments (quartiles by
// linear interpolation between order statistics, numpy's default), not
// taken from the code under test.
//
//===----------------------------------------------------------------------===//

#include "CorpusStats.h"
#include "TraceMerge.h"

#include "TraceBuilders.h"
#include "sinkrt/Classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

using namespace sinkrt;
using namespace sinktrace;
using namespace testtrace;
using ::testing::HasSubstr;

namespace {

/// Two files, three records:
///   a/0: T=5  256 10 65 10 66   primary 0; secondary 1 and 3 (2+1)
///   a/1: T=3  256 65 67         primary 0
///   b/0: T=9  256 1 2 10 3 ...  primary 0 and 1; secondary 3 (1+2)
CorpusStats threeRecords() {
  float nan = NAN;
  TraceData a = makeTrace(
      {makeRecord(
           {256, 10, 65, 10, 66},
           {{0, kPrimary, 0, 4}, {1, kSecondary, 2, 1}, {3, kSecondary, 2, 1}},
           {0.5f, 0.4f, 0.3f, 0.2f}),
       makeRecord({256, 65, 67}, {{0, kPrimary, 0, 4}},
                  {0.7f, nan, 0.3f, 0.2f})});
  TraceData b = makeTrace({makeRecord(
      {256, 1, 2, 10, 3, 4, 5, 6, 7},
      {{0, kPrimary, 0, 4}, {1, kPrimary, 0, 4}, {3, kSecondary, 1, 2}},
      {0.9f, 0.6f, 0.3f, 0.2f})});
  CorpusStatsBuilder builder;
  EXPECT_TRUE(builder.add("a.sinktrace", a).isOk());
  EXPECT_TRUE(builder.add("b.sinktrace", b).isOk());
  return builder.finish();
}

} // namespace

TEST(CorpusStats, QuantilesInterpolateLinearly) {
  // numpy.percentile([1, 2, 3, 4], [25, 50, 75]) = 1.75, 2.5, 3.25.
  std::vector<double> four = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile(four, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(quantile(four, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile(four, 0.75), 3.25);
  EXPECT_DOUBLE_EQ(quantile(four, 0), 1);
  EXPECT_DOUBLE_EQ(quantile(four, 1), 4);
  EXPECT_DOUBLE_EQ(quantile({0, 10}, 0.25), 2.5);
  EXPECT_DOUBLE_EQ(quantile({5}, 0.75), 5);
  EXPECT_TRUE(std::isnan(quantile({}, 0.5)));
}

TEST(CorpusStats, DescribeGivesMomentsAndQuartiles) {
  // Mean 5; squared deviations sum to 32, so the sample sd is sqrt(32 / 7).
  // Sorted 2 4 4 4 5 5 7 9: q1 at rank 1.75 = 4, median at 3.5 = 4.5,
  // q3 at 5.25 = 5 + 0.25 * 2 = 5.5.
  Distribution d = describe({9, 4, 2, 4, NAN, 5, 4, 7, 5});
  EXPECT_EQ(d.count, 8u);
  EXPECT_DOUBLE_EQ(d.mean, 5);
  EXPECT_DOUBLE_EQ(d.sd, std::sqrt(32.0 / 7.0));
  EXPECT_DOUBLE_EQ(d.min, 2);
  EXPECT_DOUBLE_EQ(d.q1, 4);
  EXPECT_DOUBLE_EQ(d.median, 4.5);
  EXPECT_DOUBLE_EQ(d.q3, 5.5);
  EXPECT_DOUBLE_EQ(d.max, 9);

  // A large common offset must not eat the spread.
  Distribution offset = describe({1e9 + 1, 1e9 + 2, 1e9 + 3});
  EXPECT_DOUBLE_EQ(offset.sd, 1);

  Distribution one = describe({0.25});
  EXPECT_EQ(one.count, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 0.25);
  EXPECT_TRUE(std::isnan(one.sd));
  EXPECT_DOUBLE_EQ(one.q3, 0.25);

  Distribution none = describe({NAN});
  EXPECT_EQ(none.count, 0u);
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.median));
}

TEST(CorpusStats, SequencesAndSinksPerSequence) {
  CorpusStats stats = threeRecords();
  EXPECT_EQ(stats.files,
            (std::vector<std::string>{"a.sinktrace", "b.sinktrace"}));
  EXPECT_EQ(stats.records, 3u);
  EXPECT_EQ(stats.positions, 17u);
  EXPECT_EQ(stats.secondary.sequencesWithSink, 2u);
  EXPECT_EQ(stats.primary.sequencesWithSink, 3u);
  EXPECT_EQ(stats.primary.sinks, 4u);
  EXPECT_EQ(stats.secondary.sinks, 3u);

  using Histogram = std::map<int, size_t>;
  EXPECT_EQ(stats.primary.perSequence, (Histogram{{1, 2}, {2, 1}}));
  EXPECT_EQ(stats.secondary.perSequence, (Histogram{{0, 1}, {1, 1}, {2, 1}}));
  EXPECT_EQ(stats.sinksPerSequence, (Histogram{{1, 1}, {3, 2}}));
  // Secondary sinks per sequence 0, 1, 2: mean 1, sd 1.
  EXPECT_DOUBLE_EQ(stats.secondary.perSequenceStats.mean, 1);
  EXPECT_DOUBLE_EQ(stats.secondary.perSequenceStats.sd, 1);
  // All sinks 1, 3, 3: mean 7/3, median 3, q1 at rank 0.5 = 2.
  EXPECT_DOUBLE_EQ(stats.sinksPerSequenceStats.mean, 7.0 / 3.0);
  EXPECT_DOUBLE_EQ(stats.sinksPerSequenceStats.median, 3);
  EXPECT_DOUBLE_EQ(stats.sinksPerSequenceStats.q1, 2);
}

TEST(CorpusStats, RelativePositionQuartiles) {
  CorpusStats stats = threeRecords();
  // Secondary: 1/4, 3/4 (T = 5) and 3/8 (T = 9); sorted 0.25 0.375 0.75:
  // q1 at rank 0.5 = 0.3125, median 0.375, q3 at rank 1.5 = 0.5625.
  const Distribution &secondary = stats.secondary.relativePosition;
  EXPECT_EQ(secondary.count, 3u);
  EXPECT_DOUBLE_EQ(secondary.min, 0.25);
  EXPECT_DOUBLE_EQ(secondary.q1, 0.3125);
  EXPECT_DOUBLE_EQ(secondary.median, 0.375);
  EXPECT_DOUBLE_EQ(secondary.q3, 0.5625);
  EXPECT_DOUBLE_EQ(secondary.max, 0.75);
  // Primary: 0, 0, 0 and 1/8: q3 at rank 2.25 = 0.25 * 0.125.
  const Distribution &primary = stats.primary.relativePosition;
  EXPECT_EQ(primary.count, 4u);
  EXPECT_DOUBLE_EQ(primary.median, 0);
  EXPECT_DOUBLE_EQ(primary.q3, 0.03125);
  EXPECT_DOUBLE_EQ(primary.max, 0.125);
  EXPECT_EQ(stats.primary.positions, (std::map<int, size_t>{{0, 3}, {1, 1}}));
}

TEST(CorpusStats, TokenHistogramsCountSinksSequencesAndOccurrences) {
  CorpusStats stats = threeRecords();
  ASSERT_EQ(stats.secondary.tokens.size(), 1u);
  const TokenStats &newline = stats.secondary.tokens[0];
  EXPECT_EQ(newline.token, 10);
  EXPECT_EQ(newline.text, "\\n");
  EXPECT_EQ(newline.sinks, 3u);
  EXPECT_EQ(newline.sequences, 2u);
  EXPECT_EQ(newline.occurrences, 3u);

  // Most frequent first: BOS in three records, then the template's token 1.
  ASSERT_EQ(stats.primary.tokens.size(), 2u);
  EXPECT_EQ(stats.primary.tokens[0].token, 256);
  EXPECT_EQ(stats.primary.tokens[0].text, "<bos>");
  EXPECT_EQ(stats.primary.tokens[0].sinks, 3u);
  EXPECT_EQ(stats.primary.tokens[0].occurrences, 3u);
  EXPECT_EQ(stats.primary.tokens[1].token, 1);
  EXPECT_EQ(stats.primary.tokens[1].text, "\\x01");
  EXPECT_EQ(stats.primary.tokens[1].sinks, 1u);
}

TEST(CorpusStats, TokenTextsComeFromTheTrace) {
  TraceData trace = makeTrace(
      {makeRecord({1, 50, 7}, {{0, kPrimary, 0, 4}, {1, kPrimary, 0, 4}},
                  {0.5f, 0.5f, 0.5f, 0.5f})});
  trace.model.tokenizer = "json";
  trace.model.bos = 1;
  trace.records[0].tokenTexts = {"<s>", "\xe4\xb8\xad", "\xc2\xa0"};
  CorpusStatsBuilder builder;
  ASSERT_TRUE(builder.add("t.sinktrace", trace).isOk());
  CorpusStats stats = builder.finish();
  ASSERT_EQ(stats.primary.tokens.size(), 2u);
  EXPECT_EQ(stats.primary.tokens[0].text, "<s>");
  EXPECT_EQ(stats.primary.tokens[1].text, "\xe4\xb8\xad");
  std::string text = renderStatsText(stats);
  EXPECT_THAT(text, HasSubstr("'<s>'"));
  std::string json = renderStatsJson(stats);
  EXPECT_THAT(json, HasSubstr("\"token\": 50, \"text\": \"\xe4\xb8\xad\""));
}

TEST(CorpusStats, SinkLevelsPoolAllFiles) {
  CorpusStats stats = threeRecords();
  ASSERT_EQ(stats.levels.size(), 3u);
  const LevelStats &primary = stats.levels[0];
  EXPECT_EQ(primary.kind, kPrimary);
  EXPECT_EQ(primary.creationLayer, 0);
  EXPECT_EQ(primary.lifetime, 4);
  EXPECT_EQ(primary.count, 4u);
  EXPECT_EQ(primary.sequences, 3u);
  ASSERT_EQ(primary.tokens.size(), 2u);
  EXPECT_EQ(primary.tokens[0].token, 256);
  EXPECT_EQ(primary.tokens[0].sinks, 3u);
  // Ordered by kind, creation layer, lifetime, as aggregateSinkLevels does.
  EXPECT_EQ(stats.levels[1].kind, kSecondary);
  EXPECT_EQ(stats.levels[1].creationLayer, 1);
  EXPECT_EQ(stats.levels[1].lifetime, 2);
  EXPECT_EQ(stats.levels[1].count, 1u);
  EXPECT_EQ(stats.levels[2].creationLayer, 2);
  EXPECT_EQ(stats.levels[2].lifetime, 1);
  EXPECT_EQ(stats.levels[2].count, 2u);
  EXPECT_EQ(stats.levels[2].sequences, 1u);
  EXPECT_EQ(stats.levels[2].tokens[0].sequences, 1u);
  EXPECT_EQ(stats.levels[2].tokens[0].occurrences, 3u);
}

TEST(CorpusStats, BosMassPerLayerSkipsUnmeasuredRecords) {
  CorpusStats stats = threeRecords();
  ASSERT_EQ(stats.bosMass.size(), 4u);
  // Layer 0: 0.5 0.7 0.9, mean 0.7 and sd 0.2 (float inputs, so near).
  EXPECT_EQ(stats.bosMass[0].bosMass.count, 3u);
  EXPECT_NEAR(stats.bosMass[0].bosMass.mean, 0.7, 1e-7);
  EXPECT_NEAR(stats.bosMass[0].bosMass.sd, 0.2, 1e-7);
  // Layer 1: 0.4 and 0.6 (record a/1 did not measure it).
  EXPECT_EQ(stats.bosMass[1].layer, 1);
  EXPECT_EQ(stats.bosMass[1].bosMass.count, 2u);
  EXPECT_NEAR(stats.bosMass[1].bosMass.mean, 0.5, 1e-7);
  EXPECT_NEAR(stats.bosMass[1].bosMass.sd, std::sqrt(0.02), 1e-7);
  // Layer 3: 0.2 everywhere.
  EXPECT_NEAR(stats.bosMass[3].bosMass.sd, 0, 1e-7);
}

TEST(CorpusStats, LevelsAreTheTracesOwn) {
  // Sinks classified by the runtime's rule: the pooled levels of two copies
  // of a trace are its own levels with every count doubled.
  TraceRecord record;
  record.sequenceLength = 8;
  record.tokens = {256, 1, 2, 3, 4, 5, 6, 7};
  record.layers = {0, 1, 2, 3};
  record.metrics = {Metric::HiddenCosBos};
  record.rules =
      makeClassificationRules(record.layers, record.metrics, Thresholds());
  for (int l = 0; l < 4; ++l) {
    LayerRecord layer;
    layer.layer = l;
    layer.hiddenCosBos = {1, 0, 0.95f, 0, 0, 0, 0, 0};
    if (l == 0 || l == 3)
      layer.hiddenCosBos[2] = 0;
    record.measurements.push_back(layer);
  }
  classifyRecord(record);
  TraceData trace = makeTrace({record});
  CorpusStatsBuilder builder;
  ASSERT_TRUE(builder.add("x", trace).isOk());
  ASSERT_TRUE(builder.add("y", trace).isOk());
  CorpusStats stats = builder.finish();
  ASSERT_EQ(stats.levels.size(), trace.levels.size());
  for (size_t i = 0; i < trace.levels.size(); ++i) {
    EXPECT_EQ(stats.levels[i].kind, trace.levels[i].kind);
    EXPECT_EQ(stats.levels[i].creationLayer, trace.levels[i].creationLayer);
    EXPECT_EQ(stats.levels[i].lifetime, trace.levels[i].lifetime);
    EXPECT_EQ(stats.levels[i].count, 2u * trace.levels[i].count);
    EXPECT_EQ(stats.levels[i].sequences, 2u);
  }
  EXPECT_EQ(stats.secondary.sinks, 2u);
  EXPECT_DOUBLE_EQ(stats.secondary.relativePosition.median, 2.0 / 7.0);
}

TEST(CorpusStats, RefusesTracesThatCannotBePooled) {
  TraceData a = makeTrace(
      {makeRecord({256, 1}, {{0, kPrimary, 0, 4}}, {0.5f, 0.5f, 0.5f, 0.5f})});

  TraceData otherWeights = a;
  otherWeights.model.weightsHash = 8;
  CorpusStatsBuilder builder;
  ASSERT_TRUE(builder.add("a.sinktrace", a).isOk());
  Status status = builder.add("b.sinktrace", otherWeights);
  ASSERT_FALSE(status.isOk());
  EXPECT_EQ(status.getError().message,
            "'b.sinktrace' is a trace of model 'tiny' (4 layers, 2 heads, "
            "vocabulary 260, weights hash 0000000000000008), but "
            "'a.sinktrace' is of model 'tiny' (4 layers, 2 heads, vocabulary "
            "260, weights hash 0000000000000007); statistics pool the traces "
            "of one model");

  TraceData otherModel = a;
  otherModel.model.name = "other";
  CorpusStatsBuilder second;
  ASSERT_TRUE(second.add("a", a).isOk());
  EXPECT_FALSE(second.add("b", otherModel).isOk());

  // The same weights steered (sinkc --intervene) compute another function.
  TraceData steered = a;
  steered.model.intervention.spec =
      "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3";
  CorpusStatsBuilder steeredBuilder;
  ASSERT_TRUE(steeredBuilder.add("a", a).isOk());
  status = steeredBuilder.add("s", steered);
  ASSERT_FALSE(status.isOk());
  EXPECT_EQ(status.getError().message,
            "'s' is a trace of model 'tiny' (4 layers, 2 heads, vocabulary "
            "260, weights hash 0000000000000007, intervention "
            "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3 (reference: "
            "BOS's MLP output)), but 'a' is of model 'tiny' (4 layers, 2 "
            "heads, vocabulary 260, weights hash 0000000000000007); "
            "statistics pool the traces of one model");

  // Same model, other instrumented layers: levels would mix windows.
  TraceData partial = a;
  partial.records[0].layers = {0, 1};
  CorpusStatsBuilder third;
  ASSERT_TRUE(third.add("a", a).isOk());
  status = third.add("p", partial);
  ASSERT_FALSE(status.isOk());
  EXPECT_THAT(
      status.getError().message,
      HasSubstr("'p' record 0 was instrumented or classified with layers 0-1"));
  EXPECT_THAT(status.getError().message,
              HasSubstr("but 'a' record 0 with layers 0-3"));

  TraceData thresholds = a;
  thresholds.records[0].rules.epsilon = 0.2f;
  CorpusStatsBuilder fourth;
  ASSERT_TRUE(fourth.add("a", a).isOk());
  EXPECT_FALSE(fourth.add("e", thresholds).isOk());
}

TEST(CorpusStats, TextAndJson) {
  CorpusStats stats = threeRecords();
  std::string text = renderStatsText(stats);
  EXPECT_THAT(text,
              HasSubstr("corpus: 2 trace file(s), 3 records, 17 positions"));
  EXPECT_THAT(text,
              HasSubstr("sequences with >= 1 secondary sink: 2 of 3 (66.7%)"));
  EXPECT_THAT(text,
              HasSubstr("  secondary   1.00   1.00    0   0.50   1.00   1.50"
                        "    2  0:1 1:1 2:1"));
  EXPECT_THAT(
      text, HasSubstr("  secondary      3  0.250  0.312  0.375  0.562  0.750"));
  EXPECT_THAT(text,
              HasSubstr("primary sinks by position (position:sinks): 0:3 1:1"));
  EXPECT_THAT(text,
              HasSubstr("  secondary      10 '\\n'                3         2"
                        "           3  100.0%"));
  EXPECT_THAT(text,
              HasSubstr("  primary         0        4     4         3  256 "
                        "<bos> x3, 1 '\\x01' x1"));
  EXPECT_THAT(text,
              HasSubstr("      0       3   0.700   0.200   0.500   0.900"));

  std::string json = renderStatsJson(stats);
  EXPECT_THAT(json,
              HasSubstr("\"fraction_with_secondary\": 0.666666666666666"));
  EXPECT_THAT(json, HasSubstr("\"relative_position\": {\"count\": 3, \"mean\": "
                              "0.458333333333333"));
  EXPECT_THAT(json,
              HasSubstr("\"q1\": 0.3125, \"median\": 0.375, \"q3\": 0.5625, "
                        "\"max\": 0.75}"));
  EXPECT_THAT(json,
              HasSubstr("{\"token\": 10, \"text\": \"\\\\n\", \"sinks\": 3, "
                        "\"sequences\": 2, \"occurrences\": 3}"));
  EXPECT_THAT(json,
              HasSubstr("{\"kind\": \"secondary\", \"creation_layer\": 2, "
                        "\"lifetime\": 1, \"count\": 2, \"sequences\": 1"));
  EXPECT_THAT(json, HasSubstr("\"criteria_available\": [\"hidden_cosine\", "
                              "\"attention\"]"));
}

TEST(CorpusStats, EmptyCorpus) {
  TraceData empty = makeTrace({});
  CorpusStatsBuilder builder;
  ASSERT_TRUE(builder.add("e", empty).isOk());
  CorpusStats stats = builder.finish();
  EXPECT_EQ(stats.records, 0u);
  std::string text = renderStatsText(stats);
  EXPECT_THAT(text,
              HasSubstr("sequences with >= 1 secondary sink: 0 of 0 (-)"));
  EXPECT_THAT(renderStatsJson(stats),
              HasSubstr("\"fraction_with_secondary\": null"));
}

//===----------------------------------------------------------------------===//
// sink-trace merge (TraceMerge.h)
//===----------------------------------------------------------------------===//

TEST(TraceMerge, RenumbersPromptsAndAggregatesLevelsAgain) {
  // a: prompts 0 and 1; b: one run of batch 2 (prompt 0, rows 0 and 1) and
  // prompt 1; c: no records; d: prompt 0.
  TraceRecord a0 = makeRecord({256, 10, 65}, {{0, kPrimary, 0, 4}},
                              {0.5f, 0.4f, 0.3f, 0.2f});
  TraceRecord a1 = makeRecord({256, 65, 67, 10},
                              {{0, kPrimary, 0, 4}, {3, kSecondary, 2, 1}},
                              {0.5f, 0.4f, 0.3f, 0.2f});
  a1.prompt = 1;
  TraceRecord b0 = makeRecord({256, 1, 2}, {{1, kSecondary, 1, 2}},
                              {0.9f, 0.6f, 0.3f, 0.2f});
  TraceRecord b1 = b0;
  b1.batchRow = 1;
  TraceRecord b2 =
      makeRecord({256, 7}, {{0, kPrimary, 0, 4}}, {0.9f, 0.6f, 0.3f, 0.2f});
  b2.prompt = 1;
  TraceRecord d0 = makeRecord({256, 3, 10}, {{2, kSecondary, 2, 1}},
                              {0.9f, 0.6f, 0.3f, 0.2f});

  TraceMerger merger;
  ASSERT_TRUE(merger.add("a", makeTrace({a0, a1})).isOk());
  ASSERT_TRUE(merger.add("b", makeTrace({b0, b1, b2})).isOk());
  ASSERT_TRUE(merger.add("c", makeTrace({})).isOk());
  ASSERT_TRUE(merger.add("d", makeTrace({d0})).isOk());
  EXPECT_EQ(merger.traces(), 4u);
  TraceData merged = merger.finish();

  ASSERT_EQ(merged.records.size(), 6u);
  std::vector<int> prompts, rows;
  for (const TraceRecord &record : merged.records) {
    prompts.push_back(record.prompt);
    rows.push_back(record.batchRow);
  }
  EXPECT_EQ(prompts, (std::vector<int>{0, 1, 2, 2, 3, 4}));
  EXPECT_EQ(rows, (std::vector<int>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(merged.records[5].tokens, (std::vector<int64_t>{256, 3, 10}));
  EXPECT_EQ(merged.model.name, "tiny");
  EXPECT_EQ(merged.producer, "test");

  // The levels name records of the merged trace: the secondary sink of d is
  // record 5, b's two rows are records 2 and 3.
  std::vector<TraceRecord> all = {a0, a1, b0, b1, b2, d0};
  std::vector<SinkLevel> expected = aggregateSinkLevels(all);
  ASSERT_EQ(merged.levels.size(), expected.size());
  bool sawRecord5 = false;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(merged.levels[i].count, expected[i].count);
    ASSERT_EQ(merged.levels[i].hits.size(), expected[i].hits.size());
    for (size_t h = 0; h < expected[i].hits.size(); ++h) {
      EXPECT_EQ(merged.levels[i].hits[h].record, expected[i].hits[h].record);
      sawRecord5 |= merged.levels[i].hits[h].record == 5;
    }
  }
  EXPECT_TRUE(sawRecord5);

  // Byte-identical to the trace of one run over all records.
  TraceData one = makeTrace(all);
  for (size_t i = 0; i < all.size(); ++i)
    one.records[i].prompt = prompts[i];
  Expected<std::vector<uint8_t>> oneBytes = serializeTrace(one);
  Expected<std::vector<uint8_t>> mergedBytes = serializeTrace(merged);
  ASSERT_TRUE(oneBytes.isOk());
  ASSERT_TRUE(mergedBytes.isOk());
  EXPECT_EQ(*oneBytes, *mergedBytes);
}

TEST(TraceMerge, RefusesTracesOfAnotherExecutable) {
  TraceRecord record = makeRecord({256, 10, 65}, {{0, kPrimary, 0, 4}},
                                  {0.5f, 0.4f, 0.3f, 0.2f});
  auto refusal = [&](const TraceData &second) {
    TraceMerger merger;
    EXPECT_TRUE(merger.add("a.sinktrace", makeTrace({record})).isOk());
    Status status = merger.add("b.sinktrace", second);
    EXPECT_FALSE(status.isOk());
    EXPECT_EQ(merger.traces(), 1u);
    return status.isOk() ? std::string() : status.getError().message;
  };

  TraceData weights = makeTrace({record});
  weights.model.weightsHash = 8;
  EXPECT_EQ(refusal(weights),
            "'b.sinktrace' is a trace of model 'tiny' (4 layers, 2 heads, "
            "vocabulary 260, weights hash 0000000000000008), but "
            "'a.sinktrace' is of model 'tiny' (4 layers, 2 heads, vocabulary "
            "260, weights hash 0000000000000007); merge joins the traces of "
            "one executable");
  TraceData size = makeTrace({record});
  size.model.weightsSize = 11;
  EXPECT_THAT(refusal(size), HasSubstr("is a trace of model 'tiny'"));
  TraceData steered = makeTrace({record});
  steered.model.intervention.spec =
      "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3";
  EXPECT_THAT(refusal(steered),
              HasSubstr("weights hash 0000000000000007, intervention "
                        "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3"));

  TraceData version = makeTrace({record});
  version.schemaVersion = 1;
  TraceMerger merger;
  TraceData first = makeTrace({record});
  first.schemaVersion = 2;
  ASSERT_TRUE(merger.add("a.sinktrace", first).isOk());
  Status status = merger.add("b.sinktrace", version);
  ASSERT_FALSE(status.isOk());
  EXPECT_EQ(status.getError().message,
            "'b.sinktrace' has trace schema version 1, but 'a.sinktrace' has "
            "version 2; merge joins traces of one schema version");

  TraceRecord spec = record;
  spec.instrumentSpec = "layers=0-1";
  EXPECT_THAT(refusal(makeTrace({record, spec})),
              HasSubstr("'b.sinktrace' record 1 was compiled with --instrument "
                        "'layers=0-1' (metrics bos_mass,recv,hidden_cos_bos), "
                        "but 'a.sinktrace' record 0 with 'layers=all'"));

  TraceRecord rules = record;
  rules.rules.epsilon = 0.5f;
  EXPECT_THAT(refusal(makeTrace({rules})),
              HasSubstr("'b.sinktrace' record 0 was instrumented or classified "
                        "with layers 0-3, tau 0.9, epsilon 0.5"));
}
