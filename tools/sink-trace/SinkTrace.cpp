//===- SinkTrace.cpp - Read sink traces -----------------------------------===//
//
// sink-trace summary|json|csv F.sinktrace [F2.sinktrace ...]
// sink-trace plot F.sinktrace [-o OUT.svg] [--record N|all] [--max-columns N]
//                 [--png]
// sink-trace report T1.sinktrace [T2 ...] [-o OUT.html] [--figures N|all]
// sink-trace stats [--format=text|json] T1.sinktrace [T2.sinktrace ...]
// sink-trace merge T1.sinktrace [T2.sinktrace ...] -o ALL.sinktrace
// sink-trace diff A.sinktrace B.sinktrace [--format=text|json]
//                 [--logits-a A.npy --logits-b B.npy]
//
// Every trace is verified (FlatBuffers verifier, file identifier, schema
// version) before anything is read from it. Exit codes: 0 success (for diff
// also when the traces differ: it reports, it does not check), 1 the trace
// cannot be read, the traces cannot be pooled, merged or compared, or the
// output not written, 2 bad usage.
//
//===----------------------------------------------------------------------===//

#include "CorpusStats.h"
#include "Figures.h"
#include "HtmlReport.h"
#include "TraceDiff.h"
#include "TraceMerge.h"
#include "TraceReport.h"

#include "sinkrt/AtomicFile.h"
#include "sinkrt/Text.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace sinkrt;

static const char *const kUsage =
    "usage: sink-trace summary|json|csv F.sinktrace [F2.sinktrace ...]\n"
    "       sink-trace plot F.sinktrace [-o OUT.svg] [--record N|all] "
    "[--max-columns N] [--png]\n"
    "       sink-trace report T1.sinktrace [T2.sinktrace ...] [-o OUT.html]\n"
    "                         [--figures N|all] [--max-columns N]\n"
    "       sink-trace stats [--format=text|json] T1.sinktrace "
    "[T2.sinktrace ...]\n"
    "       sink-trace merge T1.sinktrace [T2.sinktrace ...] -o "
    "ALL.sinktrace\n"
    "       sink-trace diff A.sinktrace B.sinktrace [--format=text|json]\n"
    "                       [--logits-a A.npy --logits-b B.npy]\n"
    "\n"
    "  summary  classified sinks, then a per-layer table per record\n"
    "  json     the whole trace as JSON (fields: docs/trace-format.md)\n"
    "  csv      one row per (record, layer, position), every per-token "
    "metric\n"
    "  plot     SVG figures of one record (default record 0, or all): OUT.svg\n"
    "           (bos_mass and top receivers; default: the trace name with\n"
    "           .sinktrace replaced by .svg) and OUT-heatmap.svg (recv per\n"
    "           layer and token), OUT-heads.svg (BOS mass per head),\n"
    "           OUT-hidden.svg (hidden norm and cosine of the sinks),\n"
    "           OUT-mlp.svg (MLP output norm at creation); with --record all\n"
    "           OUT-r<N>.svg, OUT-r<N>-heatmap.svg, ... per record. Token\n"
    "           axes longer than --max-columns (256) are binned, flagged\n"
    "           tokens keeping a column each; --png also renders each\n"
    "           figure as OUT...png with rsvg-convert (librsvg2-bin)\n"
    "  report   one self-contained HTML page (default: the first trace's\n"
    "           name with .html): metadata, sinks, sink levels, the figures\n"
    "           of the first --figures (16) records, statistics per model\n"
    "  stats    sink statistics over every record of one model's traces:\n"
    "           sequences with secondary sinks, sinks per sequence, relative\n"
    "           positions, sink tokens, sink levels, bos_mass per layer\n"
    "  merge    one trace of the records of several traces of one executable\n"
    "           (in the order given, prompts renumbered), written atomically\n"
    "  diff     two traces of the same token sequences (other models,\n"
    "           weights, interventions or thresholds) record by record: sinks\n"
    "           gained, lost and changed, bos_mass and recv changes per\n"
    "           layer, totals; with the logits files the two runs wrote\n"
    "           (--logits), the KL divergence of the next-token\n"
    "           distributions; exit code 0 whether or not they differ\n"
    "\n"
    "summary, json and csv given several traces report them merged.\n";

