//===- SinkTrace.cpp - Read sink traces -----------------------------------===//
//
// sink-trace summary|json|csv F.sinktrace
// sink-trace plot F.sinktrace [-o OUT.svg] [--record N]
// sink-trace stats [--format=text|json] T1.sinktrace [T2.sinktrace ...]
//
// Every trace is verified (FlatBuffers verifier, file identifier, schema
// version) before anything is read from it. Exit codes: 0 success, 1 the
// trace cannot be read or the output not written, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "CorpusStats.h"
#include "TraceReport.h"

#include "sinkrt/AtomicFile.h"
#include "sinkrt/Text.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace sinkrt;

static const char *const kUsage =
    "usage: sink-trace summary|json|csv F.sinktrace\n"
    "       sink-trace plot F.sinktrace [-o OUT.svg] [--record N]\n"
    "       sink-trace stats [--format=text|json] T1.sinktrace "
    "[T2.sinktrace ...]\n"
    "\n"
    "  summary  classified sinks, then a per-layer table per record\n"
    "  json     the whole trace as JSON (fields: docs/trace-format.md)\n"
    "  csv      one row per (record, layer, position), every per-token "
    "metric\n"
    "  plot     SVG chart of one record (default record 0) written to OUT.svg\n"
    "           (default: the trace name with .sinktrace replaced by .svg)\n"
    "  stats    sink statistics over every record of one model's traces:\n"
    "           sequences with secondary sinks, sinks per sequence, relative\n"
    "           positions, sink tokens, sink levels, bos_mass per layer\n";

static int usageError(const std::string &message) {
  std::fprintf(stderr, "sink-trace: error: %s (see --help)\n",
               oneLine(message).c_str());
  return 2;
}

static std::string defaultPlotPath(const std::string &tracePath) {
  std::string stem = tracePath;
  const std::string extension = ".sinktrace";
  if (stem.size() > extension.size() &&
      stem.compare(stem.size() - extension.size(), extension.size(),
                   extension) == 0)
    stem.resize(stem.size() - extension.size());
  return stem + ".svg";
}

static bool writeStdout(const std::string &text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
      std::fflush(stdout) != 0) {
    std::fprintf(stderr, "sink-trace: error: cannot write to stdout: %s\n",
                 std::strerror(errno));
    return false;
  }
  return true;
}

/// `sink-trace stats`: the traces are read one at a time and folded into the
/// statistics, so a corpus need not fit in memory at once.
static int runStats(int argc, char **argv) {
  std::string format = "text";
  std::vector<std::string> paths;
  bool options = true;
  for (int i = 2; i < argc; ++i) {
    std::string argument = argv[i];
    if (options && argument == "--") {
      options = false;
      continue;
    }
    if (options && argument.rfind("--format=", 0) == 0) {
      format = argument.substr(std::strlen("--format="));
      continue;
    }
    if (options && argument == "--format" && i + 1 < argc) {
      format = argv[++i];
      continue;
    }
    if (options && argument.size() > 1 && argument[0] == '-')
      return usageError("unexpected option '" + argument + "'");
    paths.push_back(argument);
  }
  if (format != "text" && format != "json")
    return usageError("--format must be text or json, got '" + format + "'");
  if (paths.empty())
    return usageError("stats needs at least one trace file");

  sinktrace::CorpusStatsBuilder builder;
  for (const std::string &path : paths) {
    Expected<TraceData> trace = readTraceFile(path);
    Status status =
        trace ? builder.add(path, *trace) : Status(trace.takeError());
    if (!status) {
      std::fprintf(stderr, "sink-trace: error: %s\n",
                   oneLine(status.getError().message).c_str());
      return 1;
    }
  }
  sinktrace::CorpusStats stats = builder.finish();
  return writeStdout(format == "json" ? sinktrace::renderStatsJson(stats)
                                      : sinktrace::renderStatsText(stats))
             ? 0
             : 1;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 ||
                    std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "stats") == 0)
    return runStats(argc, argv);
  if (argc < 3)
    return usageError("expected a command and a trace file");
  std::string command = argv[1];
  std::string tracePath = argv[2];
  bool isPlot = command == "plot";
  if (!isPlot && command != "summary" && command != "json" && command != "csv")
    return usageError("unknown command '" + command + "'");

  std::string plotPath;
  size_t recordIndex = 0;
  for (int i = 3; i < argc; ++i) {
    std::string argument = argv[i];
    if (isPlot && (argument == "-o" || argument == "--record") &&
        i + 1 < argc) {
      std::string value = argv[++i];
      if (argument == "-o") {
        plotPath = value;
        continue;
      }
      std::optional<uint64_t> index = parseUInt64(value);
      if (!index)
        return usageError("--record needs a record index, got '" + value + "'");
      recordIndex = static_cast<size_t>(*index);
      continue;
    }
    return usageError("unexpected argument '" + argument + "'");
  }

  Expected<TraceData> trace = readTraceFile(tracePath);
  if (!trace) {
    std::fprintf(stderr, "sink-trace: error: %s\n",
                 oneLine(trace.getError().message).c_str());
    return 1;
  }
  if (command == "summary")
    return writeStdout(sinktrace::renderSummary(*trace)) ? 0 : 1;
  if (command == "json")
    return writeStdout(sinktrace::renderJson(*trace)) ? 0 : 1;
  if (command == "csv")
    return writeStdout(sinktrace::renderCsv(*trace)) ? 0 : 1;

  if (recordIndex >= trace->records.size())
    return usageError(formatString("--record %zu: the trace has %zu records",
                                   recordIndex, trace->records.size()));
  if (plotPath.empty())
    plotPath = defaultPlotPath(tracePath);
  std::string svg = sinktrace::renderSvg(*trace, recordIndex);
  if (Status status = writeFileAtomically(plotPath, {{svg.data(), svg.size()}});
      !status) {
    std::fprintf(stderr, "sink-trace: error: %s\n",
                 oneLine(status.getError().message).c_str());
    return 1;
  }
  std::printf("wrote %s\n", plotPath.c_str());
  return 0;
}
