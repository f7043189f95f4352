//===- TraceDiffTest.cpp - sink-trace diff on hand-made traces ------------===//
//
// Traces built in memory with planted sinks, bos_mass and recv, compared by
// sinktrace::diffTraces; the expected changes are worked out by hand.
//
//===----------------------------------------------------------------------===//

#include "TraceDiff.h"

#include "TestUtil.h"
#include "TraceBuilders.h"
#include "sinkrt/Classify.h"
#include "sinkrt/TensorIO.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

using namespace sinkrt;
using namespace sinktrace;
using ::testing::HasSubstr;
using ::testing::Not;
using testtrace::kPrimary;
using testtrace::kSecondary;
using testtrace::makeTrace;
using testtrace::PlantedSink;

namespace {

/// testtrace::makeRecord with recv 0.1 at every position of the layers that
/// `recv` does not give.
TraceRecord makeRecord(std::vector<int64_t> tokens,
                       const std::vector<PlantedSink> &planted,
                       std::vector<float> bosMass,
                       std::vector<std::vector<float>> recv = {}) {
  recv.resize(4);
  for (std::vector<float> &layer : recv)
    if (layer.empty())
      layer.assign(tokens.size(), 0.1f);
  return testtrace::makeRecord(std::move(tokens), planted, std::move(bosMass),
                               recv);
}

/// Two records:
///   0: T=5  256 10 65 10 66   primary 0; secondary 1 and 3 (2+1)
///   1: T=9  256 1 2 33 3 ...  primary 0; secondary 3 (1+2)
TraceData traceA() {
  return makeTrace(
      {makeRecord(
           {256, 10, 65, 10, 66},
           {{0, kPrimary, 0, 4}, {1, kSecondary, 2, 1}, {3, kSecondary, 2, 1}},
           {0.5f, 0.4f, 0.3f, 0.2f}),
       makeRecord({256, 1, 2, 33, 3, 4, 5, 6, 7},
                  {{0, kPrimary, 0, 4}, {3, kSecondary, 1, 2}},
                  {0.9f, 0.6f, 0.3f, 0.2f})});
}

} // namespace

