//===- TraceReportTest.cpp - sink-trace renderings ------------------------===//

#include "TraceReport.h"

#include "Figures.h"
#include "HtmlReport.h"

#include "TestUtil.h"
#include "sinkrt/Classify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace sinkrt;
using namespace sinktrace;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

TraceData smallTrace(std::vector<Metric> metrics) {
  TraceData trace;
  trace.producer = "test";
  trace.model = {"m \"quoted\"", 2, 2, 300, 256, "bytes", 0, 0, {}};
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

TEST(TraceReport, AttentionShareIsRecvTimesQueriesOverLength) {
  // T = 4: key k is seen by 4 - k queries; the shares sum to 1 when every
  // query's probabilities do (query q spreads 1 over keys 0..q).
  LayerRecord layer;
  layer.recv = {0.5f, 0.25f, 0.5f, 1.0f};
  EXPECT_DOUBLE_EQ(attentionShare(layer, 0), 0.5);
  EXPECT_DOUBLE_EQ(attentionShare(layer, 1), 0.25 * 3 / 4);
  EXPECT_DOUBLE_EQ(attentionShare(layer, 2), 0.5 * 2 / 4);
  EXPECT_DOUBLE_EQ(attentionShare(layer, 3), 0.25);
  EXPECT_TRUE(std::isnan(attentionShare(layer, 4)));
}

TEST(TraceReport, TopReceiversRankByShareAndLeaveOutKeysSeenByFewQueries) {
  // T = 6: key 5 is seen by one query, key 4 by two, key 3 by three. Key
  // 5's recv of 1.0 is one probability (share 1/6); key 3's 0.35 comes
  // from three queries (0.175); key 1's 0.3 from five (0.25).
  LayerRecord layer;
  layer.recv = {0.9f, 0.3f, 0.1f, 0.35f, 0.3f, 1.0f};
  EXPECT_EQ(topReceivers(layer, 3, 0), (std::vector<int>{1, 3, 5}));
  EXPECT_EQ(topReceivers(layer, 3, 2), (std::vector<int>{1, 3, 4}));
  EXPECT_EQ(topReceivers(layer, 3, 4), (std::vector<int>{1, 2}));
  EXPECT_TRUE(topReceivers(layer, 3, 6).empty());
  EXPECT_TRUE(topReceivers(layer, 3, 100).empty());
}

TEST(TraceReport, TokenTextForByteLevelModels) {
  ModelSummary bytes{"m", 1, 1, 260, 256, "bytes", 0, 0, {}};
  EXPECT_EQ(tokenText(bytes, 256), "<bos>");
  EXPECT_EQ(tokenText(bytes, 'a'), "a");
  EXPECT_EQ(tokenText(bytes, 10), "\\n");
  EXPECT_EQ(tokenText(bytes, 0xe9), "\\xe9");
  EXPECT_EQ(tokenText(bytes, 257), "");
  ModelSummary other{"m", 1, 1, 50000, 1, "none", 0, 0, {}};
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
  EXPECT_THAT(summary, HasSubstr("<bos>    primary"));
  // Key 3 is seen by 3 queries, fewer than min_queries (4): not ranked.
  // Attention shares: 0.3 x 5 / 6 and 0.1 x 4 / 6.
  EXPECT_THAT(summary, HasSubstr("1:10 '\\n' 0.250; 2:60 '<' 0.067     "));
  EXPECT_THAT(summary, Not(HasSubstr("3:38")));
  EXPECT_THAT(summary, HasSubstr("0.100-0.400"));
  EXPECT_THAT(summary, HasSubstr("0.90 / 0.19"));
}

TEST(TraceReport, SummaryShowsMlpStatesOnlyWhenMeasured) {
  EXPECT_THAT(renderSummary(smallTrace(kAll)), Not(HasSubstr("mlp states")));
  std::vector<Metric> metrics = kAll;
  metrics.push_back(Metric::MlpGateCosBos);
  metrics.push_back(Metric::MlpOutputCosBos);
  TraceData trace = smallTrace(metrics);
  // Position 1 is the one sink besides position 0: 0.3 at it, the mean of
  // 0.1, 0.3 and 0.05 elsewhere (NaN left out).
  ASSERT_EQ(trace.records[0].sinks[1].kind, SinkKind::Primary);
  std::string summary = renderSummary(trace);
  EXPECT_THAT(summary, HasSubstr("  mlp states: cosine with position 0's same "
                                 "state, mean over the sinks besides position "
                                 "0 / the other positions\n"
                                 "  layer gate          output\n"
                                 "      0 0.30 / 0.15   0.30 / 0.15\n"));
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
  EXPECT_THAT(summary, HasSubstr("0     256 '<s>'    primary"));
  EXPECT_THAT(summary, HasSubstr("1:10 ' ' 0.250; 2:60 '1' 0.067"));
  EXPECT_EQ(tokenText(trace.model, record, 4), "\\u{a0}");
  EXPECT_EQ(tokenText(trace.model, record, 5), "\xe4\xb8\xad");
  std::string json = renderJson(trace);
  EXPECT_THAT(json, HasSubstr("\"token_texts\": [\"<s>\", \" \", \"1\", "
                              "\"\\\\xe4\", \"\\\\u{a0}\", \"\xe4\xb8\xad\"]"));
}

TEST(TraceReport, SummarySaysWhichCriteriaWereAvailable) {
  std::string attention =
      renderSummary(smallTrace({Metric::BosMass, Metric::Recv}));
  EXPECT_THAT(attention,
              HasSubstr("recv >= 0.3 (keys seen by >= 4 queries) "
                        "(hidden_cos_bos not instrumented: attention "
                        "only)"));
  std::string neither = renderSummary(smallTrace({Metric::MlpNorm}));
  EXPECT_THAT(neither, HasSubstr("flagged when: none"));
  EXPECT_THAT(neither, HasSubstr("sinks: none"));
}

TEST(TraceReport, JsonUsesNullForWhatWasNotMeasured) {
  std::string json = renderJson(smallTrace({Metric::Recv}));
  EXPECT_THAT(json, HasSubstr("\"name\": \"m \\\"quoted\\\"\""));
  EXPECT_THAT(json, HasSubstr("\"bos_mass\": null, \"head_bos_mass\": null, "
                              "\"recv\": [0.9, 0.3, 0.1, 0.3, null, 0.05], "
                              "\"hidden_norm\": null"));
  EXPECT_THAT(json, HasSubstr("\"criteria_available\": [\"attention\"]"));
  EXPECT_THAT(json, HasSubstr("\"weights_hash\": \"0000000000000000\""));
  // The fields of schema versions 2 and 3 come after the flags.
  EXPECT_THAT(json, HasSubstr("\"key_norm\": null, \"value_norm\": null, "
                              "\"mlp_input_cos_bos\": null, "
                              "\"mlp_gate_cos_bos\": null, \"mlp_up_cos_bos\": "
                              "null, \"mlp_act_cos_bos\": null, "
                              "\"mlp_gated_cos_bos\": null, "
                              "\"mlp_output_cos_bos\": null}"));
  EXPECT_THAT(renderJson(smallTrace({Metric::MlpActCosBos})),
              HasSubstr("\"mlp_act_cos_bos\": [0.9, 0.3, 0.1, 0.3, null, "
                        "0.05], \"mlp_gated_cos_bos\": null"));
}

TEST(TraceReport, CsvHasOneRowPerRecordLayerAndPosition) {
  std::string csv = renderCsv(smallTrace(kAll));
  EXPECT_EQ(testutil::countLines(csv), 1 + 2 * 6);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "record,prompt,batch_row,layer,position,token,recv,hidden_norm,"
            "hidden_cos_bos,mlp_norm,mlp_cos_bos,flag_hidden_cosine,"
            "flag_attention,sink_kind,key_norm,value_norm,mlp_input_cos_bos,"
            "mlp_gate_cos_bos,mlp_up_cos_bos,mlp_act_cos_bos,mlp_gated_cos_bos,"
            "mlp_output_cos_bos");
  EXPECT_THAT(csv, HasSubstr("\n0,0,0,1,4,270,,,,,,0,0,none,,,,,,,,\n"));
}

