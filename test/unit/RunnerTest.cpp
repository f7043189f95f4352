//===- RunnerTest.cpp - The model command line, in process ----------------===//
//
// Drives sinkrt::runMain with the fake models bound directly, checking exit
// codes, messages, outputs and traces. CliTest.cpp repeats the essentials
// through real linked executables.
//
//===----------------------------------------------------------------------===//

#include "sinkrt/Runner.h"

#include "FakeModels.h"
#include "TestUtil.h"
#include "sinkrt/TensorIO.h"
#include "sinkrt/TraceData.h"
#include "sinkrt/Weights.h"
#include "sinkrt/WeightsHash.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sys/stat.h>

using namespace sinkrt;
using ::testing::HasSubstr;
using ::testing::Not;
using testutil::RunResult;
using testutil::TempDir;

namespace {

using fake::embeddedLm;

ModelBinding generic() {
  ModelBinding model;
  model.manifest = fake::kGenericManifest;
  model.entry = fake::fakeGenericEntry;
  return model;
}

RunResult run(const ModelBinding &model, std::vector<std::string> args) {
  args.insert(args.begin(), "fake-lm");
  return testutil::runInProcess(model, args);
}

/// Checks the exit code and that stderr is exactly one line with the
/// program prefix and `message` in it.
void expectError(const RunResult &result, int exitCode,
                 const std::string &message) {
  EXPECT_EQ(result.exitCode, exitCode) << result.err;
  EXPECT_EQ(result.err.rfind("fake-lm: error: ", 0), 0u) << result.err;
  EXPECT_EQ(testutil::countLines(result.err), 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr(message));
}

HostTensor loadTensor(const std::string &path) {
  Expected<NamedTensor> tensor = readTensorFile(path);
  EXPECT_TRUE(tensor) << (tensor ? "" : tensor.getError().message);
  return std::move(tensor->tensor);
}

/// The logits fake-lm must produce for these tokens (mask 1, positions
/// 0..T-1).
std::vector<float> expectedLogits(const std::vector<int64_t> &tokens) {
  std::vector<float> logits;
  for (size_t t = 0; t < tokens.size(); ++t)
    for (int64_t v = 0; v < fake::kVocab; ++v)
      logits.push_back(
          fake::fakeLogit(v, tokens[t], 1, static_cast<int64_t>(t)));
  return logits;
}

std::vector<float> floatsOf(const HostTensor &tensor) {
  return std::vector<float>(tensor.as<float>(),
                            tensor.as<float>() + tensor.elementCount());
}

TraceData loadTrace(const std::string &path) {
  Expected<TraceData> trace = readTraceFile(path);
  EXPECT_TRUE(trace) << (trace ? "" : trace.getError().message);
  return std::move(*trace);
}

/// The embedded fake LM's manifest with its first `from` replaced by `to`.
std::string editedManifest(const std::string &from, const std::string &to) {
  std::string manifest = fake::kLmManifestEmbedded;
  manifest.replace(manifest.find(from), from.size(), to);
  return manifest;
}

/// The embedded fake LM with another manifest (which must outlive it).
ModelBinding embeddedLmWith(const std::string &manifest) {
  ModelBinding model = embeddedLm();
  model.manifest = manifest.c_str();
  return model;
}
ModelBinding embeddedLmWith(std::string &&) = delete;

class ScopedFault {
public:
  explicit ScopedFault(const char *fault) {
    ::setenv("FAKE_MODEL_FAULT", fault, 1);
  }
  ~ScopedFault() { ::unsetenv("FAKE_MODEL_FAULT"); }
};

/// The content of an input file, and the error it gives.
struct FileError {
  std::string content;
  std::string message;
};

/// "hi\n-x!abc": BOS, 'h', 'i', '\n', '-', 'x', '!', 'a', 'b', 'c'.
const std::vector<int64_t> kSinkPrompt = {256, 104, 105, 10, 45,
                                          120, 33,  97,  98, 99};
const char kSinkPromptIds[] = "256,104,105,10,45,120,33,97,98,99";

} // namespace