TEST(TraceDiff, IdenticalTracesHaveNoDifferences) {
  TraceData a = traceA();
  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", a);
  ASSERT_TRUE(diff.isOk()) << diff.getError().message;
  EXPECT_TRUE(diff->sameModel);
  EXPECT_TRUE(diff->sameInstrumentation);
  EXPECT_TRUE(diff->sameRules);
  ASSERT_EQ(diff->records.size(), 2u);
  for (const RecordDiff &record : diff->records) {
    EXPECT_FALSE(record.differs());
    EXPECT_TRUE(record.sinks.empty());
    ASSERT_EQ(record.layers.size(), 4u);
    for (const LayerDiff &layer : record.layers) {
      EXPECT_EQ(layer.bosMassDelta, 0);
      EXPECT_EQ(layer.maxRecvDelta, 0);
      EXPECT_EQ(layer.maxRecvPosition, -1);
      EXPECT_FALSE(layer.changed);
    }
  }
  EXPECT_EQ(diff->recordsWithSinkChanges, 0u);
  EXPECT_EQ(diff->recordsWithDifferences, 0u);
  EXPECT_EQ(diff->changed, 0u);
  ASSERT_EQ(diff->bosMassDelta.size(), 4u);
  EXPECT_EQ(diff->bosMassDelta[0].records, 2u);
  EXPECT_EQ(diff->bosMassDelta[0].mean, 0);

  std::string text = renderDiffText(*diff);
  EXPECT_THAT(text, HasSubstr("model B: the same model and weights\n"));
  EXPECT_THAT(text,
              HasSubstr("\nrecord 0 (prompt 0, 5 tokens): no differences\n"
                        "\nrecord 1 (prompt 0, 9 tokens): no differences\n"));
  EXPECT_THAT(text,
              HasSubstr("totals: 2 records, 0 with sink changes, 0 with any "
                        "difference\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(json,
              HasSubstr("\"differences\": false, \"sink_changes\": false"));
  EXPECT_THAT(json, Not(HasSubstr("\"differences\": true")));
}

TEST(TraceDiff, SinksGainedLostAndChanged) {
  TraceData a = traceA();
  // Record 0 in B: position 1 lives 2 layers (changed), position 3 is no
  // sink (lost), position 4 is one (gained). Record 1: position 3 turns
  // primary (changed), position 2 is gained as primary.
  TraceData b = makeTrace(
      {makeRecord(
           {256, 10, 65, 10, 66},
           {{0, kPrimary, 0, 4}, {1, kSecondary, 2, 2}, {4, kSecondary, 1, 1}},
           {0.5f, 0.4f, 0.3f, 0.2f}),
       makeRecord(
           {256, 1, 2, 33, 3, 4, 5, 6, 7},
           {{0, kPrimary, 0, 4}, {2, kPrimary, 0, 4}, {3, kPrimary, 0, 4}},
           {0.9f, 0.6f, 0.3f, 0.2f})});
  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(diff.isOk()) << diff.getError().message;

  const std::vector<SinkDiff> &first = diff->records[0].sinks;
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].change, SinkChange::Changed);
  EXPECT_EQ(first[0].position, 1);
  EXPECT_EQ(first[0].token, 10);
  EXPECT_EQ(first[0].text, "\\n");
  EXPECT_EQ(first[0].a.lifetime, 1);
  EXPECT_EQ(first[0].b.lifetime, 2);
  EXPECT_EQ(first[1].change, SinkChange::Lost);
  EXPECT_EQ(first[1].position, 3);
  EXPECT_EQ(first[1].a.kind, kSecondary);
  EXPECT_EQ(first[1].b.kind, SinkKind::None);
  EXPECT_EQ(first[2].change, SinkChange::Gained);
  EXPECT_EQ(first[2].position, 4);
  EXPECT_EQ(first[2].text, "B");
  EXPECT_EQ(first[2].b.creationLayer, 1);

  const std::vector<SinkDiff> &second = diff->records[1].sinks;
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].change, SinkChange::Gained);
  EXPECT_EQ(second[0].position, 2);
  EXPECT_EQ(second[1].change, SinkChange::Changed);
  EXPECT_EQ(second[1].position, 3);
  EXPECT_EQ(second[1].a.kind, kSecondary);
  EXPECT_EQ(second[1].b.kind, kPrimary);

  // Gained: one secondary (record 0), one primary (record 1); lost: one
  // secondary; changed: two.
  EXPECT_EQ(diff->gained[1], 1u);
  EXPECT_EQ(diff->gained[2], 1u);
  EXPECT_EQ(diff->lost[1], 0u);
  EXPECT_EQ(diff->lost[2], 1u);
  EXPECT_EQ(diff->changed, 2u);
  EXPECT_EQ(diff->recordsWithSinkChanges, 2u);
  EXPECT_EQ(diff->recordsWithDifferences, 2u);

  std::string text = renderDiffText(*diff);
  EXPECT_THAT(
      text,
      HasSubstr("record 0 (prompt 0, 5 tokens): 1 sink gained, 1 lost, 1 "
                "changed\n"
                "  change   position  token text         kind A    kind B    "
                "created A created B lifetime A lifetime B\n"
                "  changed         1     10 '\\n'         secondary secondary "
                "        2         2          1          2\n"
                "  lost            3     10 '\\n'         secondary none      "
                "        2         -          1          -\n"
                "  gained          4     66 'B'          none      secondary "
                "        -         1          -          1\n"));
  EXPECT_THAT(
      text,
      HasSubstr("  sinks gained: 1 primary, 1 secondary\n"
                "  sinks lost: 0 primary, 1 secondary\n"
                "  sinks changed (kind, creation layer or lifetime): 2\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(
      json, HasSubstr("{\"change\": \"lost\", \"position\": 3, \"token\": 10, "
                      "\"text\": \"\\\\n\", \"a\": {\"kind\": \"secondary\", "
                      "\"creation_layer\": 2, \"lifetime\": 1}, \"b\": "
                      "{\"kind\": \"none\", \"creation_layer\": -1, "
                      "\"lifetime\": 0}}"));
  EXPECT_THAT(json, HasSubstr("\"gained\": {\"primary\": 1, \"secondary\": 1}, "
                              "\"lost\": {\"primary\": 0, \"secondary\": 1}, "
                              "\"changed\": 2"));
}