TEST(TraceReport, SvgAxisEndsAboveTheLargestValueShown) {
  // bos_mass 0.25 and the largest share 0.3f x 5 / 6, just above 0.25
  // (0.3f is): the axis ends at the next step, 0.5, in quarters, not at 1.
  std::string svg = renderSvg(smallTrace(kAll), 0);
  EXPECT_THAT(svg, HasSubstr("text-anchor=\"end\">0.375</text>"));
  EXPECT_THAT(svg, HasSubstr("text-anchor=\"end\">0.5</text>"));
  EXPECT_THAT(svg, Not(HasSubstr("text-anchor=\"end\">1</text>")));
}

TEST(TraceReport, SvgEscapesLabels) {
  TraceData trace = smallTrace(kAll);
  trace.records[0].rules.minQueries = 1;
  std::string svg = renderSvg(trace, 0);
  EXPECT_THAT(svg, HasSubstr("m &quot;quoted&quot;: record 0"));
  EXPECT_THAT(svg, HasSubstr("3:38 &amp;"));
  EXPECT_THAT(svg, HasSubstr("2:60 &lt;"));
}

//===----------------------------------------------------------------------===//
// figures
//===----------------------------------------------------------------------===//

namespace {

size_t countOf(const std::string &text, const std::string &needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + 1))
    ++count;
  return count;
}

