//===- Options.cpp - Command line of compiled models ----------------------===//

#include "sinkrt/Options.h"

#include "sinkrt/Text.h"
#include "sinkrt/ThreadPool.h"

#include <algorithm>
#include <iterator>

namespace sinkrt {

namespace {

/// Checks the value of the option `name` and stores it in `options`; the
/// value is empty for options that take none.
using OptionSetter = Status (*)(Options &options, const char *name,
                                const std::string &value);

struct OptionInfo {
  const char *name;
  OptionSetter set;
  bool takesValue;
  /// Whether the option may be given more than once.
  bool repeatable;
};

/// Input files and output paths: a non-empty value.
template <std::optional<std::string> Options::*Slot>
Status setPath(Options &options, const char *name, const std::string &value) {
  if (value.empty())
    return badInput("%s needs a non-empty value", name);
  options.*Slot = value;
  return Status::ok();
}

/// --tokens and --prompt: an empty value is rejected later, with a message
/// about empty prompts.
template <std::optional<std::string> Options::*Slot>
Status setPrompt(Options &options, const char *, const std::string &value) {
  options.*Slot = value;
  return Status::ok();
}

template <bool Options::*Flag>
Status setFlag(Options &options, const char *, const std::string &) {
  options.*Flag = true;
  return Status::ok();
}

Status addInputFile(Options &options, const char *name,
                    const std::string &value) {
  if (value.empty())
    return badInput("%s needs a file name", name);
  options.inputFiles.push_back(value);
  return Status::ok();
}

/// An integer from 1 to `max` into `count`; `expected` describes the range
/// in the error.
Status parseCount(const char *name, const std::string &value, int64_t max,
                  const std::string &expected, int &count) {
  std::optional<int64_t> number = parseInt64(value);
  if (!number || *number < 1 || *number > max)
    return badInput("%s must be %s, got '%s'", name, expected.c_str(),
                    value.c_str());
  count = static_cast<int>(*number);
  return Status::ok();
}

Status setThreads(Options &options, const char *name,
                  const std::string &value) {
  return parseCount(name, value, kMaxThreads,
                    formatString("an integer from 1 to %d", kMaxThreads),
                    options.threads);
}

Status setRepeat(Options &options, const char *name, const std::string &value) {
  return parseCount(name, value, 1000000, "an integer from 1 to 1000000",
                    options.repeat);
}

Status setMinQueries(Options &options, const char *name,
                     const std::string &value) {
  return parseCount(name, value, 1000000, "a positive integer",
                    options.thresholds.minQueries);
}

/// --tau and --epsilon: a number in (0, 1].
template <double Thresholds::*Threshold>
Status setThreshold(Options &options, const char *name,
                    const std::string &value) {
  std::optional<double> number = parseFiniteDouble(value);
  if (!number || *number <= 0.0 || *number > 1.0)
    return badInput("%s must be a number in (0, 1], got '%s'", name,
                    value.c_str());
  options.thresholds.*Threshold = *number;
  return Status::ok();
}

Status setMemoryLimit(Options &options, const char *name,
                      const std::string &value) {
  std::optional<uint64_t> bytes = parseByteSize(value);
  if (!bytes || *bytes == 0)
    return badInput("%s must be a positive size in bytes (suffix K, M, G or "
                    "T allowed), got '%s'",
                    name, value.c_str());
  options.memoryLimit = *bytes;
  return Status::ok();
}

constexpr OptionInfo kOptions[] = {
    {"--tokens", setPrompt<&Options::tokens>, true, false},
    {"--tokens-file", setPath<&Options::tokensFile>, true, false},
    {"--prompt", setPrompt<&Options::prompt>, true, false},
    {"--prompts-file", setPath<&Options::promptsFile>, true, false},
    {"--input-pb", addInputFile, true, true},
    {"--logits", setPath<&Options::logitsPath>, true, false},
    {"--trace", setPath<&Options::tracePath>, true, false},
    {"--threads", setThreads, true, false},
    {"--repeat", setRepeat, true, false},
    {"--weights-file", setPath<&Options::weightsFile>, true, false},
    {"--output-dir", setPath<&Options::outputDir>, true, false},
    {"--tau", setThreshold<&Thresholds::tau>, true, false},
    {"--epsilon", setThreshold<&Thresholds::epsilon>, true, false},
    {"--min-queries", setMinQueries, true, false},
    {"--verify-weights", setFlag<&Options::verifyWeights>, false, true},
    {"--memory-limit", setMemoryLimit, true, false},
    {"--quiet", setFlag<&Options::quiet>, false, true},
    {"--help", setFlag<&Options::help>, false, true},
    {"-h", setFlag<&Options::help>, false, true},
};

} // namespace

Expected<Options> parseOptions(int argc, const char *const *argv) {
  Options options;
  bool given[std::size(kOptions)] = {};
  for (int i = 1; i < argc; ++i) {
    std::string argument = argv[i];
    std::string value;
    bool hasInlineValue = false;
    size_t equals = argument.find('=');
    if (argument.rfind("--", 0) == 0 && equals != std::string::npos) {
      value = argument.substr(equals + 1);
      argument = argument.substr(0, equals);
      hasInlineValue = true;
    }
    const OptionInfo *info = std::find_if(
        std::begin(kOptions), std::end(kOptions),
        [&](const OptionInfo &option) { return argument == option.name; });
    if (info == std::end(kOptions)) {
      if (!argument.empty() && argument[0] == '-')
        return badInput("unknown option '%s' (see --help)", argv[i]);
      return badInput("unexpected argument '%s' (see --help)", argv[i]);
    }
    if (!info->takesValue && hasInlineValue)
      return badInput("%s takes no value", info->name);
    if (info->takesValue && !hasInlineValue) {
      if (i + 1 >= argc)
        return badInput("%s needs a value", info->name);
      value = argv[++i];
    }
    bool &seen = given[info - kOptions];
    if (seen && !info->repeatable)
      return badInput("%s given more than once", info->name);
    seen = true;
    if (Status status = info->set(options, info->name, value); !status)
      return status.takeError();
  }
  int sources = (options.tokens ? 1 : 0) + (options.tokensFile ? 1 : 0) +
                (options.prompt ? 1 : 0) + (options.promptsFile ? 1 : 0) +
                (options.inputFiles.empty() ? 0 : 1);
  if (sources > 1 && !options.help)
    return badInput("give only one of --tokens, --tokens-file, --prompt, "
                    "--prompts-file and --input-pb");
  return options;
}

std::string usageText(const std::string &program, const Manifest *manifest) {
  std::string text = formatString(
      "usage: %s [--tokens IDS | --tokens-file F | --prompt TEXT |\n"
      "          --prompts-file F | --input-pb FILE...] [options]\n",
      program.c_str());
  text += R"(
Runs the compiled model once per prompt (batch 1) and writes what was asked.

Input (one of):
  --tokens IDS        one prompt: token ids separated by commas and/or spaces
  --tokens-file F     one prompt per line (same syntax; '#' comments and
                      blank lines are skipped); the model runs once per prompt
  --prompt TEXT       text, for models compiled with --tokenizer: the ids of
                      the embedded tokenizer.json (tokenizer=json), or
                      [bos] + the UTF-8 bytes of TEXT (tokenizer=bytes)
  --prompts-file F    one text prompt per line, or JSON Lines with a "text"
                      field; the model runs once per prompt
  --input-pb FILE     one tensor file per model input, in input order
                      (repeat the option); ONNX TensorProto (.pb), or NumPy
                      when the name ends in .npy
Output:
  --logits F.npy      the logits output as .npy; with several prompts
                      F.0.npy, F.1.npy, ... (a missing .npy suffix is added)
  --trace F           the sink trace (see sink-trace), one record per prompt;
                      a model compiled with --capture also writes the
                      captured states next to it (F.captures.npz)
  --output-dir DIR    every output as DIR/output_<i>.pb (ONNX TensorProto);
                      with several prompts DIR/output_<i>.<prompt>.pb
  --quiet             no per-prompt summary on stdout
Execution:
  --threads N         worker threads for parallel loops (default 1)
  --repeat N          run the model N times per prompt (outputs and trace
                      from the last run) and print the run times: for
                      benchmarks, which want the steady state
  --weights-file F    external weights (default: <executable>.weights)
  --verify-weights    also recompute the weights hash (reads all weights)
  --memory-limit SIZE the memory this run may use (bytes, or with K, M, G,
                      T); weights larger than it are refused instead of
                      being paged in from the file over and over
                      (default: physical memory or the cgroup's limit)
Sink classification (recorded in the trace):
  --tau X             |hidden_cos_bos| >= X flags a token (default 0.9)
  --epsilon Y         recv >= Y flags a token (default 0.3)
  --min-queries N     recv counts only for keys seen by >= N queries (default 4)

Exit codes: 0 success, 2 bad usage or input, 1 runtime failure.
)";
  if (!manifest)
    return text;
  text += formatString("\nModel '%s'", manifest->modelName.c_str());
  if (const LanguageModelInfo *lm =
          manifest->languageModel ? &*manifest->languageModel : nullptr)
    text +=
        formatString(": %d layers, %d heads, vocabulary %lld, bos %lld, "
                     "tokenizer %s",
                     lm->layers, lm->heads, static_cast<long long>(lm->vocab),
                     static_cast<long long>(lm->bos), lm->tokenizer.c_str());
  text +=
      formatString("\n  instrumented: %s\n", manifest->instrumentSpec.c_str());
  if (manifest->intervention.present())
    text += formatString("  intervention: %s\n",
                         manifest->intervention.describe().c_str());
  if (!manifest->captureSpec.empty())
    text += formatString("  captures: %s (with --trace F.sinktrace: "
                         "F.captures.npz)\n",
                         manifest->captureSpec.c_str());
  auto describe = [&](const char *kind, const TensorSpec &spec) {
    std::string dims;
    for (size_t i = 0; i < spec.dims.size(); ++i)
      dims +=
          (i ? "," : "") +
          (spec.dims[i] < 0 ? std::string("?") : std::to_string(spec.dims[i]));
    text += formatString("  %s %d: %s %s[%s] (%s)\n", kind, spec.index,
                         spec.name.c_str(), dtypeName(spec.dtype), dims.c_str(),
                         roleName(spec.role));
  };
  for (const TensorSpec &spec : manifest->inputs)
    describe("input", spec);
  for (const TensorSpec &spec : manifest->outputs)
    describe("output", spec);
  return text;
}

} // namespace sinkrt