TEST(TraceDiff, BosMassAndRecvDeltas) {
  TraceData a = traceA();
  TraceData b = traceA();
  // Record 0: bos_mass 0.5 0.4 0.3 0.2 -> 0.75 0.4 (unmeasured) 0.125.
  std::vector<float> bosMass = {0.75f, 0.4f, NAN, 0.125f};
  for (int l = 0; l < 4; ++l)
    b.records[0].measurements[l].bosMass = bosMass[l];
  // Record 1 (T = 9, min_queries 4: keys 0-5 ranked), layer 2: recv 0.1
  // everywhere -> +0.25 at 2 and 5 (the first wins), -0.0625 at 4, +0.5
  // at 7 (seen by 2 queries: not ranked).
  std::vector<float> &recv = b.records[1].measurements[2].recv;
  recv[2] = 0.35f;
  recv[5] = 0.35f;
  recv[4] = 0.0375f;
  recv[7] = 0.6f;
  // Layer 3: only an unranked key changes: no change reported.
  b.records[1].measurements[3].recv[8] = 0.9f;
  // Record 1, layer 1: bos_mass 0.6 -> 0.5.
  b.records[1].measurements[1].bosMass = 0.5f;

  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(diff.isOk()) << diff.getError().message;
  const std::vector<LayerDiff> &first = diff->records[0].layers;
  ASSERT_EQ(first.size(), 4u);
  EXPECT_DOUBLE_EQ(first[0].bosMassDelta, 0.25);
  EXPECT_EQ(first[1].bosMassDelta, 0);
  EXPECT_TRUE(std::isnan(first[2].bosMassDelta));
  EXPECT_TRUE(first[2].changed); // measured in A only
  EXPECT_DOUBLE_EQ(first[3].bosMassDelta, 0.125 - double(0.2f));
  EXPECT_TRUE(diff->records[0].differs());
  EXPECT_FALSE(diff->records[0].sinksChanged());

  const std::vector<LayerDiff> &second = diff->records[1].layers;
  EXPECT_DOUBLE_EQ(second[1].bosMassDelta, double(0.5f) - double(0.6f));
  EXPECT_EQ(second[2].maxRecvPosition, 2);
  EXPECT_DOUBLE_EQ(second[2].maxRecvDelta, double(0.35f) - double(0.1f));
  EXPECT_TRUE(second[2].changed);
  EXPECT_EQ(second[3].maxRecvPosition, -1);
  EXPECT_EQ(second[3].maxRecvDelta, 0);
  EXPECT_FALSE(second[3].changed);
  EXPECT_EQ(diff->recordsWithSinkChanges, 0u);
  EXPECT_EQ(diff->recordsWithDifferences, 2u);

  // Mean deltas: layer 0 (0.25 + 0) / 2; layer 2 only record 1 measured
  // both.
  ASSERT_EQ(diff->bosMassDelta.size(), 4u);
  EXPECT_DOUBLE_EQ(diff->bosMassDelta[0].mean, 0.125);
  EXPECT_EQ(diff->bosMassDelta[2].records, 1u);
  EXPECT_EQ(diff->bosMassDelta[2].mean, 0);
  EXPECT_DOUBLE_EQ(diff->bosMassDelta[1].mean,
                   (double(0.5f) - double(0.6f)) / 2);

  std::string text = renderDiffText(*diff);
  EXPECT_THAT(
      text, HasSubstr("record 0 (prompt 0, 5 tokens): 0 sinks gained, 0 lost, "
                      "0 changed\n"
                      "  layer bos_mass A bos_mass B delta bos_mass   max "
                      "delta recv position\n"
                      "      0     0.5000     0.7500        +0.2500          "
                      "+0.0000        -\n"
                      "      1     0.4000     0.4000        +0.0000          "
                      "+0.0000        -\n"
                      "      2     0.3000          -              -          "
                      "+0.0000        -\n"));
  EXPECT_THAT(text,
              HasSubstr("      2     0.3000     0.3000        +0.0000          "
                        "+0.2500        2\n"));
  EXPECT_THAT(text, HasSubstr("  layer records mean delta\n"
                              "      0       2    +0.1250\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(
      json, HasSubstr("{\"layer\": 2, \"bos_mass_a\": 0.3, \"bos_mass_b\": "
                      "null, \"bos_mass_delta\": null, \"max_recv_delta\": 0, "
                      "\"max_recv_position\": null, \"changed\": true}"));
  EXPECT_THAT(json,
              HasSubstr("{\"layer\": 0, \"records\": 2, \"mean\": 0.125}"));
}

TEST(TraceDiff, OtherModelsAndRulesAreComparedAndSaidSo) {
  TraceData a = traceA();
  TraceData b = traceA();
  b.model.name = "other";
  b.model.weightsHash = 0x1234;
  for (TraceRecord &record : b.records)
    record.rules.epsilon = 0.5f;
  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(diff.isOk()) << diff.getError().message;
  EXPECT_FALSE(diff->sameModel);
  EXPECT_FALSE(diff->sameRules);
  EXPECT_TRUE(diff->sameInstrumentation);
  std::string text = renderDiffText(*diff);
  EXPECT_THAT(
      text, HasSubstr("model B: model 'other' (4 layers, 2 heads, vocabulary "
                      "260, weights hash 0000000000001234) -- another model "
                      "or weights: two models compared on the same tokens\n"));
  EXPECT_THAT(text,
              HasSubstr("classification B: layers 0-3, tau 0.9, epsilon 0.5, "
                        "min_queries 4, criteria cos+attn, early_layers 1, "
                        "late_index 3 -- other rules\n"));
  EXPECT_THAT(text, HasSubstr("instrumented B: the same\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(json, HasSubstr("\"same_model\": false"));
  EXPECT_THAT(json, HasSubstr("\"same_classification\": false"));

  // A record classified unlike its trace's record 0 shows its own rules.
  b.records[1].rules.tau = 0.8f;
  Expected<TraceDiff> own = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(own.isOk());
  EXPECT_TRUE(own->records[1].rulesOwn);
  EXPECT_FALSE(own->records[0].rulesOwn);
}

TEST(TraceDiff, RefusesTracesOfOtherTokensOrLayers) {
  TraceData a = traceA();
  // B, a copy of A that `change` makes another run: diffTraces refuses it.
  struct Case {
    std::function<void(TraceData &)> change;
    const char *refusal;
  };
  for (const Case &c : std::vector<Case>{
           {[](TraceData &b) { b.records.pop_back(); },
            "'b.sinktrace' has 1 records, but 'a.sinktrace' has 2; diff "
            "compares two runs over the same prompts, record by record"},
           {[](TraceData &b) {
              b.records[1] = makeRecord({256, 1, 2, 33, 3, 4, 5, 6, 7, 8}, {},
                                        {0.9f, 0.6f, 0.3f, 0.2f});
            },
            "record 1 has 10 tokens in 'b.sinktrace', but 9 in "
            "'a.sinktrace'; diff compares runs over the same token "
            "sequences"},
           {[](TraceData &b) {
              b.records[1].tokens[4] = 44;
              b.records[1].tokens[6] = 45;
            },
            "record 1 differs in its tokens: position 4 is token 44 in "
            "'b.sinktrace', but 3 in 'a.sinktrace'; diff compares runs over "
            "the same token sequences"},
           {[](TraceData &b) { b.records[0].tokens.clear(); },
            "record 0 has 0 token ids in 'b.sinktrace', but 5 in "
            "'a.sinktrace'; diff compares runs over the same token "
            "sequences"},
           {[](TraceData &b) {
              b.records[1].layers = {0, 1, 2};
              b.records[1].measurements.pop_back();
            },
            "record 1 was instrumented at layers 0-2 in 'b.sinktrace', but "
            "at layers 0-3 in 'a.sinktrace'; diff compares the same "
            "instrumented layers"}}) {
    TraceData b = a;
    c.change(b);
    Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
    EXPECT_FALSE(diff.isOk());
    EXPECT_EQ(diff ? std::string() : diff.getError().message, c.refusal);
  }

  // Other metrics are compared: without recv in B, nothing to rank.
  TraceData noRecv = a;
  for (LayerRecord &layer : noRecv.records[0].measurements)
    layer.recv.clear();
  noRecv.records[0].metrics = {Metric::BosMass, Metric::HiddenCosBos};
  Expected<TraceDiff> diff =
      diffTraces("a.sinktrace", a, "b.sinktrace", noRecv);
  ASSERT_TRUE(diff.isOk());
  EXPECT_FALSE(diff->sameInstrumentation);
  EXPECT_FALSE(diff->records[0].layers[0].recvCompared);
  EXPECT_TRUE(std::isnan(diff->records[0].layers[0].maxRecvDelta));
  EXPECT_TRUE(diff->records[0].differs());
  EXPECT_FALSE(diff->records[1].differs());
}

TEST(TraceDiff, EmptyTraces) {
  TraceData empty = makeTrace({});
  Expected<TraceDiff> diff =
      diffTraces("a.sinktrace", empty, "b.sinktrace", empty);
  ASSERT_TRUE(diff.isOk());
  std::string text = renderDiffText(*diff);
  EXPECT_THAT(text, HasSubstr("0 records matched by index"));
  EXPECT_THAT(text, HasSubstr("    none\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(json, HasSubstr("\"records\": [],"));
  EXPECT_THAT(json, HasSubstr("\"bos_mass_delta\": [],"));
  EXPECT_THAT(json, HasSubstr("\"logit_kl\": null}"));
}

TEST(TraceDiff, InterventionsAreComparedAndShown) {
  TraceData a = traceA();
  TraceData b = traceA();
  b.model.intervention.spec =
      "mlp-norm-cap:layer=1,cos=0.98,norm=1,skip-first=3";
  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(diff.isOk()) << diff.getError().message;
  // The same weights: the intervention is compared on its own.
  EXPECT_TRUE(diff->sameModel);
  EXPECT_FALSE(diff->sameIntervention);
  std::string text = renderDiffText(*diff);
  EXPECT_THAT(text,
              HasSubstr("model B: the same model and weights\n"
                        "intervention A: none\n"
                        "intervention B: mlp-norm-cap:layer=1,cos=0.98,norm=1,"
                        "skip-first=3 (reference: BOS's MLP output) -- "
                        "another intervention\n"));
  std::string json = renderDiffJson(*diff);
  EXPECT_THAT(json, HasSubstr("\"same_model\": true"));
  EXPECT_THAT(json, HasSubstr("\"same_intervention\": false,\n  "
                              "\"interventions\": {\"a\": null, \"b\": "
                              "{\"spec\": \"mlp-norm-cap:layer=1,cos=0.98,"
                              "norm=1,skip-first=3\", \"steer_vector\": "
                              "null, \"steer_vector_hash\": null, "
                              "\"steer_vector_norm\": null}},"));

  // Both steered alike: "the same"; neither: no intervention lines at all.
  Expected<TraceDiff> same = diffTraces("b.sinktrace", b, "b.sinktrace", b);
  ASSERT_TRUE(same.isOk());
  EXPECT_TRUE(same->sameIntervention);
  EXPECT_THAT(renderDiffText(*same), HasSubstr("intervention B: the same\n"));
  Expected<TraceDiff> none = diffTraces("a.sinktrace", a, "a.sinktrace", a);
  ASSERT_TRUE(none.isOk());
  EXPECT_THAT(renderDiffText(*none), Not(HasSubstr("intervention")));
}

TEST(TraceDiff, LogitKlWorkedOutByHand) {
  // Position 0: P_A = (1/2, 1/2), P_B = (1/4, 3/4): KL = ln(4/3) / 2.
  // Position 1: the same logits (KL 0); position 2: shifted by a constant,
  // the same distribution (KL 0) but other logits.
  std::vector<double> a = {0, 0, 1, 2, 5, 5};
  std::vector<double> b = {0, std::log(3.0), 1, 2, 0, 0};
  LogitKl kl = compareLogits(a, b, 3, 2);
  EXPECT_TRUE(kl.compared);
  EXPECT_TRUE(kl.changed);
  EXPECT_EQ(kl.positions, 3u);
  EXPECT_NEAR(kl.max, std::log(4.0 / 3.0) / 2, 1e-15);
  EXPECT_EQ(kl.maxPosition, 0);
  EXPECT_NEAR(kl.mean, std::log(4.0 / 3.0) / 6, 1e-15);
  EXPECT_NEAR(kl.last, 0, 1e-15);
  LogitKl same = compareLogits(a, a, 3, 2);
  EXPECT_FALSE(same.changed);
  EXPECT_EQ(same.max, 0);
  EXPECT_EQ(same.mean, 0);
}

TEST(TraceDiff, LogitsFilesAreTheExecutablesOwn) {
  TraceData trace = traceA();
  // Both records of one model call: the file as given.
  EXPECT_EQ(logitsFileFor("l.npy", trace, trace.records[1]), "l.npy");
  // Several prompts: the runtime's per-prompt names.
  trace.records[1].prompt = 1;
  EXPECT_EQ(logitsFileFor("l.npy", trace, trace.records[1]), "l.1.npy");
  EXPECT_EQ(logitsFileFor("out/l", trace, trace.records[0]), "out/l.0.npy");
}

TEST(TraceDiff, LogitKlFromTheLogitsFiles) {
  testutil::TempDir directory;
  TraceData a = traceA();
  a.records[1].prompt = 1;
  TraceData b = a;
  // [1, T, 3] logits per prompt; B differs from A only at the last position
  // of prompt 1.
  auto write = [&](const std::string &name, int tokens, float last) {
    Expected<HostTensor> tensor =
        HostTensor::create(DType::F32, {1, tokens, 3});
    ASSERT_TRUE(tensor);
    for (int i = 0; i < tokens * 3; ++i)
      tensor->as<float>()[i] = static_cast<float>(i % 3);
    tensor->as<float>()[tokens * 3 - 1] = last;
    ASSERT_TRUE(writeNpyFile(directory.file(name), *tensor));
  };
  write("a.0.npy", 5, 2);
  write("a.1.npy", 9, 2);
  write("b.0.npy", 5, 2);
  write("b.1.npy", 9, 4);
  Expected<TraceDiff> diff = diffTraces("a.sinktrace", a, "b.sinktrace", b);
  ASSERT_TRUE(diff.isOk());
  ASSERT_TRUE(attachLogits(*diff, a, directory.file("a.npy"), b,
                           directory.file("b.npy")));
  EXPECT_TRUE(diff->logitsCompared);
  EXPECT_FALSE(diff->records[0].logits.changed);
  EXPECT_FALSE(diff->records[0].differs());
  const LogitKl &kl = diff->records[1].logits;
  EXPECT_TRUE(kl.changed);
  EXPECT_TRUE(diff->records[1].differs());
  EXPECT_EQ(kl.maxPosition, 8);
  EXPECT_GT(kl.last, 0);
  EXPECT_EQ(kl.last, kl.max);
  EXPECT_DOUBLE_EQ(diff->meanLastKl, kl.last / 2);
  EXPECT_EQ(diff->maxLastKlRecord, 1u);
  EXPECT_EQ(diff->recordsWithDifferences, 1u);
  std::string text = renderDiffText(*diff);
  EXPECT_THAT(text, HasSubstr("record 1 (prompt 1, 9 tokens): 0 sinks "
                              "gained, 0 lost, 0 changed\n"));
  EXPECT_THAT(text, HasSubstr("at the last position; over 9 positions: "));
  EXPECT_THAT(renderDiffJson(*diff),
              HasSubstr("\"max_position\": 8, \"changed\": true}"));

  // Logits of other runs are refused with the file's name.
  write("c.0.npy", 4, 2);
  write("c.1.npy", 9, 2);
  Status refused = attachLogits(*diff, a, directory.file("a.npy"), b,
                                directory.file("c.npy"));
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused.getError().message,
              HasSubstr("c.0.npy' holds logits [1, 4, 3] for 4 positions, "
                        "but record 0 has 5 tokens"));
  Status missing = attachLogits(*diff, a, directory.file("a.npy"), b,
                                directory.file("none.npy"));
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing.getError().message, HasSubstr("none.0.npy"));
}
