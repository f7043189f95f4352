//===- TraceReportTest.cpp - sink-trace renderings ------------------------===//

#include "TraceReport.h"

#include "TestUtil.h"
#include "sinkrt/Classify.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace sinkrt;
using namespace sinktrace;

namespace {

TraceData smallTrace(std::vector<Metric> metrics) {
  TraceData trace;
  trace.producer = "test";
  trace.model = {"m \"quoted\"", 2, 2, 300, 256, "bytes", 0, 0};
  TraceRecord record;
  record.sequenceLength = 6;
  record.tokens = {256, 10, 60, 38, 270, 1};
  record.layers = {0, 1};
  record.metrics = metrics;
  record.instrumentSpec = "layers=all";
  record.rules = makeClassificationRules(record.layers, metrics, Thresholds());
  for (int l = 0; l < 2; ++l) {
    LayerRecord layer;
    layer.layer = l;
    for (Metric metric : metrics) {
      if (metric == Metric::BosMass)
        layer.bosMass = 0.25f;
      else if (metric == Metric::HeadBosMass)
        layer.headBosMass = {0.1f, 0.4f};
      else
        layer.values(metric) = {0.9f, 0.3f, 0.1f, 0.3f, NAN, 0.05f};
    }
    record.measurements.push_back(layer);
  }
  classifyRecord(record);
  trace.records.push_back(record);
  trace.levels = aggregateSinkLevels(trace.records);
  return trace;
}

const std::vector<Metric> kAll = {Metric::BosMass,      Metric::HeadBosMass,
                                  Metric::Recv,         Metric::HiddenNorm,
                                  Metric::HiddenCosBos, Metric::MlpNorm,
                                  Metric::MlpCosBos};

} // namespace

