//===- Options.cpp - Command line of compiled models ----------------------===//

#include "sinkrt/Options.h"

#include "sinkrt/Text.h"
#include "sinkrt/ThreadPool.h"

#include <cstring>

namespace sinkrt {

namespace {

enum class OptionKind {
  Tokens,
  TokensFile,
  Prompt,
  PromptsFile,
  InputPb,
  Logits,
  Trace,
  Threads,
  Repeat,
  WeightsFile,
  OutputDir,
  Tau,
  Epsilon,
  MinQueries,
  VerifyWeights,
  MemoryLimit,
  Quiet,
  Help,
};

struct OptionInfo {
  const char *name;
  OptionKind kind;
  bool takesValue;
};

constexpr OptionInfo kOptions[] = {
    {"--tokens", OptionKind::Tokens, true},
    {"--tokens-file", OptionKind::TokensFile, true},
    {"--prompt", OptionKind::Prompt, true},
    {"--prompts-file", OptionKind::PromptsFile, true},
    {"--input-pb", OptionKind::InputPb, true},
    {"--logits", OptionKind::Logits, true},
    {"--trace", OptionKind::Trace, true},
    {"--threads", OptionKind::Threads, true},
    {"--repeat", OptionKind::Repeat, true},
    {"--weights-file", OptionKind::WeightsFile, true},
    {"--output-dir", OptionKind::OutputDir, true},
    {"--tau", OptionKind::Tau, true},
    {"--epsilon", OptionKind::Epsilon, true},
    {"--min-queries", OptionKind::MinQueries, true},
    {"--verify-weights", OptionKind::VerifyWeights, false},
    {"--memory-limit", OptionKind::MemoryLimit, true},
    {"--quiet", OptionKind::Quiet, false},
    {"--help", OptionKind::Help, false},
    {"-h", OptionKind::Help, false},
};

Status setOnce(std::optional<std::string> &slot, const char *name,
               std::string value) {
  if (slot)
    return badInput("%s given more than once", name);
  if (value.empty())
    return badInput("%s needs a non-empty value", name);
  slot = std::move(value);
  return Status::ok();
}

Expected<double> parseThreshold(const char *name, const std::string &value) {
  std::optional<double> number = parseFiniteDouble(value);
  if (!number || *number <= 0.0 || *number > 1.0)
    return badInput("%s must be a number in (0, 1], got '%s'", name,
                    value.c_str());
  return *number;
}

} // namespace

Expected<Options> parseOptions(int argc, const char *const *argv) {
  Options options;
  bool sawRepeat = false;
  bool sawThreads = false, sawTau = false, sawEpsilon = false,
       sawMinQueries = false;
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
    const OptionInfo *info = nullptr;
    for (const OptionInfo &candidate : kOptions)
      if (argument == candidate.name)
        info = &candidate;
    if (!info) {
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
    Status status;
    switch (info->kind) {
    case OptionKind::Tokens:
      // An empty list is rejected later, as an empty prompt.
      if (options.tokens)
        return badInput("--tokens given more than once");
      options.tokens = value;
      break;
    case OptionKind::TokensFile:
      status = setOnce(options.tokensFile, info->name, value);
      break;
    case OptionKind::Prompt:
      // An empty prompt is rejected later with a message about prompts.
      if (options.prompt)
        return badInput("--prompt given more than once");
      options.prompt = value;
      break;
    case OptionKind::PromptsFile:
      status = setOnce(options.promptsFile, info->name, value);
      break;
    case OptionKind::InputPb:
      if (value.empty())
        return badInput("--input-pb needs a file name");
      options.inputFiles.push_back(value);
      break;
    case OptionKind::Logits:
      status = setOnce(options.logitsPath, info->name, value);
      break;
    case OptionKind::Trace:
      status = setOnce(options.tracePath, info->name, value);
      break;
    case OptionKind::WeightsFile:
      status = setOnce(options.weightsFile, info->name, value);
      break;
    case OptionKind::OutputDir:
      status = setOnce(options.outputDir, info->name, value);
      break;
    case OptionKind::Threads: {
      if (sawThreads)
        return badInput("--threads given more than once");
      sawThreads = true;
      std::optional<int64_t> threads = parseInt64(value);
      if (!threads || *threads < 1 || *threads > kMaxThreads)
        return badInput("--threads must be an integer from 1 to %d, got '%s'",
                        kMaxThreads, value.c_str());
      options.threads = static_cast<int>(*threads);
      break;
    }
    case OptionKind::Repeat: {
      if (sawRepeat)
        return badInput("--repeat given more than once");
      sawRepeat = true;
      std::optional<int64_t> repeat = parseInt64(value);
      if (!repeat || *repeat < 1 || *repeat > 1000000)
        return badInput("--repeat must be an integer from 1 to 1000000, got "
                        "'%s'",
                        value.c_str());
      options.repeat = static_cast<int>(*repeat);
      break;
    }
    case OptionKind::Tau:
    case OptionKind::Epsilon: {
      bool isTau = info->kind == OptionKind::Tau;
      bool &seen = isTau ? sawTau : sawEpsilon;
      if (seen)
        return badInput("%s given more than once", info->name);
      seen = true;
      Expected<double> threshold = parseThreshold(info->name, value);
      if (!threshold)
        return threshold.takeError();
      (isTau ? options.thresholds.tau : options.thresholds.epsilon) =
          *threshold;
      break;
    }
    case OptionKind::MinQueries: {
      if (sawMinQueries)
        return badInput("--min-queries given more than once");
      sawMinQueries = true;
      std::optional<int64_t> count = parseInt64(value);
      if (!count || *count < 1 || *count > 1000000)
        return badInput("--min-queries must be a positive integer, got '%s'",
                        value.c_str());
      options.thresholds.minQueries = static_cast<int>(*count);
      break;
    }
    case OptionKind::VerifyWeights:
      options.verifyWeights = true;
      break;
    case OptionKind::MemoryLimit: {
      if (options.memoryLimit)
        return badInput("--memory-limit given more than once");
      std::optional<uint64_t> bytes = parseByteSize(value);
      if (!bytes || *bytes == 0)
        return badInput("--memory-limit must be a positive size in bytes "
                        "(suffix K, M, G or T allowed), got '%s'",
                        value.c_str());
      options.memoryLimit = *bytes;
      break;
    }
    case OptionKind::Quiet:
      options.quiet = true;
      break;
    case OptionKind::Help:
      options.help = true;
      break;
    }
    if (!status)
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
  --trace F           the sink trace (see sink-trace), one record per prompt
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