/// A long record: T positions, `layers` layers, recv 1/T everywhere but for
/// the flagged positions, which are secondary sinks.
TraceData longTrace(int length, int layers, std::vector<int> flagged) {
  TraceData trace = smallTrace(kAll);
  TraceRecord &record = trace.records[0];
  record.sequenceLength = length;
  record.tokens.assign(static_cast<size_t>(length), 'a');
  record.tokens[0] = 256;
  record.layers.clear();
  record.measurements.clear();
  for (int l = 0; l < layers; ++l) {
    record.layers.push_back(l);
    LayerRecord layer;
    layer.layer = l;
    layer.bosMass = 0.5f;
    layer.headBosMass = {0.4f, 0.6f};
    std::vector<float> uniform(static_cast<size_t>(length),
                               1.0f / static_cast<float>(length));
    layer.recv = uniform;
    layer.recv[0] = 0.5f;
    layer.hiddenNorm.assign(static_cast<size_t>(length), 5.0f);
    layer.hiddenCosBos.assign(static_cast<size_t>(length), 0.1f);
    layer.hiddenCosBos[0] = 1.0f;
    layer.mlpNorm.assign(static_cast<size_t>(length), 1.0f);
    layer.mlpCosBos.assign(static_cast<size_t>(length), 0.0f);
    for (int position : flagged)
      if (l >= 2 && l < 4)
        layer.hiddenCosBos[static_cast<size_t>(position)] = 0.95f;
    record.measurements.push_back(layer);
  }
  record.rules =
      makeClassificationRules(record.layers, record.metrics, Thresholds());
  classifyRecord(record);
  trace.levels = aggregateSinkLevels(trace.records);
  return trace;
}

} // namespace

TEST(Figures, OneColumnPerPositionForShortRecords) {
  TraceData trace = smallTrace(kAll);
  std::vector<TokenColumn> columns = tokenColumns(trace.records[0], 256);
  ASSERT_EQ(columns.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(columns[i].first, i);
    EXPECT_EQ(columns[i].last, i);
  }
  std::string heatmap = renderFigures(trace, 0)[0].svg;
  EXPECT_EQ(countOf(heatmap, "<rect class=\"cell"), 2u * 6u);
  // T = 6, min_queries 4: keys 3, 4 and 5 are greyed in both layers.
  EXPECT_EQ(countOf(heatmap, "<rect class=\"cell masked\""), 2u * 3u);
}

TEST(Figures, LongRecordsAreBinnedWithoutLosingFlaggedTokens) {
  // 5000 positions, sinks at odd places, among them one at the very end of a
  // bin and one next to another.
  std::vector<int> flagged = {19, 20, 1234, 2047, 4093};
  TraceData trace = longTrace(5000, 6, flagged);
  const TraceRecord &record = trace.records[0];
  std::vector<int> sinks;
  for (const TokenSink &sink : record.sinks)
    if (sink.kind != SinkKind::None)
      sinks.push_back(sink.position);
  ASSERT_EQ(sinks, (std::vector<int>{0, 19, 20, 1234, 2047, 4093}));

  std::vector<TokenColumn> columns = tokenColumns(record, 256);
  // Bins of ceil(5000 / 256) = 20 positions, plus the sinks' own columns
  // and the pieces they split off.
  EXPECT_LE(columns.size(), 256u + 2 * sinks.size());
  EXPECT_GE(columns.size(), 250u);
  int next = 0;
  for (const TokenColumn &column : columns) {
    EXPECT_EQ(column.first, next);
    EXPECT_GE(column.last, column.first);
    EXPECT_LE(column.last - column.first, 19);
    next = column.last + 1;
  }
  EXPECT_EQ(next, 5000);
  for (int position : sinks)
    EXPECT_TRUE(std::any_of(columns.begin(), columns.end(),
                            [&](const TokenColumn &column) {
                              return column.first == position &&
                                     column.last == position;
                            }))
        << position;

  std::vector<Figure> figures = renderFigures(trace, 0);
  ASSERT_EQ(figures.size(), 5u);
  EXPECT_EQ(figures[0].name, "heatmap");
  const std::string &heatmap = figures[0].svg;
  EXPECT_EQ(countOf(heatmap, "<rect class=\"cell"), 6u * columns.size());
  EXPECT_EQ(countOf(heatmap, "<rect class=\"lifetime\""), sinks.size());
  EXPECT_EQ(countOf(heatmap, "<polygon class=\"sink-mark\""), sinks.size());
  EXPECT_THAT(heatmap, HasSubstr("data-first=\"4093\" data-last=\"4093\""));
  // The last bin holds keys seen by >= 4 queries: not greyed; only a column
  // whose keys all see fewer is.
  EXPECT_EQ(countOf(heatmap, "cell masked"), 0u);
  EXPECT_THAT(figures[0].caption, HasSubstr("bin"));

  // Sink labels never overlap: each is at least 12 px right of the one
  // before (19 and 20 share a bin width of about 3 px).
  std::vector<double> labelX;
  for (size_t at = heatmap.find("class=\"sink-label\"");
       at != std::string::npos;
       at = heatmap.find("class=\"sink-label\"", at + 1)) {
    size_t translate = heatmap.find("translate(", at);
    labelX.push_back(std::stod(heatmap.substr(translate + 10)));
  }
  ASSERT_EQ(labelX.size(), sinks.size());
  for (size_t i = 1; i < labelX.size(); ++i)
    EXPECT_GE(labelX[i] - labelX[i - 1], 11.99) << i;
}

