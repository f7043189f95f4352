//===- Runner.cpp - main() of every compiled model ------------------------===//
//
// Order of work: parse the command line, the manifest and every input
// (usage and input errors surface before anything expensive), check that
// every output can be created, load the weights, then run the model once
// per prompt, writing per-run outputs as they are produced and the trace at
// the end.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Runner.h"

#include "sinkrt/AtomicFile.h"
#include "sinkrt/Captures.h"
#include "sinkrt/Classify.h"
#include "sinkrt/Manifest.h"
#include "sinkrt/MemRef.h"
#include "sinkrt/Options.h"
#include "sinkrt/Probes.h"
#include "sinkrt/Progress.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/Text.h"
#include "sinkrt/ThreadPool.h"
#include "sinkrt/Tokens.h"
#include "sinkrt/Weights.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sys/stat.h>

namespace sinkrt {

namespace {

/// The inputs of one sinkc_entry call and what the trace needs about them.
struct Invocation {
  std::vector<HostTensor> inputs;
  int64_t batch = 1;
  /// -1 when no input carries the sequence length (no tokens input).
  int64_t sequence = -1;
  /// The token ids of each batch row, when the model has a tokens input.
  std::vector<TokenSequence> tokenRows;
};

class Runner {
public:
  Runner(const ModelBinding &model, OutputStreams streams, std::string program)
      : model(model), streams(streams), program(std::move(program)) {}

  int run(int argc, const char *const *argv);

private:
  Status execute();
  Expected<std::vector<TokenSequence>> collectPrompts();
  Expected<Invocation> invocationForPrompt(const TokenSequence &tokens,
                                           size_t index, size_t count);
  Expected<Invocation> invocationFromFiles();
  Status checkOutputsExist();
  Status checkOutputPaths(size_t runCount);
  Expected<std::vector<HostTensor>> invoke(Invocation &invocation,
                                           const LoadedWeights &weights,
                                           RunContext &context);
  Status writeRunOutputs(size_t runIndex, size_t runCount,
                         const std::vector<HostTensor> &outputs);
  void printRunSummary(size_t runIndex, size_t runCount,
                       const Invocation &invocation,
                       const std::vector<HostTensor> &outputs);
  void printTimes(size_t runIndex, std::vector<double> milliseconds);
  Status writeTrace(std::vector<TraceRecord> records);
  Status writeCaptures(const CaptureTable &table);
  Status loadTokenizer();

  std::string logitsPathFor(size_t runIndex, size_t runCount) const;
  std::string outputPathFor(size_t outputIndex, size_t runIndex,
                            size_t runCount) const;