TEST(TraceReport, TopReceiversSkipBosAndNaNAndBreakTiesByPosition) {
  LayerRecord layer;
  layer.recv = {0.9f, 0.3f, 0.1f, 0.3f, NAN, 0.05f};
  EXPECT_EQ(topReceivers(layer, 3, 1), (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(topReceivers(layer, 10, 1), (std::vector<int>{1, 3, 2, 5}));
  EXPECT_TRUE(topReceivers(LayerRecord(), 3, 4).empty());
}

TEST(TraceReport, TopReceiversLeaveOutKeysSeenByFewQueries) {
  // T = 6: key 5 is seen by one query, key 3 by three, key 2 by four.
  LayerRecord layer;
  layer.recv = {0.9f, 0.3f, 0.1f, 0.35f, 0.2f, 1.0f};
  EXPECT_EQ(topReceivers(layer, 3, 0), (std::vector<int>{5, 3, 1}));
  EXPECT_EQ(topReceivers(layer, 3, 2), (std::vector<int>{3, 1, 4}));
  EXPECT_EQ(topReceivers(layer, 3, 4), (std::vector<int>{1, 2}));
  EXPECT_TRUE(topReceivers(layer, 3, 6).empty());
  EXPECT_TRUE(topReceivers(layer, 3, 100).empty());
}

TEST(TraceReport, TokenTextForByteLevelModels) {
  ModelSummary bytes{"m", 1, 1, 260, 256, "bytes", 0, 0};
  EXPECT_EQ(tokenText(bytes, 256), "<bos>");
  EXPECT_EQ(tokenText(bytes, 'a'), "a");
  EXPECT_EQ(tokenText(bytes, 10), "\\n");
  EXPECT_EQ(tokenText(bytes, 0xe9), "\\xe9");
  EXPECT_EQ(tokenText(bytes, 257), "");
  ModelSummary other{"m", 1, 1, 50000, 1, "none", 0, 0};
  EXPECT_EQ(tokenText(other, 1), "<bos>");
  EXPECT_EQ(tokenText(other, 97), "");
}

TEST(TraceReport, SummaryListsSinksThenLayers) {
  std::string summary = renderSummary(smallTrace(kAll));
  size_t sinks = summary.find("  sinks:");
  size_t layers = summary.find("  layer bos_mass");
  ASSERT_NE(sinks, std::string::npos) << summary;
  ASSERT_NE(layers, std::string::npos);
  EXPECT_LT(sinks, layers);
  EXPECT_NE(summary.find("<bos>    primary"), std::string::npos) << summary;
  // Key 3 is seen by 3 queries, fewer than min_queries (4): not ranked.
  EXPECT_NE(summary.find("1:10 '\\n' 0.300; 2:60 '<' 0.100     "),
            std::string::npos)
      << summary;
  EXPECT_EQ(summary.find("3:38"), std::string::npos) << summary;
  EXPECT_NE(summary.find("0.100-0.400"), std::string::npos);
  EXPECT_NE(summary.find("0.90 / 0.19"), std::string::npos) << summary;
}

TEST(TraceReport, TokenTextsFromATokenizerJson) {
  // A model compiled with --tokenizer=FILE.json: the trace's own texts, a
  // lone space and digits readable as such, invisibles and broken UTF-8
  // escaped.
  TraceData trace = smallTrace(kAll);
  trace.model.tokenizer = "json";
  TraceRecord &record = trace.records[0];
  record.tokenTexts = {"<s>", " ", "1", "\xe4", "\xc2\xa0", "\xe4\xb8\xad"};
  std::string summary = renderSummary(trace);
  EXPECT_NE(summary.find("0     256 '<s>'    primary"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("1:10 ' ' 0.300; 2:60 '1' 0.100"),
            std::string::npos)
      << summary;
  EXPECT_EQ(tokenText(trace.model, record, 4), "\\u{a0}");
  EXPECT_EQ(tokenText(trace.model, record, 5), "\xe4\xb8\xad");
  std::string json = renderJson(trace);
  EXPECT_NE(json.find("\"token_texts\": [\"<s>\", \" \", \"1\", "
                      "\"\\\\xe4\", \"\\\\u{a0}\", \"\xe4\xb8\xad\"]"),
            std::string::npos)
      << json;
}

TEST(TraceReport, SummarySaysWhichCriteriaWereAvailable) {
  std::string attention =
      renderSummary(smallTrace({Metric::BosMass, Metric::Recv}));
  EXPECT_NE(attention.find("recv >= 0.3 (keys seen by >= 4 queries) "
                           "(hidden_cos_bos not instrumented: attention "
                           "only)"),
            std::string::npos)
      << attention;
  std::string neither = renderSummary(smallTrace({Metric::MlpNorm}));
  EXPECT_NE(neither.find("flagged when: none"), std::string::npos);
  EXPECT_NE(neither.find("sinks: none"), std::string::npos);
}

TEST(TraceReport, JsonUsesNullForWhatWasNotMeasured) {
  std::string json = renderJson(smallTrace({Metric::Recv}));
  EXPECT_NE(json.find("\"name\": \"m \\\"quoted\\\"\""), std::string::npos);
  EXPECT_NE(json.find("\"bos_mass\": null, \"head_bos_mass\": null, "
                      "\"recv\": [0.9, 0.3, 0.1, 0.3, null, 0.05], "
                      "\"hidden_norm\": null"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"criteria_available\": [\"attention\"]"),
            std::string::npos);
  EXPECT_NE(json.find("\"weights_hash\": \"0000000000000000\""),
            std::string::npos);
}

TEST(TraceReport, CsvHasOneRowPerRecordLayerAndPosition) {
  std::string csv = renderCsv(smallTrace(kAll));
  EXPECT_EQ(testutil::countLines(csv), 1 + 2 * 6);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "record,prompt,batch_row,layer,position,token,recv,hidden_norm,"
            "hidden_cos_bos,mlp_norm,mlp_cos_bos,flag_hidden_cosine,"
            "flag_attention,sink_kind,key_norm,value_norm");
  EXPECT_NE(csv.find("\n0,0,0,1,4,270,,,,,,0,0,none,,\n"), std::string::npos)
      << csv;
}

TEST(TraceReport, SvgEscapesLabels) {
  TraceData trace = smallTrace(kAll);
  trace.records[0].rules.minQueries = 1;
  std::string svg = renderSvg(trace, 0);
  EXPECT_NE(svg.find("m &quot;quoted&quot;: record 0"), std::string::npos);
  EXPECT_NE(svg.find("3:38 &amp;"), std::string::npos) << svg;
  EXPECT_NE(svg.find("2:60 &lt;"), std::string::npos);
}