TEST(Figures, FiguresSayWhatIsNotInstrumented) {
  TraceData trace = smallTrace({Metric::BosMass, Metric::Recv});
  std::vector<Figure> figures = renderFigures(trace, 0);
  ASSERT_EQ(figures.size(), 5u);
  EXPECT_THAT(figures[1].svg, HasSubstr("head_bos_mass not instrumented"));
  EXPECT_THAT(figures[2].svg, HasSubstr("not instrumented"));
  EXPECT_THAT(figures[3].svg, HasSubstr("mlp_norm not instrumented"));
  for (const Figure &figure : figures) {
    EXPECT_EQ(figure.svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0),
              0u)
        << figure.name;
    EXPECT_THAT(figure.svg, Not(HasSubstr("<script")));
    EXPECT_THAT(figure.svg, Not(HasSubstr("href")));
  }
}

TEST(HtmlReport, PoolsRecordsOfOneModelAndEscapesText) {
  TraceData trace = smallTrace(kAll);
  trace.records.push_back(trace.records[0]);
  trace.levels = aggregateSinkLevels(trace.records);
  std::string html = renderHtmlReport({{"a<b>.sinktrace", trace}});
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_THAT(html, HasSubstr("a&lt;b&gt;.sinktrace"));
  EXPECT_THAT(html, Not(HasSubstr("a<b>")));
  EXPECT_THAT(html, HasSubstr("m &quot;quoted&quot;"));
  EXPECT_THAT(html,
              HasSubstr("Sink statistics over all records of this model"));
  EXPECT_EQ(countOf(html, "<section class=\"record\""), 2u);
  EXPECT_EQ(countOf(html, "<figure"), 10u);
  // One record: no statistics.
  std::string single = renderHtmlReport({{"one.sinktrace", smallTrace(kAll)}});
  EXPECT_THAT(single, Not(HasSubstr("Sink statistics")));
  ReportOptions none;
  none.figureRecords = 0;
  EXPECT_EQ(countOf(renderHtmlReport({{"a", trace}}, none), "<figure"), 0u);
}

TEST(Figures, LabelsThatDoNotFitAreLeftOutAndCounted) {
  // 150 secondary sinks in 3000 positions: 150 marks, but only as many
  // labels as fit 12 px apart on the axis.
  std::vector<int> flagged;
  for (int position = 10; flagged.size() < 150; position += 19)
    flagged.push_back(position);
  TraceData trace = longTrace(3000, 6, flagged);
  std::string heatmap = renderFigures(trace, 0)[0].svg;
  size_t marks = countOf(heatmap, "<polygon class=\"sink-mark\"");
  size_t labels = countOf(heatmap, "class=\"sink-label\"");
  EXPECT_EQ(marks, 151u);
  EXPECT_LT(labels, marks);
  EXPECT_GT(labels, 40u);
  EXPECT_THAT(heatmap,
              HasSubstr(formatString("%zu sinks unlabelled", marks - labels)));
  size_t columns = tokenColumns(trace.records[0], 256).size();
  EXPECT_EQ(countOf(heatmap, "<rect class=\"cell"), 6 * columns);
}