TEST(Runner, HelpDescribesOptionsAndModel) {
  RunResult result = run(embeddedLm(), {"--help"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_EQ(result.out.rfind("usage: fake-lm ", 0), 0u);
  for (const char *text :
       {"--tokens-file F", "--input-pb FILE", "--tau X", "F.0.npy",
        "Exit codes: 0 success, 2 bad usage or input, 1 runtime failure",
        "Model 'fake lm': 8 layers, 2 heads, vocabulary 260, bos 256, "
        "tokenizer bytes",
        "input 1: attention_mask i64[?,?] (attention_mask)",
        "output 0: logits f32[?,?,260] (logits)"})
    EXPECT_THAT(result.out, HasSubstr(text));
  EXPECT_TRUE(result.err.empty());
}

TEST(Runner, RunsAPromptAndWritesStridedLogits) {
  TempDir directory;
  std::string logits = directory.file("logits.npy");
  std::vector<int64_t> tokens = {256, 104, 105};
  RunResult result =
      run(embeddedLm(), {"--tokens", "256, 104 105", "--logits", logits});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  HostTensor tensor = loadTensor(logits);
  EXPECT_EQ(tensor.dtype, DType::F32);
  EXPECT_EQ(tensor.shape, (std::vector<int64_t>{1, 3, 260}));
  std::vector<float> expected = expectedLogits(tokens);
  EXPECT_EQ(floatsOf(tensor), expected);
  // The summary names the argmax of the last position.
  size_t best = 0;
  for (size_t v = 1; v < 260; ++v)
    if (expected[2 * 260 + v] > expected[2 * 260 + best])
      best = v;
  EXPECT_THAT(result.out, HasSubstr(formatString(
                              "prompt: 3 tokens, next token %zu", best)));
  EXPECT_EQ(directory.entries(), std::vector<std::string>{"logits.npy"});
}

TEST(Runner, ThreadCountDoesNotChangeResults) {
  TempDir directory;
  for (const char *threads : {"1", "2", "7"})
    ASSERT_EQ(run(embeddedLm(),
                  {"--tokens", kSinkPromptIds, "--threads", threads, "--logits",
                   directory.file(std::string("l") + threads + ".npy")})
                  .exitCode,
              0);
  std::string one = testutil::readFile(directory.file("l1.npy"));
  EXPECT_EQ(testutil::readFile(directory.file("l2.npy")), one);
  EXPECT_EQ(testutil::readFile(directory.file("l7.npy")), one);
}

TEST(Runner, ValidatesTokens) {
  expectError(run(embeddedLm(), {"--tokens", "256,300,1"}), 2,
              "token id 300 at position 1 is out of range (vocabulary size "
              "260)");
  expectError(run(embeddedLm(), {"--tokens", "256,-1"}), 2,
              "token id -1 at position 1 is out of range");
  expectError(run(embeddedLm(), {"--tokens", "256,1x"}), 2,
              "token id '1x' is not an integer");
  expectError(run(embeddedLm(), {"--tokens", "256,1.5"}), 2,
              "token id '1.5' is not an integer");
  expectError(run(embeddedLm(), {"--tokens", "1,,2"}), 2, "empty token id");
  expectError(run(embeddedLm(), {"--tokens", "1,2,"}), 2, "trailing ','");
  expectError(run(embeddedLm(), {"--tokens", ""}), 2, "empty prompt");
  expectError(run(embeddedLm(), {"--tokens", " "}), 2, "empty prompt");
  expectError(run(embeddedLm(), {"--tokens", "99999999999999999999"}), 2,
              "is not an integer");
}

TEST(Runner, PromptBecomesBosPlusUtf8Bytes) {
  TempDir directory;
  std::string trace = directory.file("p.sinktrace");
  RunResult result =
      run(embeddedLm(), {"--prompt", "h\xc3\xa9!", "--trace", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  TraceData data = loadTrace(trace);
  ASSERT_EQ(data.records.size(), 1u);
  EXPECT_EQ(data.records[0].tokens,
            (std::vector<int64_t>{256, 104, 0xc3, 0xa9, 33}));
  expectError(run(embeddedLm(), {"--prompt", ""}), 2, "empty prompt");
}

TEST(Runner, PromptNeedsAByteLevelModel) {
  std::string manifest = editedManifest("tokenizer=bytes", "tokenizer=none");
  expectError(run(embeddedLmWith(manifest), {"--prompt", "hi"}), 2,
              "text prompts need a model compiled with --tokenizer");
}

TEST(Runner, PromptsFileRunsEveryTextPrompt) {
  TempDir directory;
  std::string prompts = directory.file("prompts.txt");
  // A plain line, a blank line, a JSON line with escapes and other fields.
  testutil::writeFile(prompts, "hi\r\n\n{\"id\": [1, {\"x\": null}], "
                               "\"text\": \"a\\n\\u00e9\"}\n");
  std::string trace = directory.file("run.sinktrace");
  RunResult result =
      run(embeddedLm(), {"--prompts-file", prompts, "--trace", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  TraceData data = loadTrace(trace);
  ASSERT_EQ(data.records.size(), 2u);
  EXPECT_EQ(data.records[0].tokens, (std::vector<int64_t>{256, 104, 105}));
  EXPECT_EQ(data.records[1].tokens,
            (std::vector<int64_t>{256, 97, 10, 0xc3, 0xa9}));
  // Byte-level models carry no token texts; sink-trace spells their bytes.
  EXPECT_TRUE(data.records[0].tokenTexts.empty());
}

TEST(Runner, PromptsFileErrorsNameTheLine) {
  TempDir directory;
  std::string prompts = directory.file("prompts.jsonl");
  for (const FileError &e :
       {FileError{"ok\n{\"text\": 3}\n",
                  "prompts.jsonl' line 2: \"text\" is not a string"},
        FileError{"{\"prompt\": \"x\"}\n",
                  "line 1: the JSON object has no \"text\" field"},
        FileError{"{\"text\": \"x\"\n",
                  "line 1: not a JSON object: expected ',' or '}'"},
        FileError{"\n\n", "contains no prompts"}}) {
    testutil::writeFile(prompts, e.content);
    expectError(run(embeddedLm(), {"--prompts-file", prompts}), 2, e.message);
  }
}

TEST(Runner, TokenizerJsonManifestNeedsAnEmbeddedTokenizer) {
  std::string manifest = editedManifest("tokenizer=bytes", "tokenizer=json");
  expectError(run(embeddedLmWith(manifest), {"--prompt", "hi"}), 1,
              "the manifest says tokenizer=json but no tokenizer.json is "
              "embedded");
}

TEST(Runner, TokensFileRunsEveryPrompt) {
  TempDir directory;
  std::string prompts = directory.file("prompts.txt");
  testutil::writeFile(prompts, "# three prompts\n"
                               "256,104,105\n"
                               "\n"
                               "   # indented comment\n"
                               "256 10 10   # trailing comment\n"
                               "256,\t1, 2 3\n");
  std::string logits = directory.file("out.npy");
  std::string trace = directory.file("t.sinktrace");
  RunResult result = run(embeddedLm(), {"--tokens-file", prompts, "--logits",
                                        logits, "--trace", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(testutil::countLines(result.out), 4) << result.out;
  EXPECT_THAT(result.out, HasSubstr("prompt 2: 4 tokens"));
  EXPECT_EQ(directory.entries(),
            (std::vector<std::string>{"out.0.npy", "out.1.npy", "out.2.npy",
                                      "prompts.txt", "t.sinktrace"}));
  EXPECT_EQ(floatsOf(loadTensor(directory.file("out.1.npy"))),
            expectedLogits({256, 10, 10}));
  TraceData data = loadTrace(trace);
  ASSERT_EQ(data.records.size(), 3u);
  EXPECT_EQ(data.records[2].prompt, 2);
  EXPECT_EQ(data.records[2].tokens, (std::vector<int64_t>{256, 1, 2, 3}));
  // A logits name without .npy gets the index and the suffix.
  ASSERT_EQ(run(embeddedLm(), {"--tokens-file", prompts, "--logits",
                               directory.file("raw"), "--quiet"})
                .exitCode,
            0);
  EXPECT_TRUE(testutil::fileExists(directory.file("raw.2.npy")));
}

TEST(Runner, TokensFileErrorsNameTheLine) {
  TempDir directory;
  std::string prompts = directory.file("p.txt");
  for (const FileError &e :
       {FileError{"1,2\n# ok\n3,x\n",
                  "'" + prompts + "' line 3: token id 'x' is not an integer"},
        FileError{"1,2\n1,2,700\n",
                  "token id 700 at position 2 of prompt 1 is out of range"},
        FileError{"# nothing\n\n", "contains no prompts"}}) {
    testutil::writeFile(prompts, e.content);
    expectError(run(embeddedLm(), {"--tokens-file", prompts}), 2, e.message);
  }
  expectError(run(embeddedLm(), {"--tokens-file", directory.file("none")}), 2,
              "cannot read '" + directory.file("none") +
                  "': No such file or directory");
  expectError(run(embeddedLm(), {"--tokens-file", directory.path()}), 2,
              "Is a directory");
  // Even a file name with a newline gives a one-line message.
  expectError(run(embeddedLm(), {"--tokens-file", directory.file("a\nb")}), 2,
              "a\\nb");
}

TEST(Runner, RejectsBadCommandLines) {
  struct Case {
    std::vector<std::string> args;
    const char *message;
  };
  for (const Case &c : std::vector<Case>{
           {{"--frobnicate"}, "unknown option '--frobnicate'"},
           {{"extra"}, "unexpected argument 'extra'"},
           {{"--tokens"}, "--tokens needs a value"},
           {{"--tokens", "1", "--tokens", "2"},
            "--tokens given more than once"},
           {{"--tokens", "1", "--prompt", "x"}, "give only one of"},
           {{"--threads", "0", "--tokens", "1"},
            "--threads must be an integer "
            "from 1 to 1024, got '0'"},
           {{"--threads=two", "--tokens", "1"}, "got 'two'"},
           {{"--tau", "1.5", "--tokens", "1"},
            "--tau must be a number in (0, "
            "1], got '1.5'"},
           {{"--epsilon", "nan", "--tokens", "1"}, "--epsilon must be"},
           {{"--epsilon", "0", "--tokens", "1"}, "--epsilon must be"},
           {{"--min-queries", "0", "--tokens", "1"}, "--min-queries must be"},
           {{"--quiet=1", "--tokens", "1"}, "--quiet takes no value"},
           {{"--trace", ""}, "--trace needs a non-empty value"},
           {{}, "no input given"},
       })
    expectError(run(embeddedLm(), c.args), 2, c.message);
}

TEST(Runner, TraceRecordsMeasurementsAndSinks) {
  TempDir directory;
  std::string trace = directory.file("t.sinktrace");
  RunResult result =
      run(embeddedLm(), {"--tokens", kSinkPromptIds, "--trace", trace});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("trace: " + trace +
                        " (1 records; 1 primary and 3 secondary sink "
                        "tokens)"));
  TraceData data = loadTrace(trace);
  EXPECT_EQ(data.model.name, "fake lm");
  EXPECT_EQ(data.model.layers, 8);
  EXPECT_EQ(data.model.weightsSize, 1029u);
  ASSERT_EQ(data.records.size(), 1u);
  const TraceRecord &record = data.records[0];
  EXPECT_EQ(record.tokens, kSinkPrompt);
  EXPECT_EQ(record.sequenceLength, 10);
  EXPECT_EQ(record.instrumentSpec, "layers=all metrics=attn,mlp,hidden");
  EXPECT_EQ(record.layers, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(record.metrics.size(), 7u);
  EXPECT_EQ(record.rules.tau, 0.9f);
  EXPECT_EQ(record.rules.epsilon, 0.3f);
  EXPECT_EQ(record.rules.minQueries, 4);
  ASSERT_EQ(record.measurements.size(), 8u);
  const LayerRecord &layer3 = record.measurements[3];
  EXPECT_EQ(layer3.bosMass, 0.53f);
  EXPECT_EQ(layer3.headBosMass, (std::vector<float>{0.43f, 0.63f}));
  // hidden_norm was reported with an inner stride of 2.
  EXPECT_EQ(layer3.hiddenNorm[0], 53.0f);
  EXPECT_EQ(layer3.hiddenNorm[4], 5.0f + 0.1f * 4);
  EXPECT_EQ(layer3.hiddenCosBos[3], 0.95f);
  EXPECT_EQ(record.measurements[2].mlpCosBos[3], 0.8f);

  ASSERT_EQ(record.sinks.size(), 10u);
  const TokenSink &bos = record.sinks[0];
  EXPECT_EQ(bos.kind, SinkKind::Primary);
  EXPECT_EQ(bos.lifetime, 8);
  EXPECT_EQ(bos.criteria, kCriterionHiddenCosine | kCriterionAttention);
  const TokenSink &newline = record.sinks[3];
  testutil::expectSink(newline, SinkKind::Secondary, 3, 3);
  EXPECT_EQ(newline.criteria, kCriterionHiddenCosine);
  const TokenSink &dash = record.sinks[4];
  EXPECT_EQ(dash.kind, SinkKind::Secondary);
  EXPECT_EQ(dash.creationLayer, 2);
  const TokenSink &bang = record.sinks[6];
  EXPECT_EQ(bang.kind, SinkKind::Secondary);
  EXPECT_EQ(bang.creationLayer, 6);
  EXPECT_EQ(bang.criteria, kCriterionAttention);
  EXPECT_EQ(bang.peakRecv, 0.45f);
  for (int position : {1, 2, 5, 7, 8, 9})
    EXPECT_EQ(record.sinks[position].kind, SinkKind::None) << position;
  ASSERT_EQ(data.levels.size(), 4u);
}

TEST(Runner, ThresholdOptionsChangeAndAreRecorded) {
  TempDir directory;
  std::string trace = directory.file("t.sinktrace");
  ASSERT_EQ(run(embeddedLm(),
                {"--tokens", kSinkPromptIds, "--trace", trace, "--tau=0.96",
                 "--epsilon", "0.5", "--min-queries", "2"})
                .exitCode,
            0);
  TraceData data = loadTrace(trace);
  const TraceRecord &record = data.records[0];
  EXPECT_EQ(record.rules.tau, 0.96f);
  EXPECT_EQ(record.rules.epsilon, 0.5f);
  EXPECT_EQ(record.rules.minQueries, 2);
  EXPECT_EQ(record.sinks[0].kind, SinkKind::Primary);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::None); // 0.95 < 0.96
  EXPECT_EQ(record.sinks[6].kind, SinkKind::None); // 0.45 < 0.5
}

TEST(Runner, AttentionOnlyInstrumentation) {
  // A manifest without hidden_cos_bos probes: only recv can flag.
  std::string manifest;
  std::string full = fake::kLmManifestEmbedded;
  for (size_t start = 0; start < full.size();) {
    size_t end = full.find('\n', start) + 1;
    std::string line = full.substr(start, end - start);
    if (line.find("hidden_cos_bos") == std::string::npos)
      manifest += line;
    start = end;
  }
  fake::reportedMetrics = 0x7f & ~(1u << 4);
  TempDir directory;
  std::string trace = directory.file("t.sinktrace");
  RunResult result = run(embeddedLmWith(manifest),
                         {"--tokens", kSinkPromptIds, "--trace", trace});
  fake::reportedMetrics = 0x7f;
  ASSERT_EQ(result.exitCode, 0) << result.err;
  TraceData data = loadTrace(trace);
  const TraceRecord &record = data.records[0];
  EXPECT_EQ(record.rules.criteriaAvailable, kCriterionAttention);
  EXPECT_EQ(record.metrics.size(), 6u);
  EXPECT_TRUE(record.measurements[3].hiddenCosBos.empty());
  EXPECT_EQ(record.sinks[0].kind, SinkKind::Primary);
  EXPECT_EQ(record.sinks[0].criteria, kCriterionAttention);
  EXPECT_EQ(record.sinks[3].kind, SinkKind::None);
  EXPECT_EQ(record.sinks[6].kind, SinkKind::Secondary);
}

TEST(Runner, TraceAndLogitsNeedWhatTheModelHas) {
  TempDir directory;
  std::string input = directory.file("a.npy");
  expectError(run(generic(), {"--trace", directory.file("t.sinktrace")}), 2,
              "--trace: the model was compiled without instrumentation");
  expectError(run(generic(), {"--logits", directory.file("l.npy")}), 2,
              "--logits: this model has no logits output");
  expectError(run(generic(), {"--tokens", "1"}), 2,
              "this model has no tokens input; feed its inputs with "
              "--input-pb");
  EXPECT_TRUE(directory.entries().empty());
}

TEST(Runner, UnwritableOutputsFailBeforeRunning) {
  TempDir directory;
  testutil::writeFile(directory.file("file"), "x");
  expectError(run(embeddedLm(), {"--tokens", "1", "--trace",
                                 directory.file("missing/t.sinktrace")}),
              1,
              "cannot create '" + directory.file("missing/t.sinktrace") +
                  "': No such file or directory");
  expectError(run(embeddedLm(),
                  {"--tokens", "1", "--logits", directory.file("file/l.npy")}),
              1, "Not a directory");
  expectError(
      run(embeddedLm(), {"--tokens", "1", "--logits", directory.path()}), 1,
      "it is a directory");
  expectError(run(embeddedLm(),
                  {"--tokens", "1", "--output-dir", directory.file("file")}),
              1, "is not a directory");
  EXPECT_EQ(directory.entries(), std::vector<std::string>{"file"});
}

TEST(Runner, MisbehavingModelsAreCaught) {
  struct Case {
    const char *fault;
    const char *message;
  };
  for (const Case &c :
       {Case{"unknown-probe", "the model reported probe 999, which its "
                              "manifest does not list"},
        Case{"skip-probe", "probe 100 (bos_mass of layer 0) never reported"},
        Case{"twice", "probe 100 (bos_mass of layer 0) reported twice"},
        Case{"bad-shape", "probe 102 (recv of layer 0) has shape [1, 4], "
                          "expected [1, 3]"},
        Case{"bad-output", "output 0 'logits' has shape [1, 3, 259], which "
                           "the manifest does not allow"}}) {
    ScopedFault fault(c.fault);
    TempDir directory;
    expectError(run(embeddedLm(), {"--tokens", "256,1,2", "--trace",
                                   directory.file("t.sinktrace")}),
                1, c.message);
    EXPECT_TRUE(directory.entries().empty()) << c.fault;
  }
}

TEST(Runner, MalformedManifestIsARuntimeFailure) {
  ModelBinding model = embeddedLm();
  model.manifest = "sinkc-manifest 1\nmodel x\n";
  expectError(run(model, {"--tokens", "1"}), 1, "no 'end' record");
  // --help still works and says what it can.
  RunResult help = run(model, {"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, Not(HasSubstr("Model '")));
}

TEST(Runner, FixedShapesAndDataInputsNeedInputFiles) {
  struct Case {
    const char *from, *to, *message;
  };
  for (const Case &c :
       {Case{"input_ids i64 2 -1 -1", "input_ids i64 2 1 4",
             "the prompt has 3 tokens, but the model takes exactly 4"},
        Case{"input_ids i64 2 -1 -1", "input_ids i64 2 2 -1",
             "has a fixed batch of 2, but prompts run with batch 1"},
        Case{"output 0", "input 3 extra f32 1 4 data\noutput 0",
             "model input 3 'extra' has no automatic value"}}) {
    std::string manifest = editedManifest(c.from, c.to);
    expectError(run(embeddedLmWith(manifest), {"--tokens", "1,2,3"}), 2,
                c.message);
  }
}

TEST(Runner, InputFilesFeedABatchThroughTheLanguageModel) {
  TempDir directory;
  Expected<HostTensor> ids = HostTensor::create(DType::I64, {2, 5});
  Expected<HostTensor> mask = HostTensor::create(DType::I64, {2, 5});
  Expected<HostTensor> positions = HostTensor::create(DType::I64, {2, 5});
  ASSERT_TRUE(ids && mask && positions);
  const int64_t rows[2][5] = {{256, 10, 33, 1, 2}, {256, 45, 3, 4, 5}};
  for (int b = 0; b < 2; ++b)
    for (int t = 0; t < 5; ++t) {
      ids->as<int64_t>()[b * 5 + t] = rows[b][t];
      mask->as<int64_t>()[b * 5 + t] = 1;
      positions->as<int64_t>()[b * 5 + t] = t;
    }
  ASSERT_TRUE(writeNpyFile(directory.file("ids.npy"), *ids));
  ASSERT_TRUE(writeTensorProtoFile(directory.file("mask.pb"), *mask, "m"));
  ASSERT_TRUE(writeTensorProtoFile(directory.file("pos.pb"), *positions, "p"));
  std::string trace = directory.file("t.sinktrace");
  RunResult result =
      run(embeddedLm(),
          {"--input-pb", directory.file("ids.npy"), "--input-pb",
           directory.file("mask.pb"), "--input-pb", directory.file("pos.pb"),
           "--trace", trace, "--logits", directory.file("l.npy"),
           "--output-dir", directory.file("out")});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("prompt row 1: 5 tokens"));
  HostTensor logits = loadTensor(directory.file("l.npy"));
  EXPECT_EQ(logits.shape, (std::vector<int64_t>{2, 5, 260}));
  std::vector<float> second = expectedLogits({256, 45, 3, 4, 5});
  EXPECT_EQ(std::vector<float>(logits.as<float>() + 5 * 260,
                               logits.as<float>() + 10 * 260),
            second);
  Expected<NamedTensor> output =
      readTensorFile(directory.file("out/output_0.pb"));
  ASSERT_TRUE(output);
  EXPECT_EQ(output->name, "logits");
  EXPECT_EQ(
      std::memcmp(output->tensor.data(), logits.data(), logits.byteSize()), 0);
  TraceData data = loadTrace(trace);
  ASSERT_EQ(data.records.size(), 2u);
  EXPECT_EQ(data.records[1].batchRow, 1);
  EXPECT_EQ(data.records[1].tokens, (std::vector<int64_t>{256, 45, 3, 4, 5}));
  EXPECT_EQ(data.records[0].sinks[1].kind, SinkKind::Secondary); // '\n'
  EXPECT_EQ(data.records[1].sinks[1].kind, SinkKind::Secondary); // '-'

  ids->as<int64_t>()[7] = 999;
  ASSERT_TRUE(writeNpyFile(directory.file("bad.npy"), *ids));
  expectError(run(embeddedLm(), {"--input-pb", directory.file("bad.npy"),
                                 "--input-pb", directory.file("mask.pb"),
                                 "--input-pb", directory.file("pos.pb")}),
              2,
              "token id 999 at position 2 of row 1 of input 0 'input_ids' "
              "(from '" +
                  directory.file("bad.npy") +
                  "') is out of range (vocabulary size 260)");
}

TEST(Runner, InputFileErrors) {
  TempDir directory;
  Expected<HostTensor> floats = HostTensor::create(DType::F32, {1, 3});
  Expected<HostTensor> ids3 = HostTensor::create(DType::I64, {1, 2, 3});
  ASSERT_TRUE(floats && ids3);
  ASSERT_TRUE(writeNpyFile(directory.file("f.npy"), *floats));
  ASSERT_TRUE(writeNpyFile(directory.file("rank3.npy"), *ids3));
  testutil::writeFile(directory.file("junk.pb"), "\xff\xff");
  std::string f = directory.file("f.npy");
  expectError(run(embeddedLm(), {"--input-pb", f}), 2,
              "the model has 3 inputs but 1 --input-pb files were given");
  expectError(
      run(embeddedLm(), {"--input-pb", f, "--input-pb", f, "--input-pb", f}), 2,
      "input 0 'input_ids' (from '" + f + "') must be i64, the file holds f32");
  std::string r3 = directory.file("rank3.npy");
  expectError(
      run(embeddedLm(), {"--input-pb", r3, "--input-pb", r3, "--input-pb", r3}),
      2, "must have rank 2, the file has shape [1, 2, 3]");
  std::string junk = directory.file("junk.pb");
  expectError(run(embeddedLm(),
                  {"--input-pb", junk, "--input-pb", junk, "--input-pb", junk}),
              2, "'" + junk + "': malformed TensorProto");
  Expected<HostTensor> wide = HostTensor::create(DType::F32, {2, 4});
  ASSERT_TRUE(wide);
  ASSERT_TRUE(writeNpyFile(directory.file("wide.npy"), *wide));
  std::vector<std::string> args;
  for (int i = 0; i < 8; ++i) {
    args.push_back("--input-pb");
    args.push_back(directory.file("wide.npy"));
  }
  expectError(run(generic(), args), 2,
              "has shape [2, 4], but dimension 1 must be 3");
}

TEST(Runner, GenericModelRoundTripsEveryType) {
  TempDir directory;
  std::vector<HostTensor> inputs;
  inputs.reserve(8); // add() hands out references into it
  auto add = [&](DType dtype, std::vector<int64_t> shape) -> HostTensor & {
    Expected<HostTensor> tensor = HostTensor::create(dtype, shape);
    EXPECT_TRUE(tensor);
    inputs.push_back(std::move(*tensor));
    return inputs.back();
  };
  HostTensor &a = add(DType::F32, {2, 3});
  for (int i = 0; i < 6; ++i)
    a.as<float>()[i] = 0.5f * i - 1;
  add(DType::F64, {2}).as<double>()[1] = 2.25;
  HostTensor &c = add(DType::F16, {3});
  c.as<uint16_t>()[0] = floatToHalf(1.5f);
  c.as<uint16_t>()[2] = floatToHalf(-0.25f);
  add(DType::I64, {2}).as<int64_t>()[0] = -5;
  add(DType::I32, {1}).as<int32_t>()[0] = 100;
  HostTensor &f = add(DType::I8, {3});
  f.as<int8_t>()[0] = -128;
  f.as<int8_t>()[1] = 7;
  add(DType::U8, {2}).as<uint8_t>()[1] = 255;
  HostTensor &h = add(DType::Bool, {3});
  h.as<uint8_t>()[1] = 1;
  std::vector<std::string> args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    // Alternate formats: .pb for even inputs, .npy for odd ones.
    std::string path =
        directory.file(formatString("in%zu.%s", i, i % 2 ? "npy" : "pb"));
    ASSERT_TRUE(i % 2 ? writeNpyFile(path, inputs[i])
                      : writeTensorProtoFile(path, inputs[i], "x"));
    args.push_back("--input-pb");
    args.push_back(path);
  }
  args.push_back("--output-dir");
  args.push_back(directory.file("out"));
  RunResult result = run(generic(), args);
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(result.out, "prompt: ran, 8 outputs\n");
  std::vector<HostTensor> outputs;
  const char *names[] = {"a_twice",    "b_plus_one",  "c_twice",
                         "d_plus_one", "e_minus_one", "f_negated",
                         "g_plus_one", "h_not"};
  for (int i = 0; i < 8; ++i) {
    Expected<NamedTensor> output =
        readTensorFile(directory.file(formatString("out/output_%d.pb", i)));
    ASSERT_TRUE(output) << i;
    EXPECT_EQ(output->name, names[i]);
    EXPECT_EQ(output->tensor.dtype, inputs[i].dtype);
    EXPECT_EQ(output->tensor.shape, inputs[i].shape);
    outputs.push_back(std::move(output->tensor));
  }
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(outputs[0].as<float>()[i], 2 * a.as<float>()[i]) << i;
  EXPECT_EQ(outputs[1].as<double>()[1], 3.25);
  EXPECT_EQ(halfToFloat(outputs[2].as<uint16_t>()[0]), 3.0f);
  EXPECT_EQ(halfToFloat(outputs[2].as<uint16_t>()[2]), -0.5f);
  EXPECT_EQ(outputs[3].as<int64_t>()[0], -4);
  EXPECT_EQ(outputs[4].as<int32_t>()[0], 99);
  EXPECT_EQ(outputs[5].as<int8_t>()[0], 127);
  EXPECT_EQ(outputs[5].as<int8_t>()[1], -7);
  EXPECT_EQ(outputs[6].as<uint8_t>()[1], 0);
  EXPECT_EQ(outputs[7].as<uint8_t>()[0], 1);
  EXPECT_EQ(outputs[7].as<uint8_t>()[1], 0);
}

TEST(Runner, SeveralPromptsGetNumberedOutputFiles) {
  TempDir directory;
  std::string prompts = directory.file("p.txt");
  testutil::writeFile(prompts, "256,1\n256,2,3\n");
  ASSERT_EQ(run(embeddedLm(), {"--tokens-file", prompts, "--output-dir",
                               directory.file("out"), "--quiet"})
                .exitCode,
            0);
  EXPECT_TRUE(testutil::fileExists(directory.file("out/output_0.0.pb")));
  EXPECT_TRUE(testutil::fileExists(directory.file("out/output_0.1.pb")));
  EXPECT_EQ(loadTensor(directory.file("out/output_0.1.pb")).shape,
            (std::vector<int64_t>{1, 3, 260}));
}

TEST(Runner, QuietPrintsNothing) {
  RunResult result = run(embeddedLm(), {"--tokens", "1", "--quiet"});
  EXPECT_EQ(result.exitCode, 0);
  EXPECT_TRUE(result.out.empty());
  EXPECT_TRUE(result.err.empty());
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

namespace {

struct WeightsFile {
  std::string magic = "SINKCWTS";
  uint32_t version = 1;
  uint64_t size = FAKE_WEIGHTS_SIZE;
  uint64_t hash = hashWeights(fake::kWeights, FAKE_WEIGHTS_SIZE);
  size_t truncateBy = 0;
  bool corruptPayload = false;

  void write(const std::string &path) const {
    WeightsFileHeaderBytes header = makeWeightsFileHeader(size, hash);
    std::memcpy(header.data(), magic.data(), 8);
    header[8] = static_cast<unsigned char>(version);
    std::string content(reinterpret_cast<const char *>(header.data()),
                        header.size());
    content.resize(kWeightsFilePayloadOffset, '\0');
    content.append(reinterpret_cast<const char *>(fake::kWeights),
                   FAKE_WEIGHTS_SIZE);
    if (corruptPayload)
      content[kWeightsFilePayloadOffset + 100] ^= 1;
    content.resize(content.size() - truncateBy);
    testutil::writeFile(path, content);
  }
};

ModelBinding externalLm(const TempDir &directory) {
  ModelBinding model = embeddedLm();
  model.manifest = fake::kLmManifestExternal;
  model.embeddedWeights = nullptr;
  model.executablePath = directory.file("fake-lm");
  return model;
}

} // namespace

TEST(Weights, ExternalFileNextToTheExecutable) {
  TempDir directory;
  WeightsFile().write(directory.file("fake-lm.weights"));
  std::string logits = directory.file("l.npy");
  RunResult result =
      run(externalLm(directory),
          {"--tokens", "256,5", "--logits", logits, "--verify-weights"});
  ASSERT_EQ(result.exitCode, 0) << result.err;
  EXPECT_EQ(floatsOf(loadTensor(logits)), expectedLogits({256, 5}));
}

TEST(Weights, WeightsFileOption) {
  TempDir directory;
  WeightsFile().write(directory.file("elsewhere.bin"));
  EXPECT_EQ(run(externalLm(directory), {"--tokens", "1", "--weights-file",
                                        directory.file("elsewhere.bin")})
                .exitCode,
            0);
  expectError(run(externalLm(directory),
                  {"--tokens", "1", "--weights-file", directory.file("no")}),
              1,
              "cannot open weights file '" + directory.file("no") +
                  "': No such file or directory");
}

TEST(Weights, MissingDefaultFileExplainsWhereItLooked) {
  TempDir directory;
  expectError(run(externalLm(directory), {"--tokens", "1"}), 1,
              "cannot open weights file '" + directory.file("fake-lm.weights") +
                  "' (the default next to the executable; use "
                  "--weights-file to name another)");
}

TEST(Weights, MismatchesAreRefused) {
  struct Case {
    WeightsFile file;
    const char *message;
  };
  WeightsFile badMagic, badVersion, badSize, badHash, truncated, tiny;
  badMagic.magic = "GGUF\0\0\0\0";
  badVersion.version = 2;
  badSize.size = 4096;
  badHash.hash ^= 1;
  truncated.truncateBy = 10;
  tiny.truncateBy = kWeightsFilePayloadOffset + FAKE_WEIGHTS_SIZE - 20;
  for (const Case &c :
       {Case{badMagic, "is not a sinkc weights file (bad magic)"},
        Case{badVersion, "has format version 2, expected 1"},
        Case{badSize, "holds 4096 bytes of weights but the model expects 1029 "
                      "(weights of a different model?)"},
        Case{badHash, "but the model expects 3be46e9deb40b92e (weights of a "
                      "different build?)"},
        Case{truncated, "is truncated: 5115 bytes, expected 5125"},
        Case{tiny, "is too short for a weights header (20 bytes)"}}) {
    TempDir directory;
    c.file.write(directory.file("fake-lm.weights"));
    expectError(run(externalLm(directory), {"--tokens", "1"}), 1, c.message);
  }
}

TEST(Weights, VerifyWeightsRehashesThePayload) {
  TempDir directory;
  WeightsFile corrupt;
  corrupt.corruptPayload = true;
  corrupt.write(directory.file("fake-lm.weights"));
  // The header matches, so without --verify-weights the run goes ahead.
  EXPECT_EQ(run(externalLm(directory), {"--tokens", "1"}).exitCode, 0);
  expectError(run(externalLm(directory), {"--tokens", "1", "--verify-weights"}),
              1, "(the file is corrupt)");
}

TEST(Weights, WeightsLargerThanTheMemoryLimitAreRefused) {
  TempDir directory;
  WeightsFile().write(directory.file("fake-lm.weights"));
  // 1029 bytes of weights.
  EXPECT_EQ(
      run(externalLm(directory), {"--tokens", "1", "--memory-limit", "2K"})
          .exitCode,
      0);
  expectError(
      run(externalLm(directory), {"--tokens", "1", "--memory-limit=1000"}), 1,
      "the model's weights (0.00 GB) do not fit in the memory this run may use "
      "(0.00 GB, --memory-limit)");
  ModelBinding embedded = embeddedLm();
  expectError(run(embedded, {"--tokens", "1", "--memory-limit=1k"}), 1,
              "do not fit in the memory this run may use");
  expectError(run(embedded, {"--tokens", "1", "--memory-limit=0"}), 2,
              "--memory-limit must be a positive size in bytes");
  expectError(run(embedded, {"--tokens", "1", "--memory-limit=99999999999T"}),
              2, "--memory-limit must be a positive size in bytes");
  // The machine this runs on has more than 1029 bytes, whatever limits it.
  std::string source;
  EXPECT_GT(sinkrt::availableMemory(&source), 1u << 20);
  EXPECT_FALSE(source.empty());
}

TEST(Weights, DirectoryIsNotAWeightsFile) {
  TempDir directory;
  expectError(run(externalLm(directory),
                  {"--tokens", "1", "--weights-file", directory.path()}),
              1, "is not a regular file");
}

TEST(Weights, EmbeddedWeightsMustBeLinkedIn) {
  ModelBinding model = embeddedLm();
  EXPECT_EQ(run(model, {"--tokens", "1", "--verify-weights"}).exitCode, 0);
  model.embeddedWeights = nullptr;
  expectError(run(model, {"--tokens", "1"}), 1,
              "the model expects 1029 bytes of embedded weights, but none are "
              "linked into the executable");
}
