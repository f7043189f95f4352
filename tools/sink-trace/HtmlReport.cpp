//===- HtmlReport.cpp - One static HTML page about sink traces ------------===//

#include "HtmlReport.h"

#include "CorpusStats.h"
#include "TraceReport.h"

#include "sinkrt/Text.h"

#include <algorithm>
#include <cmath>
#include <map>

using namespace sinkrt;

namespace sinktrace {

namespace {

const char kStyle[] = R"(
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1a1a1a; background: #fff; max-width: 1040px; margin: 0 auto; padding: 24px 20px 60px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.3em; }
h2 { font-size: 1.35em; margin-top: 2em; border-bottom: 2px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.15em; margin-top: 1.6em; }
h4 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
h5 { font-size: 0.95em; margin: 1em 0 0.3em; color: #333; }
section.record { border-top: 1px solid #eee; margin-top: 1.2em; }
.meta { color: #555; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #999; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .tok { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; }
.primary { color: #b2182b; font-weight: 600; }
.secondary { color: #e66101; font-weight: 600; }
.prompt { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.85em; background: #f6f6f6;
          padding: 6px 8px; white-space: pre-wrap; word-break: break-all; max-height: 8.5em; overflow: auto; }
figure { margin: 1em 0 1.6em; }
figure svg { max-width: 100%; height: auto; display: block; border: 1px solid #eee; }
figcaption { font-size: 0.88em; color: #444; margin-top: 0.3em; }
nav ul { columns: 2; font-size: 0.9em; }
details pre { font-size: 0.78em; overflow-x: auto; background: #f6f6f6; padding: 8px; }
.note { color: #555; font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav, details { display: none; }
  h2 { break-before: page; }
  h2.first { break-before: auto; }
  figure, table, .record-head { break-inside: avoid; }
  .prompt { max-height: none; overflow: visible; }
}
)";

std::string esc(const std::string &text) { return xmlEscape(text); }

std::string num(double value, int decimals = 3) {
  if (std::isnan(value))
    return "-";
  return formatString("%.*f", decimals, value);
}

std::string kindCell(SinkKind kind) {
  return formatString("<span class=\"%s\">%s</span>", sinkKindName(kind),
                      sinkKindName(kind));
}

/// The opening of a sink level's row, through its count cell: a level of a
/// trace (SinkLevel) and of the statistics (LevelStats) start alike.
template <typename Level> std::string levelCells(const Level &level) {
  std::string count = std::to_string(level.count);
  return formatString(
      "<tr data-kind=\"%s\" data-creation=\"%d\" data-lifetime=\"%d\" "
      "data-count=\"%s\"><td>%s</td><td class=\"num\">%d</td>"
      "<td class=\"num\">%d</td><td class=\"num\">%s</td>",
      sinkKindName(level.kind), level.creationLayer, level.lifetime,
      count.c_str(), kindCell(level.kind).c_str(), level.creationLayer,
      level.lifetime, count.c_str());
}

std::string quotedText(const ModelSummary &model, const TraceRecord &record,
                       int position) {
  std::string text = tokenText(model, record, position);
  if (text.empty())
    return "";
  return text == "<bos>" && record.tokenTexts.empty() ? text : "'" + text + "'";
}

/// The prompt as its tokens' texts (escaped where not printable), at most
/// `limit` tokens.
std::string promptText(const ModelSummary &model, const TraceRecord &record,
                       size_t limit) {
  std::string text;
  size_t length = static_cast<size_t>(std::max(record.sequenceLength, 0));
  bool anyText = false;
  for (size_t position = 0; position < length && position < limit; ++position) {
    std::string piece = tokenText(model, record, static_cast<int>(position));
    if (!piece.empty())
      anyText = true;
    if (piece.empty())
      piece = formatString(
          "[%lld]", static_cast<long long>(position < record.tokens.size()
                                               ? record.tokens[position]
                                               : -1));
    text += piece;
  }
  if (!anyText)
    return "";
  if (length > limit)
    text += formatString(" ... (%zu more tokens)", length - limit);
  return text;
}

std::string rulesSentence(const TraceRecord &record) {
  const ClassificationRules &rules = record.rules;
  std::string criteria;
  if (rules.criteriaAvailable & kCriterionHiddenCosine)
    criteria += "|hidden_cos_bos| &#8805; " + formatFloat(rules.tau);
  if (rules.criteriaAvailable & kCriterionAttention)
    criteria +=
        (criteria.empty() ? "" : " or ") + std::string("recv &#8805; ") +
        formatFloat(rules.epsilon) +
        formatString(" (keys seen by &#8805; %d queries)", rules.minQueries);
  if (criteria.empty())
    criteria = "no criterion available";
  std::string primary;
  if (!record.layers.empty()) {
    size_t late = static_cast<size_t>(std::max(rules.lateIndex, 0));
    primary = formatString(
        "; primary: created in the first %d instrumented layer(s) and "
        "flagged without a break through layer %d",
        rules.earlyLayers,
        late < record.layers.size() ? record.layers[late] : -1);
  }
  return "Instrumented: <code>" + esc(record.instrumentSpec) +
         "</code> (layers " + esc(layerRange(record.layers)) +
         "). Flagged when " + criteria + primary + ".";
}

std::string sinksTable(const TraceData &trace, const TraceRecord &record) {
  std::vector<const TokenSink *> sinks;
  for (const TokenSink &sink : record.sinks)
    if (sink.kind != SinkKind::None)
      sinks.push_back(&sink);
  if (sinks.empty())
    return "<p class=\"note\">No sinks classified in this record.</p>\n";
  std::string html =
      "<table class=\"sinks\"><thead><tr><th class=\"num\">position</th>"
      "<th class=\"num\">token</th><th>text</th><th>kind</th>"
      "<th class=\"num\">created</th><th class=\"num\">lifetime</th>"
      "<th class=\"num\">end</th><th>criteria</th>"
      "<th class=\"num\">peak recv (layer)</th></tr></thead><tbody>\n";
  for (const TokenSink *sink : sinks) {
    std::string peak =
        std::isnan(sink->peakRecv)
            ? "-"
            : num(sink->peakRecv) + formatString(" (%d)", sink->peakRecvLayer);
    html += formatString(
        "<tr data-position=\"%d\" data-kind=\"%s\" data-creation=\"%d\" "
        "data-lifetime=\"%d\"><td class=\"num\">%d</td><td "
        "class=\"num\">%lld</td><td class=\"tok\">%s</td><td>%s</td>"
        "<td class=\"num\">%d</td><td class=\"num\">%d</td>"
        "<td class=\"num\">%d</td><td>%s</td><td class=\"num\">%s</td></tr>\n",
        sink->position, sinkKindName(sink->kind), sink->creationLayer,
        sink->lifetime, sink->position, static_cast<long long>(sink->token),
        esc(quotedText(trace.model, record, sink->position)).c_str(),
        kindCell(sink->kind).c_str(), sink->creationLayer, sink->lifetime,
        sink->endLayer, esc(criteriaName(sink->criteria)).c_str(),
        peak.c_str());
  }
  return html + "</tbody></table>\n";
}

std::string levelsTable(const TraceData &trace) {
  if (trace.levels.empty())
    return "<p class=\"note\">No sink levels: no record has a sink.</p>\n";
  std::string html =
      "<table class=\"levels\"><thead><tr><th>kind</th>"
      "<th class=\"num\">created</th><th class=\"num\">lifetime</th>"
      "<th class=\"num\">count</th><th>hits (record:position token)</th>"
      "</tr></thead><tbody>\n";
  for (const SinkLevel &level : trace.levels) {
    std::string hits;
    size_t shown = std::min<size_t>(level.hits.size(), 12);
    for (size_t i = 0; i < shown; ++i) {
      const SinkHit &hit = level.hits[i];
      std::string text =
          hit.record >= 0 &&
                  static_cast<size_t>(hit.record) < trace.records.size()
              ? quotedText(trace.model, trace.records[hit.record], hit.position)
              : "";
      hits +=
          formatString("%sr%d:%d", i ? ", " : "", hit.record, hit.position) +
          (text.empty() ? "" : " " + text);
    }
    if (level.hits.size() > shown)
      hits += formatString(", ... (%zu more)", level.hits.size() - shown);
    html +=
        levelCells(level) + "<td class=\"tok\">" + esc(hits) + "</td></tr>\n";
  }
  return html + "</tbody></table>\n";
}

std::string distributionRow(const std::string &name, const Distribution &d) {
  return formatString("<tr><td>%s</td><td class=\"num\">%zu</td>"
                      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td><td class=\"num\">%s</td>"
                      "<td class=\"num\">%s</td></tr>\n",
                      name.c_str(), d.count, num(d.mean).c_str(),
                      num(d.sd).c_str(), num(d.min).c_str(), num(d.q1).c_str(),
                      num(d.median).c_str(), num(d.q3).c_str(),
                      num(d.max).c_str());
}

const char kDistributionHead[] =
    "<thead><tr><th></th><th class=\"num\">n</th><th class=\"num\">mean</th>"
    "<th class=\"num\">sd</th><th class=\"num\">min</th>"
    "<th class=\"num\">q1</th><th class=\"num\">median</th>"
    "<th class=\"num\">q3</th><th class=\"num\">max</th></tr></thead>\n";

std::string tokensCell(const std::vector<TokenStats> &tokens, size_t limit) {
  std::string text;
  for (size_t i = 0; i < tokens.size() && i < limit; ++i)
    text += formatString("%s%lld", i ? ", " : "",
                         static_cast<long long>(tokens[i].token)) +
            (tokens[i].text.empty() ? "" : " '" + tokens[i].text + "'") +
            formatString(" \u00d7%zu", tokens[i].sinks);
  if (tokens.size() > limit)
    text += formatString(", ... (%zu more)", tokens.size() - limit);
  return text;
}

std::string statsSection(const CorpusStats &stats) {
  std::string html;
  html += formatString(
      "<p>%zu records (%zu positions) from %zu file(s). Sequences with at "
      "least one secondary sink: <b>%zu of %zu</b> (%s).</p>\n",
      stats.records, stats.positions, stats.files.size(),
      stats.secondary.sequencesWithSink, stats.records,
      stats.records
          ? formatString(
                "%.1f%%",
                100.0 * static_cast<double>(stats.secondary.sequencesWithSink) /
                    static_cast<double>(stats.records))
                .c_str()
          : "-");
  html += "<h5>Sinks per sequence and their relative position "
          "(position / (T &#8722; 1))</h5>\n<table class=\"stats\">";
  html += kDistributionHead;
  html += "<tbody>\n";
  html +=
      distributionRow("primary per sequence", stats.primary.perSequenceStats);
  html += distributionRow("secondary per sequence",
                          stats.secondary.perSequenceStats);
  html += distributionRow("all per sequence", stats.sinksPerSequenceStats);
  html += distributionRow("primary relative position",
                          stats.primary.relativePosition);
  html += distributionRow("secondary relative position",
                          stats.secondary.relativePosition);
  html += "</tbody></table>\n";

  html += "<h5>Sink tokens</h5>\n<table class=\"stats\"><thead><tr><th>kind"
          "</th><th class=\"num\">sinks</th><th class=\"num\">sequences</th>"
          "<th>tokens (id 'text' \u00d7sinks)</th></tr></thead><tbody>\n";
  for (const auto &[name, kind] :
       {std::pair<const char *, const KindStats *>{"primary", &stats.primary},
        {"secondary", &stats.secondary}})
    html += formatString("<tr><td>%s</td><td class=\"num\">%zu</td>"
                         "<td class=\"num\">%zu</td><td class=\"tok\">%s"
                         "</td></tr>\n",
                         kindCell(std::string(name) == "primary"
                                      ? SinkKind::Primary
                                      : SinkKind::Secondary)
                             .c_str(),
                         kind->sinks, kind->sequencesWithSink,
                         esc(tokensCell(kind->tokens, 10)).c_str());
  html += "</tbody></table>\n";

  html += "<h5>Sink levels</h5>\n";
  if (stats.levels.empty()) {
    html += "<p class=\"note\">none</p>\n";
  } else {
    html += "<table class=\"stats-levels\"><thead><tr><th>kind</th>"
            "<th class=\"num\">created</th><th class=\"num\">lifetime</th>"
            "<th class=\"num\">count</th><th class=\"num\">sequences</th>"
            "<th>tokens</th></tr></thead><tbody>\n";
    for (const LevelStats &level : stats.levels)
      html += levelCells(level) +
              formatString("<td class=\"num\">%zu</td><td class=\"tok\">%s"
                           "</td></tr>\n",
                           level.sequences,
                           esc(tokensCell(level.tokens, 6)).c_str());
    html += "</tbody></table>\n";
  }

  html += "<h5>bos_mass per layer</h5>\n<table class=\"stats\">";
  html += kDistributionHead;
  html += "<tbody>\n";
  for (const LayerBosMass &layer : stats.bosMass)
    html +=
        distributionRow(formatString("layer %d", layer.layer), layer.bosMass);
  html += "</tbody></table>\n";
  html += "<details><summary>sink-trace stats (text)</summary><pre>" +
          esc(renderStatsText(stats)) + "</pre></details>\n";
  return html;
}

} // namespace

std::string renderHtmlReport(const std::vector<ReportTrace> &traces,
                             const ReportOptions &options) {
  size_t records = 0, sinks = 0;
  std::vector<std::string> models;
  for (const ReportTrace &input : traces) {
    records += input.trace.records.size();
    for (const TraceRecord &record : input.trace.records)
      for (const TokenSink &sink : record.sinks)
        sinks += sink.kind != SinkKind::None;
    if (std::find(models.begin(), models.end(), input.trace.model.name) ==
        models.end())
      models.push_back(input.trace.model.name);
  }
  std::string modelList;
  for (size_t i = 0; i < models.size(); ++i)
    modelList += (i ? ", " : "") + models[i];
  if (models.size() > 4)
    modelList = formatString("%zu models", models.size());

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, "
                     "initial-scale=1\">\n";
  html += "<title>Attention sinks: " + esc(modelList) + "</title>\n";
  html += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  html += "<header><h1>Attention sinks: " + esc(modelList) + "</h1>\n";
  html += formatString("<p class=\"meta\">%zu trace file(s), %zu record(s), "
                       "%zu classified sink(s). Written by sink-trace report; "
                       "definitions of every figure in sinkc's "
                       "docs/metrics.md and docs/trace-format.md.</p>\n",
                       traces.size(), records, sinks);
  html += "</header>\n";

  // The traces grouped by model (in the order of their first file); per
  // model the corpus statistics over the traces that pool (same model, same
  // instrumentation and rules), when there are several records, then the
  // traces themselves.
  std::vector<std::vector<size_t>> groups;
  {
    std::map<std::string, size_t> groupOf;
    for (size_t t = 0; t < traces.size(); ++t) {
      const ModelSummary &model = traces[t].trace.model;
      // An intervened model computes something else: a group of its own.
      std::string key =
          model.name +
          formatString("/%016llx/",
                       static_cast<unsigned long long>(model.weightsHash)) +
          model.intervention.describe();
      auto [it, inserted] = groupOf.insert({key, groups.size()});
      if (inserted)
        groups.emplace_back();
      groups[it->second].push_back(t);
    }
  }
  auto statsOf = [&](const std::vector<size_t> &group) -> std::string {
    size_t groupRecords = 0;
    for (size_t t : group)
      groupRecords += traces[t].trace.records.size();
    if (groupRecords < 2)
      return "";
    CorpusStatsBuilder builder;
    for (size_t t : group)
      if (Status status = builder.add(traces[t].path, traces[t].trace); !status)
        return "<p class=\"note\">No statistics: " +
               esc(status.getError().message) + "</p>\n";
    return statsSection(builder.finish());
  };

  // Contents.
  html += "<nav><h2 class=\"first\">Contents</h2><ul>\n";
  for (size_t g = 0; g < groups.size(); ++g) {
    html +=
        formatString("<li><a href=\"#model-%zu\">%s</a>: ", g,
                     esc(traces[groups[g].front()].trace.model.name).c_str());
    for (size_t i = 0; i < groups[g].size(); ++i) {
      size_t t = groups[g][i];
      html += formatString("%s<a href=\"#trace-%zu\">%s</a> (%zu records)",
                           i ? ", " : "", t, esc(traces[t].path).c_str(),
                           traces[t].trace.records.size());
    }
    html += "</li>\n";
  }
  html += "</ul></nav>\n";

  size_t drawn = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const ModelSummary &groupModel = traces[groups[g].front()].trace.model;
    html += formatString("<section class=\"model\" id=\"model-%zu\">"
                         "<h2>%s</h2>\n<p class=\"meta\">%s</p>\n",
                         g, esc(groupModel.name).c_str(),
                         esc(modelDescription(groupModel)).c_str());
    std::string stats = statsOf(groups[g]);
    if (!stats.empty())
      html += "<section class=\"stats\"><h3>Sink statistics over all "
              "records of this model</h3>\n" +
              stats + "</section>\n";
    for (size_t t : groups[g]) {
      const TraceData &trace = traces[t].trace;
      html += formatString("<section class=\"trace\" id=\"trace-%zu\">"
                           "<h3>File %s</h3>\n",
                           t, esc(traces[t].path).c_str());
      html += "<table class=\"metadata\"><tbody>\n";
      html += "<tr><th>model</th><td>" + esc(modelDescription(trace.model)) +
              "</td></tr>\n";
      html += formatString(
          "<tr><th>weights</th><td>%llu bytes</td></tr>\n",
          static_cast<unsigned long long>(trace.model.weightsSize));
      html += formatString("<tr><th>trace</th><td>schema version %u, written "
                           "by %s, %zu record(s)</td></tr>\n",
                           trace.schemaVersion, esc(trace.producer).c_str(),
                           trace.records.size());
      html += "</tbody></table>\n";
      html += "<h4>Sink levels (all records of this file)</h4>\n" +
              levelsTable(trace);
      for (size_t r = 0; r < trace.records.size(); ++r) {
        const TraceRecord &record = trace.records[r];
        html += formatString("<section class=\"record\" data-trace=\"%zu\" "
                             "data-record=\"%zu\"><div class=\"record-head\">"
                             "<h4>Record %zu: prompt %d, batch row %d, %d "
                             "tokens</h4>\n",
                             t, r, r, record.prompt, record.batchRow,
                             record.sequenceLength);
        std::string prompt = promptText(trace.model, record, 400);
        if (!prompt.empty())
          html += "<div class=\"prompt\">" + esc(prompt) + "</div>\n";
        html += "<p class=\"meta\">" + rulesSentence(record) + "</p>\n";
        html += sinksTable(trace, record) + "</div>\n";
        if (drawn < options.figureRecords) {
          ++drawn;
          for (const Figure &figure : renderFigures(trace, r, options.figures))
            html += "<figure class=\"" + figure.name + "\">\n" + figure.svg +
                    "<figcaption>" + esc(figure.caption) +
                    "</figcaption></figure>\n";
        } else if (drawn == options.figureRecords) {
          ++drawn;
          html += formatString("<p class=\"note\">Figures are drawn for the "
                               "first %zu records only "
                               "(sink-trace report --figures=N|all).</p>\n",
                               options.figureRecords);
        }
        html += "</section>\n";
      }
      html += "</section>\n";
    }
    html += "</section>\n";
  }
  html += "</body>\n</html>\n";
  return html;
}

} // namespace sinktrace