static int usageError(const std::string &message) {
  std::fprintf(stderr, "sink-trace: error: %s (see --help)\n",
               oneLine(message).c_str());
  return 2;
}

/// Reports a trace that cannot be read, pooled, merged or compared, or an
/// output that cannot be written; returns their exit code, 1.
static int fail(const Error &error) {
  std::fprintf(stderr, "sink-trace: error: %s\n",
               oneLine(error.message).c_str());
  return 1;
}

static std::string stemOf(const std::string &path,
                          const std::string &extension) {
  if (path.size() > extension.size() &&
      path.compare(path.size() - extension.size(), extension.size(),
                   extension) == 0)
    return path.substr(0, path.size() - extension.size());
  return path;
}

/// Renders the SVG file `svgPath` as `pngPath` with Debian's rsvg-convert
/// (package librsvg2-bin; one pixel per SVG unit), through a temporary file
/// renamed into place, so that a PNG is whole or absent.
static bool rasterize(const std::string &svgPath, const std::string &pngPath) {
  std::string temporary =
      formatString("%s.tmp-%d", pngPath.c_str(), static_cast<int>(::getpid()));
  std::vector<std::string> arguments = {"rsvg-convert", "--format=png", "-o",
                                        temporary, svgPath};
  std::vector<char *> argv;
  for (std::string &argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  int spawned = ::posix_spawnp(&child, "rsvg-convert", nullptr, nullptr,
                               argv.data(), environ);
  if (spawned != 0) {
    std::fprintf(stderr,
                 "sink-trace: error: --png needs rsvg-convert (Debian package "
                 "librsvg2-bin): %s\n",
                 std::strerror(spawned));
    return false;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ::unlink(temporary.c_str());
    std::fprintf(
        stderr, "sink-trace: error: rsvg-convert could not render %s (%s %d)\n",
        svgPath.c_str(), WIFEXITED(status) ? "exit" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return false;
  }
  if (::rename(temporary.c_str(), pngPath.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    std::fprintf(stderr, "sink-trace: error: cannot write %s: %s\n",
                 pngPath.c_str(), std::strerror(error));
    return false;
  }
  std::printf("wrote %s\n", pngPath.c_str());
  return true;
}

static bool writeOutput(const std::string &path, const std::string &text) {
  if (Status status = writeFileAtomically(path, {{text.data(), text.size()}});
      !status) {
    fail(status.getError());
    return false;
  }
  std::printf("wrote %s\n", path.c_str());
  return true;
}

/// Progress for long runs, only when stderr is a terminal.
static void progress(const char *what, size_t done, size_t total) {
  static const bool terminal = isatty(2);
  if (!terminal || total < 2)
    return;
  std::fprintf(stderr, "\r%s %zu/%zu%s", what, done, total,
               done == total ? "\n" : "");
  std::fflush(stderr);
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

/// Walks the arguments after the command: up to "--", `option(i)` handles
/// each argv[i] that starts with '-' (moving `i` past a value it reads) and
/// returns the exit code of a usage error, if any; the other arguments are
/// trace files.
template <typename OptionFn>
static std::optional<int> readArguments(int argc, char **argv,
                                        std::vector<std::string> &paths,
                                        OptionFn option) {
  bool options = true;
  for (int i = 2; i < argc; ++i) {
    std::string argument = argv[i];
    if (options && argument == "--") {
      options = false;
      continue;
    }
    if (options && argument.size() > 1 && argument[0] == '-') {
      if (std::optional<int> exitCode = option(i))
        return exitCode;
      continue;
    }
    paths.push_back(argument);
  }
  return std::nullopt;
}

/// Whether argv[i] is the option `name` with a value: "NAME=VALUE", or NAME
/// followed by the value (then `i` moves to it).
static bool takeValue(int argc, char **argv, int &i, const char *name,
                      std::string &value) {
  std::string argument = argv[i];
  std::string prefix = std::string(name) + "=";
  if (argument.rfind(prefix, 0) == 0) {
    value = argument.substr(prefix.size());
    return true;
  }
  if (argument == name && i + 1 < argc) {
    value = argv[++i];
    return true;
  }
  return false;
}

static int unexpectedOption(const char *argument) {
  return usageError("unexpected option '" + std::string(argument) + "'");
}

/// The command line of `stats` and `diff`: `--format=text|json` (or
/// `--format X`) and trace files. Returns the exit code of a usage error,
/// none when the command line is good.
/// `diff` also takes `--logits-a F.npy --logits-b G.npy` (into
/// `logitsA`/`logitsB` when given).
static std::optional<int> parseFormatAndPaths(int argc, char **argv,
                                              std::string &format,
                                              std::vector<std::string> &paths,
                                              std::string *logitsA = nullptr,
                                              std::string *logitsB = nullptr) {
  format = "text";
  if (std::optional<int> exitCode =
          readArguments(argc, argv, paths, [&](int &i) -> std::optional<int> {
            if (takeValue(argc, argv, i, "--format", format))
              return std::nullopt;
            if (logitsA && takeValue(argc, argv, i, "--logits-a", *logitsA))
              return std::nullopt;
            if (logitsB && takeValue(argc, argv, i, "--logits-b", *logitsB))
              return std::nullopt;
            return unexpectedOption(argv[i]);
          }))
    return exitCode;
  if (format != "text" && format != "json")
    return usageError("--format must be text or json, got '" + format + "'");
  return std::nullopt;
}

/// `sink-trace stats`: the traces are read one at a time and folded into the
/// statistics, so a corpus need not fit in memory at once.
static int runStats(const std::string &format,
                    const std::vector<std::string> &paths) {
  if (paths.empty())
    return usageError("stats needs at least one trace file");

  sinktrace::CorpusStatsBuilder builder;
  for (const std::string &path : paths) {
    Expected<TraceData> trace = readTraceFile(path);
    Status status =
        trace ? builder.add(path, *trace) : Status(trace.takeError());
    if (!status)
      return fail(status.getError());
  }
  sinktrace::CorpusStats stats = builder.finish();
  return writeStdout(format == "json" ? sinktrace::renderStatsJson(stats)
                                      : sinktrace::renderStatsText(stats))
             ? 0
             : 1;
}

static bool parseCount(const std::string &value, size_t &count) {
  if (value == "all") {
    count = SIZE_MAX;
    return true;
  }
  std::optional<uint64_t> parsed = parseUInt64(value);
  if (!parsed)
    return false;
  count = static_cast<size_t>(*parsed);
  return true;
}

/// `sink-trace report`: every trace is read (and verified) first, then the
/// page is written at once.
static int runReport(int argc, char **argv) {
  std::vector<std::string> paths;
  std::string output;
  sinktrace::ReportOptions options;
  if (std::optional<int> exitCode =
          readArguments(argc, argv, paths, [&](int &i) -> std::optional<int> {
            std::string value;
            if (takeValue(argc, argv, i, "-o", output))
              return std::nullopt;
            if (takeValue(argc, argv, i, "--figures", value)) {
              if (!parseCount(value, options.figureRecords))
                return usageError("--figures needs a count or 'all', got '" +
                                  value + "'");
              return std::nullopt;
            }
            if (takeValue(argc, argv, i, "--max-columns", value)) {
              std::optional<uint64_t> columns = parseUInt64(value);
              if (!columns || *columns < 8)
                return usageError(
                    "--max-columns needs a count of at least 8, got '" + value +
                    "'");
              options.figures.maxColumns = static_cast<size_t>(*columns);
              return std::nullopt;
            }
            return unexpectedOption(argv[i]);
          }))
    return *exitCode;
  if (paths.empty())
    return usageError("report needs at least one trace file");
  if (output.empty())
    output = stemOf(paths.front(), ".sinktrace") + ".html";
  std::vector<sinktrace::ReportTrace> traces;
  for (size_t i = 0; i < paths.size(); ++i) {
    progress("reading traces", i, paths.size());
    Expected<TraceData> trace = readTraceFile(paths[i]);
    if (!trace) {
      progress("reading traces", paths.size(), paths.size());
      return fail(trace.getError());
    }
    traces.push_back({paths[i], std::move(*trace)});
  }
  progress("reading traces", paths.size(), paths.size());
  return writeOutput(output, sinktrace::renderHtmlReport(traces, options)) ? 0
                                                                           : 1;
}

/// `sink-trace diff A B`: a report, so differences exit with 0 too; only
/// traces that cannot be read or compared exit with 1.
static int runDiff(const std::string &format,
                   const std::vector<std::string> &paths,
                   const std::string &logitsA, const std::string &logitsB) {
  if (paths.size() != 2)
    return usageError(formatString(
        "diff needs two trace files (A and B), got %zu", paths.size()));
  if (logitsA.empty() != logitsB.empty())
    return usageError("--logits-a and --logits-b go together: the logits "
                      "files that A's and B's runs wrote");

  std::vector<TraceData> traces;
  for (const std::string &path : paths) {
    Expected<TraceData> trace = readTraceFile(path);
    if (!trace)
      return fail(trace.getError());
    traces.push_back(std::move(*trace));
  }
  Expected<sinktrace::TraceDiff> diff =
      sinktrace::diffTraces(paths[0], traces[0], paths[1], traces[1]);
  if (!diff)
    return fail(diff.getError());
  if (!logitsA.empty())
    if (Status status = sinktrace::attachLogits(*diff, traces[0], logitsA,
                                                traces[1], logitsB);
        !status)
      return fail(status.getError());
  return writeStdout(format == "json" ? sinktrace::renderDiffJson(*diff)
                                      : sinktrace::renderDiffText(*diff))
             ? 0
             : 1;
}

/// Reads `paths` in order and merges them (one trace: as read).
static Expected<TraceData> readMerged(const std::vector<std::string> &paths) {
  if (paths.size() == 1)
    return readTraceFile(paths.front());
  sinktrace::TraceMerger merger;
  for (const std::string &path : paths) {
    Expected<TraceData> trace = readTraceFile(path);
    if (!trace)
      return trace.takeError();
    if (Status status = merger.add(path, std::move(*trace)); !status)
      return status.getError();
  }
  return merger.finish();
}

/// `sink-trace merge T1 T2 ... -o ALL`.
static int runMerge(int argc, char **argv) {
  std::string outPath;
  std::vector<std::string> paths;
  if (std::optional<int> exitCode =
          readArguments(argc, argv, paths, [&](int &i) -> std::optional<int> {
            if (std::strcmp(argv[i], "-o") != 0)
              return unexpectedOption(argv[i]);
            if (i + 1 >= argc)
              return usageError("-o needs a file name");
            if (!outPath.empty())
              return usageError("-o given twice");
            outPath = argv[++i];
            return std::nullopt;
          }))
    return *exitCode;
  if (outPath.empty())
    return usageError("merge needs an output file (-o ALL.sinktrace)");
  if (paths.empty())
    return usageError("merge needs at least one trace file");

  Expected<TraceData> merged = readMerged(paths);
  if (!merged)
    return fail(merged.getError());
  Expected<std::vector<uint8_t>> bytes = serializeTrace(*merged);
  Status status =
      bytes ? writeFileAtomically(outPath, {{bytes->data(), bytes->size()}})
            : Status(bytes.takeError());
  if (!status)
    return fail(status.getError());
  std::printf("merged %zu traces (%zu records) into %s\n", paths.size(),
              merged->records.size(), outPath.c_str());
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && (std::strcmp(argv[1], "--help") == 0 ||
                    std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "stats") == 0) {
    std::string format;
    std::vector<std::string> paths;
    if (std::optional<int> exitCode =
            parseFormatAndPaths(argc, argv, format, paths))
      return *exitCode;
    return runStats(format, paths);
  }
  if (argc >= 2 && std::strcmp(argv[1], "diff") == 0) {
    std::string format, logitsA, logitsB;
    std::vector<std::string> paths;
    if (std::optional<int> exitCode =
            parseFormatAndPaths(argc, argv, format, paths, &logitsA, &logitsB))
      return *exitCode;
    return runDiff(format, paths, logitsA, logitsB);
  }
  if (argc >= 2 && std::strcmp(argv[1], "report") == 0)
    return runReport(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "merge") == 0)
    return runMerge(argc, argv);
  if (argc < 3)
    return usageError("expected a command and a trace file");
  std::string command = argv[1];
  std::string tracePath = argv[2];
  std::vector<std::string> tracePaths = {tracePath};
  bool isPlot = command == "plot";
  if (!isPlot && command != "summary" && command != "json" && command != "csv")
    return usageError("unknown command '" + command + "'");

  std::string plotPath;
  size_t recordIndex = 0;
  bool allRecords = false;
  bool png = false;
  sinktrace::FigureOptions figureOptions;
  for (int i = 3; i < argc; ++i) {
    std::string argument = argv[i];
    if (isPlot && argument == "--png") {
      png = true;
      continue;
    }
    if (isPlot &&
        (argument == "-o" || argument == "--record" ||
         argument == "--max-columns") &&
        i + 1 < argc) {
      std::string value = argv[++i];
      if (argument == "-o") {
        plotPath = value;
        continue;
      }
      std::optional<uint64_t> number = parseUInt64(value);
      if (argument == "--max-columns") {
        if (!number || *number < 8)
          return usageError("--max-columns needs a count of at least 8, got '" +
                            value + "'");
        figureOptions.maxColumns = static_cast<size_t>(*number);
        continue;
      }
      if (value == "all") {
        allRecords = true;
        continue;
      }
      if (!number)
        return usageError("--record needs a record index or 'all', got '" +
                          value + "'");
      recordIndex = static_cast<size_t>(*number);
      continue;
    }
    if (!isPlot && (argument.empty() || argument[0] != '-')) {
      tracePaths.push_back(argument);
      continue;
    }
    return usageError("unexpected argument '" + argument + "'");
  }

  Expected<TraceData> trace = readMerged(tracePaths);
  if (!trace)
    return fail(trace.getError());
  if (command == "summary")
    return writeStdout(sinktrace::renderSummary(*trace)) ? 0 : 1;
  if (command == "json")
    return writeStdout(sinktrace::renderJson(*trace)) ? 0 : 1;
  if (command == "csv")
    return writeStdout(sinktrace::renderCsv(*trace)) ? 0 : 1;

  if (!allRecords && recordIndex >= trace->records.size())
    return usageError(formatString("--record %zu: the trace has %zu records",
                                   recordIndex, trace->records.size()));
  if (plotPath.empty())
    plotPath = stemOf(tracePath, ".sinktrace") + ".svg";
  std::string stem = stemOf(plotPath, ".svg");
  size_t first = allRecords ? 0 : recordIndex;
  size_t end = allRecords ? trace->records.size() : recordIndex + 1;
  for (size_t index = first; index < end; ++index) {
    progress("plotting records", index - first, end - first);
    std::string recordStem =
        allRecords ? formatString("%s-r%zu", stem.c_str(), index) : stem;
    for (const sinktrace::Figure &figure :
         sinktrace::renderFigures(*trace, index, figureOptions)) {
      // The overview keeps the name plot always wrote.
      std::string path = figure.name == "overview"
                             ? (allRecords ? recordStem + ".svg" : plotPath)
                             : recordStem + "-" + figure.name + ".svg";
      if (!writeOutput(path, figure.svg))
        return 1;
      if (png && !rasterize(path, stemOf(path, ".svg") + ".png"))
        return 1;
    }
  }
  progress("plotting records", end - first, end - first);
  return 0;
}