  const ModelBinding &model;
  OutputStreams streams;
  std::string program;
  Options options;
  Manifest manifest;
  /// The embedded tokenizer.json, for models compiled with one.
  std::unique_ptr<TextTokenizer> tokenizer;
};

Status Runner::loadTokenizer() {
  if (tokenizer || !manifest.languageModel ||
      !manifest.languageModel->hasTokenizerJson())
    return Status::ok();
  // Both are weak: a model whose manifest says tokenizer=json but that was
  // linked without them is a broken build, not bad input.
  if (!sinkc_tokenizer_json)
    return failure("the manifest says tokenizer=json but no tokenizer.json "
                   "is embedded in this executable");
  if (!sinkrt_load_tokenizer)
    return failure("the manifest says tokenizer=json but the executable was "
                   "linked without the tokenizer library (libsinktok)");
  std::string error;
  TextTokenizer *loaded = sinkrt_load_tokenizer(
      sinkc_tokenizer_json, std::strlen(sinkc_tokenizer_json),
      "embedded tokenizer.json", &error);
  if (!loaded)
    return failure("%s", error.c_str());
  tokenizer.reset(loaded);
  if (tokenizer->vocabSize() > manifest.languageModel->vocab)
    return failure("the embedded tokenizer has %lld ids, more than the "
                   "model's vocabulary of %lld",
                   static_cast<long long>(tokenizer->vocabSize()),
                   static_cast<long long>(manifest.languageModel->vocab));
  return Status::ok();
}

int Runner::run(int argc, const char *const *argv) {
  auto report = [&](const Error &error) {
    // One line, whatever a file name or a token list in the message holds.
    std::fprintf(streams.err, "%s: error: %s\n", program.c_str(),
                 oneLine(error.message).c_str());
    return exitCodeFor(error.kind);
  };
  Expected<Options> parsed = parseOptions(argc, argv);
  if (!parsed)
    return report(parsed.getError());
  options = std::move(*parsed);
  if (!model.manifest || !model.entry)
    return report(failure("no model is linked into this executable"));
  Expected<Manifest> parsedManifest = parseManifest(model.manifest);
  if (options.help) {
    std::string usage =
        usageText(program, parsedManifest ? &*parsedManifest : nullptr);
    std::fputs(usage.c_str(), streams.out);
    return 0;
  }
  if (!parsedManifest)
    return report(parsedManifest.getError());
  manifest = std::move(*parsedManifest);
  if (Status status = execute(); !status)
    return report(status.getError());
  return 0;
}

Expected<std::vector<TokenSequence>> Runner::collectPrompts() {
  std::vector<TokenSequence> prompts;
  if (Status status = loadTokenizer(); !status)
    return status.takeError();
  if (options.tokens) {
    Expected<TokenSequence> tokens = parseTokenList(*options.tokens);
    if (!tokens)
      return withContext(tokens.takeError(), "--tokens");
    prompts.push_back(std::move(*tokens));
  } else if (options.tokensFile) {
    Expected<std::vector<unsigned char>> content =
        readFile(*options.tokensFile);
    if (!content)
      return content.takeError();
    std::string_view text(reinterpret_cast<const char *>(content->data()),
                          content->size());
    Expected<std::vector<TokenSequence>> fromFile =
        parseTokensFile(text, *options.tokensFile);
    if (!fromFile)
      return fromFile.takeError();
    prompts = std::move(*fromFile);
  } else if (options.prompt || options.promptsFile) {
    const char *option = options.prompt ? "--prompt" : "--prompts-file";
    if (!manifest.languageModel)
      return badInput("%s needs a language model; this model has no tokens "
                      "input and logits output",
                      option);
    std::vector<std::string> texts;
    if (options.prompt) {
      texts.push_back(*options.prompt);
    } else {
      Expected<std::vector<unsigned char>> content =
          readFile(*options.promptsFile);
      if (!content)
        return content.takeError();
      Expected<std::vector<std::string>> fromFile = parsePromptsFile(
          std::string_view(reinterpret_cast<const char *>(content->data()),
                           content->size()),
          *options.promptsFile);
      if (!fromFile)
        return fromFile.takeError();
      texts = std::move(*fromFile);
    }
    for (size_t i = 0; i < texts.size(); ++i) {
      Expected<TokenSequence> tokens =
          tokensFromPrompt(texts[i], *manifest.languageModel, tokenizer.get());
      if (!tokens)
        return texts.size() > 1
                   ? withContext(tokens.takeError(),
                                 formatString("'%s' prompt %zu",
                                              options.promptsFile->c_str(), i))
                   : tokens.takeError();
      prompts.push_back(std::move(*tokens));
    }
  }
  if (!manifest.findInput(TensorRole::Tokens))
    return badInput("this model has no tokens input; feed its inputs with "
                    "--input-pb");
  if (manifest.languageModel)
    for (size_t i = 0; i < prompts.size(); ++i)
      if (Status status = validateTokens(
              prompts[i],
              prompts.size() > 1 ? formatString("prompt %zu", i) : "",
              manifest.languageModel->vocab);
          !status)
        return status.takeError();
  return prompts;
}

/// Whether `view` starts at its allocation's aligned pointer, is dense and
/// row-major, and 64-byte aligned (what AlignedBuffer promises). The
/// generated code allocates `memref.alloc {alignment = 64}` as malloc of
/// the size plus 63 bytes, rounded up: the data rarely starts at the
/// allocation itself.
bool isDenseAlignedAllocation(const MemRefView &view) {
  if (view.offset != 0 || reinterpret_cast<uintptr_t>(view.aligned) % 64 != 0)
    return false;
  int64_t stride = 1;
  for (size_t d = view.sizes.size(); d-- > 0;) {
    if (view.sizes[d] != 1 && view.strides[d] != stride)
      return false;
    stride *= view.sizes[d];
  }
  return true;
}

template <typename T> void fill(HostTensor &tensor, T value) {
  std::fill_n(tensor.as<T>(), tensor.elementCount(), value);
}

/// Fills an attention_mask input: ones of its element type.
void fillOnes(HostTensor &tensor) {
  switch (tensor.dtype) {
  case DType::F32:
    return fill(tensor, 1.0f);
  case DType::F64:
    return fill(tensor, 1.0);
  case DType::F16:
    return fill(tensor, floatToHalf(1.0f));
  case DType::I64:
    return fill<int64_t>(tensor, 1);
  case DType::I32:
    return fill<int32_t>(tensor, 1);
  case DType::I8:
  case DType::U8:
  case DType::Bool:
    return fill<uint8_t>(tensor, 1);
  }
}

Expected<Invocation> Runner::invocationForPrompt(const TokenSequence &tokens,
                                                 size_t index, size_t count) {
  auto length = static_cast<int64_t>(tokens.size());
  Invocation invocation;
  invocation.sequence = length;
  invocation.tokenRows.push_back(tokens);
  std::string which =
      count > 1 ? formatString("prompt %zu", index) : "the prompt";
  for (const TensorSpec &spec : manifest.inputs) {
    if (spec.role == TensorRole::Data)
      return badInput("model input %d '%s' has no automatic value; feed all "
                      "inputs with --input-pb",
                      spec.index, spec.name.c_str());
    if (spec.dims[0] >= 0 && spec.dims[0] != 1)
      return badInput("model input '%s' has a fixed batch of %lld, but "
                      "prompts run with batch 1 (use --input-pb)",
                      spec.name.c_str(), static_cast<long long>(spec.dims[0]));
    if (spec.dims[1] >= 0 && spec.dims[1] != length)
      return badInput("%s has %lld tokens, but the model takes exactly %lld",
                      which.c_str(), static_cast<long long>(length),
                      static_cast<long long>(spec.dims[1]));
    Expected<HostTensor> tensor = HostTensor::create(spec.dtype, {1, length});
    if (!tensor)
      return tensor.takeError();
    for (int64_t t = 0; t < length; ++t) {
      int64_t value = spec.role == TensorRole::Tokens        ? tokens[t]
                      : spec.role == TensorRole::PositionIds ? t
                                                             : 1;
      if (spec.role == TensorRole::AttentionMask)
        break;
      if (spec.dtype == DType::I64)
        tensor->as<int64_t>()[t] = value;
      else
        tensor->as<int32_t>()[t] = static_cast<int32_t>(value);
    }
    if (spec.role == TensorRole::AttentionMask)
      fillOnes(*tensor);
    invocation.inputs.push_back(std::move(*tensor));
  }
  return invocation;
}

Expected<Invocation> Runner::invocationFromFiles() {
  if (options.inputFiles.size() != manifest.inputs.size())
    return badInput("the model has %zu inputs but %zu --input-pb files were "
                    "given (one per input, in order)",
                    manifest.inputs.size(), options.inputFiles.size());
  Invocation invocation;
  invocation.batch = -1;
  for (size_t i = 0; i < manifest.inputs.size(); ++i) {
    const TensorSpec &spec = manifest.inputs[i];
    const std::string &path = options.inputFiles[i];
    Expected<NamedTensor> loaded = readTensorFile(path);
    if (!loaded)
      return loaded.takeError();
    HostTensor &tensor = loaded->tensor;
    std::string what = formatString("input %zu '%s' (from '%s')", i,
                                    spec.name.c_str(), path.c_str());
    if (tensor.dtype != spec.dtype)
      return badInput("%s must be %s, the file holds %s", what.c_str(),
                      dtypeName(spec.dtype), dtypeName(tensor.dtype));
    if (tensor.shape.size() != spec.dims.size())
      return badInput("%s must have rank %zu, the file has shape %s",
                      what.c_str(), spec.dims.size(),
                      shapeToString(tensor.shape).c_str());
    for (size_t d = 0; d < spec.dims.size(); ++d)
      if (spec.dims[d] >= 0 && spec.dims[d] != tensor.shape[d])
        return badInput("%s has shape %s, but dimension %zu must be %lld",
                        what.c_str(), shapeToString(tensor.shape).c_str(), d,
                        static_cast<long long>(spec.dims[d]));
    if (spec.role == TensorRole::Tokens) {
      invocation.batch = tensor.shape[0];
      invocation.sequence = tensor.shape[1];
      if (invocation.sequence == 0)
        return badInput("%s is an empty prompt", what.c_str());
      for (int64_t row = 0; row < invocation.batch; ++row) {
        const int64_t *ids = tensor.as<int64_t>() + row * invocation.sequence;
        TokenSequence rowTokens(ids, ids + invocation.sequence);
        if (manifest.languageModel)
          if (Status status = validateTokens(
                  rowTokens,
                  formatString("row %lld of %s", static_cast<long long>(row),
                               what.c_str()),
                  manifest.languageModel->vocab);
              !status)
            return status.takeError();
        invocation.tokenRows.push_back(std::move(rowTokens));
      }
    }
    invocation.inputs.push_back(std::move(tensor));
  }
  return invocation;
}

std::string Runner::logitsPathFor(size_t runIndex, size_t runCount) const {
  const std::string &path = *options.logitsPath;
  if (runCount == 1)
    return path;
  std::string stem = path;
  if (stem.size() > 4 && stem.compare(stem.size() - 4, 4, ".npy") == 0)
    stem.resize(stem.size() - 4);
  return formatString("%s.%zu.npy", stem.c_str(), runIndex);
}

std::string Runner::outputPathFor(size_t outputIndex, size_t runIndex,
                                  size_t runCount) const {
  if (runCount == 1)
    return formatString("%s/output_%zu.pb", options.outputDir->c_str(),
                        outputIndex);
  return formatString("%s/output_%zu.%zu.pb", options.outputDir->c_str(),
                      outputIndex, runIndex);
}

/// Whether the model can produce what was asked for at all.
Status Runner::checkOutputsExist() {
  if (options.logitsPath && !manifest.findOutput(TensorRole::Logits))
    return badInput("--logits: this model has no logits output (use "
                    "--output-dir)");
  if (options.tracePath && manifest.probes.empty())
    return badInput("--trace: the model was compiled without "
                    "instrumentation (recompile with --instrument)");
  return Status::ok();
}

/// Whether every output file can be created, before the model runs.
Status Runner::checkOutputPaths(size_t runCount) {
  if (options.logitsPath)
    if (Status status = checkOutputPath(logitsPathFor(0, runCount)); !status)
      return status;
  if (options.tracePath)
    if (Status status = checkOutputPath(*options.tracePath); !status)
      return status;
  if (options.tracePath && !manifest.captures.empty())
    if (Status status = checkOutputPath(capturesPathFor(*options.tracePath));
        !status)
      return status;
  if (options.outputDir) {
    const std::string &directory = *options.outputDir;
    struct stat status;
    if (::stat(directory.c_str(), &status) != 0) {
      if (errno != ENOENT || ::mkdir(directory.c_str(), 0777) != 0)
        return failure("cannot create output directory '%s': %s",
                       directory.c_str(), std::strerror(errno));
    } else if (!S_ISDIR(status.st_mode)) {
      return failure("--output-dir '%s' is not a directory", directory.c_str());
    }
    if (!manifest.outputs.empty())
      if (Status check = checkOutputPath(outputPathFor(0, 0, runCount)); !check)
        return check;
  }
  return Status::ok();
}

Expected<std::vector<HostTensor>> Runner::invoke(Invocation &invocation,
                                                 const LoadedWeights &weights,
                                                 RunContext &context) {
  std::vector<std::vector<int64_t>> inputDescriptors;
  for (HostTensor &tensor : invocation.inputs)
    inputDescriptors.push_back(makeMemRefDescriptor(tensor));
  std::vector<std::vector<int64_t>> outputDescriptors;
  for (const TensorSpec &spec : manifest.outputs)
    outputDescriptors.emplace_back(3 + 2 * spec.dims.size(), 0);

  std::vector<void *> args;
  args.push_back(const_cast<void *>(weights.data()));
  for (auto &descriptor : inputDescriptors)
    args.push_back(descriptor.data());
  for (auto &descriptor : outputDescriptors)
    args.push_back(descriptor.data());
  args.push_back(&context);
  model.entry(args.data());

  // An output whose buffer is its own, dense and aligned becomes a tensor
  // as it is (the logits of a long prompt are gigabytes); any other is
  // copied. All are taken or copied before any buffer is freed, and each
  // buffer is freed once even if a buggy model hands out the same one twice.
  std::vector<MemRefView> views;
  std::map<void *, int> owners;
  for (size_t i = 0; i < manifest.outputs.size(); ++i) {
    views.push_back(readMemRefDescriptor(
        outputDescriptors[i].data(),
        static_cast<int64_t>(manifest.outputs[i].dims.size())));
    if (views.back().allocated)
      ++owners[views.back().allocated];
  }
  std::vector<HostTensor> outputs;
  std::set<void *> allocations;
  std::optional<Error> firstError;
  for (size_t i = 0; i < manifest.outputs.size(); ++i) {
    const TensorSpec &spec = manifest.outputs[i];
    const MemRefView &view = views[i];
    if (view.allocated)
      allocations.insert(view.allocated);
    if (firstError)
      continue;
    bool shapeMatches = true;
    for (size_t d = 0; d < spec.dims.size(); ++d)
      shapeMatches =
          shapeMatches && (spec.dims[d] < 0 || spec.dims[d] == view.sizes[d]);
    if (!shapeMatches) {
      firstError =
          failure("output %zu '%s' has shape %s, which the manifest "
                  "does not allow",
                  i, spec.name.c_str(), shapeToString(view.sizes).c_str());
      continue;
    }
    if (view.allocated && owners[view.allocated] == 1 &&
        isDenseAlignedAllocation(view)) {
      HostTensor tensor;
      tensor.dtype = spec.dtype;
      tensor.shape = view.sizes;
      size_t bytes = dtypeSize(spec.dtype);
      for (int64_t size : view.sizes)
        bytes *= static_cast<size_t>(size);
      tensor.buffer = AlignedBuffer::adopt(
          static_cast<unsigned char *>(view.allocated),
          static_cast<unsigned char *>(view.aligned), bytes);
      allocations.erase(view.allocated);
      outputs.push_back(std::move(tensor));
      continue;
    }
    Expected<HostTensor> tensor = copyMemRefToTensor(view, spec.dtype);
    if (!tensor) {
      firstError =
          withContext(tensor.takeError(),
                      formatString("output %zu '%s'", i, spec.name.c_str()));
      continue;
    }
    outputs.push_back(std::move(*tensor));
  }
  for (void *allocation : allocations)
    std::free(allocation);
  if (firstError)
    return *firstError;
  return outputs;
}

Status Runner::writeRunOutputs(size_t runIndex, size_t runCount,
                               const std::vector<HostTensor> &outputs) {
  if (options.logitsPath) {
    const TensorSpec *logits = manifest.findOutput(TensorRole::Logits);
    if (Status status = writeNpyFile(logitsPathFor(runIndex, runCount),
                                     outputs[logits->index]);
        !status)
      return status;
  }
  if (options.outputDir)
    for (size_t i = 0; i < outputs.size(); ++i)
      if (Status status =
              writeTensorProtoFile(outputPathFor(i, runIndex, runCount),
                                   outputs[i], manifest.outputs[i].name);
          !status)
        return status;
  return Status::ok();
}

double elementAsDouble(const HostTensor &tensor, size_t index) {
  switch (tensor.dtype) {
  case DType::F32:
    return tensor.as<float>()[index];
  case DType::F64:
    return tensor.as<double>()[index];
  case DType::F16:
    return halfToFloat(tensor.as<uint16_t>()[index]);
  case DType::I64:
    return static_cast<double>(tensor.as<int64_t>()[index]);
  case DType::I32:
    return tensor.as<int32_t>()[index];
  case DType::I8:
    return tensor.as<int8_t>()[index];
  case DType::U8:
  case DType::Bool:
    return tensor.data()[index];
  }
  return 0;
}

/// One machine-readable line per prompt: "times prompt=I runs=N median_ms=M
/// min_ms=A max_ms=B". Printed even with --quiet: it is what --repeat is for.
void Runner::printTimes(size_t runIndex, std::vector<double> milliseconds) {
  std::sort(milliseconds.begin(), milliseconds.end());
  size_t n = milliseconds.size();
  double median = n % 2 ? milliseconds[n / 2]
                        : (milliseconds[n / 2 - 1] + milliseconds[n / 2]) / 2;
  std::fprintf(streams.out,
               "times prompt=%zu runs=%zu median_ms=%.3f min_ms=%.3f "
               "max_ms=%.3f\n",
               runIndex, n, median, milliseconds.front(), milliseconds.back());
}

void Runner::printRunSummary(size_t runIndex, size_t runCount,
                             const Invocation &invocation,
                             const std::vector<HostTensor> &outputs) {
  if (options.quiet)
    return;
  std::string run = runCount > 1 || options.tokensFile
                        ? formatString("prompt %zu", runIndex)
                        : std::string("prompt");
  const TensorSpec *logitsSpec = manifest.findOutput(TensorRole::Logits);
  if (!logitsSpec || !manifest.languageModel || invocation.sequence <= 0) {
    std::fprintf(streams.out, "%s: ran, %zu outputs\n", run.c_str(),
                 outputs.size());
    return;
  }
  const HostTensor &logits = outputs[logitsSpec->index];
  int64_t rows = logits.shape[0], sequence = logits.shape[1],
          vocab = logits.shape[2];
  for (int64_t row = 0; row < rows && sequence > 0 && vocab > 0; ++row) {
    size_t base = static_cast<size_t>((row * sequence + sequence - 1) * vocab);
    int64_t best = 0;
    double bestValue = elementAsDouble(logits, base);
    for (int64_t v = 1; v < vocab; ++v) {
      double value = elementAsDouble(logits, base + v);
      if (value > bestValue) {
        best = v;
        bestValue = value;
      }
    }
    std::string text;
    if (manifest.languageModel->isByteLevel() && best < 256)
      text = " '" + escapeBytes(std::string(1, static_cast<char>(best))) + "'";
    else if (tokenizer)
      if (std::string piece = tokenizer->tokenTexts({best}).front();
          !piece.empty())
        text = " '" + escapeText(piece) + "'";
    std::string rowName =
        rows > 1 ? formatString(" row %lld", static_cast<long long>(row)) : "";
    std::fprintf(streams.out,
                 "%s%s: %lld tokens, next token %lld%s (logit %s)\n",
                 run.c_str(), rowName.c_str(),
                 static_cast<long long>(invocation.sequence),
                 static_cast<long long>(best), text.c_str(),
                 formatFloat(static_cast<float>(bestValue)).c_str());
  }
}

Status Runner::writeTrace(std::vector<TraceRecord> records) {
  TraceData trace;
  const LanguageModelInfo &lm = *manifest.languageModel;
  trace.model.name = manifest.modelName;
  trace.model.layers = lm.layers;
  trace.model.heads = lm.heads;
  trace.model.vocab = lm.vocab;
  trace.model.bos = lm.bos;
  trace.model.tokenizer = lm.tokenizer;
  trace.model.weightsSize = manifest.weightsSize;
  trace.model.weightsHash = manifest.weightsHash;
  trace.model.intervention = manifest.intervention;
  trace.records = std::move(records);
  trace.levels = aggregateSinkLevels(trace.records);
  trace.schemaVersion = oldestSchemaVersionFor(trace);
  trace.producer =
      formatString("sinkrt (trace schema %u)", trace.schemaVersion);
  Expected<std::vector<uint8_t>> buffer = serializeTrace(trace);
  if (!buffer)
    return buffer.takeError();
  if (Status status = writeFileAtomically(*options.tracePath,
                                          {{buffer->data(), buffer->size()}});
      !status)
    return status;
  if (!options.quiet) {
    size_t primary = 0, secondary = 0;
    for (const TraceRecord &record : trace.records)
      for (const TokenSink &sink : record.sinks) {
        primary += sink.kind == SinkKind::Primary;
        secondary += sink.kind == SinkKind::Secondary;
      }
    std::fprintf(streams.out,
                 "trace: %s (%zu records; %zu primary and %zu secondary sink "
                 "tokens)\n",
                 options.tracePath->c_str(), trace.records.size(), primary,
                 secondary);
  }
  return Status::ok();
}

/// The captured rows, written before the trace: a trace on disk then
/// always has its captures next to it (each file is atomic on its own).
Status Runner::writeCaptures(const CaptureTable &table) {
  std::string path = capturesPathFor(*options.tracePath);
  if (Status status = writeCapturesFile(path, manifest.captureSpec,
                                        manifest.modelName, table);
      !status)
    return status;
  if (!options.quiet) {
    size_t primary = 0, secondary = 0, controls = 0, unmatched = 0;
    for (size_t row = 0; row < table.rows(); ++row) {
      auto kind = static_cast<SinkKind>(table.kind[row]);
      primary += kind == SinkKind::Primary;
      secondary += kind == SinkKind::Secondary;
      controls += kind == SinkKind::None;
      unmatched += kind != SinkKind::None && table.matchedTo[row] < 0;
    }
    std::string matched;
    if (manifest.captureTokens == CaptureTokens::SinksMatched)
      matched = formatString(", %zu matched controls (%zu sinks without one: "
                             "too few other positions with their token id)",
                             controls, unmatched);
    std::fprintf(streams.out,
                 "captures: %s (%zu tokens x %zu states: %zu primary and %zu "
                 "secondary sink tokens%s)\n",
                 path.c_str(), table.rows(), table.captures.size(), primary,
                 secondary, matched.c_str());
  }
  return Status::ok();
}

Status Runner::execute() {
  if (Status status = checkOutputsExist(); !status)
    return status;
  std::vector<Invocation> invocations;
  bool promptGiven = options.tokens || options.tokensFile || options.prompt ||
                     options.promptsFile;
  if (promptGiven) {
    Expected<std::vector<TokenSequence>> prompts = collectPrompts();
    if (!prompts)
      return prompts.takeError();
    for (size_t i = 0; i < prompts->size(); ++i) {
      Expected<Invocation> invocation =
          invocationForPrompt((*prompts)[i], i, prompts->size());
      if (!invocation)
        return invocation.takeError();
      invocations.push_back(std::move(*invocation));
    }
  } else if (!options.inputFiles.empty()) {
    Expected<Invocation> invocation = invocationFromFiles();
    if (!invocation)
      return invocation.takeError();
    invocations.push_back(std::move(*invocation));
  } else if (manifest.inputs.empty()) {
    invocations.emplace_back();
  } else {
    return badInput("no input given: use --tokens, --tokens-file, --prompt, "
                    "--prompts-file or --input-pb (see --help)");
  }

  if (Status status = checkOutputPaths(invocations.size()); !status)
    return status;

  WeightsOptions weightsOptions;
  weightsOptions.embedded = model.embeddedWeights;
  weightsOptions.pathFromCommandLine = options.weightsFile.has_value();
  weightsOptions.externalPath = options.weightsFile
                                    ? *options.weightsFile
                                    : model.executablePath + ".weights";
  weightsOptions.verifyPayloadHash = options.verifyWeights;
  weightsOptions.memoryLimit = options.memoryLimit.value_or(0);
  Expected<LoadedWeights> weights = loadWeights(manifest, weightsOptions);
  if (!weights)
    return weights.takeError();

  Expected<std::unique_ptr<ThreadPool>> pool =
      ThreadPool::create(options.threads);
  if (!pool)
    return pool.takeError();
  ProbeCollector probes(manifest);
  CaptureCollector captures(manifest);
  // The captured rows go next to the trace; without one nothing is copied.
  captures.setEnabled(options.tracePath.has_value());
  RunContext context{pool->get(), &probes, &captures};
  ProgressLine progress(streams.err, !options.quiet &&
                                         ProgressLine::isTerminal(streams.err));
  int layerCount = manifest.languageModel ? manifest.languageModel->layers : 0;
  probes.setLayerListener(
      [&](int layer) { progress.layerMeasured(layer, layerCount); });
  ClassificationRules rules = makeClassificationRules(
      probes.layers(), probes.metrics(), options.thresholds);

  std::vector<TraceRecord> records;
  for (size_t runIndex = 0; runIndex < invocations.size(); ++runIndex) {
    Invocation &invocation = invocations[runIndex];
    std::vector<double> runMilliseconds;
    Expected<std::vector<HostTensor>> outputs = std::vector<HostTensor>();
    for (int repetition = 0; repetition < options.repeat; ++repetition) {
      progress.startPrompt(runIndex, invocations.size(), invocation.sequence);
      probes.beginRun(invocation.batch, invocation.sequence);
      captures.beginRun(invocation.batch, invocation.sequence);
      auto start = std::chrono::steady_clock::now();
      outputs = invoke(invocation, *weights, context);
      auto stop = std::chrono::steady_clock::now();
      if (!outputs)
        return outputs.takeError();
      runMilliseconds.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
    }
    progress.clear();
    if (options.repeat > 1)
      printTimes(runIndex, runMilliseconds);
    if (probes.hasProbes()) {
      Expected<std::vector<std::vector<LayerRecord>>> measured =
          probes.finishRun();
      if (!measured)
        return measured.takeError();
      if (Status status = captures.finishRun(
              static_cast<int64_t>(measured->size()), probes.sequenceLength());
          !status)
        return status;
      for (size_t row = 0; options.tracePath && row < measured->size(); ++row) {
        TraceRecord record;
        record.prompt = static_cast<int>(runIndex);
        record.batchRow = static_cast<int>(row);
        if (row < invocation.tokenRows.size())
          record.tokens = invocation.tokenRows[row];
        if (tokenizer)
          record.tokenTexts = tokenizer->tokenTexts(record.tokens);
        record.sequenceLength = static_cast<int>(probes.sequenceLength());
        record.instrumentSpec = manifest.instrumentSpec;
        record.layers = probes.layers();
        record.metrics = probes.metrics();
        record.rules = rules;
        record.measurements = std::move((*measured)[row]);
        classifyRecord(record);
        captures.appendRows(
            static_cast<int64_t>(records.size()), record,
            static_cast<int64_t>(row),
            selectCapturedTokens(record, manifest.captureTokens));
        records.push_back(std::move(record));
      }
      captures.endRun();
    }
    if (Status status = writeRunOutputs(runIndex, invocations.size(), *outputs);
        !status)
      return status;
    printRunSummary(runIndex, invocations.size(), invocation, *outputs);
  }
  if (options.tracePath && captures.isEnabled())
    if (Status status = writeCaptures(captures.table()); !status)
      return status;
  if (options.tracePath)
    return writeTrace(std::move(records));
  return Status::ok();
}

} // namespace

int runMain(int argc, const char *const *argv, const ModelBinding &model,
            OutputStreams streams) {
  std::string program =
      argc > 0 && argv[0] && *argv[0] ? baseName(argv[0]) : "model";
  return Runner(model, streams, program).run(argc, argv);
}

} // namespace sinkrt
