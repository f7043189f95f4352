//===- TraceMerge.cpp - One trace from many -------------------------------===//

#include "TraceMerge.h"

#include "CorpusStats.h"

#include "sinkrt/Classify.h"
#include "sinkrt/Text.h"

#include <algorithm>
#include <limits>

using namespace sinkrt;

namespace sinktrace {

namespace {

std::string metricsText(const std::vector<Metric> &metrics) {
  std::string text;
  for (Metric metric : metrics) {
    if (!text.empty())
      text += ",";
    text += metricName(metric);
  }
  return text.empty() ? "none" : text;
}

} // namespace

Status TraceMerger::add(const std::string &path, TraceData trace) {
  if (!paths.empty()) {
    const std::string &first = paths.front();
    if (!sameModel(trace.model, merged.model))
      return failure("'%s' is a trace of %s, but '%s' is of %s; merge joins "
                     "the traces of one executable",
                     path.c_str(), modelIdentity(trace.model).c_str(),
                     first.c_str(), modelIdentity(merged.model).c_str());
    if (trace.schemaVersion != merged.schemaVersion)
      return failure("'%s' has trace schema version %u, but '%s' has version "
                     "%u; merge joins traces of one schema version",
                     path.c_str(), trace.schemaVersion, first.c_str(),
                     merged.schemaVersion);
  }
  // Every record against the first record merged (or the first of this
  // trace): creation layers and kinds of differently instrumented or
  // classified records mean different things.
  const TraceRecord *reference =
      !merged.records.empty()
          ? &merged.records.front()
          : (!trace.records.empty() ? &trace.records.front() : nullptr);
  std::string origin = !merged.records.empty()
                           ? recordOrigin
                           : formatString("'%s' record 0", path.c_str());
  int64_t lastPrompt = -1;
  for (size_t index = 0; index < trace.records.size(); ++index) {
    const TraceRecord &record = trace.records[index];
    if (record.instrumentSpec != reference->instrumentSpec ||
        record.metrics != reference->metrics)
      return failure("'%s' record %zu was compiled with --instrument '%s' "
                     "(metrics %s), but %s with '%s' (metrics %s); merge "
                     "joins the traces of one executable",
                     path.c_str(), index, record.instrumentSpec.c_str(),
                     metricsText(record.metrics).c_str(), origin.c_str(),
                     reference->instrumentSpec.c_str(),
                     metricsText(reference->metrics).c_str());
    if (record.layers != reference->layers ||
        !sameRules(record.rules, reference->rules))
      return failure(
          "'%s' record %zu was instrumented or classified with %s, but %s "
          "with %s; merge joins records classified one way",
          path.c_str(), index, rulesText(record.layers, record.rules).c_str(),
          origin.c_str(),
          rulesText(reference->layers, reference->rules).c_str());
    if (record.prompt < 0)
      return failure("'%s' record %zu has prompt number %d", path.c_str(),
                     index, record.prompt);
    lastPrompt = std::max<int64_t>(lastPrompt, record.prompt);
  }
  if (nextPrompt + lastPrompt + 1 > std::numeric_limits<int>::max())
    return failure("'%s': the merged trace would have more than %d prompts",
                   path.c_str(), std::numeric_limits<int>::max());

  if (paths.empty()) {
    merged.schemaVersion = trace.schemaVersion;
    merged.producer = trace.producer;
    merged.model = trace.model;
  }
  if (merged.records.empty() && !trace.records.empty())
    recordOrigin = origin;
  for (TraceRecord &record : trace.records) {
    record.prompt = static_cast<int>(nextPrompt + record.prompt);
    merged.records.push_back(std::move(record));
  }
  nextPrompt += lastPrompt + 1;
  paths.push_back(path);
  return Status::ok();
}

TraceData TraceMerger::finish() {
  merged.levels = aggregateSinkLevels(merged.records);
  return std::move(merged);
}

} // namespace sinktrace
